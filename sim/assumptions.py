"""Which assumptions make a scenario's number: the lines a report prints under the likelihoods.

The adoption likelihood depends most on what no agreement is worth to each delegation and on whether the deadline is
believed. A scenario may state outside options, give a status quo they follow from, or give neither (then the
documented default applies — the situation of most expert-survey data); a user should see which. The model's
global settings (``behaviour``) are named where they differ from zero.
"""

from __future__ import annotations

from sim.scenario import Scenario


def outside_options(scenario: Scenario) -> str:
    """Where the delegations' outside options come from."""
    stated = sum(d.outside_option is not None for d in scenario.delegations)
    derived = len(scenario.delegations) - stated
    if derived == 0:
        return f"outside options as the scenario states them (all {stated} delegations)"
    if scenario.status_quo is None:
        default = scenario.behaviour.default_outside_option
        head = f"no status quo given: outside options at the default {default:.2f} for {derived} delegation(s)"
    else:
        where = ", ".join(f"{k} {v:.2f}" for k, v in scenario.status_quo.items())
        head = f"outside options from the status quo ({where}) for {derived} delegation(s)"
    return head + (f", as stated for {stated}" if stated else "")


def deadline(scenario: Scenario) -> str:
    """Whether delegations believe the deadline, and what ends a session without consensus."""
    proc, how = scenario.procedure, scenario.behaviour
    if not proc.resumable and proc.sessions == 1:
        doubt = "" if proc.deadline_credibility == 1 else f" (credibility {proc.deadline_credibility:g})"
        ending = "the fallback vote" if proc.fallback == "vote" else "failure"
        return f"the deadline is final{doubt}: without consensus, {ending}"
    plan = f"up to {proc.sessions} sessions" if proc.sessions > 1 else "one session"
    after = (
        "suspension (the mandate allows another session)"
        if proc.resumable
        else ("the fallback vote" if proc.fallback == "vote" else "failure")
    )
    return (
        f"{plan}; a deadline another session may follow is doubted (credibility drawn per replicate, mean "
        f"{how.resumed_credibility:g}); after the last, {after}"
    )


def behaviour(scenario: Scenario) -> list[str]:
    """The model's global settings that are switched on."""
    how, out = scenario.behaviour, []
    if how.agreement_cost > 0:
        out.append(f"a text must beat no agreement by {how.agreement_cost:g} (cost of agreement)")
    if how.isolation_cost > 0:
        out.append(f"a lone objector's floor falls by up to {how.isolation_cost:g} (cost of blocking alone)")
    if how.temperature > 0:
        out.append(f"random-utility choice at temperature {how.temperature:g}")
    return out


def coalitions(scenario: Scenario) -> list[str]:
    """The groups whose line pulls their members (a coordinated bloc, or a looser group with a cohesion) or that
    speak through a lead."""
    held = [b for b in scenario.blocs if b.pull > 0 or b.lead]
    if not held:
        return []
    parts = [
        (f"{b.id} decides as one" if b.pull == 1 else f"{b.id} cohesion {b.pull:g}")
        + (f" (lead {b.lead})" if b.lead else "")
        for b in held
    ]
    return ["coalitions: " + ", ".join(parts)]


def stakeholders(scenario: Scenario) -> list[str]:
    """The actors without a vote who press delegations."""
    active = [s for s in scenario.stakeholders if s.budget > 0]
    if not active:
        return []
    parts = [f"{s.id} ({s.channel}, budget {s.budget:g})" for s in active]
    return [f"{len(active)} stakeholder(s) without a vote press delegations each round: " + ", ".join(parts)]


def provisions(scenario: Scenario) -> list[str]:
    """How the provisions put to recorded votes are weighed (docs/model.md section 15)."""
    if not scenario.provisions:
        return []
    how = (
        "by what each ballot leads to, the text adopted or the talks failed (sophisticated)"
        if scenario.procedure.provision_voting == "sophisticated"
        else "by the two texts alone (sincere)"
    )
    cost = scenario.behaviour.reopening_cost
    how += f", with a cost of reopening the chair's text of {cost:g}" if cost > 0 else ", with no cost of reopening"
    share = scenario.procedure.provision_threshold
    n = len(scenario.provisions)
    return [
        f"{n} provision{'s' if n > 1 else ''} put to recorded votes, weighed {how}; "
        f"one is deleted when {share:g} of the keep/delete votes say delete (a tie keeps it)"
    ]


def entry_into_force(scenario: Scenario) -> list[str]:
    """The entry-into-force rule P(in force) is under, that the ratification stage's constants are illustrative, and
    a threshold no ratifications could meet (docs/model.md section 14)."""
    rule = scenario.ratification
    if rule is None:
        return []
    from sim.ratification import HALF_GAIN, HAZARD

    line = (
        f"entry into force {rule.lag_days} days after {rule.threshold} states ratify, followed for "
        f"{rule.horizon_years:g} years; ratification times from illustrative, uncalibrated constants "
        f"(G {HALF_GAIN:g}, H {HAZARD:g} a year)"
    )
    states = sum(d.votes for d in scenario.delegations)
    if rule.threshold > states:
        line += f"; the threshold is above the {states} states at the table, so it is never met"
    return [line]


def group_errors(scenario: Scenario) -> list[str]:
    """An estimation error shared by each bloc's members (docs/model.md section 7), where the scenario draws one."""
    sd = scenario.uncertainty.group_position
    if sd <= 0.0 or not scenario.blocs:
        return []
    return [f"each bloc's ideal points share an error of sd {sd:g} per issue, on top of each member's own"]


def inert_settings(scenario: Scenario) -> list[str]:
    """Settings changed from their defaults that cannot act in this scenario (a cost of reopening without
    provisions, say), so that a user who set one is not left to think it mattered."""
    from sim.scenario import Behaviour, Procedure, Uncertainty

    proc, how, unc = scenario.procedure, scenario.behaviour, scenario.uncertainty
    followed = proc.resumable or proc.sessions > 1
    checks = [
        ("behaviour.reopening_cost", how.reopening_cost, Behaviour().reopening_cost, scenario.provisions, "provisions"),
        ("procedure.provision_threshold", proc.provision_threshold, Procedure().provision_threshold,
         scenario.provisions, "provisions"),
        ("behaviour.resumed_credibility", how.resumed_credibility, Behaviour().resumed_credibility, followed,
         "session that another may follow"),
        ("uncertainty.group_position", unc.group_position, Uncertainty().group_position, scenario.blocs, "blocs"),
    ]  # fmt: skip
    return [
        f"{name} {value:g} has no effect here: the scenario has no {needs}"
        for name, value, default, present, needs in checks
        if value != default and not present
    ]


def describe(scenario: Scenario) -> list[str]:
    """The assumptions behind a run's number, most consequential first; last, any setting changed that cannot act."""
    return [
        outside_options(scenario),
        deadline(scenario),
        *behaviour(scenario),
        *coalitions(scenario),
        *stakeholders(scenario),
        *provisions(scenario),
        *entry_into_force(scenario),
        *group_errors(scenario),
        *inert_settings(scenario),
    ]
