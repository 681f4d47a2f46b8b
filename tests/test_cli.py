"""The ``treatysim`` command end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def treatysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("treatysim")
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_cli_runs_classroom_end_to_end(tmp_path: Path):
    out = tmp_path / "run"
    proc = treatysim("scenario=classroom", "replicates=400", "seed=7", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    for key in ("p_consensus", "p_vote", "p_failed", "p_adopted"):
        low, high = summary["ci95"][key]
        assert 0 <= low <= summary[key] <= high <= 1
    assert summary["scenario"] == "classroom" and summary["replicates"] == 400 and summary["seed"] == 7
    assert abs(summary["p_consensus"] + summary["p_vote"] + summary["p_failed"] - 1) < 1e-12
    assert set(summary["final_text_mean"]) == {"scope", "safeguards"}
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 400 and table["replicate"].tolist() == list(range(400))
    assert {"replicate", "seed", "outcome", "round", "text_scope", "text_safeguards", "yes", "no", "abstain"} <= set(
        table.columns
    )
    assert set(table["outcome"]) <= {"consensus", "vote", "failed"}
    shares = table["outcome"].value_counts(normalize=True)
    assert abs(shares.get("consensus", 0) - summary["p_consensus"]) < 1e-12
    for figure in ("outcome_shares.png", "policy_map.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "adopted by consensus" in proc.stdout and "95% interval" in proc.stdout


def test_cli_overrides_reach_the_scenario(tmp_path: Path):
    out = tmp_path / "run"
    proc = treatysim(
        "scenario=classroom",
        "replicates=50",
        "procedure.rounds=0",
        "procedure.fallback=none",
        "figures=false",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rounds"] == 0 and summary["p_failed"] == 1.0
    assert not (out / "policy_map.png").exists()


def test_cli_rejects_a_wrong_scenario_file_with_one_clear_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "scenarios" / "classroom.yaml").read_text().replace("scope: 0.90", "scope: 1.40", 1)
    bad.write_text(text)
    proc = treatysim(f"scenario={bad}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}: line 23: delegations[0].position.scope: must be at most 1" in proc.stderr
    assert not (tmp_path / "run").exists()  # not even the folder Hydra made for the run: nothing is left behind


def test_bad_input_leaves_an_earlier_runs_folder_as_it_was(tmp_path: Path):
    """The folder Hydra makes for a run is removed after bad input only when it holds nothing else."""
    run = tmp_path / "run"
    assert (
        treatysim(
            "scenario=classroom", "replicates=50", "figures.enabled=false", f"hydra.run.dir={run}", cwd=tmp_path
        ).returncode
        == 0
    )
    before = sorted(p.name for p in run.iterdir())
    proc = treatysim("scenario=classroom", "procedure.rounds=-1", f"hydra.run.dir={run}", cwd=tmp_path)
    assert proc.returncode == 2 and "procedure.rounds" in proc.stderr
    assert sorted(p.name for p in run.iterdir()) == before


def test_piping_the_report_into_head_is_not_an_error(tmp_path: Path):
    exe = Path(sys.executable).with_name("treatysim")
    out = tmp_path / "run"
    proc = subprocess.run(
        f"'{exe}' scenario=classroom replicates=50 figures=false hydra.run.dir='{out}' | true",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        executable="/bin/bash",
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert (out / "summary.json").exists()


def test_cli_patches_a_delegation_by_id(tmp_path: Path):
    base, patched = tmp_path / "base", tmp_path / "patched"
    common = ("scenario=classroom", "replicates=300", "procedure.fallback=none", "figures=false")
    assert treatysim(*common, f"hydra.run.dir={base}", cwd=tmp_path).returncode == 0
    proc = treatysim(
        *common,
        "+delegations.USA.outside_option=0.8",
        "+delegations.USA.reservation=0.9",
        f"hydra.run.dir={patched}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    before = json.loads((base / "summary.json").read_text())["p_adopted"]
    after = json.loads((patched / "summary.json").read_text())["p_adopted"]
    assert after < before  # a United States demanding more at the deadline blocks more often
    config = json.loads((patched / "config.json").read_text())
    assert config["run"]["delegations"] == {"USA": {"outside_option": 0.8, "reservation": 0.9}}
    missing = treatysim(*common, "+delegations.USB.power=2", f"hydra.run.dir={tmp_path / 'x'}", cwd=tmp_path)
    assert missing.returncode == 2 and "no delegation 'USB'" in missing.stderr
    plain = treatysim(*common, "delegations.USA.power=2", f"hydra.run.dir={tmp_path / 'y'}", cwd=tmp_path)
    assert plain.returncode == 2 and "+delegations.USA.power=2" in plain.stderr


def test_the_command_starts_before_heavy_imports_and_every_public_name_resolves():
    """`import sim.cli` loads no NumPy, pydantic, Hydra or Mesa: Ctrl-C is handled from the first moment of main()."""
    code = (
        "import sys, sim, sim.cli\n"
        "heavy = {'numpy', 'pydantic', 'hydra', 'mesa', 'pandas'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert all(getattr(sim, name) for name in sim.__all__)\n"
        "assert sorted(sim.__all__) == sorted(sim._HOMES)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_rerun_that_reuses_complete_results_does_not_say_it_wrote_them(tmp_path: Path):
    run = tmp_path / "run"
    args = ("scenario=classroom", "replicates=50", "figures.enabled=false", f"hydra.run.dir={run}")
    first, again = treatysim(*args, cwd=tmp_path), treatysim(*args, cwd=tmp_path)
    assert first.stdout.rstrip().endswith(f"written to {run}/")
    assert again.returncode == 0 and again.stdout.rstrip().endswith(f"already in {run}/")


def test_bad_input_never_removes_the_folder_the_command_runs_in(tmp_path: Path):
    """``hydra.run.dir=.`` in an empty folder: after bad input it holds only Hydra's records, and stays."""
    here = tmp_path / "class"
    here.mkdir()
    proc = treatysim("scenario=nonexist", "hydra.run.dir=.", cwd=here)
    assert proc.returncode == 2 and "nonexist" in proc.stderr
    assert here.is_dir() and (here / ".hydra").is_dir()
