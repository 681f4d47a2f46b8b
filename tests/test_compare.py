"""treatysim-compare: one table and one figure over several scenarios; bad names exit 2 before anything runs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
import yaml

from sim import outcomes
from sim.analysis.compare import compare, comparison_rows, format_table, main, most_likely_outcome
from sim.analysis.plots import plot_scenario_comparison
from sim.analysis.stats import summarize
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import load_scenario
from tests.pivotal_bloc import BLOC_NAME, pivotal_bloc_dict


def test_compare_prints_one_row_per_scenario_and_writes_table_and_figure(tmp_path: Path, capsys):
    out = tmp_path / "cmp"
    code = main(["classroom", "uncc2024_no_vote", "bbnj2023", "-n", "60", "--seed", "5", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("classroom", "uncc2024_no_vote", "bbnj2023", "P(consensus)", "P(adopted)"):
        assert name in printed
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["scenario"] for r in rows] == ["classroom", "uncc2024_no_vote", "bbnj2023"]
    for r in rows:
        total = sum(float(r[o.key]) for o in outcomes.OUTCOMES)
        assert abs(total - 1.0) < 1e-5 and float(r["p_adopted_low"]) <= float(r["p_adopted"]) <= float(
            r["p_adopted_high"]
        )
    assert rows[1]["p_vote"] == "0", "a scenario without a fallback vote is never adopted by vote"
    assert (out / "comparison.png").stat().st_size > 1000


def test_compare_matches_single_runs_with_the_same_seed(tmp_path: Path):
    main(["classroom", "-n", "50", "--seed", "9", "--out", str(tmp_path), "--no-figure"])
    row = next(csv.DictReader((tmp_path / "comparison.csv").open()))
    alone = summarize(simulate(load_scenario("classroom"), 50, 9))
    assert float(row["p_consensus"]) == alone["p_consensus"] and float(row["p_failed"]) == alone["p_failed"]
    assert not (tmp_path / "comparison.png").exists()


def test_a_bad_scenario_name_exits_2_before_anything_runs(tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.analysis.compare",
            "classroom",
            "no_such_scenario",
            "-n",
            "5",
            "--out",
            str(tmp_path / "cmp"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path.parent,
        env=None,
    )
    assert proc.returncode == 2
    assert "no_such_scenario" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "cmp").exists()


def test_most_likely_outcome_and_table_format():
    summary = {**{o.key: 0.0 for o in outcomes.OUTCOMES}, "p_consensus": 0.2, "p_vote": 0.5, "p_failed": 0.3}
    assert most_likely_outcome(summary) == "vote"
    tie = {**summary, "p_consensus": 0.5, "p_vote": 0.5, "p_failed": 0.0}
    assert most_likely_outcome(tie) == "consensus or vote (tied)"  # not "consensus" standing for both
    ci = {o.key: [0.0, 0.0] for o in outcomes.OUTCOMES}
    near = {**summary, "p_consensus": 0.49, "p_vote": 0.51, "p_failed": 0.0}
    overlapping = {**near, "ci95": {**ci, "p_consensus": [0.44, 0.54], "p_vote": [0.46, 0.56]}}
    assert most_likely_outcome(overlapping) == "vote (consensus nearly as likely)"  # the run cannot tell them apart
    apart = {**near, "ci95": {**ci, "p_consensus": [0.47, 0.50], "p_vote": [0.505, 0.53]}}
    assert most_likely_outcome(apart) == "vote"
    rows = comparison_rows([summarize(simulate(load_scenario("classroom"), 20, 1))])
    table = format_table(rows)
    assert "classroom" in table and "95% Wilson interval" in table and rows[0]["most_likely"] in table


def test_comparison_plot_has_one_bar_row_per_scenario():
    summaries = [summarize(simulate(load_scenario(n), 20, 2)) for n in ("classroom", "bbnj2023")]
    ax = plot_scenario_comparison(summaries)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["classroom", "bbnj2023"]
    assert len(ax.patches) == len(outcomes.OUTCOMES) * len(summaries)


def test_compare_names_a_pivotal_bloc_as_the_command_line_does(tmp_path: Path):
    """A coordinated bloc was named by its id ("eu") in compare's summaries, by its name in treatysim's report."""
    path = tmp_path / "pivotal_bloc.yaml"
    path.write_text(yaml.safe_dump(pivotal_bloc_dict()))
    (summary,) = compare([str(path)], 20, 1)
    assert summary["pivotal"] == [{"id": "eu", "name": f"{BLOC_NAME} (bloc)", "share": 1.0}]
    assert summary["pivotal"][0]["name"] == load_scenario(str(path)).display_names()["eu"]


def test_bad_input_exits_2_in_one_line_and_raises_under_treatysim_debug(tmp_path: Path, capsys, monkeypatch):
    with pytest.raises(SystemExit) as info:
        main(["classroom", "-n", "0", "--out", str(tmp_path / "cmp")])
    assert info.value.code == 2
    assert (
        capsys.readouterr().err.strip()
        == "treatysim-compare: replicates must be 1 to 100,000,000 (as for `treatysim replicates=`) and seed in [0, 2**63)"
    )
    monkeypatch.setenv("TREATYSIM_DEBUG", "1")
    with pytest.raises(ScenarioError):
        main(["no_such_scenario", "--out", str(tmp_path / "cmp")])


def test_compare_refuses_an_absurd_number_of_replicates_in_one_line(capsys):
    from sim.analysis.compare import main

    with pytest.raises(SystemExit) as info:
        main(["classroom", "-n", "1000000000000", "--no-figure"])
    assert info.value.code == 2
    assert "replicates must be 1 to 100,000,000" in capsys.readouterr().err


def test_the_table_gives_p_in_force_for_scenarios_with_an_entry_into_force_rule():
    """uncc2024 carries its real rule (40 ratifications), classroom none: a column for it, 'no rule' where none."""
    rows = comparison_rows([summarize(simulate(load_scenario(n), 30, 1)) for n in ("uncc2024", "classroom")])
    assert 0.0 <= rows[0]["p_in_force_low"] <= rows[0]["p_in_force"] <= rows[0]["p_in_force_high"] <= 1.0
    assert "p_in_force" not in rows[1]
    head, _, with_rule, without = format_table(rows).splitlines()[:4]
    assert "P(in force)" in head and "no rule" in without and "no rule" not in with_rule


def test_the_table_gives_p_kept_for_each_provision():
    """uncc2024 (c = 0.02) against its c = 0 what-if and classroom (no provisions): a P(kept) column per provision,
    as the report gives it, 'no provision' where a scenario has none; the what-if deletes Art. 6(2) more often."""
    names = ("uncc2024", "uncc2024_provisions", "classroom")
    summaries = [summarize(simulate(load_scenario(n), 100, 1)) for n in names]
    rows = comparison_rows(summaries)
    for row, summary in zip(rows[:2], summaries[:2], strict=True):
        for pid, provision in summary["provisions"].items():
            assert row[f"p_kept.{pid}"] == provision["p_kept"]
            assert [row[f"p_kept.{pid}_low"], row[f"p_kept.{pid}_high"]] == list(provision["ci95_kept"])
    assert rows[1]["p_kept.art6_2"] < rows[0]["p_kept.art6_2"]
    assert not any(k.startswith("p_kept.") for k in rows[2])
    head, _, first, _, last = format_table(rows).splitlines()[:5]
    assert "P(kept art6_2)" in head and "P(kept art24)" in head
    assert last.count("no provision") == 2 and "no provision" not in first
