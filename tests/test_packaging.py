"""What a checkout and an installed wheel share: where ``conf/`` and ``scenarios/`` are found (:mod:`sim.resources`),
``sim.__version__``, and ``--version`` on every command. ``tests/test_wheel.py`` checks the same in a wheel
installed into a fresh virtualenv."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import pytest

import sim
import sim.analysis.backtest
import sim.analysis.compare
import sim.analysis.importers
import sim.analysis.sensitivity
import sim.analysis.sweep
import sim.cli
import sim.resources
import sim.ui.launch
from sim.loading import available_scenarios, scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def test_a_checkout_uses_the_repository_folders(monkeypatch):
    monkeypatch.delenv("TREATYSIM_SCENARIOS", raising=False)
    assert sim.resources.checkout() == ROOT
    assert sim.resources.bundled_dir("conf") == ROOT / "conf"
    assert scenarios_dir() == ROOT / "scenarios"
    assert Path(sim.cli.CONF_DIR) == ROOT / "conf"
    assert sim.analysis.sensitivity.DEFAULT_EXPERIMENT == ROOT / "conf" / "experiment" / "sensitivity.yaml"
    assert sim.analysis.backtest.LIBRARY == ROOT / "scenarios" / "history"
    assert "uncc2024" in available_scenarios()


def test_installed_the_package_copy_is_used(monkeypatch):
    monkeypatch.delenv("TREATYSIM_SCENARIOS", raising=False)
    monkeypatch.setattr(sim.resources, "checkout", lambda: None)
    assert sim.resources.bundled_dir("conf") == sim.resources.PACKAGE / "_bundled" / "conf"
    assert scenarios_dir() == sim.resources.PACKAGE / "_bundled" / "scenarios"


def test_treatysim_scenarios_still_wins(monkeypatch, tmp_path):
    (tmp_path / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    monkeypatch.setenv("TREATYSIM_SCENARIOS", str(tmp_path))
    assert scenarios_dir() == tmp_path
    assert available_scenarios() == ["mine"]


def test_only_the_bundled_folders_are_resolved():
    with pytest.raises(ValueError, match="unknown bundled folder"):
        sim.resources.bundled_dir("data")


def test_version_comes_from_the_distribution_or_pyproject(monkeypatch):
    assert sim.__version__ == sim.resources.version() == VERSION

    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr("importlib.metadata.version", not_installed)
    assert sim.resources.version() == VERSION  # a checkout that was never installed: pyproject.toml's


def test_every_package_and_data_folder_is_in_the_wheel_list():
    """``pyproject.toml`` lists the packages by hand (the data packages are mapped from conf/ and scenarios/, and
    analysis/ to ``sim.analysis``, which ``packages.find`` cannot do): a new subpackage or data folder must be added
    there."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    code |= {".".join(("sim", *p.parent.relative_to(ROOT).parts)) for p in (ROOT / "analysis").rglob("__init__.py")}
    data = {
        ".".join(("sim", "_bundled", *d.relative_to(ROOT).parts))
        for top in ("conf", "scenarios")
        for d in (ROOT / top, *(ROOT / top).rglob("*"))
        if d.is_dir() and not d.name.startswith((".", "__"))
    }
    assert listed == code | data
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["sim.analysis"] == "analysis"  # analysis/ is sim.analysis


COMMANDS: dict[str, Callable[[list[str]], object]] = {
    "treatysim-compare": sim.analysis.compare.main,
    "treatysim-aggregate": sim.analysis.sweep.main,
    "treatysim-sensitivity": sim.analysis.sensitivity.main,
    "treatysim-backtest": sim.analysis.backtest.main,
    "treatysim-import": sim.analysis.importers.main,
    "treatysim-ui": sim.ui.launch.main,
}


@pytest.mark.parametrize("prog", COMMANDS)
def test_version_of_each_command(prog: str, capsys):
    with pytest.raises(SystemExit) as info:
        COMMANDS[prog](["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"{prog} {VERSION}\n"


@pytest.mark.parametrize("args", [["--version"], ["scenario=classroom", "--version"]])
def test_version_of_treatysim_is_ours_not_hydras(args: list[str], capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["treatysim", *args])
    with pytest.raises(SystemExit) as info:
        sim.cli.main()
    assert info.value.code in (0, None)
    assert capsys.readouterr().out == f"treatysim {VERSION}\n"


def test_every_console_script_is_tested():
    assert set(PYPROJECT["project"]["scripts"]) == {"treatysim", *COMMANDS}


def test_treatysim_help_names_every_other_command(capsys, monkeypatch):
    """`treatysim --help` lists the related commands: every console script the project installs."""
    monkeypatch.setattr("sys.argv", ["treatysim", "--help"])
    with pytest.raises(SystemExit):
        sim.cli.main()
    shown = capsys.readouterr().out
    missing = [name for name in PYPROJECT["project"]["scripts"] if name != "treatysim" and name not in shown]
    assert not missing, missing
    assert "treatysim validate" in shown  # the subcommand the README names beside --help
