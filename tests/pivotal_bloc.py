"""A scenario whose only blocker is a coordinated bloc, for tests of how reports name blocs."""

from __future__ import annotations

from typing import Any

from tests.builders import delegation, scenario_dict

BLOC_NAME = "European Union"


def pivotal_bloc_dict() -> dict[str, Any]:
    """Two members of bloc ``eu`` (coordinated, so it decides as one) far from a draft the chair holds, two others
    content with it, no noise: in every replicate the bloc alone blocks at the deadline, so it is pivotal."""
    members = [delegation(d, 0.1, 0.9, reservation=0.95, outside_option=0.9) for d in ("E1", "E2")]
    others = [delegation(d, 0.5, 0.5, reservation=0.5, outside_option=0.3) for d in ("X", "Y")]
    return scenario_dict(
        members + others,
        name="pivotal_bloc",
        blocs=[{"id": "eu", "name": BLOC_NAME, "members": ["E1", "E2"], "coordinated": True}],
        procedure={"rounds": 2, "fallback": "none"},
        chair={"draft": {"scope": 0.5, "safeguards": 0.5}, "strategy": "hold"},
        uncertainty={"position": 0.0, "salience": 0.0, "reservation": 0.0},
    )
