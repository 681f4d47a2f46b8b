"""treatysim-compare: one table and one figure over several scenarios; bad names exit 2 before anything runs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from analysis.compare import comparison_rows, format_table, main, most_likely_outcome  # noqa: E402
from analysis.plots import plot_scenario_comparison  # noqa: E402
from analysis.stats import summarize  # noqa: E402
from sim.engine import simulate  # noqa: E402
from sim.loading import load_scenario  # noqa: E402


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
        total = float(r["p_consensus"]) + float(r["p_vote"]) + float(r["p_failed"])
        assert abs(total - 1.0) < 1e-5 and float(r["p_adopted_low"]) <= float(r["p_adopted"]) <= float(r["p_adopted_high"])
    assert rows[1]["p_vote"] == "0", "a scenario without a fallback vote is never adopted by vote"
    assert (out / "comparison.png").stat().st_size > 1000


def test_compare_matches_single_runs_with_the_same_seed(tmp_path: Path):
    main(["classroom", "-n", "50", "--seed", "9", "--out", str(tmp_path), "--no-figure"])
    row = next(csv.DictReader((tmp_path / "comparison.csv").open()))
    alone = summarize(simulate(load_scenario("classroom"), 50, 9))
    assert float(row["p_consensus"]) == alone["p_consensus"] and float(row["p_failed"]) == alone["p_failed"]
    assert not (tmp_path / "comparison.png").exists()


def test_a_bad_scenario_name_exits_2_before_anything_runs(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "analysis.compare", "classroom", "no_such_scenario", "-n", "5",
                           "--out", str(tmp_path / "cmp")], capture_output=True, text=True, cwd=tmp_path.parent,
                          env=None)
    assert proc.returncode == 2
    assert "no_such_scenario" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "cmp").exists()


def test_most_likely_outcome_and_table_format():
    summary = {"p_consensus": 0.2, "p_vote": 0.5, "p_failed": 0.3}
    assert most_likely_outcome(summary) == "vote"
    rows = comparison_rows([summarize(simulate(load_scenario("classroom"), 20, 1))])
    table = format_table(rows)
    assert "classroom" in table and "95% Wilson interval" in table and rows[0]["most_likely"] in table


def test_comparison_plot_has_one_bar_row_per_scenario():
    summaries = [summarize(simulate(load_scenario(n), 20, 2)) for n in ("classroom", "bbnj2023")]
    ax = plot_scenario_comparison(summaries)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["classroom", "bbnj2023"]
    assert len(ax.patches) == 3 * len(summaries)
