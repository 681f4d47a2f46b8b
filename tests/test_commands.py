"""Every analysis command has the one error boundary (``sim.errors.command_boundary``): bad input exits 2 in one line
per problem, Ctrl-C exits 130 in one line, and ``TREATYSIM_DEBUG`` shows the traceback instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import sim.analysis.compare
import sim.analysis.sensitivity
import sim.analysis.sweep
from sim.errors import EXIT_INTERRUPTED, EXIT_USAGE, ScenarioError


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _bad_input(*args, **kwargs):
    raise ScenarioError("input", [("x", "bad")])


def compare(tmp_path: Path) -> tuple[Callable[[], object], str]:
    return (lambda: sim.analysis.compare.main(["classroom", "-n", "5", "--out", str(tmp_path / "out")])), "compare"


def sensitivity(tmp_path: Path) -> tuple[Callable[[], object], str]:
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "scenario": "classroom",
                "replicates": 5,
                "sensitivity": {"method": "morris", "samples": 2, "inputs": {"chair.step": [0.2, 0.4]}},
            }
        )
    )
    return (lambda: sim.analysis.sensitivity.main([str(path), "--out", str(tmp_path / "out")])), "sensitivity"


def aggregate(tmp_path: Path) -> tuple[Callable[[], object], str]:
    return (lambda: sim.analysis.sweep.main([str(tmp_path)])), "read_sweep"


COMMANDS = {"treatysim-compare": compare, "treatysim-sensitivity": sensitivity, "treatysim-aggregate": aggregate}
#: Where each command does its work: interrupted there, it must exit cleanly.
WORK = {
    "compare": (sim.analysis.compare, "compare"),
    "sensitivity": (sim.analysis.sensitivity, "sensitivity"),
    "read_sweep": (sim.analysis.sweep, "read_sweep"),
}


@pytest.mark.parametrize("prog", COMMANDS)
def test_ctrl_c_exits_130_with_one_line(prog: str, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    run, work = COMMANDS[prog](tmp_path)
    monkeypatch.setattr(*WORK[work], _interrupt)
    with pytest.raises(SystemExit) as info:
        run()
    assert info.value.code == EXIT_INTERRUPTED
    assert capsys.readouterr().err == f"{prog}: interrupted\n"


@pytest.mark.parametrize("prog", COMMANDS)
def test_bad_input_exits_2_and_raises_under_treatysim_debug(prog: str, tmp_path: Path, capsys, monkeypatch):
    run, work = COMMANDS[prog](tmp_path)
    monkeypatch.setattr(*WORK[work], _bad_input)
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        run()
    assert info.value.code == EXIT_USAGE and capsys.readouterr().err == "input: x: bad\n"
    monkeypatch.setenv("TREATYSIM_DEBUG", "1")
    with pytest.raises(ScenarioError):
        run()
    monkeypatch.setattr(*WORK[work], _interrupt)
    with pytest.raises(KeyboardInterrupt):
        run()


def test_aggregate_of_no_sweep_keeps_its_message(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        sim.analysis.sweep.main([str(tmp_path / "nowhere")])
    assert info.value.code == EXIT_USAGE
    assert capsys.readouterr().err == f"{tmp_path / 'nowhere'}: no such sweep directory\n"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "chair: accommodate (step 0.5)"),
        ({"chair_strategy": "friends", "chair_step": 1.0}, "chair: friends (step 1, 5 friends)"),
        (
            {"chair_strategy": "friends", "chair_step": 0.25, "chair_friends": 3},
            "chair: friends (step 0.25, 3 friends)",
        ),
    ],
)
def test_the_report_names_the_chair(overrides, expected):
    from sim import load_scenario, simulate
    from sim.analysis.report import format_summary
    from sim.analysis.stats import summarize

    summary = {**summarize(simulate(load_scenario("uncc2024"), 20, 1)), **overrides}
    assert format_summary(summary).splitlines()[1].endswith(expected)
