"""treatysim: simulate multilateral treaty negotiations and estimate how likely a text is to be adopted.

The data flow: ``load_scenario()`` → frozen :class:`Scenario` → :func:`simulate` (batched Monte Carlo) or
:class:`NegotiationModel` (Mesa, one run step by step) → :class:`Results` → ``sim.analysis``.
Everything is imported lazily: Mesa costs most of a second to import and the Monte Carlo path needs none of it.

The analysis is the subpackage ``sim.analysis``, kept in the repository's ``analysis/`` folder beside ``sim/`` (the
layout is fixed) so that no top-level ``analysis`` is installed to collide with other packages: a wheel maps the folder
to ``sim/analysis`` (``pyproject.toml``, ``[tool.setuptools.package-dir]``), and a checkout finds it through
:data:`__path__` (below).
"""

from __future__ import annotations

import os
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


def _checkout_root() -> str | None:
    """The repository this package runs from when ``sim.analysis`` must be found in its ``analysis/`` folder: there is
    no ``sim/analysis/`` (a wheel has one), the parent holds ``analysis/__init__.py`` and a ``pyproject.toml`` that
    names treatysim (:func:`sim.resources.checkout`). Plain file checks first, so an installed package, whose parent is
    ``site-packages``, is told apart without reading anything (even beside another distribution's ``analysis``)."""
    package = os.path.dirname(os.path.realpath(__file__))
    root = os.path.dirname(package)
    if os.path.isdir(os.path.join(package, "analysis")):
        return None
    if not (
        os.path.isfile(os.path.join(root, "analysis", "__init__.py"))
        and os.path.isfile(os.path.join(root, "pyproject.toml"))
    ):
        return None
    from sim.resources import checkout

    found = checkout()
    return str(found) if found is not None else None


# From a checkout (tests from the repository's root, a worktree on PYTHONPATH, an editable install), the package's
# __path__ is extended with the repository's root, so ``import sim.analysis`` finds ``<root>/analysis`` after looking in
# ``sim/`` itself: the standard mechanism by which a package spans several folders (cf. pkgutil.extend_path). It is
# deterministic (this checkout's folder, whatever else is on sys.path or was installed in editable mode), and an
# installed wheel adds nothing (its ``sim/analysis/`` is a real folder). The root's other folders are not meant as
# subpackages (nothing imports ``sim.tests`` or ``sim.tools``); tests/test_namespace.py checks both cases.
_root = _checkout_root()
if _root is not None and _root not in __path__:
    __path__.append(_root)
del _root


def __getattr__(name: str) -> Any:
    if name == "__version__":  # the installed distribution's version (pyproject.toml's in a bare checkout)
        from sim.resources import version

        globals()["__version__"] = version()
        return globals()["__version__"]
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
