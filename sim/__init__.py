"""treatysim: simulate multilateral treaty negotiations and estimate how likely a text is to be adopted.

The data flow: ``load_scenario()`` → frozen :class:`Scenario` → :func:`simulate` (batched Monte Carlo) or
:class:`NegotiationModel` (Mesa, one run step by step) → :class:`Results` → ``analysis``.
``NegotiationModel`` is imported lazily: Mesa costs most of a second to import and the Monte Carlo path needs none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import available_scenarios, load_scenario, with_overrides
from sim.results import Results
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.model import NegotiationModel

__all__ = [
    "NegotiationModel",
    "Results",
    "Scenario",
    "ScenarioError",
    "available_scenarios",
    "load_scenario",
    "simulate",
    "with_overrides",
]


def __getattr__(name: str) -> Any:
    if name == "NegotiationModel":
        from sim.model import NegotiationModel

        return NegotiationModel
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
