"""Figures of a sweep. Each ``plot_*`` function takes data (from :mod:`analysis.sweep_stats`) and an optional
matplotlib ``ax`` and returns the ``ax``; :func:`write_figures` facets them by scenario and writes the files
``treatysim-aggregate`` makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.plots import _axes, save_figure
from sim import outcomes

if TYPE_CHECKING:
    import pandas as pd

    from analysis.sweep_jobs import Job

#: The resolution of the sweep figures (wide facets: a little lower than a single run's).
DPI = 110


def plot_adoption_curve(
    curve: pd.DataFrame, parameter: str, ax: Any = None, label: str = "P(adopted)", colour: str | None = None
) -> Any:
    """P(adopted) (or the probability ``label`` names) against one swept parameter with its 95% band; ``curve``
    is one scenario's rows of :func:`analysis.sweep_stats.adoption_by`. Numeric values go on a numeric axis, others are
    spaced evenly. Call it again on the same ``ax`` to add another probability."""
    ax = _axes(ax)
    colour = colour or outcomes.ADOPTED.colour
    values = curve[parameter].tolist()
    try:
        x = np.array([float(v) for v in values])
        ticks = None
    except ValueError:
        x, ticks = np.arange(len(values), dtype=float), values
    p, low, high = (curve[k].to_numpy(dtype=float) for k in ("p", "low", "high"))
    ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, p, marker="o", color=colour, label=f"{label} (95% band)")
    if ticks is not None:
        ax.set_xticks(x, ticks)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(parameter)
    ax.set_ylabel("probability")
    ax.legend(loc="best", fontsize=7)
    return ax


def plot_outcome_shares_by_scenario(shares: pd.DataFrame, ax: Any = None) -> Any:
    """Stacked bars of each outcome's share per scenario, with 95% intervals (from
    :func:`analysis.sweep_stats.outcome_shares`)."""
    ax = _axes(ax)
    scenarios = sorted(shares["scenario"].unique())
    y = np.arange(len(scenarios))
    left = np.zeros(len(scenarios))
    for outcome in outcomes.OUTCOMES:
        part = shares[shares["statistic"] == outcome.key].set_index("scenario").reindex(scenarios)
        p = part["p"].fillna(0).to_numpy()
        ax.barh(y, p, left=left, color=outcome.colour, label=outcome.short)
        err = [p - part["low"].fillna(0).to_numpy(), part["high"].fillna(0).to_numpy() - p]
        ax.errorbar(left + p, y, xerr=err, fmt="none", ecolor="black", capsize=3, linewidth=0.8)
        left += p
    ax.set_yticks(y, scenarios)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share of replicates (95% Wilson interval)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(outcomes.OUTCOMES), fontsize=7, frameon=False)
    ax.set_title("outcomes per scenario, all jobs pooled", pad=22)
    return ax


def plot_final_text_density(
    texts: np.ndarray,
    ideal_points: np.ndarray | None = None,
    issue_labels: Sequence[str] = ("issue 1", "issue 2"),
    ax: Any = None,
) -> Any:
    """Where the final texts land on the policy map: a hexagonal density of ``texts`` (R, 2), over the
    delegations' ideal points (N, 2) when given."""
    ax = _axes(ax)
    hexes = ax.hexbin(texts[:, 0], texts[:, 1], gridsize=30, extent=(0, 1, 0, 1), bins="log", cmap="viridis", mincnt=1)
    ax.figure.colorbar(hexes, ax=ax, label="replicates (log scale)")
    if ideal_points is not None:
        ax.scatter(
            ideal_points[:, 0],
            ideal_points[:, 1],
            s=25,
            facecolors="none",
            edgecolors="red",
            linewidths=0.8,
            label="ideal points",
        )
        ax.legend(loc="best", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(issue_labels[0])
    ax.set_ylabel(issue_labels[1])
    return ax


def plot_agreement_rounds(rounds: pd.DataFrame, ax: Any = None) -> Any:
    """Share of consensus replicates by rounds left before the deadline (0 = the deadline round), one series per
    deadline; ``rounds`` is one scenario's rows of :func:`analysis.sweep_stats.agreement_rounds`."""
    ax = _axes(ax)
    deadlines = sorted(rounds["rounds"].unique())
    width = 0.8 / max(len(deadlines), 1)
    for n, deadline in enumerate(deadlines):
        part = rounds[rounds["rounds"] == deadline]
        x = part["rounds_left"].to_numpy(dtype=float) + (n - (len(deadlines) - 1) / 2) * width
        ax.bar(x, part["share"], width=width, label=f"deadline {deadline}")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rounds left when consensus came (0 = deadline round)")
    ax.set_ylabel("share of consensus replicates")
    ax.legend(loc="best", fontsize=7)
    return ax


def plot_blocking(shares: pd.DataFrame, ax: Any = None, top: int = 15) -> Any:
    """How often each delegation still blocks at the deadline (the ``top`` most frequent), with 95% intervals;
    ``shares`` is one scenario's rows of :func:`analysis.sweep_stats.blocking_shares`."""
    ax = _axes(ax)
    part = shares.head(top).iloc[::-1]
    y = np.arange(len(part))
    share = part["share"].to_numpy(dtype=float)
    err = [share - part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float) - share]
    ax.barh(y, share, xerr=err, color=outcomes.FAILED.colour, ecolor="black", capsize=2)
    ax.set_yticks(y, part["delegation"].tolist())
    ax.set_xlim(0, max(0.05, float(np.max(share + err[1], initial=0)) * 1.1))
    ax.set_xlabel("share of replicates blocking at the deadline")
    if not len(part):
        ax.text(0.5, 0.5, "no delegation blocks in any replicate", ha="center", va="center", transform=ax.transAxes)
    return ax


# --- the files of treatysim-aggregate ---------------------------------------------------------------------------------


def write_figures(jobs: list[Job], out_dir: Path) -> list[Path]:
    """All sweep figures: ``adoption_by_<parameter>.png`` for each swept parameter, ``outcome_shares.png``,
    ``final_texts.png``, ``agreement_round.png`` and ``blocking.png`` (each faceted by scenario)."""
    import matplotlib

    matplotlib.use("Agg")
    from analysis.sweep_jobs import swept_parameters
    from analysis.sweep_stats import adoption_by, agreement_rounds, blocking_shares, outcome_shares
    from analysis.sweep_tables import replicate_table, summary_table

    table, replicates = summary_table(jobs), replicate_table(jobs)
    scenarios = sorted(table["scenario"].unique())
    written = []
    for parameter in [p for p in swept_parameters(jobs) if p != "scenario"]:
        fig, axes = _facets(len(scenarios))
        for key in ("p_adopted", "p_consensus"):
            curves = adoption_by(table, parameter, key)
            for scenario, ax in zip(scenarios, axes):
                plot_adoption_curve(
                    curves[curves["scenario"] == scenario],
                    parameter,
                    ax=ax,
                    label=f"P({key[2:]})",
                    colour=outcomes.by_name(key[2:]).colour,
                ).set_title(scenario)
        written.append(save_figure(fig, out_dir / f"adoption_by_{parameter.replace('.', '_')}.png", dpi=DPI))
    fig, axes = _facets(1, 7, 1.6 + 0.5 * len(scenarios))
    plot_outcome_shares_by_scenario(outcome_shares(table), ax=axes[0])
    written.append(save_figure(fig, out_dir / "outcome_shares.png", dpi=DPI))
    written.append(_write_final_texts(jobs, replicates, scenarios, out_dir / "final_texts.png"))
    rounds, blocking = agreement_rounds(replicates), blocking_shares(replicates)
    for name, data, draw in (("agreement_round", rounds, plot_agreement_rounds), ("blocking", blocking, plot_blocking)):
        fig, axes = _facets(len(scenarios))
        for scenario, ax in zip(scenarios, axes):
            draw(data[data["scenario"] == scenario], ax=ax).set_title(scenario)
        written.append(save_figure(fig, out_dir / f"{name}.png", dpi=DPI))
    return written


def _write_final_texts(jobs: list[Job], replicates: pd.DataFrame, scenarios: list[str], path: Path) -> Path:
    """``final_texts.png``: per scenario, the density of the final texts on its first two issues."""
    fig, axes = _facets(len(scenarios), 5.5)
    for scenario, ax in zip(scenarios, axes):
        part = replicates[replicates["scenario"] == scenario].dropna(axis=1, how="all")
        issues = [c.removeprefix("text_") for c in part.columns if c.startswith("text_")][:2]
        issues = issues if len(issues) == 2 else issues * 2
        texts = part[[f"text_{i}" for i in issues]].to_numpy(dtype=float)
        plot_final_text_density(texts, _scenario_map(jobs, scenario, issues), issues, ax=ax).set_title(scenario)
    return save_figure(fig, path, dpi=DPI)


def _facets(n: int, width: float = 5.0, height: float = 4.0) -> tuple[Any, list[Any]]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
    return fig, list(axes[0])


def _scenario_map(jobs: list[Job], scenario: str, issues: list[str]) -> Any:
    """Ideal points of ``scenario`` on ``issues`` (from the scenario file of its first job), or ``None``."""
    from sim.errors import ScenarioError
    from sim.loading import load_scenario

    job = next(j for j in jobs if j.summary["scenario"] == scenario)
    try:
        loaded = load_scenario(job.settings["scenario"])
    except ScenarioError:
        return None
    return np.array([[d.position[i] for i in issues] for d in loaded.delegations])
