"""Reliability guarantees of issue 17: damaged results are never reused or aggregated, a killed run's temporary files
do not outlive the next run, bad folders and a full disk are one sentence, counts have caps, ``extends`` opens only
scenario files, alias bombs are refused, and final texts stay in [0, 1]. Each test fails without its fix."""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.analysis.sweep_jobs import read_sweep
from sim.config import parse_run_config
from sim.errors import ScenarioError
from sim.loading import load_scenario, with_overrides
from sim.runner import completed_summary, prepare_scenario, run, run_record

SETTINGS = {"scenario": "classroom", "replicates": 300, "seed": 3, "figures": False, "chunk_size": 100}


def config(**changes):
    return parse_run_config({**SETTINGS, **changes})


# --- 1, 2: results.csv fingerprinted in summary.json ------------------------------------------------------------


def test_the_summary_records_the_tables_rows_and_sha256(tmp_path: Path):
    import hashlib

    summary = run(config(), tmp_path)
    data = (tmp_path / "results.csv").read_bytes()
    assert summary["results_csv"] == {"rows": 300, "sha256": hashlib.sha256(data).hexdigest()}
    assert json.loads((tmp_path / "summary.json").read_text())["results_csv"] == summary["results_csv"]


@pytest.mark.parametrize("damage", ["deleted", "truncated", "cut mid-row", "one byte changed"])
def test_a_complete_run_whose_table_was_damaged_is_run_again(tmp_path: Path, damage: str):
    summary = run(config(), tmp_path)
    table = tmp_path / "results.csv"
    original = table.read_bytes()
    if damage == "deleted":
        table.unlink()
    elif damage == "truncated":
        table.write_bytes(original[: original.index(b"\n") + 1])
    elif damage == "cut mid-row":
        table.write_bytes(original[: len(original) // 2])
    else:
        table.write_bytes(original.replace(b"consensus", b"consensuS", 1))
    record = run_record(config(), prepare_scenario(config()))
    assert completed_summary(tmp_path, record) is None
    again = run(config(), tmp_path)  # not refused as "another run's results": its own, damaged
    assert again == summary
    assert table.read_bytes() == original


def test_the_command_reruns_a_run_whose_table_was_deleted(tmp_path: Path):
    from tests.test_cli import treatysim

    out = tmp_path / "run"
    args = ("scenario=classroom", "replicates=200", "seed=7", "figures=false", f"hydra.run.dir={out}")
    assert treatysim(*args, cwd=tmp_path).returncode == 0
    original = (out / "results.csv").read_bytes()
    (out / "results.csv").unlink()
    proc = treatysim(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "P(adopted)" in proc.stdout or "adopted" in proc.stdout
    assert (out / "results.csv").read_bytes() == original


def make_sweep(sweep: Path, rounds: tuple[int, ...] = (2, 4, 6)) -> None:
    """A sweep as ``treatysim -m`` leaves it (a folder per job with ``.hydra/overrides.yaml``), written by ``run``."""
    for n, value in enumerate(rounds):
        job = sweep / str(n)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"procedure.rounds={value}"]))
        run(config(replicates=100, procedure={"rounds": value}), job)


def test_aggregation_leaves_out_a_job_whose_table_was_cut_mid_row_and_names_it(tmp_path: Path, caplog, monkeypatch):
    sweep = tmp_path / "sweep"
    make_sweep(sweep)
    table = sweep / "1" / "results.csv"
    table.write_bytes(table.read_bytes()[:-37])  # cut mid-row
    import pandas as pd

    read = []
    real_read_csv = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda path, *a, **k: read.append(Path(path)) or real_read_csv(path, *a, **k))
    with caplog.at_level(logging.WARNING, logger="sim.analysis.sweep_jobs"):
        jobs, incomplete = read_sweep(sweep)
    assert [job.name for job in jobs] == ["0", "2"] and incomplete == [sweep / "1"]
    assert any("damaged" in r.getMessage() and str(sweep / "1") in r.getMessage() for r in caplog.records)
    from sim.analysis.sweep_tables import replicate_table

    frame = replicate_table(jobs)
    assert set(frame["job"]) == {"0", "2"} and len(frame) == 200
    assert table not in read  # the damaged table is never parsed


def test_the_aggregate_command_names_the_damaged_job(tmp_path: Path, capsys):
    from sim.analysis.sweep import main as aggregate_main

    sweep = tmp_path / "sweep"
    make_sweep(sweep, rounds=(2, 4))
    (sweep / "0" / "results.csv").unlink()
    aggregate_main([str(sweep), "--no-figures"])
    captured = capsys.readouterr()
    assert "1 complete job," in captured.out
    assert str(sweep / "0") in captured.err


# --- 3: final texts stay in [0, 1] -----------------------------------------------------------------------------


def test_final_texts_stay_in_the_unit_interval_under_extreme_uncertainty():
    from sim.engine import simulate

    scenario = with_overrides(
        load_scenario("classroom"), {"uncertainty": {"position": 1.0, "salience": 3.0, "reservation": 1.0}}
    )
    text = simulate(scenario, 4000, 1).to_frame().filter(like="text_").to_numpy()
    assert text.min() >= 0.0 and text.max() <= 1.0  # without the clip: -9.3e-10 in two replicates


# --- 4: a killed run's temporary files -------------------------------------------------------------------------


def test_the_next_run_removes_a_killed_runs_temporary_files_and_only_those(tmp_path: Path):
    stale = [
        tmp_path / ".results.csv.k3j2x9_a.tmp",
        tmp_path / ".summary.json.abcdefgh.tmp",
        tmp_path / ".policy_map.png.zz.tmp",
    ]
    for path in stale:
        path.write_text("half a table")
    kept = [tmp_path / ".notes.txt.abc.tmp", tmp_path / "results.csv.bak", tmp_path / "mine.tmp"]
    for path in kept:
        path.write_text("the user's")
    run(config(), tmp_path)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)


# --- 8: memory bounded whatever the number of replicates ------------------------------------------------------


def test_a_runs_memory_does_not_grow_with_its_replicates(tmp_path: Path, monkeypatch):
    """A run streams its replicates: the peak of the memory Python allocates (tracemalloc) at 4N replicates is that
    at N, within 12 bytes per replicate (a column of int64 kept per replicate, or its copy, would exceed it). The
    tally's block and head are made small so that N is already many blocks (the defaults hold 65,536 and 20,000
    replicates; the chunks, not kept, are the same size at N and 4N)."""
    import tracemalloc

    import sim.engine
    import sim.tally
    from tests.builders import delegation, scenario_dict

    monkeypatch.setattr(sim.engine, "default_workers", lambda: 1)  # threads' timing would move the peak
    monkeypatch.setattr(sim.tally, "BLOCK", 512)
    monkeypatch.setattr(sim.tally, "HEAD", 64)
    tiny = tmp_path / "tiny.yaml"
    pair = [delegation("A", 0.2, 0.3), delegation("B", 0.8, 0.7)]
    tiny.write_text(yaml.safe_dump(scenario_dict(pair, procedure={"rounds": 2})))

    def peak(replicates: int) -> int:
        settings = {"scenario": str(tiny), "replicates": replicates, "chunk_size": 500}
        tracemalloc.start()
        try:
            run(config(**settings), tmp_path / f"run{replicates}")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    n = 1_500
    peak(600), peak(n)  # imports and first-use caches, outside the comparison
    small, large = peak(n), peak(4 * n)
    assert large - small < 12 * 3 * n, (small, large)


# --- 9: folders and disks -------------------------------------------------------------------------------------


def test_a_run_folder_that_is_a_file_or_under_a_file_is_one_sentence(tmp_path: Path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for folder, words in ((afile, "is a file"), (afile / "run", "lies under")):
        with pytest.raises(ScenarioError) as caught:
            run(config(), folder)
        assert words in caught.value.format() and "\n" not in caught.value.format()


def test_a_folder_named_results_csv_in_the_run_folder_is_one_sentence(tmp_path: Path):
    (tmp_path / "results.csv").mkdir()
    with pytest.raises(ScenarioError, match="folder named results.csv"):
        run(config(), tmp_path)


def test_the_command_exits_2_on_a_folder_named_results_csv(tmp_path: Path):
    from tests.test_cli import treatysim

    out = tmp_path / "run"
    (out / "results.csv").mkdir(parents=True)
    proc = treatysim("scenario=classroom", "replicates=50", "figures=false", f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "results.csv" in proc.stderr


def test_a_read_only_folder_is_one_sentence(tmp_path: Path, monkeypatch):
    import sim.runner

    def refuse(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(sim.runner, "atomic_write_json", refuse)  # as root, chmod would not stop a write
    with pytest.raises(ScenarioError, match="no permission to write"):
        run(config(), tmp_path)


@pytest.mark.parametrize(
    "where",
    [
        ("hydra.run.dir", "a_file", "is a file, not a folder"),
        ("hydra.run.dir", "a_file/run", "lies under"),
        ("hydra.sweep.dir", "a_file/sweep", "lies under"),
        ("hydra.run.dir", "", "is empty"),
    ],
)
def test_a_run_or_sweep_folder_hydra_cannot_make_is_one_line_and_exit_2(tmp_path: Path, where):
    """Hydra makes the folder before treatysim runs: a file there was a traceback and then "the command line could
    not be read". Now one line naming the folder and the setting, exit code 2."""
    from tests.test_cli import treatysim

    key, folder, why = where
    (tmp_path / "a_file").write_text("not a folder")
    sweep = ["-m"] if key == "hydra.sweep.dir" else []
    proc = treatysim(*sweep, "scenario=classroom", "replicates=20", "figures=false", f"{key}={folder}", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and why in proc.stderr and key in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "command line" not in proc.stderr
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_an_unwritable_run_folder_is_said_before_hydra_makes_it(tmp_path: Path, monkeypatch, capsys):
    """A folder the user may not write into (as root, chmod stops nothing: ``os.access`` is what is asked)."""
    import os

    from sim.analysis.sweep import RunFolderCheck
    from sim.io import folder_problem

    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert "cannot be written (in" in folder_problem(tmp_path / "new" / "run")
    with pytest.raises(SystemExit) as exit_:
        RunFolderCheck.check("hydra.run.dir", tmp_path / "run")
    assert exit_.value.code == 2 and "read-only file system" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    monkeypatch.undo()
    assert folder_problem(tmp_path / "new" / "run") is None


def test_a_full_disk_is_said_and_leaves_nothing_that_looks_complete(tmp_path: Path, monkeypatch):
    from sim.io import DigestWriter

    real_write = DigestWriter.write
    calls = {"n": 0}

    def write(self, text):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, text)

    monkeypatch.setattr(DigestWriter, "write", write)
    with pytest.raises(ScenarioError, match="disk is full") as caught:
        run(config(), tmp_path)
    assert "\n" not in caught.value.format()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no summary, no config, no table, no temporary file


# --- 6, 10: counts and seeds on the dashboard -----------------------------------------------------------------


@pytest.mark.parametrize("replicates", [0, -5, 100_000_000])
def test_the_dashboards_monte_carlo_caps_its_replicates(replicates: int):
    from sim.ui.state import monte_carlo

    with pytest.raises(ScenarioError, match="replicates"):
        monte_carlo(load_scenario("classroom"), replicates, 1)


@pytest.mark.parametrize(("seed", "replicate"), [(-1, 0), (2**64, 0), (1, -3)])
def test_a_bad_seed_or_replicate_is_a_sentence_on_the_dashboard(seed: int, replicate: int):
    from sim.ui.state import Controls, new_game

    with pytest.raises(ScenarioError, match="must be a whole number"):
        new_game(load_scenario("classroom"), Controls(), seed, replicate, [])


def test_the_page_shows_a_bad_seed_and_bad_replicates_as_a_sentence():
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    v = pytest.importorskip("ipyvuetify")
    from sim.ui import app
    from tests.rendered import solo_page

    rc = solo_page()
    try:
        app.mc_replicates.set(0)
        rc.find(v.Btn, children=["Run Monte Carlo"]).widget.click()
        assert "replicates: must be a whole number" in app.error.value
        app.setter(app.seed)(-1)
        shown = rc.find(v.Html, class_="scenario-error")
        assert "seed: must be a whole number" in str(shown.widget.children)
    finally:
        app.seed.set(app.DEFAULT_SEED)
        app.mc_replicates.set(2000)
        app.error.set("")
        rc.close()


# --- 6, 11: sensitivity --------------------------------------------------------------------------------------


def test_sensitivity_refuses_an_experiment_beyond_its_cap_before_sampling(monkeypatch):
    import sim.analysis.sensitivity as sa

    config = sa.SensitivityConfig(
        scenario="classroom", replicates=1_000_000, samples=100_000, inputs={"chair.step": (0.1, 1.0)}
    )
    monkeypatch.setattr(sa, "sample", lambda *a: pytest.fail("sampled an experiment beyond the cap"))
    with pytest.raises(ScenarioError, match="the limit is 1,000,000,000"):
        sa.sensitivity(config)


def test_a_sensitivity_range_error_names_the_delegation_and_plain_numbers():
    from sim.analysis.sensitivity import apply_inputs

    with pytest.raises(ScenarioError) as caught:
        apply_inputs(load_scenario("classroom"), {"delegations.USA.reservation": np.float64(1.55e299)})
    text = caught.value.format()
    assert "delegations.USA.reservation" in text and "1.55e+299" in text
    assert "delegations[" not in text and "np.float64" not in text


# --- 12: extends opens only scenario files --------------------------------------------------------------------


@pytest.mark.parametrize("parent", ["/proc/self/environ", "../secrets/passwords", "notes/parent.txt"])
def test_extends_refuses_a_path_without_a_scenario_extension(tmp_path: Path, parent: str):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "parent.txt").write_text((Path("scenarios") / "classroom.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent}\ntitle: what if\n")
    with pytest.raises(ScenarioError, match="must end in .yaml or .yml"):
        load_scenario(child)


def test_extends_refuses_a_yaml_named_link_to_another_file(tmp_path: Path):
    (tmp_path / "real.txt").write_text((Path("scenarios") / "classroom.yaml").read_text())
    (tmp_path / "parent.yaml").symlink_to(tmp_path / "real.txt")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\ntitle: what if\n")
    with pytest.raises(ScenarioError, match="not a .yaml or .yml file"):
        load_scenario(child)


def test_extends_still_follows_a_yaml_path(tmp_path: Path):
    (tmp_path / "parent.yaml").write_text((Path("scenarios") / "classroom.yaml").read_text())
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\ntitle: what if\n")
    assert load_scenario(child).title == "what if"


# --- 5: alias bombs -------------------------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nname: bomb\ntitle: t\nissues: *a{levels - 1}\n"


def test_an_alias_bomb_is_refused_in_one_line(tmp_path: Path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(7))  # under 400 bytes, 9**7 = 4.8 million values expanded
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "alias" in caught.value.format() and "\n" not in caught.value.format()


def test_a_self_referencing_alias_is_refused(tmp_path: Path):
    path = tmp_path / "loop.yaml"
    path.write_text("name: loop\ntitle: t\nissues: &x [*x]\n")
    with pytest.raises(ScenarioError):
        load_scenario(path)


def test_aliases_within_the_limit_still_load(tmp_path: Path):
    text = (Path("scenarios") / "classroom.yaml").read_text()
    data = yaml.safe_load(text)
    assert load_scenario(Path("scenarios") / "classroom.yaml").name == data["name"]


# --- 11: messages that mislead ----------------------------------------------------------------------------------


def test_a_truncated_summary_is_said_to_be_damaged_not_another_runs(tmp_path: Path, caplog):
    """Same settings: the run is done again (a warning names the damaged summary); other settings: refused, saying
    the summary is damaged, never "a run with other settings" alone."""
    first = run(config(), tmp_path)
    summary = tmp_path / "summary.json"
    summary.write_bytes(summary.read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger="sim.runner"):
        assert run(config(), tmp_path) == first
    assert any("summary.json is damaged" in r.getMessage() for r in caplog.records)
    summary.write_bytes(summary.read_bytes()[:100])
    with pytest.raises(ScenarioError) as caught:
        run(config(replicates=301), tmp_path)
    message = caught.value.format()
    assert "summary.json is damaged" in message and "\n" not in message
    assert not message.endswith("a run with other settings")


def test_a_damaged_config_json_is_said_to_be_damaged(tmp_path: Path):
    run(config(), tmp_path)
    settings = tmp_path / "config.json"
    settings.write_bytes(settings.read_bytes()[:30])
    with pytest.raises(ScenarioError) as caught:
        run(config(), tmp_path)
    message = caught.value.format()
    assert "config.json" in message and "damaged" in message and "other settings" not in message


def test_aggregation_names_a_job_whose_summary_is_damaged(tmp_path: Path, caplog):
    sweep = tmp_path / "sweep"
    make_sweep(sweep)
    (sweep / "1" / "summary.json").write_text('{"scenario": "classroom", "replic')
    (sweep / "2" / ".hydra").mkdir(exist_ok=True)
    (sweep / "2" / ".hydra" / "overrides.yaml").write_text("- seed=[1,\n  : :")  # unreadable: the job still counts
    with caplog.at_level(logging.WARNING, logger="sim.analysis.sweep_jobs"):
        jobs, incomplete = read_sweep(sweep)
    assert [job.name for job in jobs] == ["0", "2"] and incomplete == [sweep / "1"]
    assert any("summary.json cannot be read" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("arg", ["delegations=[1,2]", "delegations={}", "procedure=5"])
def test_setting_a_whole_section_says_what_it_holds(arg: str):
    from sim.cli import unknown_setting_hints

    (hint,) = unknown_setting_hints([arg])
    assert "unknown setting" not in hint
    if arg.startswith("delegations"):
        assert "+delegations.USA.outside_option=0.7" in hint and "by its id" in hint
    else:
        assert "procedure.rounds" in hint and "section" in hint


@pytest.mark.parametrize(
    ("text", "where"), [('name: x\ntitle: "a\x01b"\n', "line 2, column 10"), ("name: x\n\n  t: o\x7f\n", "line 3")]
)
def test_a_control_character_is_one_line_with_its_place(tmp_path: Path, text: str, where: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = caught.value.format()
    assert "\n" not in message and where in message and "control character" in message


def test_extends_dev_zero_is_not_a_scenario_file_not_a_missing_one(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text("extends: /dev/zero\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(child))
    assert "not a scenario file" in caught.value.format() and "no such file" not in caught.value.format()


@pytest.mark.parametrize("style", ["1e-300", "1.0e-300", "0.0009", "1e-3"])
def test_a_tiny_concession_exponent_is_refused_in_words(tmp_path: Path, style: str):
    """β below 0.001 made 1/β overflow (a numpy RuntimeWarning in the middle of the report); 1e-3 without a dot
    is text to YAML, which the message says."""
    data = yaml.safe_load((Path("scenarios") / "classroom.yaml").read_text())
    path = tmp_path / "tiny_style.yaml"
    text = yaml.safe_dump(data).replace("style: boulware", f"style: {style}", 1)
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = caught.value.format()
    assert "exponent in [0.001, 100]" in message and "\n" not in message
    assert ("write 1.0e-3" in message) == ("." not in style)


def test_the_smallest_concession_exponent_runs_without_a_warning(tmp_path: Path):
    import warnings

    scenario = with_overrides(load_scenario("classroom"), {"delegations": {"RUS": {"style": 0.001}}}, source="t")
    from sim.engine import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = simulate(scenario, 200, 1)
    assert np.isfinite(results.text).all()


def test_a_run_starts_no_process_shared_semaphore(tmp_path: Path):
    """tqdm's default lock is a multiprocessing semaphore; a sweep worker stopped by Ctrl-C left it behind and the
    resource tracker printed "leaked semaphore objects". A run (chunks under a progress bar) in a process that
    starts others by spawning, as a sweep's worker does, starts no resource tracker: nothing is left to leak."""
    import subprocess
    import sys

    code = (
        "import multiprocessing\n"
        "multiprocessing.set_start_method('spawn')  # as in a joblib (loky) worker: semaphores are named\n"
        "from pathlib import Path\n"
        "from sim.config import parse_run_config\n"
        "from sim.runner import run\n"
        "config = parse_run_config({'scenario': 'classroom', 'replicates': 60, 'chunk_size': 20, 'figures': False})\n"
        f"run(config, Path({str(tmp_path / 'run')!r}))\n"
        "from multiprocessing import resource_tracker\n"
        "print(resource_tracker._resource_tracker._pid)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None", proc.stdout


# --- an adversarial pass beyond the list ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["aggregate", "compare"])
@pytest.mark.parametrize("out", ["a_file", "a_file/below", "missing/../a_file"])
def test_an_out_path_that_cannot_be_a_folder_is_one_line_and_exit_2(tmp_path: Path, monkeypatch, capsys, command, out):
    """``--out`` at a file, or under one: a FileExistsError / NotADirectoryError traceback before; now one line
    naming the path, exit code 2 (the commands' shared boundary, :func:`sim.errors.command_boundary`)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    (tmp_path / "a_file").write_text("mine")
    if command == "aggregate":
        from sim.analysis.sweep import main

        make_sweep(tmp_path / "sweep", rounds=(2,))
        argv = [str(tmp_path / "sweep"), "--no-figures", "--out", out]
    else:
        from sim.analysis.compare import main

        argv = ["classroom", "-n", "20", "--no-figure", "--out", out]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and "\n" not in err and "Traceback" not in err and "a_file" in err, err
    assert (tmp_path / "a_file").read_text() == "mine"


def test_a_full_disk_in_a_command_is_said(capsys, monkeypatch):
    from sim.errors import command_boundary

    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exit_, command_boundary("treatysim-x"):
        raise OSError(errno.ENOSPC, "No space left on device", "out/table.csv")
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().startswith("treatysim-x: out/table.csv: the disk is full")


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_a_scenario_path_that_is_a_folder_or_a_pipe_says_so(tmp_path: Path, kind: str):
    import os

    path = tmp_path / "x.yaml"
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = caught.value.format()
    assert "no such" not in message and ("is a folder" if kind == "folder" else "not a regular file") in message


def test_an_unreadable_scenario_file_is_one_sentence(tmp_path: Path, monkeypatch):
    path = tmp_path / "x.yaml"
    path.write_text((Path("scenarios") / "classroom.yaml").read_text())
    real = Path.read_text

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refuse)  # as root, chmod would not stop a read
    with pytest.raises(ScenarioError, match="cannot be read: Permission denied"):
        load_scenario(str(path))


def test_aggregating_a_file_says_it_is_a_file(tmp_path: Path):
    (tmp_path / "sweep").write_text("")
    with pytest.raises(ScenarioError, match="is a file, not a sweep directory"):
        read_sweep(tmp_path / "sweep")


@pytest.mark.parametrize(
    ("field", "value"), [("replicates", "many"), ("ci95", 5), ("p_adopted", "x"), ("final_text_mean", [1])]
)
def test_aggregation_leaves_out_a_job_whose_summary_fields_were_edited(tmp_path: Path, caplog, field, value):
    """An edited summary (``"replicates": "many"``) was a pandas or Python traceback in the tables."""
    sweep = tmp_path / "sweep"
    make_sweep(sweep)
    path = sweep / "1" / "summary.json"
    summary = json.loads(path.read_text())
    summary[field] = value
    path.write_text(json.dumps(summary))
    with caplog.at_level(logging.WARNING, logger="sim.analysis.sweep_jobs"):
        jobs, incomplete = read_sweep(sweep)
    assert [job.name for job in jobs] == ["0", "2"] and incomplete == [sweep / "1"]
    assert any("damaged: summary.json" in r.getMessage() for r in caplog.records)
    from sim.analysis.sweep_tables import summary_table

    assert set(summary_table(jobs)["job"]) == {"0", "2"}


def test_an_unfingerprinted_table_that_is_not_a_table_is_one_line(tmp_path: Path, capsys, monkeypatch):
    """A job written before summaries fingerprinted their table is trusted if its table exists; one that is not a
    table is named in one line (exit 2), never a parser's traceback."""
    from sim.analysis.sweep import main as aggregate_main

    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    sweep = tmp_path / "sweep"
    make_sweep(sweep)
    path = sweep / "1" / "summary.json"
    summary = json.loads(path.read_text())
    del summary["results_csv"]
    path.write_text(json.dumps(summary))
    (sweep / "1" / "results.csv").write_text('garbage,"\n\x01,,\n')
    with pytest.raises(SystemExit) as exit_:
        aggregate_main([str(sweep), "--no-figures"])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and "Traceback" not in err and "\n" not in err
    assert "1/results.csv: not a results table" in err
