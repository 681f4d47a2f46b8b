"""Resuming a sweep: a rerun of the same sweep skips complete jobs (same recorded settings, summary present) and
runs the rest; a half-written job never counts as complete."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.config import parse_run_config
from sim.runner import completed_summary, prepare_scenario, run, run_record
from tests.test_crash_safety import stop, wait_for

ROUNDS = "2,4,6"


def treatysim_cmd(sweep_dir: Path, *extra: str, rounds: str = ROUNDS) -> list[str]:
    exe = Path(sys.executable).with_name("treatysim")
    return [
        str(exe),
        "-m",
        "scenario=classroom",
        f"procedure.rounds={rounds}",
        "replicates=150",
        "seed=5",
        "figures=false",
        f"hydra.sweep.dir={sweep_dir}",
        *extra,
    ]


def run_sweep(sweep_dir: Path, *extra: str, rounds: str = ROUNDS) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    proc = subprocess.run(
        treatysim_cmd(sweep_dir, *extra, rounds=rounds),
        cwd=sweep_dir.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def stamps(job: Path) -> dict[str, int]:
    return {name: (job / name).stat().st_mtime_ns for name in ("config.json", "results.csv", "summary.json")}


def skipped_jobs(proc: subprocess.CompletedProcess) -> set[str]:
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "skipped:" in line]
    return {Path(line.split("skipped: ", 1)[1].split(" already", 1)[0]).name for line in lines}


def test_rerun_completes_only_the_missing_and_half_written_jobs(tmp_path: Path):
    sweep = tmp_path / "sweep"
    run_sweep(sweep)
    reference = {j: (sweep / j / "results.csv").read_text() for j in ("0", "1", "2")}
    before = stamps(sweep / "0")
    (sweep / "1" / "summary.json").unlink()  # half-written: results there, summary never written
    (sweep / "1" / "results.csv").write_text("replicate,outcome\n0,cons")
    shutil.rmtree(sweep / "2")  # never started
    time.sleep(0.01)

    proc = run_sweep(sweep)
    assert skipped_jobs(proc) == {"0"}
    assert stamps(sweep / "0") == before  # the complete job was not touched
    for job in ("0", "1", "2"):
        assert (sweep / job / "results.csv").read_text() == reference[job]
        assert (sweep / job / "summary.json").is_file()


def test_rerun_with_other_settings_runs_every_job_again(tmp_path: Path):
    sweep = tmp_path / "sweep"
    run_sweep(sweep)
    proc = run_sweep(sweep, "replicates=160")
    assert skipped_jobs(proc) == set()
    for job in ("0", "1", "2"):
        assert json.loads((sweep / job / "summary.json").read_text())["replicates"] == 160
        assert json.loads((sweep / job / "config.json").read_text())["run"]["replicates"] == 160
    assert skipped_jobs(run_sweep(sweep, "replicates=160")) == {"0", "1", "2"}


@pytest.mark.slow
def test_a_killed_sweep_resumes_where_it_stopped(tmp_path: Path):
    """Kill the sweep (SIGKILL, no cleanup) once its first job is complete; the rerun runs only what is missing."""
    sweep = tmp_path / "sweep"
    slow = ["replicates=20000", "chunk_size=2000", "figures=true"]
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    log = tmp_path / "sweep.log"
    with open(log, "w") as output:  # a file, not a pipe: the sweep never waits for a reader
        proc = subprocess.Popen(
            treatysim_cmd(sweep, *slow, rounds="2,4,6,8"),
            cwd=tmp_path,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:  # the kill waits for a state (job 0 complete), not for a time: a busy machine only makes it later
        wait_for((sweep / "0" / "summary.json").is_file, proc, "job 0 of the sweep to be complete", log=log)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        stop(proc)
    complete = {p.name for p in sweep.iterdir() if (p / "summary.json").is_file()}
    assert "0" in complete and len(complete) < 4, complete
    before = {job: stamps(sweep / job) for job in complete}

    rerun = run_sweep(sweep, *slow, rounds="2,4,6,8")
    assert skipped_jobs(rerun) == complete
    assert {job: stamps(sweep / job) for job in complete} == before
    assert all((sweep / str(n) / "summary.json").is_file() for n in range(4))


def test_completed_summary_needs_the_summary_and_the_same_record(tmp_path: Path):
    config = parse_run_config({"scenario": "classroom", "replicates": 50, "seed": 3, "figures": False})
    record = run_record(config, prepare_scenario(config))
    assert completed_summary(tmp_path, record) is None
    summary = run(config, tmp_path)
    assert completed_summary(tmp_path, record) == json.loads(json.dumps(summary))
    other = parse_run_config({"scenario": "classroom", "replicates": 50, "seed": 4, "figures": False})
    assert completed_summary(tmp_path, run_record(other, prepare_scenario(other))) is None
    (tmp_path / "summary.json").unlink()
    assert completed_summary(tmp_path, record) is None


def test_resume_keeps_a_complete_run_and_redoes_a_changed_one(tmp_path: Path):
    config = parse_run_config({"scenario": "classroom", "replicates": 50, "seed": 3, "figures": False})
    first = run(config, tmp_path)
    before = stamps(tmp_path)
    assert run(config, tmp_path, resume=True) == json.loads(json.dumps(first))
    assert stamps(tmp_path) == before
    changed = parse_run_config({"scenario": "classroom", "replicates": 60, "seed": 3, "figures": False})
    assert run(changed, tmp_path, resume=True)["replicates"] == 60
