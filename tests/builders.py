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
