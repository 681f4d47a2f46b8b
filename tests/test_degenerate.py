"""Degenerate but legal scenarios behave sensibly."""

from __future__ import annotations

import numpy as np
import pytest

from sim import simulate
from sim.outcomes import CONSENSUS as _C
from sim.outcomes import FAILED as _F
from sim.outcomes import VOTE as _V

CONSENSUS, FAILED, VOTE = _C.code, _F.code, _V.code
from tests.builders import build, delegation

SEED = 4


def test_one_delegation_agrees_with_itself_at_once():
    results = simulate(build([delegation("A", 0.3, 0.9)]), 100, SEED)
    assert np.all(results.outcome == CONSENSUS) and np.all(results.round == 1)


def test_two_identical_delegations_behave_as_one():
    twins = [delegation("A", 0.2, 0.4, style="boulware"), delegation("B", 0.2, 0.4, style="boulware")]
    results = simulate(build(twins, uncertainty={"position": 0, "salience": 0, "reservation": 0}), 50, SEED)
    assert np.all(results.outcome == CONSENSUS) and np.allclose(results.text, [0.2, 0.4])


def test_zero_rounds_with_everyone_content_is_adopted_by_vote():
    content = [delegation(f"D{i}", 0.5, 0.5, outside_option=0.0, reservation=0.5) for i in range(3)]
    results = simulate(build(content, procedure={"rounds": 0}), 50, SEED)
    assert np.all(results.outcome == VOTE) and np.all(results.yes == 3)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_all_salience_on_one_issue_makes_the_other_issue_irrelevant():
    one_issue = {"scope": 1.0, "safeguards": 0.0}
    crowd = [delegation(f"D{i}", 0.5, i / 4, salience=one_issue) for i in range(5)]
    results = simulate(build(crowd, uncertainty={"position": 0.0, "salience": 0.5, "reservation": 0.05}), 100, SEED)
    assert np.all(results.outcome == CONSENSUS) and np.all(results.round == 1)


def test_a_delegation_content_with_any_text_never_blocks():
    easy = delegation("EASY", 0.0, 0.0, reservation=0.0, outside_option=0.0)
    others = [
        delegation("X", 0.9, 0.9, style="boulware", outside_option=0.8, reservation=0.9),
        delegation("Y", 0.1, 0.1, style="boulware", outside_option=0.8, reservation=0.9),
    ]
    results = simulate(build([easy] + others, procedure={"rounds": 4}), 200, SEED)
    assert not results.blockers[:, 0].any()
    assert np.all(results.outcome != CONSENSUS)  # X and Y cannot both get 0.8 from one text


def test_a_delegation_only_its_own_ideal_point_satisfies_gets_exactly_that_text():
    """reservation = outside option = 1: only a text at its ideal point will do, and the chair finds it."""
    perfectionist = delegation("P", 0.5, 0.5, reservation=1.0, outside_option=1.0)
    crowd = [delegation(f"D{i}", 0.3 + 0.2 * i, 0.5) for i in range(3)]
    scenario = build(
        [perfectionist] + crowd,
        procedure={"rounds": 5, "fallback": "none"},
        uncertainty={"position": 0.0, "salience": 0.2, "reservation": 0.0},
    )
    results = simulate(scenario, 100, SEED)
    assert np.all(results.outcome == CONSENSUS) and np.allclose(results.text, [0.5, 0.5])


def test_when_no_text_can_satisfy_two_delegations_consensus_never_comes():
    perfectionists = [
        delegation("P", 0.2, 0.2, reservation=1.0, outside_option=1.0),
        delegation("Q", 0.8, 0.8, reservation=1.0, outside_option=1.0),
    ]
    results = simulate(build(perfectionists, procedure={"rounds": 6, "fallback": "none"}), 200, SEED)
    assert np.all(results.outcome == FAILED)
    assert results.blockers.any(axis=1).all()
