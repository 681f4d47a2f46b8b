"""The analysis lives inside the project's namespace (issue 15): ``sim.analysis``, from the repository's ``analysis/``
folder, and nothing imports or installs a top-level ``analysis`` that could collide with another distribution's.

A checkout finds ``sim.analysis`` through the ``sim`` package's ``__path__`` (``sim/__init__.py``); an installed wheel
has a real ``sim/analysis/`` and adds nothing (``tests/test_wheel.py`` checks a real wheel install too).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: The folders of the repository that hold Python code, and the tutorial notebook whose code cells are Python too.
CODE = ("sim", "analysis", "tests", "tools", "benchmarks")
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: A string that names a module (or an object in one) of the top-level ``analysis``: a monkeypatch or logger target,
#: a ``python -m`` argument, an entry point.
DOTTED_TOP_LEVEL = re.compile(r"^analysis(\.\w+)+(:\w+)?$")


def sources() -> Iterator[tuple[str, str]]:
    """(where, code) for every Python file of the repository and every code cell of the tutorial notebook."""
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")
    cells = [c for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells, start=1):
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]  # shell, magics
        yield f"{NOTEBOOK.relative_to(ROOT).as_posix()} code cell {number}", "\n".join(lines)


def top_level_analysis(code: str) -> list[str]:
    """The imports of the top-level ``analysis`` in ``code``, and the strings naming one of its modules."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "analysis"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "analysis":
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_TOP_LEVEL.match(node.value):
            found.append(repr(node.value))
    return found


def test_the_check_sees_every_form_of_the_top_level_name():
    """The walk below would pass vacuously if it missed a form: each of these is caught, the namespaced ones are not."""
    wrong = (
        "import analysis.stats\nfrom analysis import plots\nfrom analysis.sweep import main\nimport analysis\n"
        "monkeypatch.setattr('analysis.compare.main', f)\nrun(['python', '-m', 'analysis.importers'])"
    )
    assert len(top_level_analysis(wrong)) == 6
    right = (
        "import sim.analysis.stats\nfrom sim.analysis import plots\nfrom sim.analysis.sweep import main\n"
        "from . import analysis\nlogging.getLogger('sim.analysis.sweep_jobs')\n'sensitivity analysis.'"
    )
    assert top_level_analysis(right) == []


def test_no_module_or_notebook_cell_imports_the_top_level_analysis():
    found = {where: names for where, code in sources() if (names := top_level_analysis(code))}
    assert not found, f"the top-level name 'analysis' (use 'sim.analysis'): {found}"
    assert any(where.startswith("docs/tutorial.ipynb") for where, _ in sources())  # the cells were read


def test_sim_analysis_is_the_repository_folder():
    import sim.analysis.stats

    assert Path(sim.analysis.__file__) == ROOT / "analysis" / "__init__.py"
    assert Path(sim.analysis.stats.__file__) == ROOT / "analysis" / "stats.py"
    assert sim.analysis.stats.__name__ == "sim.analysis.stats"
    assert sim.__path__[0] == str(ROOT / "sim")  # sim/ first: the root is searched only for what sim/ lacks


def environment(pythonpath: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return env | {"PYTHONPATH": str(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"}


def python(code: str, cwd: Path, pythonpath: Path, *, no_site: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter with ``pythonpath`` first on its path. ``no_site``: without the
    environment's site-packages (``-S``) — so without the finder an editable install of this checkout puts there,
    which would map ``sim.analysis`` to the checkout's folder whatever copy of ``sim`` is imported."""
    flags = ["-S"] if no_site else []
    return subprocess.run(
        [sys.executable, *flags, "-c", code], cwd=cwd, env=environment(pythonpath), capture_output=True, text=True
    )


def test_from_another_directory_the_checkout_on_pythonpath_gives_its_own_analysis(tmp_path: Path):
    """Deterministic: this checkout's ``analysis/``, whatever else is on the path or installed in editable mode, and
    the commands' modules never pull in a top-level ``analysis``."""
    code = (
        "import json, sys, sim, sim.analysis.stats, sim.analysis.sweep, sim.analysis.compare, sim.cli, sim.runner\n"
        "print(json.dumps({'path': sim.__path__, 'stats': sim.analysis.stats.__file__,"
        " 'top': sorted(m for m in sys.modules if m.split('.')[0] == 'analysis')}))"
    )
    done = python(code, tmp_path, ROOT)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["path"] == [str(ROOT / "sim"), str(ROOT)]
    assert Path(found["stats"]) == ROOT / "analysis" / "stats.py"
    assert found["top"] == []


def installed_layout(site: Path, *, own_analysis: bool, pyproject: str | None) -> None:
    """A ``site-packages``-like folder: the ``sim`` package, beside it another distribution's top-level
    ``analysis``, and (when given) a ``pyproject.toml``."""
    shutil.copytree(ROOT / "sim", site / "sim", ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
    (site / "analysis").mkdir()
    (site / "analysis" / "__init__.py").write_text("OTHER = True\n", encoding="utf-8")
    if own_analysis:  # as a wheel installs it
        (site / "sim" / "analysis").mkdir()
        (site / "sim" / "analysis" / "__init__.py").write_text("OWN = True\n", encoding="utf-8")
    if pyproject is not None:
        (site / "pyproject.toml").write_text(pyproject, encoding="utf-8")


@pytest.mark.parametrize(
    ("own_analysis", "pyproject"),
    [
        (True, None),  # a wheel, beside another distribution's analysis
        (True, '[project]\nname = "treatysim"\n'),  # a wheel's layout even where treatysim's pyproject is beside it
        (False, None),  # no sim/analysis and no pyproject: not a checkout, nothing to find
        (False, '[project]\nname = "someone-else"\n'),  # another project's checkout
    ],
)
def test_an_installed_package_adds_nothing_to_its_path(tmp_path: Path, own_analysis: bool, pyproject: str | None):
    site = tmp_path / "site"
    installed_layout(site, own_analysis=own_analysis, pyproject=pyproject)
    code = (
        "import json, sim\n"
        "try:\n    import sim.analysis as a\n    found = sorted(n for n in vars(a) if n.isupper())\n"
        "except ModuleNotFoundError:\n    found = None\n"
        "print(json.dumps({'path': sim.__path__, 'analysis': found}))"
    )
    done = python(code, tmp_path, site, no_site=True)  # as a user's environment: no editable install of this checkout
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["path"] == [str(site / "sim")]
    assert found["analysis"] == (["OWN"] if own_analysis else None)  # never the other distribution's


def test_a_checkout_layout_finds_the_analysis_beside_the_package(tmp_path: Path):
    """The same copy with treatysim's ``pyproject.toml`` and ``analysis/`` beside ``sim/``: a checkout."""
    site = tmp_path / "checkout"
    installed_layout(site, own_analysis=False, pyproject='[project]\nname = "treatysim"\n')
    done = python("import sim, sim.analysis as a; print(a.OTHER, sim.__path__[1:])", tmp_path, site, no_site=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", f"['{site}']"]


def test_the_commands_and_hydra_callbacks_name_the_namespaced_modules():
    """Entry points and Hydra ``_target_``s are strings, invisible to the import walk: each names ``sim.…`` and
    resolves to what it names."""
    from hydra.utils import get_object

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for name, target in scripts.items():
        module, _, function = target.partition(":")
        assert module.split(".")[0] == "sim", f"{name} = {target}"
        assert callable(getattr(importlib.import_module(module), function))

    def targets(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            yield from ([node["_target_"]] if "_target_" in node else [])
            for value in node.values():
                yield from targets(value)
        elif isinstance(node, list):
            for value in node:
                yield from targets(value)

    found = [t for path in sorted((ROOT / "conf").rglob("*.yaml")) for t in targets(yaml.safe_load(path.read_text()))]
    assert found, "conf/ has Hydra callbacks"
    for target in found:
        assert target.split(".")[0] == "sim", target
        assert get_object(target) is not None
