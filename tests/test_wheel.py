"""``pip install .`` (a wheel, not ``-e``) works: the wheel carries ``conf/`` and the bundled scenarios, and the
installed commands find them from any directory.

The test builds the wheel from a copy of the sources (so the checkout gets no ``build/`` folder), installs it into a
*plain* new virtualenv — no ``--system-site-packages``, no path to this checkout or to the test's own environment —
with ``pip install WHEEL``, which resolves the dependencies from the wheel's own metadata through the package
registry, exactly as a user's install does (pip's cache makes that mostly unpacking after ``pip install -e``), then
runs the commands from an empty directory. Marked ``slow``: about a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
COMMANDS = (
    "treatysim",
    "treatysim-compare",
    "treatysim-aggregate",
    "treatysim-sensitivity",
    "treatysim-backtest",
    "treatysim-import",
    "treatysim-ui",
)
#: Not sources: left out of the copy the wheel is built from.
NOT_SOURCES = shutil.ignore_patterns(
    ".venv",
    "venv",
    ".git",
    "outputs",
    "multirun",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
)

pytestmark = pytest.mark.slow


def bundled_files() -> set[str]:
    """What the wheel must carry, as paths inside it: conf/** and the scenarios with their guide and template."""
    scenarios = ROOT / "scenarios"
    files = [p for p in (ROOT / "conf").rglob("*.yaml")]
    files += [
        *scenarios.glob("*.yaml"),
        *scenarios.glob("history/*.yaml"),
        scenarios / "README.md",
        scenarios / "template.yaml.example",
    ]
    return {f"sim/_bundled/{p.relative_to(ROOT).as_posix()}" for p in files}


def run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh plain virtualenv with the wheel installed, and an environment that knows nothing of the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "TREATYSIM_SCENARIOS")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    shutil.copytree(ROOT, tmp / "src", ignore=NOT_SOURCES)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", tmp / "src"], tmp, env)
    wheel = next((tmp / "dist").glob("treatysim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert bundled_files() <= names, f"missing from the wheel: {sorted(bundled_files() - names)}"
    assert not {n for n in names if n.startswith(("conf/", "scenarios/"))}, "data at the top of site-packages"
    assert "sim/analysis/__init__.py" in names and "sim/analysis/stats.py" in names, "the analysis as sim.analysis"
    assert not {n for n in names if n.startswith("analysis/")}, "a top-level analysis package in the wheel"
    base = Path(getattr(sys, "_base_executable", sys.executable))  # the interpreter itself, not this test's venv
    run([base, "-m", "venv", tmp / "venv"], tmp, env)
    bin_dir = tmp / "venv" / "bin"
    run([bin_dir / "python", "-m", "pip", "install", "-q", wheel], tmp, env)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(tmp / "venv")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return elsewhere, env


def test_the_installed_package_is_the_wheel_with_its_data(installed):
    cwd, env = installed
    code = (
        "import json, sim, sim.cli, sim.analysis.backtest as b, sim.analysis.sensitivity as s, sim.resources as r; "
        "print(json.dumps({'file': sim.__file__, 'scenarios': sim.available_scenarios(), "
        "'version': sim.__version__, 'checkout': str(r.checkout()), 'conf': sim.cli.CONF_DIR, "
        "'library': b.LIBRARY.is_dir(), 'experiment': s.DEFAULT_EXPERIMENT.is_file(), 'path': sim.__path__,"
        " 'analysis': b.__file__}))"
    )
    found = json.loads(run(["python", "-c", code], cwd, env))
    venv = env["VIRTUAL_ENV"]
    assert found["file"].startswith(venv) and found["conf"].startswith(venv)
    assert found["checkout"] == "None"
    assert found["scenarios"] == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert found["version"] == VERSION
    assert found["library"] and found["experiment"]
    package = str(Path(found["file"]).parent)
    assert found["path"] == [package]  # nothing added to the installed package's __path__ (sim/__init__.py)
    assert found["analysis"] == str(Path(package) / "analysis" / "backtest.py")


def test_the_analysis_is_installed_only_inside_the_namespace(installed):
    """Issue 15: ``sim.analysis`` imports, a top-level ``analysis`` does not exist (it could collide with another
    distribution's)."""
    cwd, env = installed
    assert (
        run(["python", "-c", "import sim.analysis.stats as s; print(s.__name__)"], cwd, env) == "sim.analysis.stats\n"
    )
    done = subprocess.run(["python", "-c", "import analysis"], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "No module named 'analysis'" in done.stderr


def test_treatysim_runs_from_another_directory(installed):
    cwd, env = installed
    out = run(["treatysim", "replicates=50"], cwd, env)
    assert "adopted (either way)" in out and "written to" in out
    summaries = list((cwd / "outputs").glob("*/*/summary.json"))
    assert len(summaries) == 1 and (summaries[0].parent / "results.csv").is_file()
    assert json.loads(summaries[0].read_text())["replicates"] == 50


@pytest.mark.parametrize("command", COMMANDS)
def test_version_of_each_installed_command(installed, command: str):
    cwd, env = installed
    assert run([command, "--version"], cwd, env) == f"{command} {VERSION}\n"
