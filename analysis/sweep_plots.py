"""Figures of a sweep. Each ``plot_*`` function takes data (from :mod:`sim.analysis.sweep_stats`) and an optional
matplotlib ``ax`` and returns the ``ax``; :func:`write_figures` facets them by scenario and writes the files
``treatysim-aggregate`` makes, in the one figure style and each format asked (:mod:`sim.analysis.plots`), naming
settings, scenarios, issues and delegations by readable labels (:mod:`sim.analysis.labels`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import outcomes
from sim.analysis.labels import issue_axis_label, scenario_label, setting_label
from sim.analysis.plots import _axes, figure_style, integer_ticks, legend_outside, save_figure

if TYPE_CHECKING:
    import pandas as pd

    from sim.analysis.sweep_jobs import Job

#: The resolution of the sweep figures (wide facets: a little lower than a single run's).
DPI = 110


def plot_adoption_curve(
    curve: pd.DataFrame,
    parameter: str,
    ax: Any = None,
    label: str = "P(adopted)",
    colour: str | None = None,
    axis_label: str | None = None,
) -> Any:
    """P(adopted) (or the probability ``label`` names) against one swept parameter with its 95% band; ``curve``
    is one scenario's rows of :func:`sim.analysis.sweep_stats.adoption_by`. Numeric values go on a numeric axis (whole
    numbers on whole-number ticks), others are spaced evenly; the axis is named ``axis_label`` (the setting's
    readable name) or, without one, the setting itself. Call it again on the same ``ax`` to add another probability;
    the legend is the caller's (outside the data: :func:`sim.analysis.plots.legend_outside`)."""
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
    elif len(x) and np.all(x == np.round(x)):
        integer_ticks(ax.xaxis)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(axis_label or parameter)
    ax.set_ylabel("probability")
    return ax


def plot_outcome_shares_by_scenario(shares: pd.DataFrame, ax: Any = None, names: dict[str, str] | None = None) -> Any:
    """Stacked bars of each outcome's share per scenario, with 95% intervals (from
    :func:`sim.analysis.sweep_stats.outcome_shares`); ``names`` maps scenario ids to what the axis shows (titles)."""
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
    ax.set_yticks(y, [(names or {}).get(s, s) for s in scenarios])
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share of replicates (95% Wilson interval)")
    legend_outside(ax)
    ax.set_title("outcomes per scenario, all jobs pooled")
    return ax


def plot_final_text_density(
    texts: np.ndarray,
    ideal_points: np.ndarray | None = None,
    issue_labels: Sequence[str] = ("issue 1", "issue 2"),
    ax: Any = None,
) -> Any:
    """Where the final texts land on the policy map: a hexagonal density of ``texts`` (R, 2), over the
    delegations' ideal points (N, 2) when given; for texts on one issue (R, 1), a histogram along it with the
    ideal points marked on the axis (a one-issue scenario is never drawn against itself)."""
    ax = _axes(ax)
    texts = np.asarray(texts, dtype=float)
    if texts.ndim == 1 or texts.shape[1] == 1:
        ax.hist(texts.reshape(-1), bins=np.linspace(0, 1, 31), color=outcomes.ADOPTED.colour, alpha=0.8)
        if ideal_points is not None:
            ax.plot(
                np.asarray(ideal_points).reshape(-1),
                np.zeros(len(ideal_points)),
                "|",
                color="red",
                markersize=14,
                clip_on=False,
                label="ideal points",
                transform=ax.get_xaxis_transform(),
            )
            legend_outside(ax)
        ax.set_xlim(0, 1)
        ax.set_xlabel(issue_labels[0])
        ax.set_ylabel("replicates")
        return ax
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
        legend_outside(ax, "above")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(issue_labels[0])
    ax.set_ylabel(issue_labels[1])
    return ax


def plot_agreement_rounds(rounds: pd.DataFrame, ax: Any = None) -> Any:
    """Share of consensus replicates by rounds left before the deadline (0 = the deadline round), one series per
    deadline; ``rounds`` is one scenario's rows of :func:`sim.analysis.sweep_stats.agreement_rounds`. The axis spans
    every round of the longest deadline (whole rounds only), so a single bar reads as "all in that round"."""
    ax = _axes(ax)
    deadlines = sorted(rounds["rounds"].unique())
    width = 0.8 / max(len(deadlines), 1)
    for n, deadline in enumerate(deadlines):
        part = rounds[rounds["rounds"] == deadline]
        x = part["rounds_left"].to_numpy(dtype=float) + (n - (len(deadlines) - 1) / 2) * width
        ax.bar(x, part["share"], width=width, label=f"deadline {deadline} rounds")
    last = max([int(d) for d in deadlines] + [int(rounds["rounds_left"].max()) if len(rounds) else 0, 1])
    ax.set_xlim(-0.6, last + 0.6)
    ax.set_ylim(0, 1.05)
    integer_ticks(ax.xaxis)
    ax.set_xlabel("rounds left when consensus came (0 = deadline round)")
    ax.set_ylabel("share of consensus replicates")
    if len(deadlines):
        legend_outside(ax)
    else:
        ax.text(0.5, 0.5, "no consensus in any replicate", ha="center", va="center", transform=ax.transAxes)
    return ax


def plot_blocking(shares: pd.DataFrame, ax: Any = None, top: int = 15, names: dict[str, str] | None = None) -> Any:
    """How often each delegation still blocks at the deadline (the ``top`` most frequent), with 95% intervals;
    ``shares`` is one scenario's rows of :func:`sim.analysis.sweep_stats.blocking_shares`, ``names`` the delegations'
    names by id."""
    ax = _axes(ax)
    part = shares.head(top).iloc[::-1]
    y = np.arange(len(part))
    share = part["share"].to_numpy(dtype=float)
    err = [share - part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float) - share]
    ax.barh(y, share, xerr=err, color=outcomes.FAILED.colour, ecolor="black", capsize=2)
    ax.set_yticks(y, [(names or {}).get(d, d) for d in part["delegation"]])
    ax.set_xlim(0, max(0.05, float(np.max(share + err[1], initial=0)) * 1.1))
    ax.set_xlabel("share of replicates blocking at the deadline")
    if not len(part):
        ax.text(0.5, 0.5, "no delegation blocks in any replicate", ha="center", va="center", transform=ax.transAxes)
    return ax


# --- the files of treatysim-aggregate ---------------------------------------------------------------------------------


def write_figures(
    jobs: list[Job], out_dir: Path, formats: Sequence[str] | None = None, labels: dict[str, str] | None = None
) -> list[Path]:
    """All sweep figures: for each swept parameter ``adoption_by_<parameter>`` (P(adopted) and P(consensus)),
    with an entry-into-force rule ``in_force_by_<parameter>`` (P(in force)) and with provisions
    ``kept_by_<parameter>`` (P(kept) per provision); then ``outcome_shares``, ``final_texts``, ``agreement_round``
    and ``blocking``. Each is faceted by scenario (the scenarios that have the statistic), in each of ``formats``
    (default: the ``figures.format`` the jobs were run with, else png). A parameter that acts only after adoption
    (:func:`sim.analysis.sweep_jobs.after_adoption`) gets ``in_force_by_`` only: P(adopted), P(consensus) and P(kept)
    cannot depend on it, and would be flat lines. Names come from the scenarios (titles, issue labels, delegation
    and provision names) and the jobs' ``figures.labels``, overridden by ``labels``."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis.sweep_jobs import after_adoption, swept_parameters
    from sim.analysis.sweep_stats import agreement_rounds, blocking_shares, outcome_shares
    from sim.analysis.sweep_tables import replicate_table, summary_table

    formats = tuple(formats or recorded_formats(jobs))
    labels = {**recorded_labels(jobs), **(labels or {})}
    table, replicates = summary_table(jobs), replicate_table(jobs)
    scenarios = sorted(table["scenario"].unique())
    loaded = {s: _scenario(jobs, s) for s in scenarios}
    titles = {s: scenario_label(s, _title(jobs, s), labels, width=40) for s in scenarios}
    written: list[Path] = []
    with figure_style():
        for parameter in [p for p in swept_parameters(jobs) if p != "scenario"]:
            axis_labels = {s: _setting_label(parameter, loaded[s], labels) for s in scenarios}
            name = parameter.replace(".", "_")
            curves = {
                "adoption_by": {s: [] if after_adoption(parameter) else _outcome_series() for s in scenarios},
                "in_force_by": {s: _in_force_series(table, s) for s in scenarios},
                "kept_by": {
                    s: [] if after_adoption(parameter) else _kept_series(table, s, loaded, labels) for s in scenarios
                },
            }
            for figure, series in curves.items():
                path = out_dir / f"{figure}_{name}"
                written += _write_curves(table, parameter, series, titles, axis_labels, path, formats)
        fig, axes = _facets(1, 8, 1.6 + 0.6 * len(scenarios))
        plot_outcome_shares_by_scenario(outcome_shares(table), ax=axes[0], names=titles)
        written += save_figure(fig, out_dir / "outcome_shares", dpi=DPI, formats=formats)
        written += _write_final_texts(replicates, scenarios, loaded, titles, labels, out_dir / "final_texts", formats)
        rounds, blocking = agreement_rounds(replicates), blocking_shares(replicates)
        fig, axes = _facets(len(scenarios), 6.0)
        for scenario, ax in zip(scenarios, axes):
            plot_agreement_rounds(rounds[rounds["scenario"] == scenario], ax=ax).set_title(titles[scenario])
        written += save_figure(fig, out_dir / "agreement_round", dpi=DPI, formats=formats)
        fig, axes = _facets(len(scenarios))
        for scenario, ax in zip(scenarios, axes):
            names = loaded[scenario].display_names() if loaded[scenario] is not None else None
            plot_blocking(blocking[blocking["scenario"] == scenario], ax=ax, names=names).set_title(titles[scenario])
        written += save_figure(fig, out_dir / "blocking", dpi=DPI, formats=formats)
    return written


#: A curve of a sweep figure: the statistic of :func:`sim.analysis.sweep_tables.summary_table`, its legend, its colour.
Series = tuple[str, str, str]

#: The colour of P(in force): none of the outcomes' (:mod:`sim.outcomes`).
IN_FORCE_COLOUR = "#66a61e"

#: The colours of the provisions' P(kept), in the order of :func:`sim.analysis.sweep_stats.provision_ids`.
PROVISION_COLOURS = ("#e7298a", "#1f78b4", "#a6761d", "#666666", "#b2df8a", "#fb9a99")


def _outcome_series() -> list[Series]:
    return [(k, f"P({k[2:]})", outcomes.by_name(k[2:]).colour) for k in ("p_adopted", "p_consensus")]


def _in_force_series(table: pd.DataFrame, scenario: str) -> list[Series]:
    """P(in force), where ``scenario``'s jobs have an entry-into-force rule."""
    rows = table[(table["scenario"] == scenario) & (table["statistic"] == "p_in_force")]
    return [("p_in_force", "P(in force)", IN_FORCE_COLOUR)] if len(rows) else []


def _kept_series(table: pd.DataFrame, scenario: str, loaded: dict[str, Any], labels: dict[str, str]) -> list[Series]:
    """P(kept) of each of ``scenario``'s provisions, named by the user's label or the scenario's (wrapped: the
    legend sits beside the panels), each in
    the colour its id has across the sweep (a provision shared by two scenarios is one colour)."""
    from sim.analysis.sweep_stats import provision_ids

    every = provision_ids(table)
    named = {p.id: p.label for p in loaded[scenario].provisions} if loaded[scenario] is not None else {}
    return [
        (
            f"p_kept.{pid}",
            textwrap.fill("P(kept): " + labels.get(pid, named.get(pid, pid)), 30),
            PROVISION_COLOURS[every.index(pid) % len(PROVISION_COLOURS)],
        )
        for pid in provision_ids(table[table["scenario"] == scenario])
    ]


def _write_curves(
    table: pd.DataFrame,
    parameter: str,
    series: dict[str, list[Series]],
    titles: dict[str, str],
    axis_labels: dict[str, str],
    path: Path,
    formats: Sequence[str],
) -> list[Path]:
    """One figure of probabilities against ``parameter`` (:func:`plot_adoption_curve`, pooled by
    :func:`sim.analysis.sweep_stats.adoption_by`): a panel per scenario with any of ``series`` (none: no file), one
    legend for all of them."""
    from sim.analysis.sweep_stats import adoption_by

    shown = [s for s in titles if series.get(s)]
    if not shown:
        return []
    fig, axes = _facets(len(shown))
    for scenario, ax in zip(shown, axes):
        rows = table[table["scenario"] == scenario]
        for key, label, colour in series[scenario]:
            curve = adoption_by(rows, parameter, key)
            plot_adoption_curve(curve, parameter, ax=ax, label=label, colour=colour, axis_label=axis_labels[scenario])
        ax.set_title(titles[scenario])
    legend = {}
    for ax in axes:
        legend.update({label: handle for handle, label in zip(*ax.get_legend_handles_labels())})
    legend_outside(axes[-1], handles=list(legend.values()), labels=list(legend))
    return save_figure(fig, path, dpi=DPI, formats=formats)


def recorded_formats(jobs: list[Job]) -> tuple[str, ...]:
    """The figure formats the jobs were run with (``figures.format`` of their settings, in order of first use), or
    png for jobs run before the setting existed."""
    found: dict[str, None] = {}
    for job in jobs:
        value = job.settings.get("figures.format", ())
        for fmt in [value] if isinstance(value, str) else value or ():
            found[str(fmt)] = None
    return tuple(found) or ("png",)


def recorded_labels(jobs: list[Job]) -> dict[str, str]:
    """The user's labels the jobs were run with (``figures.labels``; flattened settings, so by dotted name)."""
    prefix = "figures.labels."
    return {k.removeprefix(prefix): str(v) for job in jobs for k, v in job.settings.items() if k.startswith(prefix)}


def _write_final_texts(
    replicates: pd.DataFrame,
    scenarios: list[str],
    loaded: dict[str, Any],
    titles: dict[str, str],
    labels: dict[str, str],
    path: Path,
    formats: Sequence[str],
) -> list[Path]:
    """``final_texts``: per scenario, the density of the final texts on its first two issues (or along its one)."""
    fig, axes = _facets(len(scenarios), 6.0, 5.0)
    for scenario, ax in zip(scenarios, axes):
        part = replicates[replicates["scenario"] == scenario].dropna(axis=1, how="all")
        issues = [c.removeprefix("text_") for c in part.columns if c.startswith("text_")][:2]
        texts = part[[f"text_{i}" for i in issues]].to_numpy(dtype=float)
        scenario_file = loaded[scenario]
        ideal = None
        axis_labels = [labels.get(i, i) for i in issues]
        if scenario_file is not None:
            ideal = np.array([[d.position[i] for i in issues] for d in scenario_file.delegations])
            by_id = {i.id: i for i in scenario_file.issues}
            axis_labels = [
                issue_axis_label(labels.get(i, by_id[i].label), by_id[i].low, by_id[i].high, width=50) for i in issues
            ]
        above = ideal is not None and len(issues) == 2  # the legend sits between the axes and the title
        plot_final_text_density(texts, ideal, axis_labels, ax=ax).set_title(titles[scenario], pad=18 if above else 6)
    return save_figure(fig, path, dpi=DPI, formats=formats)


#: Panels per row of a faceted figure: more scenarios wrap onto further rows, so a figure stays readable at a
#: page's width.
FACETS_PER_ROW = 2


def _facets(n: int, width: float = 5.5, height: float = 4.0) -> tuple[Any, list[Any]]:
    """``n`` panels, at most :data:`FACETS_PER_ROW` a row; panels left over in the last row are hidden."""
    import matplotlib.pyplot as plt

    columns = min(n, FACETS_PER_ROW)
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    panels = list(axes.flat)
    for spare in panels[n:]:
        spare.set_visible(False)
    return fig, panels[:n]


def _setting_label(parameter: str, scenario: Any, labels: dict[str, str]) -> str:
    if scenario is None:
        return setting_label(parameter, labels=labels)
    issues = {i.id: i.label for i in scenario.issues}
    return setting_label(parameter, scenario.display_names(), issues, labels)


def _title(jobs: list[Job], scenario: str) -> str | None:
    return next((j.summary.get("title") for j in jobs if j.summary["scenario"] == scenario), None)


def _scenario(jobs: list[Job], scenario: str) -> Any:
    """The scenario file of ``scenario``'s first job (for its issues, delegations' names and ideal points), or
    ``None`` when it can no longer be read."""
    from sim.errors import ScenarioError
    from sim.loading import load_scenario

    job = next(j for j in jobs if j.summary["scenario"] == scenario)
    try:
        return load_scenario(job.settings["scenario"])
    except (ScenarioError, OSError):
        return None
