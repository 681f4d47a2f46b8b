"""Known cases and directional facts of the negotiation literature, checked on named scenarios with fixed seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_scenario, simulate, with_overrides
from sim.analysis.stats import outcome_counts
from sim.outcomes import CONSENSUS as _C
from sim.outcomes import FAILED as _F
from sim.outcomes import VOTE as _V

CONSENSUS, FAILED, VOTE = _C.code, _F.code, _V.code
from tests.builders import build, delegation, lone_holdout

SEED = 12345


def p_consensus(scenario, replicates=2000, seed=SEED) -> float:
    return outcome_counts(simulate(scenario, replicates, seed))["p_consensus"] / replicates


def p_adopted(scenario, replicates=2000, seed=SEED) -> float:
    return outcome_counts(simulate(scenario, replicates, seed))["p_adopted"] / replicates


def test_everyone_agreeing_adopts_by_consensus_in_round_one():
    same = [
        delegation(f"D{i}", 0.4, 0.7, power=1 + i, style=s) for i, s in enumerate(["boulware", "linear", "conceder"])
    ]
    results = simulate(build(same, uncertainty={"position": 0, "salience": 0.3, "reservation": 0.05}), 300, SEED)
    assert np.all(results.outcome == CONSENSUS)
    assert np.all(results.round == 1)
    assert np.allclose(results.text, [0.4, 0.7])


def test_zero_rounds_goes_straight_to_the_fallback_vote():
    scenario = with_overrides(load_scenario("classroom"), {"procedure": {"rounds": 0}})
    results = simulate(scenario, 500, SEED)
    assert not np.any(results.outcome == CONSENSUS)
    assert np.all(results.round == 0)
    assert np.all(results.yes + results.no + results.abstain == sum(d.votes for d in scenario.delegations))
    assert set(np.unique(results.outcome)) <= {VOTE, FAILED}


def test_zero_rounds_without_a_fallback_fails():
    scenario = with_overrides(load_scenario("classroom"), {"procedure": {"rounds": 0, "fallback": "none"}})
    results = simulate(scenario, 200, SEED)
    assert np.all(results.outcome == FAILED)
    assert np.all(results.yes + results.no + results.abstain == 0)


def test_a_delegation_that_cannot_block_never_blocks():
    crowd = [delegation(f"D{i}", 0.5, 0.5) for i in range(4)]
    outsider = delegation("NGO", 0.0, 1.0, can_block=False, reservation=1.0, outside_option=1.0)
    results = simulate(build(crowd + [outsider]), 300, SEED)
    assert np.all(results.outcome == CONSENSUS)
    assert not results.blockers[:, -1].any()


@pytest.mark.parametrize(
    "harder",
    [
        {"reservation": 0.95},  # demands more at the start
        {"style": 0.1},  # holds out longer (more Boulware than 0.3)
        {"outside_option": 0.7},  # a better alternative to a deal
    ],
)
def test_a_tougher_lone_holdout_lowers_consensus(harder):
    base = {"style": "boulware", "reservation": 0.85, "outside_option": 0.6}
    tougher = {**base, **harder}
    assert p_consensus(lone_holdout(**tougher)) < p_consensus(lone_holdout(**base)) - 0.01


def test_a_stronger_blocker_lowers_adoption():
    base = load_scenario("classroom")
    stronger = with_overrides(base, {"procedure": {"fallback": "none"}})
    ids = [d.id for d in stronger.delegations]
    doc = stronger.model_dump()
    doc["delegations"][ids.index("USA")].update(outside_option=0.75, reservation=0.9)
    from sim.loading import validate_scenario

    tougher = validate_scenario(doc, "test")
    assert p_adopted(tougher) < p_adopted(stronger) - 0.05


def test_a_later_deadline_does_not_lower_consensus_in_the_classroom():
    classroom = load_scenario("classroom")
    short = with_overrides(classroom, {"procedure": {"rounds": 5}})
    long = with_overrides(classroom, {"procedure": {"rounds": 20}})
    assert p_consensus(long) >= p_consensus(short)


def test_a_chair_who_never_moves_from_a_bad_draft_gets_no_consensus():
    crowd = [delegation(f"D{i}", 0.8, 0.8, outside_option=0.7) for i in range(3)]
    scenario = build(
        crowd,
        chair={"strategy": "hold", "draft": {"scope": 0.1, "safeguards": 0.1}},
        procedure={"rounds": 5, "fallback": "none"},
    )
    assert p_consensus(scenario, 200) == 0.0
    moving = with_overrides(scenario, {"chair": {"strategy": "accommodate"}})
    assert p_consensus(moving, 200) > 0.9


@pytest.mark.parametrize("coordinated", [True, False])
def test_a_coordinated_bloc_decides_and_votes_as_one(coordinated):
    """E1 alone would object to the draft; pooled with its larger partner E2 (power 3) the bloc accepts it."""
    members = [
        delegation("E1", 0.1, 0.9, power=1, reservation=0.9, outside_option=0.9),
        delegation("E2", 0.5, 0.5, power=3, reservation=0.5, outside_option=0.3),
    ]
    others = [delegation("X", 0.5, 0.5, reservation=0.5, outside_option=0.3)]
    rules = {
        "blocs": [{"id": "eu", "members": ["E1", "E2"], "coordinated": coordinated}],
        "procedure": {"rounds": 0, "fallback": "vote"},
        "chair": {"draft": {"scope": 0.5, "safeguards": 0.5}},
        "uncertainty": {"position": 0.0, "salience": 0.0, "reservation": 0.0},
    }
    results = simulate(build(members + others, **rules), 50, SEED)
    if coordinated:
        assert not results.blockers.any() and np.all(results.yes == 3) and np.all(results.no == 0)
    else:
        assert results.blockers[:, 0].all() and np.all(results.yes == 2) and np.all(results.no == 1)


def test_a_deadline_nobody_believes_lowers_consensus():
    """Delegations expecting talks to resume (credibility < 1) hold back, so consensus gets rarer, never likelier."""
    classroom = load_scenario("classroom")
    shares = [
        p_consensus(with_overrides(classroom, {"procedure": {"deadline_credibility": c}}), 1000)
        for c in (1.0, 0.9, 0.6)
    ]
    assert shares[0] > shares[1] >= shares[2]
    assert shares[0] == p_consensus(classroom, 1000)
