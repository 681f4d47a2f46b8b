"""Builders for small, readable test scenarios (import them from ``tests.builders``)."""

from __future__ import annotations

import copy
from typing import Any

from sim.loading import validate_scenario
from sim.scenario import Scenario

TWO_ISSUES = [
    {"id": "scope", "label": "Scope", "low": "narrow", "high": "broad"},
    {"id": "safeguards", "label": "Safeguards", "low": "none", "high": "strong"},
]


def delegation(did: str, scope: float, safeguards: float, **extra: Any) -> dict[str, Any]:
    """A delegation mapping with equal salience and power 1 unless told otherwise."""
    d = {
        "id": did,
        "name": f"Delegation {did}",
        "position": {"scope": scope, "safeguards": safeguards},
        "salience": {"scope": 1.0, "safeguards": 1.0},
        "power": 1.0,
    }
    d.update(extra)
    return d


def scenario_dict(delegations: list[dict[str, Any]], **sections: Any) -> dict[str, Any]:
    """A minimal valid scenario document around ``delegations``; ``sections`` adds or replaces top-level keys."""
    doc = {"name": "test", "title": "A test scenario", "issues": copy.deepcopy(TWO_ISSUES), "delegations": delegations}
    doc.update(sections)
    return doc


def build(delegations: list[dict[str, Any]], **sections: Any) -> Scenario:
    """Validate a scenario built by :func:`scenario_dict`."""
    return validate_scenario(scenario_dict(delegations, **sections), "test.yaml")


def lone_holdout(style: Any = "boulware", reservation: float = 0.9, outside_option: float = 0.6) -> Scenario:
    """Six delegations close together and one far-off holdout with its own concession style and demands."""
    crowd = [
        delegation(f"D{i}", 0.3 + 0.05 * i, 0.4 + 0.03 * i, reservation=0.85, outside_option=0.6) for i in range(6)
    ]
    holdout = delegation("H", 0.9, 0.9, reservation=reservation, outside_option=outside_option, style=style)
    return build(crowd + [holdout], procedure={"rounds": 8})


def early_consensus(**extra: Any) -> Scenario:
    """Eight delegations that all accept the held text (safeguards 0.6) in the first of five rounds; six of them
    (ideal 0.2) gain 0.1 from deleting its provision and would still accept the text without it, as would the two
    who value it (ideal 0.9)."""
    members = [delegation(f"K{i}", 0.5, 0.9, reservation=0.5, outside_option=0.3) for i in range(2)] + [
        delegation(f"D{i}", 0.5, 0.2, reservation=0.5, outside_option=0.3) for i in range(6)
    ]
    return build(
        members,
        provisions=[{"id": "p", "issue": "safeguards", "shift": -0.2}],
        chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.6}},
        procedure={"rounds": 5, "fallback": "vote"},
        uncertainty={"position": 0.02, "salience": 0.05, "reservation": 0.02},
        **extra,
    )
