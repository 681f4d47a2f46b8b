"""Figures of a run. Each function takes data and an optional matplotlib ``ax`` and returns the ``ax``.

Statistics come from :mod:`sim.analysis.stats`; names on axes and titles from :mod:`sim.analysis.labels`; file names are
chosen by the caller. :func:`figure_style` is the one style of every command's figures (draw inside it) and
:func:`save_figure` the one way every command writes a figure, in each format asked (``figures.format``: png, svg,
pdf). Legends sit outside the data (:func:`legend_outside`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.labels import scenario_label
from sim.errors import ScenarioError
from sim.outcomes import ADOPTED, OUTCOMES, SUMMARY_ROWS

#: The file formats figures can be written in (``figures.format``, ``--format``): raster for screens, vector for papers.
FIGURE_FORMATS = ("png", "svg", "pdf")

#: The one style of every figure the commands write (matplotlib rc parameters): a paper's sizes, no top and right
#: spines, text kept as text in SVG and as TrueType in PDF (editable, as journals ask), reproducible vector files.
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "treatysim",
    "pdf.fonttype": 42,
    "savefig.facecolor": "white",
}
#: Metadata left out of vector files so that the same figure gives the same bytes (no creation date).
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}


def figure_style() -> contextlib.AbstractContextManager[Any]:
    """The style of every figure, as a context: create, draw and save figures inside it."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


def figure_formats(value: str | Sequence[str] | None, source: str = "--format") -> tuple[str, ...]:
    """The figure formats asked for: one (``svg``), several (``svg,pdf`` or a list), or ``None`` for png; an unknown
    one is a :class:`ScenarioError` naming ``source`` and the formats there are (one line)."""
    if value is None:
        return ("png",)
    items = value.split(",") if isinstance(value, str) else list(value)
    asked = [str(v).strip().lower().lstrip(".") for v in items if str(v).strip()]
    unknown = [v for v in asked if v not in FIGURE_FORMATS]
    if unknown or not asked:
        got = f"got '{unknown[0]}'" if unknown else "got nothing"
        raise ScenarioError(
            source, [("", f"a figure format must be {', '.join(FIGURE_FORMATS)}, or several as svg,pdf; {got}")]
        )
    return tuple(dict.fromkeys(asked))


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def save_figure(fig: Any, path: Path, dpi: int = 120, formats: Sequence[str] | None = None) -> list[Path]:
    """Lay out ``fig``, write it beside ``path`` once per format of ``formats`` (``path`` with that suffix; without
    ``formats``, in the format of ``path``'s own suffix), each atomically (a reader or a crash never sees half an
    image, :func:`sim.io.atomic_write`), and close it (pyplot keeps every open figure alive otherwise); returns the
    paths written."""
    import matplotlib.pyplot as plt

    from sim.io import atomic_write

    path = Path(path)
    formats = tuple(formats) if formats else (path.suffix.lstrip(".").lower() or "png",)
    written = []
    try:
        with figure_style():
            fig.tight_layout()
            for fmt in formats:
                target = path.with_suffix(f".{fmt}")
                metadata = _METADATA.get(fmt)
                atomic_write(target, lambda tmp, f=fmt, m=metadata: fig.savefig(tmp, dpi=dpi, format=f, metadata=m))
                written.append(target)
    finally:
        plt.close(fig)
    return written


def legend_outside(ax: Any, where: str = "right", **kwargs: Any) -> Any:
    """The legend of ``ax`` outside its data area: to the ``right`` of the axes, or ``above`` them in one row."""
    if where == "above":
        handles, _ = ax.get_legend_handles_labels()
        place = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.02), "ncol": max(len(handles), 1)}
    else:
        place = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)}
    return ax.legend(**{**place, "borderaxespad": 0.0, **kwargs})


def integer_ticks(axis: Any) -> None:
    """Whole-number ticks on ``axis`` (``ax.xaxis``): rounds and years of a count are never fractional."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def plot_outcome_shares(summary: Mapping[str, Any], ax: Any = None, title: str | None = None) -> Any:
    """Bar chart of P(consensus), P(vote), P(failed) and P(adopted) with their 95% intervals, titled by the
    scenario's title (``summary["title"]``, else its id) unless ``title`` says otherwise."""
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
    name = title or scenario_label(str(summary["scenario"]), summary.get("title"), width=60)
    ax.set_title(f"{name}\noutcomes of {summary['replicates']:,} replicates")
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
    """Final texts of the replicates over the delegations' ideal points sized by power, on two issues; on one issue
    (a scenario with a single issue), a one-dimensional view: the share of final texts along the issue, by outcome,
    over the ideal points on the axis (:func:`plot_policy_line`).

    ``ideal_points`` (N, k), ``power`` (N,), ``final_texts`` (R, k) with k = 1 or 2, and one outcome per replicate.
    """
    ideal_points, final_texts = np.asarray(ideal_points), np.asarray(final_texts)
    if ideal_points.ndim == 1 or ideal_points.shape[1] == 1:
        return plot_policy_line(
            ideal_points.reshape(-1), power, final_texts.reshape(-1), outcomes, issue_labels[0], delegation_labels, ax
        )
    ax = _axes(ax)
    outcomes = np.asarray(outcomes)
    for outcome in OUTCOMES:
        chosen = final_texts[outcomes == outcome.name]
        if len(chosen):
            ax.scatter(
                chosen[:, 0], chosen[:, 1], s=6, alpha=0.25, color=outcome.colour, label=f"text: {outcome.short}"
            )
    plot_ideal_points(ax, ideal_points[:, 0], ideal_points[:, 1], power, largest=400)
    for i, label in enumerate(delegation_labels or []):
        ax.annotate(label, ideal_points[i], fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_aspect("equal")
    ax.set_xlabel(issue_labels[0])
    ax.set_ylabel(issue_labels[1])
    legend_outside(ax, markerscale=1.5)
    ax.set_title("final texts over the delegations' ideal points")
    return ax


def plot_ideal_points(ax: Any, x: np.ndarray, y: np.ndarray, power: np.ndarray, largest: float) -> Any:
    """The delegations' ideal points as open circles whose area is their power (the most powerful ``largest``
    points², smaller circles when there are many delegations)."""
    sizes = largest * min(1.0, 40 / len(power)) * power / power.max()
    ax.scatter(x, y, s=sizes, facecolors="none", edgecolors="black", linewidths=1, label="ideal point (area = power)")
    return ax


def plot_policy_line(
    ideal_points: np.ndarray,
    power: np.ndarray,
    final_texts: np.ndarray,
    outcomes: Sequence[str],
    issue_label: str = "issue",
    delegation_labels: Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """The policy map of a one-issue scenario: the share of final texts in each twentieth of the issue's scale,
    stacked by outcome, and below them the delegations' ideal points on the same axis (area = power)."""
    ax = _axes(ax)
    outcomes = np.asarray(outcomes)
    edges = np.linspace(0.0, 1.0, 21)
    bottom = np.zeros(len(edges) - 1)
    total = max(len(final_texts), 1)
    for outcome in OUTCOMES:
        counts, _ = np.histogram(final_texts[outcomes == outcome.name], bins=edges)
        if counts.any():
            ax.bar(
                edges[:-1],
                counts / total,
                width=np.diff(edges),
                bottom=bottom,
                align="edge",
                color=outcome.colour,
                alpha=0.8,
                label=f"text: {outcome.short}",
            )
            bottom += counts / total
    top = float(bottom.max(initial=0.0)) or 1.0
    lane = -0.12 * top  # the ideal points' lane, below the bars
    plot_ideal_points(ax, ideal_points, np.full(len(ideal_points), lane), power, largest=200)
    for i, label in enumerate(delegation_labels or []):
        ax.annotate(
            label,
            (ideal_points[i], lane),
            fontsize=7,
            rotation=90,
            xytext=(0, -6),
            textcoords="offset points",
            ha="center",
            va="top",
        )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(lane * (2.2 if delegation_labels else 1.6), top * 1.08)
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= top * 1.08])
    ax.set_xlabel(issue_label)
    ax.set_ylabel("share of final texts")
    legend_outside(ax)
    ax.set_title("final texts along the issue, over the delegations' ideal points")
    return ax


def plot_scenario_comparison(
    summaries: Sequence[Mapping[str, Any]], ax: Any = None, labels: Mapping[str, str] | None = None
) -> Any:
    """One bar per scenario, split into P(consensus), P(vote) and P(failed); P(adopted) with its 95% interval on top.

    ``summaries`` are :func:`sim.analysis.stats.summarize` outputs (with the scenario's ``title`` where known), drawn
    top to bottom in the order given and named by their title (or by the user's ``labels`` of their ids).
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
    ax.set_yticks(y, [scenario_label(str(s["scenario"]), s.get("title"), labels, width=40) for s in summaries])
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("probability")
    legend_outside(ax)
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
    integer_ticks(ax.yaxis)
    legend_outside(ax)
    return ax
