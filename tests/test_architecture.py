"""The layers hold: the core imports nothing from the application or from the analysis (``sim.analysis``, the
``analysis/`` folder), the analysis nothing from the application, and no module imports itself through others
(docs/architecture.md).

Every import counts, at module level or inside a function, except those under ``if TYPE_CHECKING:`` (annotations
only, never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The application: entry points (with the sweep check Hydra calls), run settings, the dashboard. Everything else in
#: sim/ is the core.
APP = {"sim.cli", "sim.runner", "sim.config", "sim.sweep_check"}


def module_name(path: Path) -> str:
    """The name ``path`` is imported by: ``analysis/`` is the package ``sim.analysis`` (pyproject.toml's package-dir)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    parts = ["sim", *parts] if parts[0] == "analysis" else parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for folder in ("sim", "analysis") for p in sorted((ROOT / folder).rglob("*.py"))}


def layer(name: str) -> str:
    if name == "sim.analysis" or name.startswith("sim.analysis."):
        return "analysis"
    if name in APP or name.startswith("sim.ui"):
        return "app"
    return "core"


def _type_checking_only(node: ast.If) -> bool:
    return (
        isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from sim import steps`` names the module ``sim.steps``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(path, set(mods)) - {name} for name, path in mods.items()}


ALLOWED = {"core": {"core"}, "analysis": {"core", "analysis"}, "app": {"core", "analysis", "app"}}


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_module_imports_only_from_its_own_layer_or_below(name):
    wrong = {m for m in graph()[name] if layer(m) not in ALLOWED[layer(name)]}
    assert not wrong, f"{name} ({layer(name)}) imports {sorted(wrong)}"


def test_there_is_no_import_circle():
    edges = graph()
    state: dict[str, int] = {}
    circles = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            walk(start, [start])
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_the_walk_sees_imports_inside_functions():
    """The check above would pass vacuously if lazy imports were missed: the runner imports analysis inside one."""
    assert "sim.analysis.stats" in graph()["sim.runner"]
    assert "sim.analysis.stats" in graph()["sim.analysis.sweep_stats"]  # the analysis's own modules by their names
    assert "sim.package" not in graph()  # sanity: only real modules
