"""Crash safety and reproducibility through the real command: Ctrl-C, reruns, byte-identical tables."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.test_cli import treatysim

#: Upper bound for a run to reach a state a test waits for, or to exit after a signal: generous, so that a busy machine
#: (another test run on the same cores) only makes the test slower, never fails it.
PATIENCE = 180.0


def wait_for(
    ready: Callable[[], bool], proc: subprocess.Popen, what: str, log: Path | None = None, timeout: float = PATIENCE
) -> None:
    """Poll until ``ready()``. If ``proc`` exits first or ``timeout`` seconds pass, kill ``proc`` and fail with a clear
    message (and the end of its ``log``)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            problem = f"the process exited (code {proc.returncode}) while the test waited for {what}"
        elif time.monotonic() > deadline:
            problem = f"{timeout:.0f} s passed while the test waited for {what}"
        else:
            time.sleep(0.02)
            continue
        stop(proc)
        tail = f"; its output ends:\n{log.read_text(errors='replace')[-3000:]}" if log is not None else ""
        raise AssertionError(problem + tail)


def stop(proc: subprocess.Popen) -> None:
    """Kill ``proc`` (and its process group if it leads one) if it still runs, and reap it."""
    if proc.poll() is None:
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except ProcessLookupError:  # it ended meanwhile
            pass
    proc.wait()


#: Starts the command that follows with Ctrl-C (SIGINT) at its default, whatever the test run inherited: a shell script
#: that starts pytest in the background (``pytest ... &``) starts it with SIGINT ignored, and a child would inherit
#: that, ignore the test's Ctrl-C and run on. (``exec`` keeps the process, so its pid is the one signalled.)
DEFAULT_CTRL_C = [
    sys.executable,
    "-c",
    ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"),
]


def first_chunk_written(out: Path) -> bool:
    """The results table's temporary file holds data: ``config.json`` is written and the run is in the loop that
    simulates chunks and appends them (:func:`sim.runner.simulate_into_table`), well past the temporary file's
    creation: an interrupt there must remove it."""
    for tmp in out.glob(".results.csv.*.tmp"):
        try:
            if tmp.stat().st_size > 0:
                return (out / "config.json").is_file()
        except FileNotFoundError:
            pass
    return False


def test_ctrl_c_exits_cleanly_and_leaves_nothing_that_looks_complete(tmp_path: Path):
    out = tmp_path / "run"
    exe = Path(sys.executable).with_name("treatysim")
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    stderr_file = tmp_path / "stderr.txt"
    with open(tmp_path / "stdout.txt", "w") as stdout, open(stderr_file, "w") as stderr:  # files: never a full pipe
        proc = subprocess.Popen(
            [
                *DEFAULT_CTRL_C,
                str(exe),
                "scenario=classroom",
                "replicates=5000000",
                "chunk_size=20000",
                f"hydra.run.dir={out}",
            ],
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
            env=env,
        )
    try:
        # Ctrl-C mid-run, whatever the machine's load: once the first chunk is in the results' temporary file.
        wait_for(
            lambda: first_chunk_written(out), proc, "the first chunk in the results' temporary file", log=stderr_file
        )
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the run did not exit within {PATIENCE:.0f} s of Ctrl-C; its output ends:\n"
                f"{stderr_file.read_text(errors='replace')[-3000:]}"
            ) from None
    finally:
        stop(proc)
    stderr_text = stderr_file.read_text()
    assert proc.returncode == 130, (proc.returncode, stderr_text)
    assert "interrupted" in stderr_text and "Traceback" not in stderr_text, stderr_text
    assert not (out / "summary.json").exists() and not (out / "results.csv").exists()
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


def test_same_seed_gives_byte_identical_tables_across_processes_and_chunk_sizes(tmp_path: Path):
    tables = []
    for chunk in (1000, 37):
        out = tmp_path / f"chunk{chunk}"
        proc = treatysim(
            "scenario=classroom",
            "replicates=500",
            "seed=11",
            f"chunk_size={chunk}",
            "figures=false",
            f"hydra.run.dir={out}",
            cwd=tmp_path,
        )
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
    again = treatysim(
        "scenario=classroom", "replicates=100", "figures=false", "chunk_size=7", f"hydra.run.dir={out}", cwd=tmp_path
    )  # the chunk size changes no number, so these are the same settings
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
    from sim import load_scenario, simulate
    from sim.analysis.stats import summarize
    from sim.runner import with_scenario_facts

    out = tmp_path / "run"
    proc = treatysim(
        "scenario=uncc2024",
        "replicates=700",
        "seed=5",
        "chunk_size=128",
        "figures=false",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    results = simulate(load_scenario("uncc2024"), 700, 5)
    one_shot = tmp_path / "one_shot.csv"
    results.to_frame().to_csv(one_shot, index=False, float_format="%.6g")
    assert (out / "results.csv").read_bytes() == one_shot.read_bytes()
    scenario = load_scenario("uncc2024")
    # the run adds the scenario's own facts beside the statistics (provision labels, the entry-into-force rule)
    expected = json.loads(json.dumps(with_scenario_facts(summarize(results, scenario.display_names()), scenario)))
    summary = json.loads((out / "summary.json").read_text())
    # the run adds what only it knows: the title, the assumptions behind the number, the table's fingerprint
    assert summary["assumptions"] and summary["results_csv"]["rows"] == 700
    assert {k: v for k, v in summary.items() if k not in ("title", "assumptions", "results_csv")} == expected
