"""Stakeholders who cannot vote (docs/model.md §17): NGOs, industry and UN offices press delegations each round
through salience, position or the outside option; without a budget they change nothing."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, lobbying, simulate
from sim.assumptions import describe
from sim.errors import ScenarioError
from sim.inputs import compile_arrays
from sim.loading import validate_scenario
from tests.builders import build, delegation

CHANNELS = ("salience", "position", "outside_option")


def with_stakeholders(scenario, stakeholders):
    doc = scenario.model_dump(mode="json")
    doc["stakeholders"] = stakeholders
    return validate_scenario(doc, "test.yaml")


def same_tables(a, b):
    for name, values in a.record.data.items():
        assert np.array_equal(values, b.record.data[name], equal_nan=True), name


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_stakeholder_without_a_budget_changes_nothing(channel):
    classroom = load_scenario("classroom")
    idle = {"id": "ngo", "position": {"safeguards": 1.0}, "budget": 0.0, "channel": channel}
    same_tables(simulate(classroom, 300, 3), simulate(with_stakeholders(classroom, [idle]), 300, 3))
    # the same stakeholder with a budget does change the run, so the comparison above can fail
    busy = dict(idle, budget=5.0)
    with pytest.raises(AssertionError):
        same_tables(simulate(classroom, 300, 3), simulate(with_stakeholders(classroom, [busy]), 300, 3))


def test_the_budget_is_shared_over_the_rounds_targets():
    targets = np.array([True, True, False, True])
    assert np.allclose(lobbying.intensity(targets, 0.6, np.dtype(np.float32)), [0.2, 0.2, 0.0, 0.2])
    assert np.allclose(lobbying.intensity(targets, 30.0, np.dtype(np.float32)), [1.0, 1.0, 0.0, 1.0])  # at most 1


def test_allies_are_nearer_the_stakeholder_than_the_text_is():
    position = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.95]], dtype=np.float32)
    text = np.array([0.5, 0.6], dtype=np.float32)
    # cares about safeguards only (1.0): 0.9 and 0.95 are nearer than the text's 0.6, 0.5 is not
    cares = np.array([False, True])
    assert lobbying.allies(position, text, np.array([0.0, 1.0], dtype=np.float32), cares).tolist() == [
        True,
        False,
        True,
    ]


def test_a_delegation_as_far_from_the_lobby_as_the_text_is_no_ally():
    position = np.array([[0.5, 0.6], [0.5, 0.61]], dtype=np.float32)
    text = np.array([0.5, 0.6], dtype=np.float32)
    stance, cares = np.array([0.0, 1.0], dtype=np.float32), np.array([False, True])
    assert lobbying.allies(position, text, stance, cares).tolist() == [False, True]


def test_a_round_without_targets_spends_nothing_and_warns_of_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero behind the scenes
        share = lobbying.intensity(np.zeros((2, 3), dtype=bool), 0.6, np.dtype(np.float32))
    assert not share.any()


def press(channel, budget=0.9, named=None):
    position = np.array([[0.2, 0.3], [0.8, 0.7]], dtype=np.float32)
    salience = np.array([[0.5, 0.5], [0.7, 0.3]], dtype=np.float32)
    reservation = np.array([0.8, 0.8], dtype=np.float32)
    outside = np.array([0.5, 0.6], dtype=np.float32)
    stance, cares = np.array([0.0, 1.0], dtype=np.float32), np.array([False, True])
    text = np.array([0.5, 0.4], dtype=np.float32)
    named = np.array([True, False]) if named is None else named
    before = (position, salience, reservation, outside)
    return before, lobbying.press(channel, budget, stance, cares, named, text, position, salience, reservation, outside)


def test_salience_pressure_raises_the_weight_of_the_lobbys_issue_for_its_targets_only():
    (_, salience, _, _), after = press("salience")
    assert after.salience[0, 1] > salience[0, 1] and after.salience[0, 0] < salience[0, 0]
    assert after.salience[0].sum() == pytest.approx(1.0)
    assert np.array_equal(after.salience[1], salience[1])  # not a target


def test_position_pressure_moves_targets_toward_the_lobby_on_its_issues():
    (position, _, _, _), after = press("position", budget=0.5)
    assert after.position[0, 1] == pytest.approx(0.3 + 0.5 * (1.0 - 0.3))  # δ = 0.5 of the way
    assert after.position[0, 0] == position[0, 0]  # an issue it does not care about
    assert np.array_equal(after.position[1], position[1])


def test_outside_option_pressure_grows_with_the_texts_distance_from_the_lobby():
    (_, _, _, outside), after = press("outside_option", budget=0.5)
    assert after.outside_option[0] == pytest.approx(0.5 + 0.5 * 0.6)  # text 0.4 vs wanted 1.0: gap 0.6
    assert after.outside_option[1] == outside[1]
    assert after.reservation[0] >= after.outside_option[0]


def test_targets_named_by_bloc_are_its_members():
    uncc = load_scenario("uncc2024")
    scenario = with_stakeholders(
        uncc, [{"id": "x", "position": {"safeguards": 1.0}, "budget": 1.0, "targets": ["eu", "USA"]}]
    )
    (lobby,) = compile_arrays(scenario).stakeholders
    named = {d for d, t in zip(scenario.delegation_ids, lobby.targets) if t}
    assert named == set(next(b for b in uncc.blocs if b.id == "eu").members) | {"USA"}


def pivotal_moderate(lobby_budget: float):
    """Two camps and a moderate M whose consent decides; an industry lobby says 'no deal rather than a bad deal'
    to M."""
    delegations = [
        delegation("N", 0.2, 0.9, reservation=0.7, outside_option=0.4),
        delegation("R", 0.9, 0.2, reservation=0.75, outside_option=0.55, style="boulware"),
        delegation("M", 0.5, 0.9, reservation=0.75, outside_option=0.5),
    ]
    stakeholders = [
        {
            "id": "industry",
            "kind": "industry",
            "position": {"scope": 0.1, "safeguards": 0.95},
            "budget": lobby_budget,
            "channel": "outside_option",
            "targets": ["M"],
        }
    ]
    return build(delegations, stakeholders=stakeholders, procedure={"rounds": 6, "fallback": "none"})


def test_a_no_deal_lobby_on_the_pivotal_delegation_lowers_adoption():
    budgets = (0.0, 0.1, 0.3, 0.6)
    adopted = [float(np.mean(simulate(pivotal_moderate(b), 400, 9).outcome == 0)) for b in budgets]
    assert adopted[0] > 0.9 and adopted[-1] < 0.2, adopted
    assert all(a > b for a, b in itertools.pairwise(adopted)), adopted  # the more pressure, the less adoption


def test_persuasion_toward_safeguards_moves_the_final_text():
    classroom = load_scenario("classroom")
    ngo = {"id": "ngo", "position": {"safeguards": 1.0}, "budget": 3.0, "channel": "position"}
    plain = simulate(classroom, 300, 4).text[:, 1].mean()
    lobbied = simulate(with_stakeholders(classroom, [ngo]), 300, 4).text[:, 1].mean()
    assert lobbied > plain + 0.02


def test_the_mesa_model_shows_whom_each_stakeholder_pressed():
    model = NegotiationModel(pivotal_moderate(0.3), seed=9)
    model.step()
    (industry,) = model.stakeholders
    assert industry.targets == ["M"] and industry.pressure == pytest.approx(0.3)
    assert industry.kind == "industry"


@pytest.mark.parametrize(
    ("stakeholder", "expected"),
    [
        ({"targets": ["USB"]}, "stakeholders[0].targets: 'USB' is neither a delegation nor a bloc"),
        ({"position": {"scoop": 0.1}}, "stakeholders[0].position: unknown issue(s) ['scoop']"),
        ({"channel": "bribes"}, "stakeholders[0].channel"),
    ],
)
def test_a_wrong_stakeholder_names_its_field(stakeholder, expected):
    base = {"id": "s", "position": {"scope": 0.1}, "budget": 1.0}
    doc = {
        "name": "t",
        "title": "t",
        "issues": [{"id": "scope", "label": "Scope"}],
        "delegations": [
            {"id": "USA", "name": "USA", "position": {"scope": 0.5}, "salience": {"scope": 1.0}, "power": 1.0}
        ],
        "stakeholders": [{**base, **stakeholder}],
    }
    with pytest.raises(ScenarioError) as error:
        validate_scenario(doc, "mine.yaml")
    assert f"mine.yaml: {expected}" in str(error.value)


def test_the_report_names_the_stakeholders_that_press():
    lines = describe(load_scenario("uncc2024_lobbying"))
    (line,) = [x for x in lines if "stakeholder" in x]
    assert line.startswith("3 stakeholder(s)") and "industry (outside_option, budget 2)" in line
    idle = with_stakeholders(load_scenario("classroom"), [{"id": "x", "position": {"scope": 0.1}}])
    assert not [x for x in describe(idle) if "stakeholder" in x]  # without a budget it presses no one


@pytest.mark.parametrize(
    ("stakeholder", "expected"),
    [
        ({"id": "USA"}, "stakeholders[0].id: 'USA' is also a delegation's or a bloc's id"),
        ({"targets": ["USA", "USA"]}, "stakeholders[0].targets: 'USA' is named twice"),
        ({"budget": True}, "stakeholders[0].budget: expected a number, got true"),
    ],
)
def test_a_stakeholder_that_cannot_be_read_says_why(stakeholder, expected):
    base = {"id": "s", "position": {"scope": 0.1}, "budget": 1.0}
    with pytest.raises(ScenarioError) as error:
        build([delegation("USA", 0.1, 0.1)], stakeholders=[{**base, **stakeholder}])
    assert expected in str(error.value)


def test_a_stakeholder_is_patched_by_id_in_a_what_if_and_on_the_command_line():
    from sim.config import parse_run_config
    from sim.loading import with_overrides

    config = parse_run_config({"scenario": "uncc2024_lobbying", "stakeholders": {"industry": {"budget": 0.0}}})
    patched = with_overrides(load_scenario("uncc2024_lobbying"), config.scenario_overrides())
    budgets = {s.id: s.budget for s in patched.stakeholders}
    assert budgets == {"civil_society": 6.0, "industry": 0.0, "ohchr": 1.0}
