"""What a new user trips on at the command line (issue 15): ``treatysim validate FILE...``, an unknown
``+experiment=NAME``, and a misspelt delegation id in ``+delegations.ID.field=...``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli
from sim.errors import ScenarioError
from sim.loading import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
CLASSROOM = ROOT / "scenarios" / "classroom.yaml"


def treatysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("treatysim")
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    return subprocess.run([str(exe), *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["treatysim", *args])
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main()
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(CLASSROOM.read_text())
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(CLASSROOM.read_text().replace("scope: 0.90", "scope: 1.40", 1))
    return path


# --- treatysim validate --------------------------------------------------------------------------------------------


def test_validate_good_files_prints_one_ok_line_each_and_exits_0(good: Path, monkeypatch, capsys):
    code, out, err = run_main(monkeypatch, capsys, "validate", str(good), "classroom")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert (
        len(lines) == 2
        and lines[0].startswith(f"ok: {good} (8 delegations, 2 issues")
        and lines[1].startswith("ok: classroom (")
    )


def test_validate_a_bad_file_prints_the_runs_message_and_exits_2(bad: Path, monkeypatch, capsys, tmp_path: Path):
    code, out, err = run_main(monkeypatch, capsys, "validate", str(bad))
    assert code == 2 and out == ""
    with pytest.raises(ScenarioError) as info:  # the same words as a run of the file
        load_scenario(bad)
    assert err.strip().startswith(info.value.format())  # then, after field errors, that more checks may follow
    assert f"{bad}: line 23: delegations[0].position.scope: must be at most 1" in err
    assert not (tmp_path / "outputs").exists()


def test_validate_mixed_files_checks_every_one_and_exits_2(good: Path, bad: Path, tmp_path: Path, monkeypatch, capsys):
    missing = tmp_path / "missing.yaml"
    code, out, err = run_main(monkeypatch, capsys, "validate", str(bad), str(good), str(missing))
    assert code == 2
    (ok,) = out.splitlines()
    assert ok.startswith(f"ok: {good} (")
    assert f"{bad}: line 23: delegations[0].position.scope" in err and f"{missing}: no such scenario file" in err


def test_validate_without_files_says_how_and_exits_2(monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "validate")
    assert code == 2 and "usage: treatysim validate FILE" in err


def test_validate_runs_as_a_command_before_hydra(good: Path, bad: Path, tmp_path: Path):
    proc = treatysim("validate", str(good), str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stdout.startswith(f"ok: {good}") and f"{bad}: line 23: delegations[0]" in proc.stderr
    assert set(tmp_path.iterdir()) == {good, bad}  # nothing written: no outputs/, no Hydra folder


# --- +experiment=NAME ----------------------------------------------------------------------------------------------


def test_an_unknown_experiment_names_the_available_ones():
    (hint,) = cli.unknown_setting_hints(["+experiment=deadline"])
    assert hint.startswith("no experiment 'deadline' (did you mean 'deadline_sweep'?)")
    for name in ("chair_strategy", "deadline_sweep", "sensitivity"):
        assert name in hint
    assert cli.unknown_setting_hints(["+experiment=deadline_sweep"]) == []
    assert cli.unknown_setting_hints(["+experiment=deadline_sweep,chair_strategy"]) == []
    assert "no experiment 'nope'" in cli.unknown_setting_hints(["+experiment=deadline_sweep,nope"])[0]


def test_an_unknown_experiment_is_one_line_not_hydras_search_path(tmp_path: Path):
    proc = treatysim("-m", "+experiment=deadline", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "deadline_sweep" in proc.stderr and "search path" not in proc.stderr.lower()
    assert not (tmp_path / "multirun").exists()


# --- +delegations.USB.power=2 --------------------------------------------------------------------------------------


def test_a_misspelt_delegation_id_gets_a_did_you_mean_and_no_parent():
    scenario = load_scenario("classroom")
    with pytest.raises(ScenarioError) as info:
        with_overrides(scenario, {"delegations": {"USB": {"power": 2}}}, source="overrides of classroom")
    text = info.value.format()
    assert text == "overrides of classroom: delegations.USB: no delegation 'USB' to patch (did you mean 'USA'?)"
    with pytest.raises(ScenarioError, match=r"no delegation 'usa' to patch \(did you mean 'USA'\?\)"):
        with_overrides(scenario, {"delegations": {"usa": {"power": 2}}})
    with pytest.raises(ScenarioError, match=r"no delegation 'QQQQQQ' to patch \(the delegation ids: "):
        with_overrides(scenario, {"delegations": {"QQQQQQ": {"power": 2}}})


def test_the_command_line_says_did_you_mean_for_a_delegation(tmp_path: Path):
    proc = treatysim(
        "scenario=classroom",
        "replicates=10",
        "figures=false",
        "+delegations.USB.power=2",
        f"hydra.run.dir={tmp_path / 'run'}",
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no delegation 'USB' to patch (did you mean 'USA'?)" in proc.stderr and "parent" not in proc.stderr
