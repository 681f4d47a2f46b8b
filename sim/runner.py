"""One run, end to end, as a plain function: settings in; results, summary and figures written; summary out."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.analysis.plots import FIGURE_FORMATS
from sim.config import RunConfig
from sim.engine import simulate_chunks
from sim.errors import ScenarioError
from sim.io import (
    FINGERPRINT_KEY,
    DigestWriter,
    atomic_write,
    atomic_write_json,
    remove_stale_temporaries,
    table_damage,
)
from sim.loading import load_scenario, with_overrides
from sim.results import Results
from sim.scenario import Scenario
from sim.tally import HEAD

if TYPE_CHECKING:
    from sim.tally import Tally

RESULTS_FILE = "results.csv"
SUMMARY_FILE = "summary.json"
CONFIG_FILE = "config.json"
#: The key of ``summary.json`` that fingerprints ``results.csv``: ``{"rows": N, "sha256": HEX}`` (rows of data,
#: without the header line; the SHA-256 of the file's bytes, computed while the table was streamed to disk).
RESULTS_RECORD = FINGERPRINT_KEY
log = logging.getLogger(__name__)
#: The figures of a run (the last with an entry-into-force rule), each written in every format of ``figures.format``.
FIGURE_NAMES = ("outcome_shares", "policy_map", "ratification")
FIGURES = tuple(f"{name}.{fmt}" for name in FIGURE_NAMES for fmt in FIGURE_FORMATS)  # every file a figure may be


def prepare_scenario(config: RunConfig, loaded: Scenario | None = None) -> Scenario:
    """The scenario the run uses: the file (bundled name or path) with the command line's overrides applied.
    ``loaded``: the file's scenario, already loaded (a sweep's check loads each file once)."""
    scenario = load_scenario(config.scenario) if loaded is None else loaded
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
    check_output_dir(output_dir)
    if (done := completed_summary(output_dir, record)) is not None:
        log.info("skipped: %s already holds the complete results of this run", output_dir)
        return done
    same = same_record(output_dir, record)
    damage = (summary_damage(output_dir) or results_damage(output_dir)) if same else None
    if damage is not None:  # this run's own results, damaged since: run it again rather than refuse the folder
        log.warning("%s: %s; running it again", output_dir, damage)
    elif not resume:
        refuse_other_results(output_dir, record)
    try:
        return write_run(scenario, config, record, output_dir)
    except OSError as exc:
        raise write_error(output_dir, exc) from None


def write_run(scenario: Scenario, config: RunConfig, record: dict[str, Any], output_dir: Path) -> dict[str, Any]:
    """Clear an earlier run's files, then write ``config.json``, ``results.csv``, the figures and, last,
    ``summary.json`` (with the fingerprint of ``results.csv``)."""
    clear_previous_run(output_dir)
    atomic_write_json(output_dir / CONFIG_FILE, record)
    tally, fingerprint = simulate_into_table(scenario, config, output_dir / RESULTS_FILE)
    from sim.analysis.stats import summary as summarize_tally
    from sim.assumptions import describe

    summary = with_scenario_facts(
        {
            "title": scenario.title,
            **summarize_tally(tally, scenario.display_names()),
            "assumptions": describe(scenario),
            RESULTS_RECORD: fingerprint,
        },
        scenario,
    )
    if config.figures.enabled:
        write_figures(scenario, tally, summary, output_dir, config.figures.format, config.figures.labels)
    atomic_write_json(output_dir / SUMMARY_FILE, summary)
    return summary


def with_scenario_facts(summary: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The summary with what the scenario says beside the statistics: the model's global settings in force
    (``behaviour``), each provision's label, and the entry-into-force rule (``entry_into_force``: threshold,
    lag_days, horizon_years) the P(in force) is under."""
    summary["behaviour"] = scenario.behaviour.model_dump()
    for provision in scenario.provisions:
        if provision.id in summary.get("provisions", {}):
            summary["provisions"][provision.id]["label"] = provision.label
    if scenario.ratification is not None:
        summary["entry_into_force"] = scenario.ratification.model_dump()
    return summary


#: The files of a run, each of which must be a file (or absent) in the run folder.
RUN_FILES = (SUMMARY_FILE, CONFIG_FILE, RESULTS_FILE, *FIGURES)


def check_output_dir(output_dir: Path) -> None:
    """The run folder must be a folder (or not exist yet, under folders), and a run's file names in it files:
    a :class:`ScenarioError` in one sentence otherwise (never a traceback)."""
    for parent in (output_dir, *output_dir.parents):
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == output_dir else f"lies under {parent}, which is a file"
            raise ScenarioError(
                str(output_dir),
                [("", (f"the run folder {what}, not a folder; choose another one (hydra.run.dir=...)"))],
            )
        if parent.exists():
            break
    for name in RUN_FILES:
        if (output_dir / name).is_dir():
            raise ScenarioError(
                str(output_dir),
                [
                    (
                        "",
                        (
                            f"holds a folder named {name} where the run writes that "
                            "file; remove or rename it, or choose another folder"
                        ),
                    )
                ],
            )


def write_error(output_dir: Path, exc: OSError) -> ScenarioError:
    """An operating-system error while writing the run, as one sentence. Disk full: whatever this run wrote is
    removed (so nothing incomplete is left; ``summary.json``, written last, was never written)."""
    where = exc.filename or output_dir
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            clear_previous_run(output_dir)
        except OSError:
            pass
        why = (
            f"the disk is full (no space left on device) while writing {where}; the incomplete run was removed: "
            "free some space or choose another folder, then run again"
        )
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = f"no permission to write {where}; choose another folder (hydra.run.dir=...) or change its permissions"
    elif exc.errno == errno.EROFS:
        why = f"{where} is on a read-only file system; choose another folder (hydra.run.dir=...)"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        why = f"cannot make the run folder: {where} is not a folder; choose another one (hydra.run.dir=...)"
    elif exc.errno == errno.EISDIR:
        why = f"{where} is a folder where the run writes a file; remove or rename it"
    else:
        why = f"cannot write the run: {exc.strerror or exc} ({where})"
    return ScenarioError(str(output_dir), [("", why)])


def summary_damage(output_dir: Path) -> str | None:
    """What is wrong with ``summary.json`` when it is there but cannot be read as a summary (cut short, edited,
    unreadable), else ``None`` (also when it is missing: a run that did not finish)."""
    path = Path(output_dir) / SUMMARY_FILE
    if not path.exists() or read_summary(output_dir) is not None:
        return None
    return f"{SUMMARY_FILE} is damaged (not a complete summary: cut short, edited or unreadable)"


def refuse_other_results(output_dir: Path, record: dict[str, Any]) -> None:
    """A single run never writes over the complete results of a run with other settings (a :class:`ScenarioError`),
    nor over a run whose summary or settings (``config.json``) are damaged: the message says which."""
    summary_path = output_dir / SUMMARY_FILE
    if not summary_path.exists():
        return
    try:
        json.loads((output_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        config_damaged = False
    except FileNotFoundError:
        config_damaged = False
    except (OSError, ValueError):
        config_damaged = True
    if config_damaged:
        what = "a run whose config.json (its settings) is damaged, so whether it is this run cannot be told"
    elif summary_damage(output_dir) is not None:
        what = "a run with other settings whose summary.json is damaged (cut short, edited or unreadable)"
    else:
        what = "the complete results of a run with other settings"
    why = f"already holds {what}; choose another folder (hydra.run.dir=...) or remove it"
    raise ScenarioError(str(output_dir), [("", why)])


def clear_previous_run(output_dir: Path) -> None:
    """Remove an earlier, incomplete (or superseded) run's files, summary first, so no old file sits beside new ones,
    and the temporary files a killed run (SIGKILL) left behind (only names of :func:`sim.io.atomic_write`'s pattern
    for a run's own files)."""
    for name in RUN_FILES:
        (output_dir / name).unlink(missing_ok=True)
    if output_dir.is_dir():
        remove_stale_temporaries(output_dir, RUN_FILES)


def run_record(config: RunConfig, scenario: Scenario) -> dict[str, Any]:
    """What ``config.json`` holds: the validated run settings and the effective scenario (name, content hash).

    The chunk size is left out: it changes no number, so a rerun with another one finds the same results complete.
    """
    digest = hashlib.sha256(scenario.model_dump_json().encode("utf-8")).hexdigest()
    run = config.model_dump(mode="json", exclude={"chunk_size"})
    return {"run": run, "scenario": {"name": scenario.name, "sha256": digest}}


def completed_summary(output_dir: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """The summary of a complete earlier run with the same ``record`` in ``output_dir``, else ``None``.

    Complete means ``summary.json`` (written last and atomically) is present, ``config.json`` equals ``record`` and
    ``results.csv`` is still the table the summary was computed from (its row count and SHA-256, recorded in the
    summary, match): a half-written run has no summary, a run of other settings has another record, and a table
    deleted or cut since is caught (:func:`results_damage`).
    """
    summary = read_summary(output_dir)
    if summary is None or not same_record(output_dir, record):
        return None
    return summary if results_damage(output_dir, summary) is None else None


def read_summary(output_dir: Path) -> dict[str, Any] | None:
    """``summary.json`` of ``output_dir`` as a mapping, or ``None`` when it is missing or unreadable."""
    try:
        summary = json.loads((Path(output_dir) / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def same_record(output_dir: Path, record: dict[str, Any]) -> bool:
    """Whether ``config.json`` in ``output_dir`` is ``record`` (the same validated settings and scenario)."""
    try:
        stored = json.loads((Path(output_dir) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stored == json.loads(json.dumps(record))


def results_damage(output_dir: Path, summary: dict[str, Any] | None = None) -> str | None:
    """What is wrong with ``results.csv`` against the fingerprint in ``summary.json`` (missing, a row count or a
    SHA-256 that differs), or ``None`` when it is intact, or when there is no summary to compare with. A summary
    written before fingerprints were recorded (no ``results_csv`` key) only needs the table to exist."""
    summary = read_summary(output_dir) if summary is None else summary
    if summary is None:
        return None
    return table_damage(Path(output_dir) / RESULTS_FILE, summary.get(RESULTS_RECORD))


def chunks_with_progress(scenario: Scenario, config: RunConfig) -> Iterator[Results]:
    """:func:`sim.engine.simulate_chunks` under a progress bar on a terminal (silent otherwise, and for one chunk).

    The same numbers as ``simulate``: replicate k depends only on ``(seed, k)``, not on the chunking.
    """
    import threading

    from tqdm import tqdm

    if not hasattr(tqdm, "_lock"):  # a thread lock, not tqdm's default, which adds a process-shared semaphore: a
        tqdm.set_lock(threading.RLock())  # sweep worker stopped by Ctrl-C left it behind ("leaked semaphore")
    size, total = config.chunk_size, config.replicates
    chunks = simulate_chunks(scenario, total, config.seed, chunk_size=size)
    if total <= size:
        return chunks
    return iter(
        tqdm(
            chunks,
            total=-(-total // size),
            desc=f"{scenario.name}: chunks of {size:,} replicates",
            unit="chunk",
            disable=None,
            leave=False,
        )
    )


def simulate_into_table(scenario: Scenario, config: RunConfig, path: Path) -> tuple[Tally, dict[str, Any]]:
    """Simulate chunk by chunk, appending each chunk's rows to the results table (written atomically) and to a
    :class:`~sim.tally.Tally`: memory stays bounded by a chunk and the tally's block, whatever the number of
    replicates. Also returns the
    table's fingerprint, ``{"rows": N, "sha256": HEX}``, computed from the bytes as they are written."""
    from sim.tally import Tally

    tally: Tally | None = None
    fingerprint: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        nonlocal tally
        rows = 0
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            table = DigestWriter(handle)
            for part in chunks_with_progress(scenario, config):
                frame = part.to_frame()
                frame.to_csv(table, header=tally is None, index=False, float_format="%.6g")
                rows += len(frame)
                tally = (tally or Tally(part)).add(part)
        fingerprint.update(rows=rows, sha256=table.sha256.hexdigest())

    atomic_write(path, write)
    assert tally is not None  # replicates >= 1: at least one chunk
    return tally, fingerprint


#: The policy map draws at most this many final texts (the first replicates, which the tally keeps): more only
#: blur into one cloud.
MAP_TEXTS = HEAD


def write_figures(
    scenario: Scenario,
    tally: Tally,
    summary: dict[str, Any],
    output_dir: Path,
    formats: tuple[str, ...] = ("png",),
    labels: dict[str, str] | None = None,
) -> list[Path]:
    """``outcome_shares``, ``policy_map`` (the first two issues; a one-issue scenario's along its one issue) and,
    where the scenario has an entry-into-force rule, ``ratification`` (the ratification curve), each in every format
    of ``formats``, in the one figure style (:func:`sim.analysis.plots.figure_style`); axes name the issues by their
    labels and the meanings of their ends, titles the scenario by its title (``labels``: the user's own names, by id)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.labels import issue_axis_label, scenario_label
    from sim.analysis.plots import (
        figure_style,
        plot_outcome_shares,
        plot_policy_map,
        plot_ratification_curve,
        save_figure,
    )
    from sim.inputs import compile_arrays

    labels = labels or {}
    arrays = compile_arrays(scenario)
    pick = [0, 1] if len(scenario.issues) > 1 else [0]
    title = scenario_label(scenario.name, scenario.title, labels, width=60)
    written: list[Path] = []
    with figure_style():
        fig, ax = plt.subplots(figsize=(6, 4))
        plot_outcome_shares(summary, ax=ax, title=title)
        written += save_figure(fig, output_dir / FIGURE_NAMES[0], formats=formats)
        fig, ax = plt.subplots(figsize=(8, 6) if len(pick) == 2 else (8, 4.5))
        issues = [scenario.issues[i] for i in pick]
        axis_labels = [issue_axis_label(labels.get(i.id, i.label), i.low, i.high) for i in issues]
        show_names = list(arrays.delegation_ids) if len(arrays.delegation_ids) <= 40 else None
        shown = slice(0, MAP_TEXTS)
        plot_policy_map(
            arrays.position[:, pick],
            arrays.power,
            tally.head("text")[shown][:, pick],
            tally.outcome_labels()[shown],
            axis_labels,
            show_names,
            ax=ax,
        )
        ax.set_title(f"{title}\n{ax.get_title()}")
        written += save_figure(fig, output_dir / FIGURE_NAMES[1], formats=formats)
        if summary.get("ratification_curve"):
            fig, ax = plt.subplots(figsize=(7, 4))
            plot_ratification_curve(summary["ratification_curve"], scenario.ratification.threshold, ax=ax)
            ax.set_title(f"{title}\nratifications after adoption (P in force {summary['p_in_force']:.2f})")
            written += save_figure(fig, output_dir / FIGURE_NAMES[2], formats=formats)
    return written
