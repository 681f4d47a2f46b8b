"""Figures of a run. Each function takes data and an optional matplotlib ``ax`` and returns the ``ax``.

Statistics come from :mod:`analysis.stats`; file names are chosen by the caller, and :func:`save_figure` is the
one way every command writes a figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.outcomes import ADOPTED, OUTCOMES, SUMMARY_ROWS


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def save_figure(fig: Any, path: Path, dpi: int = 120) -> Path:
    """Lay out ``fig``, write it to ``path`` as PNG atomically (a reader or a crash never sees half an image,
    :func:`sim.io.atomic_write`) and close it (pyplot keeps every open figure alive otherwise); returns ``path``."""
    import matplotlib.pyplot as plt

    from sim.io import atomic_write

    try:
        fig.tight_layout()
        atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        plt.close(fig)
    return Path(path)


def plot_outcome_shares(summary: Mapping[str, Any], ax: Any = None) -> Any:
    """Bar chart of P(consensus), P(vote), P(failed) and P(adopted) with their 95% intervals."""
    ax = _axes(ax)
    p = np.array([summary[row.key] for row in SUMMARY_ROWS])
    low = np.array([summary["ci95"][row.key][0] for row in SUMMARY_ROWS])
    high = np.array([summary["ci95"][row.key][1] for row in SUMMARY_ROWS])
    x = np.arange(len(SUMMARY_ROWS))
    ax.bar(x, p, color=[row.colour for row in SUMMARY_ROWS])
    ax.errorbar(x, p, yerr=[p - low, high - p], fmt="none", ecolor="black", capsize=4)
    ax.set_xticks(x, [row.short for row in SUMMARY_ROWS])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability (95% Wilson interval)")
    ax.set_title(f"{summary['scenario']}: outcomes of {summary['replicates']:,} replicates")
    return ax


def plot_policy_map(
    ideal_points: np.ndarray,
    power: np.ndarray,
    final_texts: np.ndarray,
    outcomes: Sequence[str],
    issue_labels: Sequence[str] = ("issue 1", "issue 2"),
    delegation_labels: Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """Final texts of the replicates on the first two issues, over the delegations' ideal points sized by power.

    ``ideal_points`` (N, 2), ``power`` (N,), ``final_texts`` (R, 2) and one outcome label per replicate.
    """
    ax = _axes(ax)
    outcomes = np.asarray(outcomes)
    for outcome in OUTCOMES:
        chosen = final_texts[outcomes == outcome.name]
        if len(chosen):
            ax.scatter(
                chosen[:, 0], chosen[:, 1], s=6, alpha=0.25, color=outcome.colour, label=f"text: {outcome.short}"
            )
    sizes = 400 * min(1.0, 40 / len(power)) * power / power.max()  # many delegations: smaller circles
    ax.scatter(ideal_points[:, 0], ideal_points[:, 1], s=sizes, facecolors="none", edgecolors="black", linewidths=1)
    for i, label in enumerate(delegation_labels or []):
        ax.annotate(label, ideal_points[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(issue_labels[0])
    ax.set_ylabel(issue_labels[1])
    ax.legend(loc="best", fontsize=7, markerscale=2)
    ax.set_title("final texts over ideal points (circle area = power)")
    return ax


def plot_scenario_comparison(summaries: Sequence[Mapping[str, Any]], ax: Any = None) -> Any:
    """One bar per scenario, split into P(consensus), P(vote) and P(failed); P(adopted) with its 95% interval on top.

    ``summaries`` are :func:`analysis.stats.summarize` outputs, drawn top to bottom in the order given.
    """
    ax = _axes(ax)
    y = np.arange(len(summaries))[::-1]
    left = np.zeros(len(summaries))
    for outcome in OUTCOMES:
        share = np.array([s[outcome.key] for s in summaries])
        ax.barh(y, share, left=left, color=outcome.colour, label=outcome.short, height=0.6)
        left += share
    adopted = np.array([s[ADOPTED.key] for s in summaries])
    low = np.array([s["ci95"][ADOPTED.key][0] for s in summaries])
    high = np.array([s["ci95"][ADOPTED.key][1] for s in summaries])
    ax.errorbar(
        adopted,
        y,
        xerr=[adopted - low, high - adopted],
        fmt="|",
        color=ADOPTED.colour,
        markersize=14,
        capsize=4,
        label="adopted (95% interval)",
    )
    ax.set_yticks(y, [str(s["scenario"]) for s in summaries])
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("probability")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(OUTCOMES) + 1, fontsize=8, frameon=False)
    return ax


def plot_ratification_curve(curve: Sequence[Mapping[str, Any]], threshold: int | None = None, ax: Any = None) -> Any:
    """States ratified after each year of the horizon: the mean over adopted replicates with the 5th–95th percentile
    band (``summary["ratification_curve"]``), and the entry-into-force threshold as a line."""
    ax = _axes(ax)
    rows = [c for c in curve if c["mean"] is not None]
    years = np.array([0] + [c["year"] for c in rows])
    mean = np.array([0.0] + [c["mean"] for c in rows])
    low = np.array([0.0] + [c["p05"] for c in rows])
    high = np.array([0.0] + [c["p95"] for c in rows])
    ax.fill_between(years, low, high, color=ADOPTED.colour, alpha=0.2, label="5th–95th percentile")
    ax.plot(years, mean, color=ADOPTED.colour, marker="o", markersize=3, label="mean")
    if threshold is not None:
        ax.axhline(threshold, color="grey", linestyle="--", linewidth=0.8, label=f"entry into force: {threshold}")
    ax.set_xlabel("years after adoption")
    ax.set_ylabel("states that have ratified")
    ax.set_xlim(0, years.max() if len(years) > 1 else 1)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right", fontsize=8)
    return ax
