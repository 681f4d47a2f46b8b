"""A sweep of the settings that act after the gavel, aggregated: the summary carries P(in force), the years to entry
into force, the signatures and, per provision, P(vote called) and P(kept); the figures plot P(in force) against a
ratification setting (never the flat P(adopted)) and P(kept) against the settings that can move it; a sweep without
those stages has none of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sweep import main as aggregate_main
from tests.test_sweep import treatysim

THRESHOLDS = (40, 250)  # uncc2024 has 193 states: nothing enters into force at 250
GROUP_NOISE = (0, 0.05)
REPLICATES = 30
PROVISIONS = ("art6_2", "art24")


def aggregate(sweep: Path, *args: str) -> Path:
    aggregate_main([str(sweep), "--out", str(sweep / "agg"), *args])
    return sweep / "agg"


@pytest.fixture(scope="module")
def after_gavel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 ratification thresholds × 2 group noises on the scenario with an entry-into-force rule and two provisions."""
    sweep = tmp_path_factory.mktemp("after_gavel") / "sweep"
    proc = treatysim(
        "-m",
        "scenario=uncc2024_provisions",
        f"ratification.threshold={','.join(map(str, THRESHOLDS))}",
        f"uncertainty.group_position={','.join(map(str, GROUP_NOISE))}",
        f"replicates={REPLICATES}",
        "seed=3",
        "figures=false",
        f"hydra.sweep.dir={sweep}",
        cwd=sweep.parent,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return aggregate(sweep)


def wide(out: Path) -> pd.DataFrame:
    summary = pd.read_parquet(out / "sweep_summary.parquet")
    return summary.pivot(index=["ratification.threshold", "uncertainty.group_position"], columns="statistic")


def test_the_summary_carries_entry_into_force_and_the_provisions(after_gavel: Path):
    table = wide(after_gavel)
    value, low, high = table["value"], table["ci95_low"], table["ci95_high"]
    reachable, unreachable = value.loc[THRESHOLDS[0]], value.loc[THRESHOLDS[1]]
    assert (reachable["p_in_force"] > 0.5).all() and (unreachable["p_in_force"] == 0).all()
    assert (high.loc[THRESHOLDS[1], "p_in_force"] < 0.2).all()  # an interval, not a bare 0
    assert reachable["in_force_years_median"].between(0, 10).all() and unreachable["in_force_years_median"].isna().all()
    assert value["signatures_mean"].between(1, 193).all()
    for pid in PROVISIONS:
        for statistic in (f"p_vote_called.{pid}", f"p_kept.{pid}"):
            assert value[statistic].between(0, 1).all(), statistic
            assert ((low[statistic] <= value[statistic]) & (value[statistic] <= high[statistic])).all(), statistic
        # where a vote was held, its mean split, between its 5th and 95th percentiles: every state at the table votes
        means = [f"{name}_mean.{pid}" for name in ("keep", "delete", "abstain")]
        for statistic in means:
            assert ((low[statistic] <= value[statistic]) & (value[statistic] <= high[statistic])).all(), statistic
        assert np.allclose(value[means].sum(axis=1), 193)
    # the gavel comes first: the threshold moves no statistic of the talks or the provision votes (hence no figure)
    before = ["p_adopted", "p_consensus", *(f"p_kept.{pid}" for pid in PROVISIONS)]
    assert np.array_equal(reachable[before].to_numpy(), unreachable[before].to_numpy())
    csv = pd.read_csv(after_gavel / "sweep_summary.csv")
    assert {"p_in_force", "in_force_years_median", "signatures_mean", "p_kept.art24"} <= set(csv["statistic"])


def test_the_figures_plot_entry_into_force_and_provisions_where_they_can_move(after_gavel: Path):
    written = {p.name for p in after_gavel.glob("*.png")}
    for name in (
        "in_force_by_ratification_threshold.png",
        "adoption_by_uncertainty_group_position.png",
        "in_force_by_uncertainty_group_position.png",
        "kept_by_uncertainty_group_position.png",
    ):
        assert name in written, name
        data = (after_gavel / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name
    # P(adopted), P(consensus) and P(kept) cannot depend on the threshold: no flat figures of them
    assert "adoption_by_ratification_threshold.png" not in written
    assert "kept_by_ratification_threshold.png" not in written


def test_a_sweep_without_those_stages_has_none_of_their_statistics_or_figures(tmp_path: Path):
    sweep = tmp_path / "sweep"
    proc = treatysim(
        "-m",
        "scenario=classroom",
        "procedure.rounds=3,8",
        "replicates=20",
        "figures=false",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = aggregate(sweep)
    statistics = set(pd.read_parquet(out / "sweep_summary.parquet")["statistic"])
    assert "p_adopted" in statistics
    assert not {s for s in statistics if s.startswith(("p_in_force", "in_force", "signatures", "p_kept", "p_vote_"))}
    written = {p.name for p in out.glob("*.png")}
    assert "adoption_by_procedure_rounds.png" in written
    assert not {n for n in written if n.startswith(("in_force_by", "kept_by"))}
