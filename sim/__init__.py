"""treatysim: simulate multilateral treaty negotiations and estimate how likely a text is to be adopted.

The data flow: ``load_scenario()`` → frozen :class:`Scenario` → :func:`simulate` (batched Monte Carlo) or
:class:`NegotiationModel` (Mesa, one run step by step) → :class:`Results` → ``analysis``.
Everything is imported lazily: Mesa costs most of a second to import and the Monte Carlo path needs none of it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from sim.engine import simulate
    from sim.errors import ScenarioError
    from sim.loading import available_scenarios, load_scenario, with_overrides
    from sim.model import NegotiationModel
    from sim.results import Results
    from sim.scenario import Scenario

#: Where each public name lives; modules load on first use, so the command line starts (and can be interrupted
#: cleanly) before NumPy, pydantic or Mesa are imported.
_HOMES = {
    "NegotiationModel": "sim.model",
    "Results": "sim.results",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.errors",
    "available_scenarios": "sim.loading",
    "load_scenario": "sim.loading",
    "simulate": "sim.engine",
    "with_overrides": "sim.loading",
}
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
    if name == "__version__":  # the installed distribution's version (pyproject.toml's in a bare checkout)
        from sim.resources import version

        globals()["__version__"] = version()
        return globals()["__version__"]
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
