"""What figures call things: readable names for settings, issues and scenarios instead of dotted setting names
and ids, so a figure can go into a paper as it is.

:data:`SETTING_LABELS` names every setting of ``conf/config.yaml`` (and the scenario fields a sensitivity experiment
varies); a setting of one delegation (``delegations.RUS.outside_option``) is named by the delegation's name and the
field's label. The user's own labels (``figures.labels`` in the run settings, a mapping of a setting name, scenario
id or issue id to the text to show) win over both. Pure functions of plain data: no matplotlib here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

#: A readable name for each setting (dotted, as on the command line and in sweep tables).
SETTING_LABELS = {
    "scenario": "scenario",
    "replicates": "replicates",
    "seed": "master seed",
    "procedure.rounds": "deadline (rounds)",
    "procedure.fallback": "fallback without consensus",
    "procedure.vote_threshold": "vote threshold (share of yes)",
    "procedure.abstention_band": "abstention band (utility)",
    "procedure.provision_threshold": "share needed to delete a provision",
    "procedure.provision_voting": "how delegations vote on provisions",
    "procedure.deadline_credibility": "credibility of the deadline",
    "procedure.resumable": "talks may resume",
    "procedure.sessions": "sessions (at most)",
    "chair.strategy": "chair's strategy",
    "chair.draft": "chair's opening text",
    "chair.step": "chair's step per round",
    "chair.friends": "seats in the chair's group of friends",
    "uncertainty.position": "noise on positions (sd)",
    "uncertainty.group_position": "noise on groups' positions (sd)",
    "uncertainty.salience": "noise on saliences (log sd)",
    "uncertainty.reservation": "noise on reservations (sd)",
    "behaviour.default_outside_option": "default outside option (utility)",
    "behaviour.agreement_cost": "cost of agreeing (utility)",
    "behaviour.isolation_cost": "cost of blocking alone",
    "behaviour.temperature": "choice noise (temperature)",
    "behaviour.resumed_credibility": "credibility of a deadline before another session",
    "behaviour.reopening_cost": "cost of reopening the chair's text (utility)",
    "ratification.threshold": "ratifications for entry into force",
    "ratification.lag_days": "days from the threshold to entry into force",
    "ratification.horizon_years": "years simulated after adoption",
}

#: A readable name for each field of a delegation (``delegations.<id>.<field>``).
DELEGATION_FIELD_LABELS = {
    "reservation": "reservation (utility asked at first)",
    "outside_option": "outside option",
    "power": "power",
    "style": "concession style",
    "can_block": "can block",
    "votes": "votes",
    "ratification_difficulty": "difficulty of ratification",
    "position": "position",
    "salience": "salience",
}


def setting_label(
    name: str,
    delegations: Mapping[str, str] | None = None,
    issues: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The readable name of the setting ``name``: the user's ``labels`` first, then :data:`SETTING_LABELS`, then, for
    ``delegations.<id>.<field>[.<issue>]``, "<delegation's name>: <field>[ on <issue>]" (``delegations`` maps ids to
    names, ``issues`` issue ids to labels); a name none of these knows is shown as it is."""
    labels = labels or {}
    if name in labels:
        return str(labels[name])
    if name in SETTING_LABELS:
        return SETTING_LABELS[name]
    parts = name.split(".")
    if len(parts) == 3 and parts[0] in ("blocs", "stakeholders"):  # blocs.like_minded.cohesion
        return f"{parts[1]}: {parts[2].replace('_', ' ')}"
    if len(parts) >= 3 and parts[0] == "delegations":
        who = (delegations or {}).get(parts[1], parts[1])
        field = DELEGATION_FIELD_LABELS.get(parts[2], parts[2].replace("_", " "))
        if len(parts) == 4:
            issue = labels.get(parts[3]) or (issues or {}).get(parts[3], parts[3])
            return f"{who}: {field} on {issue}"
        if len(parts) == 3:
            return f"{who}: {field}"
    return name


def issue_axis_label(label: str, low: str = "", high: str = "", width: int = 60) -> str:
    """An issue's axis label: its label, and on the next line(s) what the ends of its [0, 1] scale mean."""
    if not low and not high:
        return label
    ends = f"0 = {low or '?'} · 1 = {high or '?'}"
    return label + "\n" + textwrap.fill(ends, width)


def scenario_label(
    scenario: str, title: str | None = None, labels: Mapping[str, str] | None = None, width: int = 45
) -> str:
    """How a figure names a scenario: the user's label for its id, else its title (wrapped to ``width``
    characters), else its id."""
    text = (labels or {}).get(scenario) or title or scenario
    return textwrap.fill(str(text), width)
