"""Blocs as living coalitions (docs/model.md §16): cohesion pulls members toward the group's line, members break
ranks when their own stake outweighs the group's, and a lead speaks for the group at the chair's table."""

from __future__ import annotations

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, simulate, steps
from sim import dynamics as dyn
from sim.assumptions import describe
from sim.errors import ScenarioError
from sim.inputs import compile_arrays
from sim.loading import validate_scenario
from tests.builders import build, delegation


def with_blocs(scenario, blocs):
    doc = scenario.model_dump(mode="json")
    doc["blocs"] = blocs
    for d in doc["delegations"]:
        d["bloc"] = None
    return validate_scenario(doc, "test.yaml")


def same_tables(a, b):
    assert a.record.data.keys() == b.record.data.keys()
    for name, values in a.record.data.items():
        assert np.array_equal(values, b.record.data[name], equal_nan=True), name


def test_cohesion_one_reproduces_the_coordinated_bloc_bit_for_bit():
    uncc = load_scenario("uncc2024")
    blocs = [b.model_dump(mode="json") for b in uncc.blocs]
    eu = next(b for b in blocs if b["id"] == "eu")
    eu.update(coordinated=False, cohesion=1.0)
    same_tables(simulate(uncc, 300, 11), simulate(with_blocs(uncc, blocs), 300, 11))


def test_cohesion_zero_is_members_deciding_alone():
    uncc = load_scenario("uncc2024")
    blocs = [b.model_dump(mode="json") for b in uncc.blocs]
    loose = [dict(b, coordinated=False, cohesion=0.0, lead=None) for b in blocs]
    unbound = [dict(b, coordinated=False) for b in blocs]
    same_tables(simulate(with_blocs(uncc, unbound), 300, 11), simulate(with_blocs(uncc, loose), 300, 11))
    # and a coordinated EU does make a difference, so the comparison above can fail
    with pytest.raises(AssertionError):
        same_tables(simulate(uncc, 300, 11), simulate(with_blocs(uncc, unbound), 300, 11))


@pytest.mark.parametrize(("cohesion", "breaks_ranks"), [(0.0, True), (0.4, True), (0.6, False), (1.0, False)])
def test_a_member_breaks_ranks_when_its_stake_outweighs_the_groups(cohesion, breaks_ranks):
    """Two members of equal power with surpluses −0.3 and +0.1: the group's line is −0.1 (object). The second one's
    surplus becomes (1 − c)·0.1 − c·0.1, so it accepts — against the line — exactly when c < 1/2."""
    util = np.array([0.4, 0.7], dtype=np.float32)
    demand = np.array([0.7, 0.6], dtype=np.float32)
    members, power = np.array([0, 1]), np.ones(2, dtype=np.float32)
    pulled_util = dyn.cohere(util.copy(), members, power, cohesion)
    pulled_demand = dyn.cohere(demand.copy(), members, power, cohesion)
    accepts = pulled_util >= pulled_demand
    assert not accepts[0]  # its own stake and the line agree: it objects at any cohesion
    assert bool(accepts[1]) is breaks_ranks


def hardliner_in_a_soft_group(cohesion: float):
    soft = [delegation(f"S{i}", 0.4 + 0.02 * i, 0.5, reservation=0.8, outside_option=0.5) for i in range(4)]
    hard = delegation("H", 0.95, 0.1, reservation=0.95, outside_option=0.85, style="boulware")
    others = [delegation("O", 0.3, 0.6, reservation=0.8, outside_option=0.5)]
    return build(
        soft + [hard] + others,
        blocs=[{"id": "g", "members": ["S0", "S1", "S2", "S3", "H"], "cohesion": cohesion}],
        procedure={"rounds": 6, "fallback": "none"},
        chair={"strategy": "hold", "draft": {"scope": 0.42, "safeguards": 0.5}},  # a text the soft members like
    )


def test_a_cohesive_group_carries_its_hardliner_to_consensus():
    adopted = {c: float(np.mean(simulate(hardliner_in_a_soft_group(c), 400, 5).outcome == 0)) for c in (0.0, 0.9)}
    assert adopted[0.0] < 0.2 and adopted[0.9] > 0.8, adopted


def test_the_mesa_model_names_the_members_that_break_ranks():
    model = NegotiationModel(hardliner_in_a_soft_group(0.3), seed=5).run()
    (group,) = model.coalitions
    assert group.bloc_id == "g" and group.cohesion == pytest.approx(0.3)
    assert group.accepts is True and group.defectors == ["H"]


def test_voiced_positions_put_members_that_block_with_their_lead_at_the_leads_point():
    position = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.4, 0.4]], dtype=np.float32)
    lead = np.array([0, 0, 0, -1])
    blocking = np.array([True, True, False, True])
    heard = dyn.voiced_positions(position, blocking, lead)
    assert np.array_equal(heard, position[[0, 0, 2, 3]])
    # without its lead blocking, a member speaks for itself
    alone = dyn.voiced_positions(position, np.array([False, True, False, True]), lead)
    assert np.array_equal(alone, position)


def test_the_chair_accommodates_a_led_group_at_its_leads_position():
    def scenario(lead):
        bloc = {"id": "g", "members": ["L", "M"], "cohesion": 0.5, **({"lead": lead} if lead else {})}
        return build(
            [delegation("L", 0.9, 0.5), delegation("M", 0.6, 0.5), delegation("X", 0.1, 0.5)],
            blocs=[bloc],
        )

    moves = {}
    for lead in (None, "L"):
        arrays = compile_arrays(scenario(lead))
        text = np.array([0.2, 0.5], dtype=np.float32)
        util = np.array([0.5, 0.6, 0.9], dtype=np.float32)
        demand = np.array([0.9, 0.9, 0.5], dtype=np.float32)
        blocking = np.array([True, True, False])
        revised = steps.revise(arrays, text, arrays.position, arrays.salience, util, demand, blocking)
        moves[lead] = float(revised[0] - text[0])
    assert moves["L"] > moves[None] > 0.0


@pytest.mark.parametrize(
    ("bloc", "field", "expected"),
    [
        ({"coordinated": True, "cohesion": 0.5}, "blocs[0].cohesion", "coordinated bloc decides as one"),
        ({"lead": "X"}, "blocs[0].lead", "'X' is not a member of bloc 'g'"),
        ({"cohesion": 1.5}, "blocs[0].cohesion", "must be at most 1.0, got 1.5"),
    ],
)
def test_a_wrong_group_names_its_field(bloc, field, expected):
    doc = {
        "name": "t",
        "title": "t",
        "issues": [{"id": "scope", "label": "Scope"}],
        "delegations": [
            {"id": i, "name": i, "position": {"scope": 0.5}, "salience": {"scope": 1.0}, "power": 1.0}
            for i in ("A", "B", "X")
        ],
        "blocs": [{"id": "g", "members": ["A", "B"], **bloc}],
    }
    with pytest.raises(ScenarioError) as error:
        validate_scenario(doc, "mine.yaml")
    message = str(error.value)
    assert message.startswith(f"mine.yaml: {field}: ") and expected in message


def test_the_report_names_the_groups_that_hold_together():
    lines = describe(load_scenario("uncc2024_groups"))
    (line,) = [x for x in lines if x.startswith("coalitions:")]
    assert "like_minded cohesion 0.7 (lead RUS)" in line and "eu decides as one" in line
    assert "asia_pacific cohesion 0.2" in line
    assert not [x for x in describe(load_scenario("classroom")) if x.startswith("coalitions")]


@pytest.mark.parametrize(("strategy", "heard"), [("accommodate", True), ("package", True), ("nash", False)])
def test_only_a_chair_who_answers_objections_hears_the_lead(strategy, heard):
    def text_after(lead):
        bloc = {"id": "g", "members": ["L", "M"], "cohesion": 0.5, **({"lead": lead} if lead else {})}
        scenario = build(  # M's ideal point is just past the text: it caps how far M alone can pull it
            [delegation("L", 0.9, 0.5), delegation("M", 0.25, 0.5), delegation("X", 0.1, 0.5)],
            blocs=[bloc],
            chair={"strategy": strategy},
        )
        arrays = compile_arrays(scenario)
        text = np.array([0.2, 0.5], dtype=np.float32)
        util = np.array([0.5, 0.6, 0.9], dtype=np.float32)
        demand = np.array([0.9, 0.9, 0.5], dtype=np.float32)
        blocking = np.array([True, True, False])
        outside = np.full(3, 0.3, dtype=np.float32)
        return steps.revise(arrays, text, arrays.position, arrays.salience, util, demand, blocking, outside)

    assert (not np.array_equal(text_after("L"), text_after(None))) is heard


def test_a_lead_speaks_for_a_group_of_any_cohesion():
    scenario = build(
        [delegation("L", 0.9, 0.5), delegation("M", 0.6, 0.5), delegation("X", 0.1, 0.5)],
        blocs=[{"id": "g", "members": ["L", "M"], "lead": "L"}],  # a label: its members decide alone
    )
    arrays = compile_arrays(scenario)
    assert arrays.lead.tolist() == [0, 0, -1] and arrays.cohesive_index is None and arrays.n_blocs == 0
    assert "g cohesion 0 (lead L)" in describe(scenario)[-1]


@pytest.mark.parametrize(
    ("blocs", "expected"),
    [
        ([{"id": "g", "members": ["A", "B"], "lead": "Q"}], "blocs[0].lead: 'Q' is not a delegation in this scenario"),
        ([{"id": "A", "members": ["B"]}], "blocs[0].id: 'A' is also a delegation's id"),
        ([{"id": "g", "members": ["A", "B"], "cohesion": True}], "blocs[0].cohesion: expected a number, got true"),
    ],
)
def test_a_group_that_cannot_be_read_says_why(blocs, expected):
    with pytest.raises(ScenarioError) as error:
        build([delegation("A", 0.1, 0.1), delegation("B", 0.2, 0.2)], blocs=blocs)
    assert expected in str(error.value)


def test_a_groups_cohesion_is_patched_from_the_command_line():
    from sim.config import parse_run_config
    from sim.loading import with_overrides

    config = parse_run_config({"scenario": "uncc2024_groups", "blocs": {"like_minded": {"cohesion": 0.9}}})
    patched = with_overrides(load_scenario("uncc2024_groups"), config.scenario_overrides())
    assert next(b for b in patched.blocs if b.id == "like_minded").cohesion == 0.9


def test_a_person_who_votes_against_the_groups_line_breaks_ranks():
    model = NegotiationModel(hardliner_in_a_soft_group(0.3), seed=5)
    model.play("S0", objecting=True)  # the soft members' line accepts the chair's draft
    model.step()
    (group,) = model.coalitions
    assert group.accepts is True and "S0" in group.defectors


def test_each_coalition_agent_names_its_own_members():
    """Two coordinated blocs listed in the opposite order of their first members: each agent keeps its own."""
    scenario = build(
        [delegation("A", 0.1, 0.1), delegation("B", 0.2, 0.2), delegation("C", 0.8, 0.8), delegation("D", 0.9, 0.9)],
        blocs=[
            {"id": "late", "members": ["C", "D"], "coordinated": True},
            {"id": "early", "members": ["A", "B"], "coordinated": True},
            {"id": "loose", "members": [], "cohesion": 0.5},
        ],
    )
    model = NegotiationModel(scenario, seed=1)
    ids = model.arrays.delegation_ids
    named = {c.bloc_id: [ids[i] for i in c.members] for c in model.coalitions}
    assert named == {"late": ["C", "D"], "early": ["A", "B"]}
