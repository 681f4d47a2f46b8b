"""What the report says about the stages around the gavel: provisions that were (not) put to a vote, and the
entry-into-force rule its P(in force) is under (a new user's review found both easy to misread)."""

from __future__ import annotations

import pytest

from sim import simulate
from sim.analysis.report import format_summary
from sim.analysis.stats import summarize
from sim.assumptions import describe
from sim.runner import with_scenario_facts
from tests.builders import build, delegation


def report(scenario, replicates: int = 200, seed: int = 1) -> tuple[dict, str]:
    """The summary and printed report of a run, as ``treatysim`` writes and prints them."""
    summary = with_scenario_facts(
        {
            **summarize(simulate(scenario, replicates, seed), scenario.display_names()),
            "assumptions": describe(scenario),
        },
        scenario,
    )
    return summary, format_summary(summary)


def with_provision(scenario, **extra):
    """``scenario`` with one provision on safeguards (deleting it lowers them by 0.2) and any other sections."""
    doc = scenario.model_dump()
    doc["provisions"] = [{"id": "p", "label": "Art. 9: a clause", "issue": "safeguards", "shift": -0.2}]
    doc.update(extra)
    return type(scenario).model_validate(doc)


def test_a_provision_never_put_to_a_vote_is_reported_as_such():
    """Everyone agrees in round 1 and values the provision: it is 'kept' only because no one called a vote, and the
    report says so."""
    agree = build(
        [delegation(f"D{i}", 0.5, 0.9) for i in range(4)], procedure={"rounds": 5}, uncertainty={"position": 0.0}
    )
    summary, text = report(with_provision(agree))
    assert summary["provisions"]["p"]["p_vote_called"] == 0.0
    assert summary["provisions"]["p"]["p_kept_if_voted"] is None
    assert "provision p (Art. 9: a clause)" in text
    assert "never put to a vote (no delegation gained enough from deleting it)" in text  # no session to suspend
    doc = with_provision(agree).model_dump()
    doc["procedure"]["resumable"] = True
    _, resumable = report(type(agree).model_validate(doc))
    assert "never put to a vote (no delegation gained enough from deleting it, or the talks were suspended" in resumable


def test_a_provision_voted_on_in_some_replicates_reports_how_those_votes_went():
    """One delegation gains about half the abstention band from the deletion (ideal 0.475 against a held text at
    0.6: (1 - 2 x 0.475) x 1/2 = 0.025; no cost of reopening), so it calls the vote in some replicates only: P(kept)
    over all replicates and P(kept) among the votes held are both printed, with the share and the number of
    replicates that voted, and the mean votes of this room of five to a tenth."""
    members = [delegation(f"K{i}", 0.5, 0.9) for i in range(4)] + [delegation("D", 0.5, 0.475)]
    held = build(
        members, chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.6}}, procedure={"rounds": 5}
    )
    summary, text = report(with_provision(held, behaviour={"reopening_cost": 0.0}), 300)
    p = summary["provisions"]["p"]
    assert 0.0 < p["p_vote_called"] < 1.0, p
    assert p["p_kept_if_voted"] is not None
    assert p["p_kept"] == pytest.approx(1.0 - p["p_vote_called"] * (1.0 - p["p_kept_if_voted"]))
    voted = round(p["p_vote_called"] * 300)
    assert f"kept in {round(p['p_kept_if_voted'] * voted)} of the {voted} that voted on it (" in text
    assert "; no vote in the rest" in text
    means = [p["votes"][k]["mean"] for k in ("keep", "delete", "abstain")]
    keep, delete, abstain = (f"{m:.1f}" for m in means)
    assert f"(means): keep {keep}, delete {delete}, abstain {abstain}" in text


def test_the_report_names_the_entry_into_force_rule_and_a_threshold_never_met():
    crowd = build([delegation(f"D{i}", 0.5, 0.5) for i in range(3)], procedure={"rounds": 3})
    doc = crowd.model_dump()
    doc["ratification"] = {"threshold": 5, "lag_days": 30, "horizon_years": 4}
    unreachable = type(crowd).model_validate(doc)
    summary, text = report(unreachable, 50)
    assert summary["entry_into_force"] == {"threshold": 5, "lag_days": 30, "horizon_years": 4.0}
    assert summary["p_in_force"] == 0.0
    assert "assumes: entry into force 30 days after 5 states ratify, followed for 4 years" in text
    assert "the threshold is above the 3 states at the table, so it is never met" in text
    doc["ratification"]["threshold"] = 3
    _, reachable = report(type(crowd).model_validate(doc), 50)
    assert "entry into force 30 days after 3 states ratify" in reachable and "never met" not in reachable


def test_the_header_names_suspension_where_the_mandate_lets_talks_resume():
    """With ``procedure.resumable`` a session without consensus is suspended before any fallback vote could come, so
    the header does not promise a vote (docs/model.md section 11)."""
    crowd = build([delegation(f"D{i}", 0.2 + 0.2 * i, 0.5) for i in range(4)], procedure={"rounds": 3})
    resumable = build(
        [delegation(f"D{i}", 0.2 + 0.2 * i, 0.5) for i in range(4)], procedure={"rounds": 3, "resumable": True}
    )
    assert "fallback: vote," in report(crowd, 20)[1]
    summary, text = report(resumable, 20)
    assert "fallback: suspension (the talks may resume)," in text and "fallback: vote" not in text
    assert summary["p_vote"] == 0.0


def test_a_setting_changed_where_it_cannot_act_is_said_to_have_no_effect():
    """A cost of reopening without provisions, a resumed deadline's credibility without a session to resume: the
    report says the setting has no effect here; where it acts (uncc2024 has provisions) it says nothing of the kind.
    The summary records the global settings in force."""
    crowd = build([delegation(f"D{i}", 0.2 + 0.2 * i, 0.5) for i in range(4)], procedure={"rounds": 3})
    doc = crowd.model_dump()
    doc["behaviour"].update(reopening_cost=0.1, resumed_credibility=0.6)
    summary, text = report(type(crowd).model_validate(doc), 20)
    assert "assumes: behaviour.reopening_cost 0.1 has no effect here: the scenario has no provisions" in text
    assert "behaviour.resumed_credibility 0.6 has no effect here" in text
    assert summary["behaviour"]["reopening_cost"] == 0.1 and summary["behaviour"]["resumed_credibility"] == 0.6
    assert not any("no effect" in line for line in describe(with_provision(crowd, behaviour={"reopening_cost": 0.1})))
    assert not any("no effect" in line for line in describe(crowd))
