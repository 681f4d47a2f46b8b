"""``treatysim-compare``: several scenarios side by side — one table and one figure.

::

    treatysim-compare uncc2024 uncc2024_feb bbnj2023      # bundled names or paths to .yaml files
    treatysim-compare                                     # every bundled scenario
    treatysim-compare uncc2024 uncc2024_no_vote -n 5000 --seed 7 --out outputs/compare

Every scenario runs with the same replicates and master seed. The table (printed, and written as
``comparison.csv``) has one row per scenario: P(consensus), P(vote), P(failed), P(adopted), each with its 95%
Wilson interval, P(in force) for scenarios with an entry-into-force rule, and the most likely outcome;
``comparison.png`` draws them (:func:`sim.analysis.plots.plot_scenario_comparison`).
A bad scenario name or file prints one line per problem and exits with code 2, before anything runs; Ctrl-C exits
with 130 (:func:`sim.errors.command_boundary`, as every command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sim import outcomes
from sim.analysis.report import format_estimate
from sim.errors import ScenarioError, command_boundary
from sim.inputs import DEFAULT_SEED

KEYS = outcomes.SUMMARY_KEYS
HEADERS = {row.key: f"P({row.name})" for row in outcomes.SUMMARY_ROWS}
TABLE_FILE, FIGURE_FILE = "comparison.csv", "comparison.png"
#: The most replicates per scenario, as for a run (``RunConfig.replicates``): a typo of a few zeros is refused.
MAX_REPLICATES = 100_000_000


def most_likely_outcome(summary: Mapping[str, Any]) -> str:
    """The outcome with the highest probability; outcomes tied for it are all named (``consensus or vote
    (tied)``), in the registry's order (:mod:`sim.outcomes`), rather than the first standing for them. Where the
    summary gives intervals and another outcome's interval reaches the most likely one's, that one is named too
    (``vote (consensus nearly as likely)``): the run cannot tell them apart at its replicates."""
    best = max(summary.get(o.key, 0.0) for o in outcomes.OUTCOMES)
    tied = [o.name for o in outcomes.OUTCOMES if summary.get(o.key, 0.0) == best]
    if len(tied) > 1:
        return " or ".join(tied) + " (tied)"
    intervals = summary.get("ci95") or {}
    top = next(o for o in outcomes.OUTCOMES if o.name == tied[0])
    if top.key not in intervals:
        return tied[0]
    low = intervals[top.key][0]
    close = [o.name for o in outcomes.OUTCOMES if o is not top and o.key in intervals and intervals[o.key][1] >= low]
    return tied[0] + (f" ({' and '.join(close)} nearly as likely)" if close else "")


def compare(names: Sequence[str], replicates: int, seed: int) -> list[dict[str, Any]]:
    """Load every scenario first (so a bad name fails before any run), then simulate and summarise each, naming
    delegations and blocs as every report does (:meth:`sim.scenario.Scenario.display_names`). Each summary's
    ``scenario`` is the scenario's name, unless two files given share it (``good.yaml`` and ``other/good.yaml``, both
    ``name: good``): then each is named as given, and its ``title`` says which file it is, so that the table and the
    figure never show two scenarios under one label (:func:`sim.analysis.sweep_jobs.distinct_labels`)."""
    from sim.analysis.stats import summarize
    from sim.analysis.sweep_jobs import distinct_labels
    from sim.engine import simulate
    from sim.loading import load_scenario

    scenarios = [load_scenario(name) for name in names]
    labels = distinct_labels([(s.name, str(name)) for s, name in zip(scenarios, names)])
    summaries = []
    for s, label in zip(scenarios, labels):
        summary = {"title": s.title, **summarize(simulate(s, replicates, seed), s.display_names())}
        if label != s.name:
            summary.update(scenario=label, title=f"{s.title} ({label})" if s.title else label)
        summaries.append(summary)
    return summaries


def comparison_rows(summaries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The comparison table as plain rows: scenario, each probability with its interval, the most likely outcome."""
    rows = []
    for s in summaries:
        row: dict[str, Any] = {"scenario": s["scenario"], "replicates": s["replicates"], "seed": s["seed"]}
        for key in KEYS:
            row[key], (row[f"{key}_low"], row[f"{key}_high"]) = s[key], s["ci95"][key]
        if "p_in_force" in s:  # with an entry-into-force rule: P(in force within the horizon), as the report gives it
            row["p_in_force"], (row["p_in_force_low"], row["p_in_force_high"]) = s["p_in_force"], s["ci95_in_force"]
        for pid, provision in (s.get("provisions") or {}).items():  # with provisions: P(kept), as the report gives it
            key = f"p_kept.{pid}"
            row[key], (row[f"{key}_low"], row[f"{key}_high"]) = provision["p_kept"], provision["ci95_kept"]
        row["most_likely"] = most_likely_outcome(s)
        rows.append(row)
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as an aligned text table, each probability followed by its 95% interval."""
    width = max([len("scenario")] + [len(str(r["scenario"])) for r in rows])
    cell = 25  # the widest cell, "<0.001 [<0.001, <0.001]", and two spaces (rounding: sim.analysis.report)
    kept = list(dict.fromkeys(k for r in rows for k in r if k.startswith("p_kept.") and k[-4:] not in ("_low", "high")))
    keys = [*KEYS, *(["p_in_force"] if any("p_in_force" in r for r in rows) else []), *kept]
    headers = {**HEADERS, "p_in_force": "P(in force)", **{k: f"P(kept {k[len('p_kept.') :]})" for k in kept}}
    head = f"{'scenario':<{width}}  " + "".join(f"{headers[k]:<{cell}}" for k in keys) + "most likely"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = "".join(
            (
                format_estimate(r[k], (r[k + "_low"], r[k + "_high"]))
                if k in r
                else "no provision"
                if k.startswith("p_kept.")
                else "no rule"
            ).ljust(cell)
            for k in keys
        )
        lines.append(f"{r['scenario']!s:<{width}}  {cells}{r['most_likely']}")
    replicates = {r["replicates"] for r in rows}
    seeds = {r["seed"] for r in rows}
    lines.append(
        f"({', '.join(map(str, replicates))} replicates each, seed {', '.join(map(str, seeds))}; "
        "[low, high] = 95% Wilson interval)"
    )
    return "\n".join(lines)


def write_outputs(
    rows: Sequence[Mapping[str, Any]],
    summaries: Sequence[Mapping[str, Any]],
    out: Path,
    figure: bool,
    formats: Sequence[str] = ("png",),
) -> list[Path]:
    """``comparison.csv`` and (unless ``figure`` is false) the figure ``comparison`` in each of ``formats`` in
    ``out``, written atomically."""
    import pandas as pd

    from sim.io import atomic_write

    frame = pd.DataFrame(list(rows))
    written = [atomic_write(out / TABLE_FILE, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))]
    if figure:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from sim.analysis.plots import figure_style, plot_scenario_comparison, save_figure

        with figure_style():
            fig, ax = plt.subplots(figsize=(8, 0.6 * len(summaries) + 1.6))
            plot_scenario_comparison(summaries, ax=ax)
            written += save_figure(fig, out / FIGURE_FILE, dpi=120, formats=formats)
    return written


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from sim import __version__

    parser = argparse.ArgumentParser(prog="treatysim-compare", description="Compare scenarios: one table, one figure.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("scenarios", nargs="*", help="bundled scenario names or .yaml paths (default: all bundled)")
    parser.add_argument("-n", "--replicates", type=int, default=2000, help="replicates per scenario (default 2000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"master seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default outputs/compare/DATE_TIME)")
    parser.add_argument("--no-figure", action="store_true", help="write the table only")
    parser.add_argument("--format", help="figure format(s): png (default), svg, pdf or several as svg,pdf")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns 0. Bad input prints one line per problem on stderr and exits with code 2,
    Ctrl-C exits with 130 (:func:`sim.errors.command_boundary`)."""
    from sim.loading import available_scenarios

    args = parse_args(argv)
    names = args.scenarios or available_scenarios()
    out = args.out or Path("outputs") / "compare" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    with command_boundary("treatysim-compare"):
        from sim.analysis.plots import figure_formats

        formats = figure_formats(args.format)
        if not 1 <= args.replicates <= MAX_REPLICATES or not 0 <= args.seed < 2**63:
            raise ScenarioError(
                "treatysim-compare",
                [
                    (
                        "",
                        (
                            f"replicates must be 1 to {MAX_REPLICATES:,} (as for "
                            "`treatysim replicates=`) and seed in [0, 2**63)"
                        ),
                    )
                ],
            )
        summaries = compare(names, args.replicates, args.seed)
        rows = comparison_rows(summaries)
        print(format_table(rows))
        written = write_outputs(rows, summaries, out, figure=not args.no_figure, formats=formats)
        print(f"\nwritten: {', '.join(str(p) for p in written)}")
    return 0


def cli() -> None:
    sys.exit(main())


if __name__ == "__main__":
    cli()
