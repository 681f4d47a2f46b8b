"""Recorded votes on deleting single provisions before the decision on the whole (docs/model.md section 15)."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np

from sim import simulate
from sim.loading import load_scenario, with_overrides
from tests.builders import build, delegation, early_consensus


def votes_on(
    provision_shift: float, keepers: int, deleters: int, middle: int = 0, voting: str = "sophisticated", **extra
):
    """A take-it-or-leave-it text at safeguards 0.6 with one provision; ``keepers`` value it (ideal 0.9),
    ``deleters`` gain from deleting it (ideal 0.2), ``middle`` are indifferent (ideal 0.6, low salience on it).
    Without a cost of reopening the text unless ``behaviour`` says otherwise: the cases state the band's rule."""
    extra.setdefault("behaviour", {"reopening_cost": 0.0})
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


def test_the_provisions_are_voted_on_before_a_consensus_that_comes_before_the_deadline():
    """The decision on the whole comes in round 1 (everyone accepts), and the recorded votes come before it, as on
    8 Aug 2024: the majority deletes the provision, then the text without it is agreed in that round."""
    results = simulate(early_consensus(), 100, 6)
    assert (results.outcome_labels() == "consensus").all()
    assert (results.record["round"] == 1).all()
    assert (results.record["provision_p"] == 0).all()
    assert np.allclose(results.text[:, 1], 0.4, atol=1e-6)


def test_the_mesa_model_votes_on_provisions_in_the_round_the_batched_engine_does():
    from sim.model import NegotiationModel

    for scenario in (early_consensus(), votes_on(-0.2, keepers=4, deleters=3, middle=3)):
        batch = simulate(scenario, 5, 10)
        for k in range(5):
            model = NegotiationModel(scenario, seed=10, replicate=k).run()
            assert model.outcome == batch.outcome_labels()[k] and model.round == batch.record["round"][k], k
            vote = model.provision_results.get("p", {"called": False})
            assert batch.record["provision_p"][k] == (int(vote["kept"]) if vote["called"] else -1), k
            assert np.allclose(model.text, batch.text[k]), k


def test_a_cost_of_reopening_the_text_turns_the_indifferent_from_abstaining_to_keeping():
    """The deleters gain 0.2 x 1/2 = 0.1 from the deletion, the middle next to nothing: with a cost of reopening
    the chair's text of 0.05 the middle keeps it (its worth rises past the half-band 0.025) while the deleters still
    vote to delete (0.1 - 0.05 > 0.025)."""
    plain = simulate(votes_on(-0.2, keepers=4, deleters=3, middle=3), 100, 3)
    costly = simulate(votes_on(-0.2, keepers=4, deleters=3, middle=3, behaviour={"reopening_cost": 0.05}), 100, 3)
    voted = costly.record["provision_p"] >= 0
    assert voted.mean() > 0.9
    assert (plain.record["abstain_p"][voted] >= 3).all()
    assert (costly.record["abstain_p"][voted] == 0).mean() > 0.9
    assert (costly.record["keep_p"][voted] >= 7).mean() > 0.9
    assert (costly.record["delete_p"][voted] >= 3).all()


def test_a_cost_of_reopening_above_every_gain_from_a_deletion_calls_no_vote():
    """The majority of deleters of the known case gain about 0.1; a cost of 0.2 leaves no one who would vote delete,
    so no vote is called and the provision stands."""
    results = simulate(votes_on(-0.2, keepers=2, deleters=6, behaviour={"reopening_cost": 0.2}), 100, 2)
    assert (results.record["provision_p"] == -1).all()
    assert (results.outcome_labels() != "failed").all()


def test_a_higher_cost_of_reopening_never_adds_a_vote_to_delete():
    """Replicate by replicate (the same draws: common random numbers), raising the cost of reopening the text never
    adds a vote to delete the first provision and never turns a kept provision into a deleted one."""
    scenario = load_scenario("uncc2024_provisions")
    runs = [
        simulate(with_overrides(scenario, {"behaviour": {"reopening_cost": cost}}), 60, 5)
        for cost in (0.0, 0.01, 0.03, 0.06)
    ]
    first = "art6_2"
    for lower, higher in itertools.pairwise(runs):
        lower_delete = np.where(lower.record[f"provision_{first}"] >= 0, lower.record[f"delete_{first}"], 0)
        higher_delete = np.where(higher.record[f"provision_{first}"] >= 0, higher.record[f"delete_{first}"], 0)
        assert (higher_delete <= lower_delete).all()
        assert not ((lower.record[f"provision_{first}"] != 0) & (higher.record[f"provision_{first}"] == 0)).any()
    assert runs[-1].record["delete_art6_2"].sum() < runs[0].record["delete_art6_2"].sum()


def test_the_mesa_model_weighs_the_cost_of_reopening_as_the_batched_engine_does():
    from sim.model import NegotiationModel

    scenario = votes_on(-0.2, keepers=4, deleters=3, middle=3, behaviour={"reopening_cost": 0.05})
    batch = simulate(scenario, 5, 9)
    for k in range(5):
        model = NegotiationModel(scenario, seed=9, replicate=k).run()
        vote = model.provision_results.get("p", {"called": False})
        assert batch.record["provision_p"][k] == (int(vote["kept"]) if vote["called"] else -1), k
        if vote["called"]:
            assert (batch.record["keep_p"][k], batch.record["delete_p"][k]) == (vote["keep"], vote["delete"]), k


def band_table_in_the_docs() -> list[list[str]]:
    """The rows of the abstention-band table of docs/model.md section 15 ("What the vote turns on")."""
    text = (Path(__file__).parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    section = text.split("**What the vote turns on", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.split("\n") if line.startswith("| 0.")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_abstention_band_table_in_the_docs_is_what_the_model_gives():
    """docs/model.md section 15 reports how the uncc2024_provisions vote follows ``procedure.abstention_band``
    (2,000 replicates, seed 1): each row is rerun and must match to the digits printed."""
    rows = band_table_in_the_docs()
    assert [row[0].split()[0] for row in rows] == ["0.04", "0.05", "0.06", "0.07"]
    base = load_scenario("uncc2024_provisions")
    for band, kept_6_2, split, kept_24, consensus in rows:
        delta = float(band.split()[0])
        results = simulate(with_overrides(base, {"procedure": {"abstention_band": delta}}), 2000, 1)
        record = results.record
        for printed, provision in ((kept_6_2, "art6_2"), (kept_24, "art24")):
            p_kept = (record[f"provision_{provision}"] != 0).mean()
            if printed.startswith(">"):
                assert p_kept > float(printed.lstrip("> ")), (band, provision, p_kept)
            else:
                assert f"{p_kept:.2f}" == printed, (band, provision, p_kept)
        voted = record["provision_art6_2"] >= 0
        means = [f"{record[f'{kind}_art6_2'][voted].mean():.0f}" for kind in ("keep", "delete", "abstain")]
        assert " / ".join(means) == split, (band, means)
        assert f"{(results.outcome_labels() == 'consensus').mean():.2f}" == consensus, band


def test_the_unshipped_candidate_in_the_docs_is_what_its_script_prints(capsys):
    """docs/model.md section 15 quotes tools/participation_check.py (a mechanism checked and not shipped): the numbers
    it quotes are the script's."""
    tools = Path(__file__).parents[1] / "tools"
    spec = importlib.util.spec_from_file_location("participation_check", tools / "participation_check.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    check.main([])
    printed = capsys.readouterr().out
    docs = " ".join((Path(__file__).parents[1] / "docs" / "model.md").read_text(encoding="utf-8").split())
    quoted = docs.split("One candidate was checked and is not shipped", 1)[1].split("Choosing between", 1)[0]
    candidate = next(line for line in printed.splitlines() if line.startswith("candidate"))
    kept = candidate.split("art6_2 kept ")[1].split(",")[0]
    split = candidate.split("keep / delete / abstain ")[1].split(";")[0]
    consensus = candidate.split("P(consensus) ")[1].strip()
    share = printed.rsplit(": ", 1)[1].strip()
    assert f"keeps Art. 6(2) in {kept} of the replicates" in quoted
    assert f"P(consensus) to {consensus}" in quoted and f"the split stays {split}" in quoted
    assert f"in {share} of the cases" in quoted
    # and the shipped rule's line (without a cost of reopening) is the miss the section reports
    shipped = next(line for line in printed.splitlines() if line.startswith("shipped rule, c = 0"))
    assert "art6_2 kept 0.27" in shipped and "84 / 88 / 21" in shipped


def test_the_cost_of_reopening_in_the_docs_is_what_its_script_chose(capsys, monkeypatch):
    """docs/model.md section 15 quotes the output of tools/reopening_check.py (the plan that chose
    ``behaviour.reopening_cost``) verbatim, and the schema's default is the value the plan chose."""
    from sim.scenario import Behaviour

    tools = Path(__file__).parents[1] / "tools"
    spec = importlib.util.spec_from_file_location("reopening_check", tools / "reopening_check.py")
    check = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "reopening_check", check)  # its dataclasses look their module up
    spec.loader.exec_module(check)
    check.main([])
    printed = capsys.readouterr().out.splitlines()
    docs = (Path(__file__).parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    section = docs.split("**What the plan gave**", 1)[1].split("\n## ", 1)[0]
    quoted = [line for block in section.split("```")[1::2] for line in block.strip("\n").splitlines()]
    assert len(quoted) >= 7  # the plan's scores and choice, and the check after the plan
    for line in quoted:
        assert line in printed, line
    chosen = next(line for line in printed if line.startswith("mean held-out")).rsplit("default: ", 1)[1]
    assert Behaviour().reopening_cost == float(chosen)
    predicted = [line for line in printed if line.startswith("  uncc2024:")][:2]
    assert all(f"c={chosen}: kept 1.00" in line for line in predicted), predicted


def guardian_and_deleters(floor: float, **procedure):
    """A held text at safeguards 0.6 over three rounds, without noise: a guardian G (ideal 0.9) whose reservation and
    outside option are ``floor``, and six deleters (ideal 0) who accept the text and gain from deleting its
    provision (which takes safeguards down by 0.2)."""
    members = [delegation("G", 0.5, 0.9, reservation=floor, outside_option=floor)] + [
        delegation(f"D{i}", 0.5, 0.0, reservation=0.5, outside_option=0.3) for i in range(6)
    ]
    return build(
        members,
        provisions=[{"id": "p", "issue": "safeguards", "shift": -0.2}],
        chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.6}},
        procedure={"rounds": 3, **procedure},
        uncertainty={"position": 0.0, "salience": 0.0, "reservation": 0.0},
    )


def test_the_provisions_are_put_to_the_vote_once_per_run():
    """Everyone accepts the held text (safeguards 0.6) in round 1, so the votes come first: the six deleters (ideal
    0) delete the provision (to 0.4), and the guardian G (outside option 0.8) then blocks the text without it. The
    talks go on to the deadline, where the deleters would gain from a second deletion (to 0.2) — but the provisions
    were voted on already: the text stays at 0.4 and, with no fallback, the talks fail."""
    scenario = guardian_and_deleters(0.8, fallback="none", provision_voting="sincere")
    results = simulate(scenario, 20, 13)
    assert (results.record["provision_p"] == 0).all()
    assert np.allclose(results.text[:, 1], 0.4, atol=1e-6)
    assert (results.outcome_labels() == "failed").all()
    from sim.model import NegotiationModel

    model = NegotiationModel(scenario, seed=13, replicate=0).run()  # the Mesa model votes once too
    assert model.outcome == "failed" and np.isclose(model.text[1], 0.4, atol=1e-6)


def test_no_provision_is_put_to_the_vote_in_a_session_suspended_without_a_decision():
    """A guardian blocks the held text to the end of a session the mandate lets resume: the session is suspended,
    no decision on the whole comes, and so no vote on the provision either (though the deleters would gain)."""
    scenario = guardian_and_deleters(0.99, fallback="vote", resumable=True)
    results = simulate(scenario, 20, 14)
    assert (results.outcome_labels() == "suspended").all()
    assert (results.record["provision_p"] == -1).all()
