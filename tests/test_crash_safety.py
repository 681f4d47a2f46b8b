"""Crash safety and reproducibility through the real command: Ctrl-C, reruns, byte-identical tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.test_cli import treatysim


def test_ctrl_c_exits_cleanly_and_leaves_nothing_that_looks_complete(tmp_path: Path):
    out = tmp_path / "run"
    exe = Path(sys.executable).with_name("treatysim")
    proc = subprocess.Popen([str(exe), "scenario=classroom", "replicates=5000000", "chunk_size=20000",
                             f"hydra.run.dir={out}"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"})
    deadline = time.monotonic() + 60
    while not (out / ".hydra").exists() and time.monotonic() < deadline:  # Hydra has started the job
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not (out / "summary.json").exists()
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_same_seed_gives_byte_identical_tables_across_processes_and_chunk_sizes(tmp_path: Path):
    tables = []
    for chunk in (1000, 37):
        out = tmp_path / f"chunk{chunk}"
        proc = treatysim("scenario=classroom", "replicates=500", "seed=11", f"chunk_size={chunk}", "figures=false",
                         f"hydra.run.dir={out}", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        tables.append((out / "results.csv").read_bytes())
        summary = json.loads((out / "summary.json").read_text())
        assert summary["seed"] == 11
    assert tables[0] == tables[1]


def test_a_second_run_never_mixes_with_or_overwrites_another_runs_results(tmp_path: Path):
    out = tmp_path / "run"
    first = treatysim("scenario=classroom", "replicates=100", "figures=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    table = (out / "results.csv").read_bytes()
    other = treatysim("scenario=classroom", "replicates=150", "figures=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert other.returncode == 2 and "already holds the complete results" in other.stderr
    assert (out / "results.csv").read_bytes() == table and (out / "summary.json").exists()
    written = (out / "results.csv").stat().st_mtime_ns
    again = treatysim("scenario=classroom", "replicates=100", "figures=false", "chunk_size=7", f"hydra.run.dir={out}",
                      cwd=tmp_path)  # the chunk size changes no number, so these are the same settings
    assert again.returncode == 0 and "adopted by consensus" in again.stdout
    assert (out / "results.csv").read_bytes() == table
    assert (out / "results.csv").stat().st_mtime_ns == written  # reused, not recomputed


def test_an_interrupted_runs_leftovers_are_replaced_not_mixed(tmp_path: Path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.csv").write_text("replicate,outcome\n0,stale\n")
    (out / "policy_map.png").write_bytes(b"stale")
    proc = treatysim("scenario=classroom", "replicates=50", "figures=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "stale" not in (out / "results.csv").read_text()
    assert not (out / "policy_map.png").exists()


def test_the_streamed_table_and_summary_equal_a_one_shot_run(tmp_path: Path):
    from analysis.stats import summarize
    from sim import load_scenario, simulate
    from sim.runner import display_names

    out = tmp_path / "run"
    proc = treatysim("scenario=uncc2024", "replicates=700", "seed=5", "chunk_size=128", "figures=false",
                     f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    results = simulate(load_scenario("uncc2024"), 700, 5)
    one_shot = tmp_path / "one_shot.csv"
    results.to_frame().to_csv(one_shot, index=False, float_format="%.6g")
    assert (out / "results.csv").read_bytes() == one_shot.read_bytes()
    names = display_names(load_scenario("uncc2024"))
    expected = json.loads(json.dumps(summarize(results, names)))
    summary = json.loads((out / "summary.json").read_text())
    assert {k: v for k, v in summary.items() if k != "title"} == expected
