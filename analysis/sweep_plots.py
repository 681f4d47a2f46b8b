"""Figures of a sweep. Each function takes data (from :mod:`analysis.sweep`) and an optional matplotlib ``ax`` and
returns the ``ax``; faceting by scenario and file names are the caller's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.plots import _axes
from sim import outcomes

if TYPE_CHECKING:
    import pandas as pd


def plot_adoption_curve(
    curve: pd.DataFrame, parameter: str, ax: Any = None, label: str = "P(adopted)", colour: str | None = None
) -> Any:
    """P(adopted) (or the probability ``label`` names) against one swept parameter with its 95% band; ``curve``
    is one scenario's rows of :func:`analysis.sweep.adoption_by`. Numeric values go on a numeric axis, others are
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
    """Stacked bars of the shares of consensus, vote and failure per scenario, with 95% intervals (from
    :func:`analysis.sweep.outcome_shares`)."""
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
    hexes = ax.hexbin(texts[:, 0], texts[:, 1], gridsize=30, extent=(0, 1, 0, 1), bins="log", cmap="viridis",
                      mincnt=1)
    ax.figure.colorbar(hexes, ax=ax, label="replicates (log scale)")
    if ideal_points is not None:
        ax.scatter(ideal_points[:, 0], ideal_points[:, 1], s=25, facecolors="none", edgecolors="red",
                   linewidths=0.8, label="ideal points")
        ax.legend(loc="best", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(issue_labels[0])
    ax.set_ylabel(issue_labels[1])
    return ax


def plot_agreement_rounds(rounds: pd.DataFrame, ax: Any = None) -> Any:
    """Share of consensus replicates by rounds left before the deadline (0 = the deadline round), one series per
    deadline; ``rounds`` is one scenario's rows of :func:`analysis.sweep.agreement_rounds`."""
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
    ``shares`` is one scenario's rows of :func:`analysis.sweep.blocking_shares`."""
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
