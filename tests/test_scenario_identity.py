"""Two scenario files that share a ``name`` are two scenarios: ``treatysim-aggregate`` and ``treatysim-compare`` keep
them apart and label each by its file as given (a bundled name keeps its name); and the aggregate command's rough
edges (a damaged job named once, a single run's folder refused, "1 complete job"). Each test fails without its fix.

The sweeps here are written job by job with :func:`sim.runner.run`, as ``treatysim -m`` leaves them (a folder per
job with ``.hydra/overrides.yaml``), so no Hydra process is spawned."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot

matplotlib.use("Agg")

import pandas as pd
import pytest
import yaml

from sim.analysis import sweep_plots
from sim.analysis.compare import main as compare_main
from sim.analysis.sweep import main as aggregate_main
from sim.config import parse_run_config
from sim.loading import scenario_path
from sim.runner import run

REPLICATES = 150
#: The two files named alike, as a user gives them (from the folder that holds them), and a bundled scenario.
SAME_NAME = ("good.yaml", "other/good.yaml")
BUNDLED = "classroom"


def write_same_name_files(folder: Path) -> None:
    """``good.yaml`` and ``other/good.yaml``: the classroom scenario named ``good``, with a deadline of 6 and 3
    rounds: two scenarios under one name, whose outcomes differ."""
    text = scenario_path(BUNDLED).read_text(encoding="utf-8")
    assert "\nname: classroom\n" in text and "\n  rounds: 10\n" in text
    for path, rounds in zip(SAME_NAME, (6, 3)):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        changed = text.replace("\nname: classroom\n", "\nname: good\n").replace(
            "\n  rounds: 10\n", f"\n  rounds: {rounds}\n"
        )
        (folder / path).write_text(changed, encoding="utf-8")


def write_job(job: Path, scenario: str, rounds: int | None = None) -> None:
    """One job of a sweep over ``scenario=`` (and ``procedure.rounds=``), as ``treatysim -m`` writes it."""
    (job / ".hydra").mkdir(parents=True)
    overrides = [f"scenario={scenario}", *([f"procedure.rounds={rounds}"] if rounds is not None else [])]
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    config = {"scenario": scenario, "replicates": REPLICATES, "seed": 5, "figures": False}
    run(parse_run_config({**config, **({"procedure": {"rounds": rounds}} if rounds is not None else {})}), job)


@pytest.fixture
def same_name_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sweep ``scenario=good.yaml,other/good.yaml,classroom`` run from ``tmp_path``, which holds the two files."""
    monkeypatch.chdir(tmp_path)
    write_same_name_files(tmp_path)
    sweep = tmp_path / "sweep"
    for n, scenario in enumerate((*SAME_NAME, BUNDLED)):
        write_job(sweep / str(n), scenario)
    return sweep


def test_aggregate_keeps_two_files_named_alike_apart(same_name_sweep: Path, capsys):
    sweep = same_name_sweep
    aggregate_main([str(sweep), "--no-figures"])
    assert "3 complete jobs, swept: scenario" in capsys.readouterr().out  # was "swept: nothing" with two files

    table = pd.read_csv(sweep / "aggregate" / "sweep_summary.csv")
    by_job = table.drop_duplicates("job").set_index("job")["scenario"].to_dict()
    assert by_job == {0: "good.yaml", 1: "other/good.yaml", 2: "classroom"}  # a bundled name keeps its name
    rounds = table[table["statistic"] == "p_adopted"].set_index("scenario")["rounds"].to_dict()
    assert rounds == {"good.yaml": 6, "other/good.yaml": 3, "classroom": 10}

    replicates = pd.read_csv(sweep / "aggregate" / "sweep_replicates.csv", keep_default_na=False)
    assert replicates.groupby("scenario")["rounds"].unique().map(list).to_dict() == {
        "classroom": [10],
        "good.yaml": [6],
        "other/good.yaml": [3],
    }  # not one scenario "good" with both deadlines pooled


def test_the_outcome_figure_draws_one_bar_per_file(same_name_sweep: Path, monkeypatch: pytest.MonkeyPatch):
    from sim.analysis.sweep import read_sweep

    figures = {}

    def keep(fig, path, **kwargs) -> list[Path]:
        figures[Path(path).name] = fig
        return []

    monkeypatch.setattr(sweep_plots, "save_figure", keep)
    jobs, _ = read_sweep(same_name_sweep)
    sweep_plots.write_figures(jobs, same_name_sweep / "aggregate")
    ticks = [" ".join(t.get_text().split()) for t in figures["outcome_shares"].axes[0].get_yticklabels()]
    for fig in figures.values():
        matplotlib.pyplot.close(fig)
    assert len(ticks) == 3 and len(set(ticks)) == 3, ticks  # was two bars, "good" pooling both files
    assert sum("(good.yaml)" in t for t in ticks) == 1 and sum("(other/good.yaml)" in t for t in ticks) == 1


def test_compare_labels_two_files_named_alike_by_their_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_same_name_files(tmp_path)
    out = tmp_path / "cmp"
    assert compare_main([*SAME_NAME, BUNDLED, "-n", "60", "--seed", "3", "--out", str(out), "--no-figure"]) == 0
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["scenario"] for r in rows] == ["good.yaml", "other/good.yaml", "classroom"]
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[2:5]] == ["good.yaml", "other/good.yaml", "classroom"]


def test_the_comparison_figure_labels_two_files_named_alike_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import matplotlib.pyplot as plt

    from sim.analysis.compare import compare
    from sim.analysis.plots import plot_scenario_comparison

    monkeypatch.chdir(tmp_path)
    write_same_name_files(tmp_path)
    fig, ax = plt.subplots()
    plot_scenario_comparison(compare(SAME_NAME, 20, 3), ax=ax)
    ticks = [" ".join(t.get_text().split()) for t in ax.get_yticklabels()]
    plt.close(fig)
    assert len(set(ticks)) == 2, ticks  # both were the scenario's title


# --- treatysim-aggregate's rough edges -------------------------------------------------------------------------


def test_a_damaged_job_is_left_out_once_as_damaged(tmp_path: Path, capsys):
    sweep = tmp_path / "sweep"
    for n in range(3):
        write_job(sweep / str(n), BUNDLED, rounds=2 + n)
    table = sweep / "1" / "results.csv"
    table.write_bytes(table.read_bytes()[:3000])  # truncated
    (sweep / "2" / "summary.json").unlink()  # not finished: incomplete
    aggregate_main([str(sweep), "--no-figures"])
    captured = capsys.readouterr()
    lines = [line.strip() for line in captured.err.splitlines() if "left out" in line]
    assert len(lines) == 2, lines  # the truncated job was also listed as incomplete
    assert lines[0].startswith("left out (damaged: results.csv was changed or cut after the run (")
    assert lines[0].endswith(f"rows where its summary counts {REPLICATES}); rerun the sweep to redo it): {sweep / '1'}")
    assert lines[1] == f"left out (incomplete; rerun the sweep to complete it): {sweep / '2'}"
    assert captured.out.startswith("1 complete job, ")


def test_a_sweep_of_one_job_says_one_complete_job(tmp_path: Path, capsys):
    sweep = tmp_path / "sweep"
    write_job(sweep / "0", BUNDLED)
    aggregate_main([str(sweep), "--no-figures"])
    assert capsys.readouterr().out.startswith("1 complete job, swept: nothing\n")  # was "1 complete jobs"


def test_a_single_run_folder_is_not_aggregated(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    folder = tmp_path / "run"
    (folder / ".hydra").mkdir(parents=True)  # as `treatysim` without -m leaves it
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"scenario={BUNDLED}"]))
    run(parse_run_config({"scenario": BUNDLED, "replicates": 50, "figures": False}), folder)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with pytest.raises(SystemExit) as exit_:
        aggregate_main([str(folder)])
    captured = capsys.readouterr()
    assert exit_.value.code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and "a single run, not a sweep" in captured.err
    assert str(folder / "summary.json") in captured.err and "treatysim -m" in captured.err
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # no aggregate/, no jobs.csv
    assert json.loads((folder / "summary.json").read_text())["replicates"] == 50


def test_a_sweep_with_no_complete_job_counts_a_damaged_one_as_damaged(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("TREATYSIM_DEBUG", raising=False)
    sweep = tmp_path / "sweep"
    for n in range(2):
        write_job(sweep / str(n), BUNDLED, rounds=2 + n)
    (sweep / "0" / "results.csv").unlink()
    (sweep / "1" / "summary.json").unlink()
    with pytest.raises(SystemExit) as exit_:
        aggregate_main([str(sweep)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "(1 incomplete, 1 damaged)" in err  # was "(2 incomplete)"
    assert f"{sweep}: 0: damaged: results.csv is missing; rerun the sweep to redo it" in err
    assert not (sweep / "aggregate").exists()
