"""One run, end to end, as a plain function: settings in; results, summary and figures written; summary out."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig
from sim.engine import simulate_chunks
from sim.errors import ScenarioError
from sim.io import atomic_write, atomic_write_json
from sim.loading import load_scenario, with_overrides
from sim.results import Results
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.tally import Tally

RESULTS_FILE = "results.csv"
SUMMARY_FILE = "summary.json"
CONFIG_FILE = "config.json"
log = logging.getLogger(__name__)
FIGURES = ("outcome_shares.png", "policy_map.png")


def prepare_scenario(config: RunConfig) -> Scenario:
    """The scenario the run uses: the file (bundled name or path) with the command line's overrides applied."""
    scenario = load_scenario(config.scenario)
    return with_overrides(scenario, config.scenario_overrides(), source=f"overrides of {config.scenario}")


def run(config: RunConfig, output_dir: Path, resume: bool = False) -> dict[str, Any]:
    """Simulate, then write ``config.json``, ``results.csv``, the figures and, last, ``summary.json`` (its presence
    marks a complete run). A folder that already holds this run's complete results is left as it is and its
    summary returned (see :func:`completed_summary`): finished results are never recomputed at the risk of losing
    them. A folder with another run's complete results is refused, except when ``resume`` (a sweep rerun with
    changed settings) says the job is to be run again."""
    scenario = prepare_scenario(config)
    record = run_record(config, scenario)
    output_dir = Path(output_dir)
    if (done := completed_summary(output_dir, record)) is not None:
        log.info("skipped: %s already holds the complete results of this run", output_dir)
        return done
    if not resume:
        refuse_other_results(output_dir, record)
    clear_previous_run(output_dir)
    atomic_write_json(output_dir / CONFIG_FILE, record)
    tally = simulate_into_table(scenario, config, output_dir / RESULTS_FILE)
    from analysis.stats import summary as summarize_tally

    from sim.assumptions import describe

    summary = {"title": scenario.title, **summarize_tally(tally, display_names(scenario)),
               "assumptions": describe(scenario)}
    if config.figures:
        write_figures(scenario, tally, summary, output_dir)
    atomic_write_json(output_dir / SUMMARY_FILE, summary)
    return summary


def display_names(scenario: Scenario) -> dict[str, str]:
    """How the report names delegations and blocs (:meth:`Scenario.display_names`)."""
    return scenario.display_names()


def refuse_other_results(output_dir: Path, record: dict[str, Any]) -> None:
    """A single run never writes over the complete results of a run with other settings (a :class:`ScenarioError`)."""
    if (output_dir / SUMMARY_FILE).exists():
        raise ScenarioError(str(output_dir), [("", ("already holds the complete results of a run with other settings; "
                                                    "choose another folder (hydra.run.dir=...) or remove it"))])


def clear_previous_run(output_dir: Path) -> None:
    """Remove an earlier, incomplete (or superseded) run's files, summary first, so no old file sits beside new ones."""
    for name in (SUMMARY_FILE, CONFIG_FILE, RESULTS_FILE, *FIGURES):
        (output_dir / name).unlink(missing_ok=True)


def run_record(config: RunConfig, scenario: Scenario) -> dict[str, Any]:
    """What ``config.json`` holds: the validated run settings and the effective scenario (name, content hash).

    The chunk size is left out: it changes no number, so a rerun with another one finds the same results complete.
    """
    digest = hashlib.sha256(scenario.model_dump_json().encode("utf-8")).hexdigest()
    run = config.model_dump(mode="json", exclude={"chunk_size"})
    return {"run": run, "scenario": {"name": scenario.name, "sha256": digest}}


def completed_summary(output_dir: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """The summary of a complete earlier run with the same ``record`` in ``output_dir``, else ``None``.

    Complete means ``summary.json`` (written last and atomically) is present and ``config.json`` equals ``record``:
    a half-written run has no summary, and a run of other settings has another record.
    """
    try:
        stored = json.loads((Path(output_dir) / CONFIG_FILE).read_text(encoding="utf-8"))
        summary = json.loads((Path(output_dir) / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if stored == json.loads(json.dumps(record)) else None


def chunks_with_progress(scenario: Scenario, config: RunConfig) -> Iterator[Results]:
    """:func:`sim.engine.simulate_chunks` under a progress bar on a terminal (silent otherwise, and for one chunk).

    The same numbers as ``simulate``: replicate k depends only on ``(seed, k)``, not on the chunking.
    """
    from tqdm import tqdm

    size, total = config.chunk_size, config.replicates
    chunks = simulate_chunks(scenario, total, config.seed, chunk_size=size)
    if total <= size:
        return chunks
    return iter(tqdm(chunks, total=-(-total // size), desc=f"{scenario.name}: chunks of {size:,} replicates",
                     unit="chunk", disable=None, leave=False))


def simulate_into_table(scenario: Scenario, config: RunConfig, path: Path) -> Tally:
    """Simulate chunk by chunk, appending each chunk's rows to the results table (written atomically) and to a
    :class:`~sim.tally.Tally`: memory stays bounded by a chunk, whatever the number of replicates."""
    from sim.tally import Tally

    tally: Tally | None = None

    def write(tmp: Path) -> None:
        nonlocal tally
        with open(tmp, "w", encoding="utf-8", newline="") as table:
            for part in chunks_with_progress(scenario, config):
                part.to_frame().to_csv(table, header=tally is None, index=False, float_format="%.6g")
                tally = (tally or Tally(part)).add(part)

    atomic_write(path, write)
    assert tally is not None  # replicates >= 1: at least one chunk
    return tally


#: The policy map draws at most this many final texts (the first replicates): more only blur into one cloud.
MAP_TEXTS = 20_000


def write_figures(scenario: Scenario, tally: Tally, summary: dict[str, Any], output_dir: Path) -> list[Path]:
    """``outcome_shares.png`` and ``policy_map.png`` (first two issues; one issue is drawn against itself)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.plots import plot_outcome_shares, plot_policy_map, save_figure
    from sim.inputs import compile_arrays

    arrays = compile_arrays(scenario)
    pick = [0, 1] if len(scenario.issues) > 1 else [0, 0]
    written = []
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_outcome_shares(summary, ax=ax)
    written.append(save_figure(fig, output_dir / FIGURES[0]))
    fig, ax = plt.subplots(figsize=(6.5, 6))
    labels = [scenario.issues[i].label for i in pick]
    show_names = list(arrays.delegation_ids) if len(arrays.delegation_ids) <= 40 else None
    shown = slice(0, MAP_TEXTS)
    plot_policy_map(arrays.position[:, pick], arrays.power, tally.text[shown][:, pick],
                    tally.outcome_labels()[shown], labels, show_names, ax=ax)
    written.append(save_figure(fig, output_dir / FIGURES[1]))
    return written

