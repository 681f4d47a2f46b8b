"""Recorded votes on deleting single provisions before the decision on the whole (docs/model.md section 15)."""

from __future__ import annotations

import numpy as np

from sim import simulate
from tests.builders import build, delegation


def votes_on(
    provision_shift: float, keepers: int, deleters: int, middle: int = 0, voting: str = "sophisticated", **extra
):
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
        procedure={"rounds": 2, "fallback": "vote", "provision_voting": voting},
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


def guarded_provision(voting: str, fallback: str = "none", **extra):
    """A held text at safeguards 0.6 whose provision (deleting it moves safeguards to 0.4) a guardian needs: G
    (ideal 0.9, outside option 0.8) accepts the text with it (utility 0.85) and blocks it without (0.75). Six
    delegations of the middle (ideal 0.45) would rather have the text without it (0.975 against 0.925), but far
    rather any treaty than none (outside option 0.5). No fallback: a blocked text fails."""
    members = [delegation("G", 0.5, 0.9, reservation=0.9, outside_option=0.8)] + [
        delegation(f"M{i}", 0.5, 0.45, reservation=0.95, outside_option=0.5) for i in range(6)
    ]
    return build(
        members,
        provisions=[{"id": "p", "issue": "safeguards", "shift": -0.2}],
        chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.6}},
        procedure={"rounds": 2, "fallback": fallback, "provision_voting": voting},
        uncertainty={"position": 0.01, "salience": 0.02, "reservation": 0.01},
        **extra,
    )


def test_sophisticated_voters_keep_a_provision_whose_deletion_would_sink_the_text():
    """Farquharson (1969): the middle votes on what each ballot leads to — the treaty with the provision, or no treaty
    — and keeps the provision; sincere voters delete it and the guardian then blocks the whole."""
    sophisticated = simulate(guarded_provision("sophisticated"), 100, 6)
    sincere = simulate(guarded_provision("sincere"), 100, 6)
    assert (sophisticated.record["provision_p"] != 0).all()  # never deleted
    assert (sophisticated.outcome_labels() == "consensus").mean() > 0.95
    assert (sincere.record["provision_p"] == 0).mean() > 0.95
    assert (sincere.outcome_labels() == "failed").mean() > 0.95


def test_with_a_vote_that_would_adopt_the_text_without_it_the_middle_deletes_the_provision():
    """The guarded case under a fallback vote: the guardian would block the text without the provision, but six of
    seven would then adopt it by a two-thirds vote — nothing is at stake, and sophisticated voters delete it too
    (the uncc2024_provisions finding, docs/model.md section 15)."""
    results = simulate(guarded_provision("sophisticated", fallback="vote"), 100, 9)
    assert (results.record["provision_p"] == 0).mean() > 0.95
    assert (results.outcome_labels() == "vote").mean() > 0.95


def test_a_guardian_that_would_come_round_alone_is_foreseen_to():
    """With a high cost of blocking alone the guardian accepts the text without the provision rather than stand
    alone (section 10): deleting it sinks nothing, so the middle deletes it and the text is adopted by consensus."""
    results = simulate(guarded_provision("sophisticated", behaviour={"isolation_cost": 0.5}), 100, 10)
    assert (results.record["provision_p"] == 0).mean() > 0.95
    assert (results.outcome_labels() == "consensus").mean() > 0.95


def test_sophisticated_voting_is_sincere_voting_when_a_deletion_sinks_nothing():
    """With a fallback vote that adopts the text either way, what each ballot leads to is the text itself: the two
    rules give the same votes, replicate by replicate."""
    for keepers, deleters, middle in ((4, 3, 3), (2, 6, 0)):
        both = [
            simulate(votes_on(-0.2, keepers, deleters, middle, voting=voting), 100, 7)
            for voting in ("sophisticated", "sincere")
        ]
        assert both[0].outcome_labels().tolist() == both[1].outcome_labels().tolist()  # the text is adopted either way
        for column in ("provision_p", "keep_p", "delete_p", "abstain_p"):
            assert np.array_equal(both[0].record[column], both[1].record[column]), column


def test_the_mesa_model_foresees_as_the_batched_engine_does():
    """Both runners call the same foresight (sim.steps.provision_votes): same outcome and provision vote, replicate
    by replicate, under both rules — including the guarded case, where the two rules differ."""
    from sim.model import NegotiationModel

    for voting in ("sophisticated", "sincere"):
        scenario = guarded_provision(voting)
        batch = simulate(scenario, 6, 8)
        for k in range(6):
            model = NegotiationModel(scenario, seed=8, replicate=k).run()
            assert model.outcome == batch.outcome_labels()[k], (voting, k)
            vote = model.provision_results.get("p", {"called": False})
            assert batch.record["provision_p"][k] == (int(vote["kept"]) if vote["called"] else -1), (voting, k)


def test_the_report_says_how_provisions_are_voted_on():
    from sim.assumptions import describe

    assert not any("provision" in line for line in describe(build([delegation("A", 0.5, 0.5)])))
    for voting, word in (("sophisticated", "sophisticated"), ("sincere", "sincere")):
        lines = [line for line in describe(guarded_provision(voting)) if "provision" in line]
        assert len(lines) == 1 and word in lines[0] and "0.5" in lines[0]


def test_an_equally_divided_vote_keeps_the_provision():
    """Three to delete, three to keep: the deletion is a proposal, and an equally divided vote rejects it (UN General
    Assembly rules of procedure 95 and 133), even at a simple majority."""
    results = simulate(votes_on(-0.2, keepers=3, deleters=3, voting="sincere"), 100, 12)
    voted = results.record["provision_p"] >= 0
    assert voted.mean() > 0.9
    assert (results.record["keep_p"][voted] == results.record["delete_p"][voted]).all()
    assert (results.record["provision_p"][voted] == 1).all()
