"""Recorded votes on deleting single provisions before the decision on the whole (docs/model.md section 15)."""

from __future__ import annotations

import numpy as np

from sim import simulate
from tests.builders import build, delegation


def votes_on(provision_shift: float, keepers: int, deleters: int, middle: int = 0, **extra):
    """A take-it-or-leave-it text at safeguards 0.6 with one provision; ``keepers`` value it (ideal 0.9),
    ``deleters`` gain from deleting it (ideal 0.2), ``middle`` are indifferent (ideal 0.6, low salience on it)."""
    members = (
        [delegation(f"K{i}", 0.5, 0.9) for i in range(keepers)]
        + [delegation(f"D{i}", 0.5, 0.2) for i in range(deleters)]
        + [delegation(f"M{i}", 0.5, 0.6, salience={"scope": 1.0, "safeguards": 0.05}) for i in range(middle)]
    )
    return build(
        members,
        provisions=[{"id": "p", "issue": "safeguards", "shift": provision_shift}],
        chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.6}},
        procedure={"rounds": 2, "fallback": "vote"},
        uncertainty={"position": 0.02, "salience": 0.05, "reservation": 0.02},
        **extra,
    )


def test_a_provision_every_delegation_values_is_never_deleted():
    results = simulate(votes_on(-0.2, keepers=6, deleters=0), 100, 1)
    reached = results.record["provision_p"] >= 0
    assert (results.record["provision_p"][reached] == 1).all() or not reached.any()
    assert (results.record["delete_p"] == 0).all()


def test_a_provision_only_a_minority_values_and_a_majority_opposes_is_deleted():
    results = simulate(votes_on(-0.2, keepers=2, deleters=6), 100, 2)
    voted = results.record["provision_p"] >= 0
    assert voted.mean() > 0.9
    assert (results.record["provision_p"][voted] == 0).mean() > 0.95


def test_abstention_appears_between_the_two():
    results = simulate(votes_on(-0.2, keepers=4, deleters=3, middle=3), 100, 3)
    voted = results.record["provision_p"] >= 0
    assert voted.any()
    assert (results.record["abstain_p"][voted] >= 3).mean() > 0.9  # the indifferent abstain
    assert (results.record["keep_p"][voted] >= 4).all() and (results.record["delete_p"][voted] >= 3).all()


def test_deleting_a_provision_moves_the_text_by_its_shift():
    results = simulate(votes_on(-0.2, keepers=2, deleters=6), 50, 4)
    deleted = results.record["provision_p"] == 0
    assert np.allclose(results.text[deleted, 1], 0.4, atol=1e-6)


def test_without_a_delegation_that_gains_from_deletion_no_vote_is_called():
    results = simulate(votes_on(-0.2, keepers=5, deleters=0, middle=2), 50, 5)
    assert (results.record["provision_p"] == -1).all()
