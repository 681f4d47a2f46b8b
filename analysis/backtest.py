"""``treatysim-backtest``: does the model forecast? Every case of a library of real sessions, scored like a forecast.

::

    treatysim-backtest                          # the bundled library, scenarios/history/
    treatysim-backtest path/to/cases -n 1000    # another folder of cases, more replicates per case
    treatysim-backtest --grid                   # also choose the global defaults, with leave-one-out

Each case is a scenario file with a ``history`` record (what really happened at that session). The model's forecast
of a case is P(adopted at this session): the share of replicates adopted by consensus or by a vote. It is scored
against the record with the Brier score (Brier 1950) and the log loss, beside three baselines on the same cases:
*always adopt*, the library's *base rate* (each case scored with the rate of the other cases) and a *structural
rule* (adopted iff the compromise-model text is worth at least the status quo to every delegation that can block —
Tsebelis's (2002) veto players — or a fallback vote of the delegations preferring it to the status quo would pass).

``--grid`` scores every combination of the global model settings in :data:`GRID` (``behaviour`` of the scenario
schema — never a case's own numbers) and reports the leave-one-out score: each case is forecast with the setting
that scores best on the *other* cases (Stone 1974). Settings are ranked by the multi-category Brier score of the
whole outcome forecast (consensus, vote, suspended, failed), which sees *how* a text is adopted: a setting that
turns every consensus into a vote is not rewarded for getting "adopted" right. The setting that scores best on all cases is the one the model
ships as its defaults (``sim.scenario.Behaviour``); ``docs/backtest.md`` records the run that chose it.

Writes ``backtest_cases.csv`` (a row per case), ``backtest_scores.csv`` (a row per forecaster), with ``--grid``
``backtest_grid.csv`` (a row per setting and case), and the figures ``reliability.png`` and ``cases.png``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import outcomes
from sim.errors import ScenarioError, command_boundary
from sim.inputs import DEFAULT_SEED
from sim.resources import bundled_dir

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario import Scenario

#: The bundled library of real sessions.
LIBRARY = bundled_dir("scenarios") / "history"
#: The global settings ``--grid`` searches: every combination is one candidate set of defaults.
GRID: dict[str, tuple[float, ...]] = {
    "agreement_cost": (0.0, 0.1, 0.2, 0.3),
    "isolation_cost": (0.0, 0.2),
    "temperature": (0.0, 0.03, 0.06, 0.1),
    "resumed_credibility": (0.7, 0.9),
}
#: Forecasts are clipped to [EPSILON, 1 − EPSILON] for the log loss (a certain forecast that misses is not infinite).
EPSILON = 0.01


@dataclass(frozen=True)
class Case:
    """One real session: its scenario and its recorded outcome."""

    path: Path
    scenario: Scenario

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def outcome(self) -> str:
        return self.scenario.history.outcome  # type: ignore[union-attr]

    @property
    def adopted(self) -> int:
        return int(self.scenario.history.adopted)  # type: ignore[union-attr]


def read_library(folder: Path) -> list[Case]:
    """Every ``*.yaml`` case in ``folder`` (sorted by name), each with a ``history`` record; a file without one, or
    that does not validate, is a :class:`ScenarioError` naming it."""
    from sim.loading import display_name, load_scenario

    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(str(folder), [("", "no such folder of cases")])
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        scenario = load_scenario(path)
        if scenario.history is None:
            why = "a backtest case needs the record of what happened (history: {outcome, date, sources})"
            raise ScenarioError(display_name(path), [("history", why)])
        cases.append(Case(path, scenario))
    if not cases:
        raise ScenarioError(str(folder), [("", "no case files (*.yaml) in this folder")])
    return cases


def forecast(scenario: Scenario, behaviour: Mapping[str, float], replicates: int, seed: int) -> dict[str, float]:
    """The model's forecast of one case under the global ``behaviour`` settings: each outcome's share."""
    from sim.engine import simulate
    from sim.loading import with_overrides

    patched = with_overrides(scenario, {"behaviour": dict(behaviour)}, source="backtest settings")
    counts = outcomes.counts(simulate(patched, replicates, seed).outcome)
    return {key: count / replicates for key, count in counts.items()}


def structural_rule(scenario: Scenario) -> float:
    """The structural baseline: 1 if the compromise-model text (power × salience weighted, no noise) is worth at
    least the status quo (or the stated outside option) to every delegation that can block, or if the fallback vote
    of those who prefer it would pass; else 0."""
    from sim import dynamics as dyn
    from sim import steps
    from sim.inputs import compile_arrays, draw_inputs

    arrays = compile_arrays(scenario, np.float64)
    draw = draw_inputs(_without_noise(arrays), np.random.default_rng(0))
    text = dyn.compromise_text(draw.position, draw.salience, arrays.power)
    prefers = dyn.utility(text, draw.position, draw.salience) >= draw.outside_option
    if bool(np.all(prefers | ~arrays.can_block)):
        return 1.0
    if arrays.vote_fallback:
        count = steps.count_votes(arrays, prefers, ~prefers)
        return float(bool(count.adopted))
    return 0.0


def _without_noise(arrays: Any) -> Any:
    from dataclasses import replace

    return replace(
        arrays,
        noise_position=0.0,
        noise_salience=0.0,
        noise_reservation=0.0,
        temperature=0.0,
        sessions=1,
        resumable=False,
    )


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of probability forecasts (Brier 1950): 0 is perfect, 0.25 is a coin."""
    return float(np.mean((np.asarray(p, float) - y) ** 2))


def log_loss(p: np.ndarray, y: np.ndarray, eps: float = EPSILON) -> float:
    """Mean negative log-likelihood of the outcomes, forecasts clipped to [eps, 1 − eps] (natural log)."""
    q = np.clip(np.asarray(p, float), eps, 1 - eps)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def class_brier(shares: np.ndarray, recorded: Sequence[str]) -> np.ndarray:
    """Per case, the multi-category Brier score of the outcome forecast (Brier 1950): Σ_k (p_k − [k = recorded])²
    over the outcomes of :mod:`sim.outcomes` (``shares``: cases × outcomes, in registry order). 0 is perfect, 2 the
    worst; it scores *how* a text is adopted or not, where the binary score sees only whether."""
    truth = np.array([[o.name == r for o in outcomes.OUTCOMES] for r in recorded], dtype=float)
    return ((np.asarray(shares, float) - truth) ** 2).sum(axis=1)


def leave_one_out_base_rate(y: np.ndarray) -> np.ndarray:
    """Each case forecast with the share adopted among the *other* cases."""
    return (y.sum() - y) / max(len(y) - 1, 1)


def settings_grid(grid: Mapping[str, Sequence[float]] = GRID) -> list[dict[str, float]]:
    """Every combination of the grid's values, as ``behaviour`` overrides."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def leave_one_out(scores: np.ndarray) -> np.ndarray:
    """For a (settings × cases) matrix of per-case losses: for each case, the index of the setting with the lowest
    mean loss on the *other* cases (ties: the first in grid order)."""
    total = scores.sum(axis=1, keepdims=True)
    others = (total - scores) / max(scores.shape[1] - 1, 1)
    return np.argmin(others, axis=0)


def run_backtest(
    cases: Sequence[Case], replicates: int, seed: int, grid: bool = False, progress: Any = None
) -> dict[str, Any]:
    """Forecast every case with the shipped defaults (and, with ``grid``, every setting of :data:`GRID`); score the
    forecasts and the baselines. Returns the tables as pandas frames: ``cases``, ``scores`` and ``grid``."""
    import pandas as pd

    y = np.array([c.adopted for c in cases])
    recorded = [c.outcome for c in cases]
    truth = np.array([[o.name == r for o in outcomes.OUTCOMES] for r in recorded], dtype=float)
    rows = []
    for case in cases:
        shares = forecast(case.scenario, {}, replicates, seed)
        rows.append(
            {
                "case": case.name,
                "recorded": case.outcome,
                "adopted": case.adopted,
                "date": case.scenario.history.date,  # type: ignore[union-attr]
                **{o.key: shares[o.key] for o in outcomes.SUMMARY_ROWS},
                "most_likely": outcomes.most_likely(shares),
                "structural_rule": structural_rule(case.scenario),
            }
        )
        if progress:
            progress(case.name)
    table = pd.DataFrame(rows)
    table["base_rate_loo"] = leave_one_out_base_rate(y)
    table["always_adopt"] = 1.0
    keys = [o.key for o in outcomes.OUTCOMES]
    consensus_only = np.tile([float(o is outcomes.CONSENSUS) for o in outcomes.OUTCOMES], (len(cases), 1))
    class_rates = (truth.sum(axis=0) - truth) / max(len(cases) - 1, 1)
    structural = np.outer(
        table["structural_rule"].to_numpy(), [float(o is outcomes.CONSENSUS) for o in outcomes.OUTCOMES]
    )
    structural[:, [o is outcomes.FAILED for o in outcomes.OUTCOMES]] = 1 - table[["structural_rule"]].to_numpy()
    forecasters = {
        "model (defaults)": (table[outcomes.ADOPTED.key].to_numpy(), table[keys].to_numpy()),
        "always adopt (by consensus)": (table["always_adopt"].to_numpy(), consensus_only),
        "base rate (leave-one-out)": (table["base_rate_loo"].to_numpy(), class_rates),
        "structural rule": (table["structural_rule"].to_numpy(), structural),
    }
    grid_table = None
    if grid:
        settings = settings_grid()
        shares = np.zeros((len(settings), len(cases), len(keys)))
        for i, setting in enumerate(settings):
            for j, case in enumerate(cases):
                shares[i, j] = [forecast(case.scenario, setting, replicates, seed)[k] for k in keys]
            if progress:
                progress(f"setting {i + 1}/{len(settings)}")
        adopted_codes = [o.adopted for o in outcomes.OUTCOMES]
        p = shares[:, :, adopted_codes].sum(axis=2)
        losses = np.stack([class_brier(shares[i], recorded) for i in range(len(settings))])  # settings × cases
        chosen = leave_one_out(losses)
        every = np.arange(len(cases))
        table["p_adopted_loo"] = p[chosen, every]
        table["loo_setting"] = [settings_label(settings[i]) for i in chosen]
        best = int(np.argmin(losses.mean(axis=1)))
        table["p_adopted_best"] = p[best]
        forecasters["model (leave-one-out)"] = (table["p_adopted_loo"].to_numpy(), shares[chosen, every])
        forecasters[f"model (best in-sample: {settings_label(settings[best])})"] = (p[best], shares[best])
        grid_table = pd.DataFrame(
            [
                {
                    "setting": settings_label(s),
                    **s,
                    "case": c.name,
                    "recorded": c.outcome,
                    "adopted": c.adopted,
                    "p_adopted": p[i, j],
                    **{k: shares[i, j, n] for n, k in enumerate(keys)},
                    "class_brier": losses[i, j],
                }
                for i, s in enumerate(settings)
                for j, c in enumerate(cases)
            ]
        )
    scores = pd.DataFrame(
        [
            {
                "forecaster": name,
                "brier": brier(f, y),
                "log_loss": log_loss(f, y),
                "class_brier": float(class_brier(c, recorded).mean()),
                "cases": len(y),
            }
            for name, (f, c) in forecasters.items()
        ]
    )
    table["class_hit"] = table["most_likely"] == table["recorded"]
    return {"cases": table, "scores": scores, "grid": grid_table, "class_accuracy": float(table["class_hit"].mean())}


def settings_label(setting: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in setting.items())


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 5) -> pd.DataFrame:
    """The reliability (calibration) table: forecasts binned on [0, 1]; per bin the mean forecast, the observed
    share adopted and the number of cases (Murphy & Winkler 1977)."""
    import pandas as pd

    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append(
                {
                    "bin_low": edges[b],
                    "bin_high": edges[b + 1],
                    "forecast": float(p[inside].mean()),
                    "observed": float(y[inside].mean()),
                    "cases": int(inside.sum()),
                }
            )
    return pd.DataFrame(rows)


def plot_reliability(table: pd.DataFrame, ax: Any = None, label: str = "model") -> Any:
    """Observed share adopted against the mean forecast per bin (dot area = cases); the diagonal is perfect."""
    from sim.analysis.plots import _axes, legend_outside

    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle="--", label="perfectly calibrated")
    ax.scatter(
        table["forecast"],
        table["observed"],
        s=40 * table["cases"],
        color=outcomes.ADOPTED.colour,
        alpha=0.7,
        label=label,
    )
    for _, row in table.iterrows():
        ax.annotate(
            f"{int(row['cases'])}",
            (row["forecast"], row["observed"]),
            fontsize=7,
            xytext=(5, -3),
            textcoords="offset points",
        )
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("forecast P(adopted at this session)")
    ax.set_ylabel("share of cases adopted")
    legend_outside(ax)
    return ax


def plot_cases(table: pd.DataFrame, column: str = outcomes.ADOPTED.key, ax: Any = None) -> Any:
    """One bar per case: the forecast P(adopted), coloured by what really happened (sorted by forecast)."""
    from sim.analysis.plots import _axes

    ax = _axes(ax)
    ordered = table.sort_values(column)
    y = np.arange(len(ordered))
    colours = [outcomes.by_name(r).colour for r in ordered["recorded"]]
    ax.barh(y, ordered[column], color=colours)
    ax.set_yticks(y, [f"{c} ({r})" for c, r in zip(ordered["case"], ordered["recorded"])], fontsize=7)
    ax.axvline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlim(0, 1)
    ax.set_xlabel("forecast P(adopted at this session); bar colour: what happened")
    return ax


def write_outputs(result: Mapping[str, Any], out: Path, formats: Sequence[str] = ("png",)) -> list[Path]:
    """The tables and figures (each in every format of ``formats``) of a backtest in ``out`` (written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.plots import figure_style, save_figure
    from sim.io import atomic_write

    written = []
    for name in ("cases", "scores", "grid"):
        frame = result.get(name)
        if frame is not None:
            written.append(
                atomic_write(
                    out / f"backtest_{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False, float_format="%.6g")
                )
            )
    cases = result["cases"]
    y = cases["adopted"].to_numpy()
    column = "p_adopted_loo" if "p_adopted_loo" in cases else outcomes.ADOPTED.key
    with figure_style():
        fig, ax = plt.subplots(figsize=(7, 5))
        plot_reliability(
            reliability(cases[column].to_numpy(), y),
            ax=ax,
            label="model, leave-one-out" if column == "p_adopted_loo" else "model, defaults",
        )
        ax.set_title(f"Reliability over {len(cases)} real sessions")
        written += save_figure(fig, out / "reliability", formats=formats)
        fig, ax = plt.subplots(figsize=(7, 0.25 * len(cases) + 1.5))
        plot_cases(cases, column, ax=ax)
        written += save_figure(fig, out / "cases", formats=formats)
    return written


def format_report(result: Mapping[str, Any]) -> str:
    """The scores and the per-case table as text."""
    cases, scores = result["cases"], result["scores"]
    lines = [
        (
            f"{len(cases)} cases: {int(cases['adopted'].sum())} adopted at the session, "
            f"{int((1 - cases['adopted']).sum())} not"
        ),
        "",
        f"  {'forecaster':<58}{'Brier':>7}{'log loss':>10}{'class Brier':>13}",
    ]
    for _, row in scores.iterrows():
        lines.append(
            f"  {row['forecaster']:<58}{row['brier']:>7.3f}{row['log_loss']:>10.3f}{row['class_brier']:>13.3f}"
        )
    lines.append(f"\n  class accuracy (most likely outcome = recorded class), defaults: {result['class_accuracy']:.2f}")
    lines.append("")
    loo = "p_adopted_loo" in cases
    head = (
        f"  {'case':<20}{'recorded':<11}{'P(adopted)':>11}"
        + (f"{'LOO':>7}" if loo else "")
        + f"{'structural':>11}  most likely"
    )
    lines.append(head)
    for _, row in cases.iterrows():
        line = f"  {row['case']:<20}{row['recorded']:<11}{row[outcomes.ADOPTED.key]:>11.3f}"
        if loo:
            line += f"{row['p_adopted_loo']:>7.3f}"
        lines.append(line + f"{row['structural_rule']:>11.0f}  {row['most_likely']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="treatysim-backtest", description="Score the model's forecasts on a library of real sessions."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=LIBRARY,
        help="folder of case files (default: the bundled library, scenarios/history/)",
    )
    parser.add_argument("-n", "--replicates", type=int, default=500, help="replicates per case (default 500)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--grid", action="store_true", help="also score every setting of the global defaults' grid, with leave-one-out"
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default outputs/backtest/DATE_TIME)")
    parser.add_argument("--format", help="figure format(s): png (default), svg, pdf or several as svg,pdf")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"write the scores to {RECORD_FILE.relative_to(RECORD_FILE.parent.parent)} (what the "
        "test suite checks a model change against; commit it with the reason)",
    )
    args = parser.parse_args(argv)
    with command_boundary("treatysim-backtest"):
        from sim.analysis.plots import figure_formats

        formats = figure_formats(args.format)
        if args.replicates < 1 or not 0 <= args.seed < 2**63:
            raise ScenarioError("treatysim-backtest", [("", "replicates must be >= 1 and seed in [0, 2**63)")])
        cases = read_library(args.folder)
        result = run_backtest(cases, args.replicates, args.seed, grid=args.grid)
    print(format_report(result))
    out = args.out or Path("outputs") / "backtest" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    written = write_outputs(result, out, formats)
    if args.record:
        written.append(write_record(result, args.replicates, args.seed, args.grid))
    print(f"\nwritten: {', '.join(str(p) for p in written)}")
    return 0


#: The scores the test suite holds a model change to (tests/test_backtest.py): regenerated with ``--record``.
RECORD_FILE = Path(__file__).resolve().parent.parent / "docs" / "backtest_record.json"


def write_record(result: Mapping[str, Any], replicates: int, seed: int, grid: bool) -> Path:
    """The scores of this backtest as the repository's record (``docs/backtest_record.json``)."""
    from sim import __version__
    from sim.io import atomic_write_json

    scores = result["scores"].set_index("forecaster")
    record = {
        "replicates": replicates,
        "seed": seed,
        "grid": grid,
        "cases": len(result["cases"]),
        "treatysim": __version__,
        "date": datetime.now().strftime("%Y-%m-%d"),
        "brier": {k: round(float(v), 6) for k, v in scores["brier"].items()},
        "log_loss": {k: round(float(v), 6) for k, v in scores["log_loss"].items()},
        "class_brier": {k: round(float(v), 6) for k, v in scores["class_brier"].items()},
        "class_accuracy_defaults": round(float(result["class_accuracy"]), 6),
    }
    atomic_write_json(RECORD_FILE, record)
    return RECORD_FILE


def cli() -> None:
    sys.exit(main())


if __name__ == "__main__":
    cli()
