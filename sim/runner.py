"""One run, end to end, as a plain function: settings in; results, summary and figures written; summary out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.config import RunConfig
from sim.engine import simulate
from sim.io import atomic_write, atomic_write_json
from sim.loading import load_scenario, with_overrides
from sim.results import Results
from sim.scenario import Scenario

RESULTS_FILE = "results.csv"
SUMMARY_FILE = "summary.json"
FIGURES = ("outcome_shares.png", "policy_map.png")


def prepare_scenario(config: RunConfig) -> Scenario:
    """The scenario the run uses: the file (bundled name or path) with the command line's overrides applied."""
    scenario = load_scenario(config.scenario)
    return with_overrides(scenario, config.scenario_overrides(), source=f"overrides of {config.scenario}")


def run(config: RunConfig, output_dir: Path) -> dict[str, Any]:
    """Simulate, then write ``results.csv``, the figures and, last, ``summary.json`` (its presence marks a complete run)."""
    from analysis.stats import summarize

    scenario = prepare_scenario(config)
    results = simulate(scenario, config.replicates, config.seed, chunk_size=config.chunk_size)
    names = {d.id: d.name for d in scenario.delegations}
    summary = {"title": scenario.title, **summarize(results, names)}
    output_dir = Path(output_dir)
    (output_dir / SUMMARY_FILE).unlink(missing_ok=True)  # an older run's summary must not vouch for new files
    write_results_table(results, output_dir / RESULTS_FILE)
    if config.figures:
        write_figures(scenario, results, summary, output_dir)
    atomic_write_json(output_dir / SUMMARY_FILE, summary)
    return summary


def write_results_table(results: Results, path: Path) -> Path:
    """The tidy per-replicate table as CSV, written atomically."""
    frame = results.to_frame()
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))


def write_figures(scenario: Scenario, results: Results, summary: dict[str, Any], output_dir: Path) -> list[Path]:
    """``outcome_shares.png`` and ``policy_map.png`` (first two issues; one issue is drawn against itself)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from analysis.plots import plot_outcome_shares, plot_policy_map
    from sim.inputs import compile_setting

    setting = compile_setting(scenario)
    pick = [0, 1] if len(scenario.issues) > 1 else [0, 0]
    written = []
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_outcome_shares(summary, ax=ax)
    written.append(_save(fig, output_dir / FIGURES[0]))
    fig, ax = plt.subplots(figsize=(6.5, 6))
    labels = [scenario.issues[i].label for i in pick]
    show_names = list(setting.delegation_ids) if len(setting.delegation_ids) <= 40 else None
    plot_policy_map(setting.position[:, pick], setting.power, results.text[:, pick], results.outcome_labels(),
                    labels, show_names, ax=ax)
    written.append(_save(fig, output_dir / FIGURES[1]))
    del np
    return written


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return path
