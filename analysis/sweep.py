"""Sweeps read back: the jobs of a Hydra multirun directory, the ``treatysim-aggregate`` command that turns them into
tables and figures, and the progress line a sweep prints.

``treatysim -m ...`` writes one folder per job under the sweep directory, each with ``config.json`` (the validated
run settings and the effective scenario), ``results.csv`` (one row per replicate), figures, ``.hydra/overrides.yaml``
and, last and atomically, ``summary.json``: a job without it is incomplete and is left out (rerun the sweep to
complete it). A *swept parameter* is a run setting (``procedure.rounds``, ``chair.strategy``, ...) that was
overridden for a job or that differs between jobs; each one becomes a column.

The jobs are read by :mod:`sim.analysis.sweep_jobs`, the tables are in :mod:`sim.analysis.sweep_tables`, their
statistics in :mod:`sim.analysis.sweep_stats` and the figures in :mod:`sim.analysis.sweep_plots`; this module stays
light because Hydra imports it for :class:`SweepProgress` on every run (``conf/config.yaml``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from sim.analysis.sweep_jobs import (
    FIXED,
    NOT_PARAMETERS,
    Job,
    damaged_line,
    flatten,
    job_dirs,
    read_job,
    read_sweep,
    swept_parameters,
    write_job_map,
)
from sim.errors import command_boundary

__all__ = [
    "FIXED",
    "NOT_PARAMETERS",
    "Job",
    "JobMap",
    "RunFolderCheck",
    "SweepProgress",
    "flatten",
    "job_dirs",
    "main",
    "planned_jobs",
    "read_job",
    "read_sweep",
    "sweep_overrides",
    "swept_parameters",
]


class RunFolderCheck(Callback):
    """Hydra callback (``conf/config.yaml``): before Hydra makes the run folder (``hydra.run.dir``) or a sweep's
    (``hydra.sweep.dir``), check that it can be one (:func:`sim.io.folder_problem`, then make it); if not, say why in
    one line and exit with code 2. Hydra itself would fail with a traceback, which ``treatysim`` would then read as a
    command line Hydra could not read."""

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        self.check("hydra.run.dir", config.hydra.run.dir)

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        self.check("hydra.sweep.dir", config.hydra.sweep.dir)

    @staticmethod
    def check(key: str, value: object) -> None:
        from sim.errors import EXIT_USAGE
        from sim.io import folder_problem

        folder = Path(str(value))
        why = folder_problem(folder) if str(value).strip() else "is empty (it would be the current folder)"
        if why is None:
            try:  # what Hydra does next: an error here is said in one line, not as Hydra's traceback
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                why = f"cannot be made: {exc.strerror or exc}"
        if why is not None:
            print(f"treatysim: the run folder {value} ({key}) {why}; choose another one ({key}=...)", file=sys.stderr)
            sys.exit(EXIT_USAGE)


class JobMap(Callback):
    """Hydra callback (``conf/config.yaml``): after each job of a sweep and at its end, ``SWEEP_DIR/jobs.csv`` maps
    each job's folder to its overrides (:func:`sim.analysis.sweep_jobs.write_job_map`). Hydra numbers the folders
    rather than naming them by their overrides, which could be long, and would change the folders a rerun resumes."""

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        from hydra.types import RunMode

        if config.hydra.mode == RunMode.MULTIRUN:
            self.write(config)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        self.write(config)

    @staticmethod
    def write(config: Any) -> None:
        from sim.analysis.sweep_jobs import write_job_map

        try:
            write_job_map(Path(str(config.hydra.sweep.dir)))
        except OSError as exc:  # the map is a convenience: a sweep never fails for it
            print(f"treatysim: could not write the sweep's jobs.csv: {exc.strerror or exc}", file=sys.stderr)


class SweepProgress(Callback):
    """Hydra callback: after each job of a sweep, on a terminal, a progress line (jobs complete of the sweep's
    jobs, elapsed, rate, time left); silent when standard error is not a terminal.

    Jobs complete are counted from the sweep's folders (``summary.json``), not from ``on_job_end``'s ``JobReturn``:
    a rerun sweep skips the jobs an earlier, interrupted run completed, and those count too."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.started = time.time()

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        self.started = time.time()
        self.total = planned_jobs(config)

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        from hydra.types import RunMode
        from tqdm import tqdm

        if config.hydra.mode != RunMode.MULTIRUN or not sys.stderr.isatty():
            return
        sweep_dir = Path(config.hydra.sweep.dir)
        done = sum((p / "summary.json").is_file() for p in job_dirs(sweep_dir)) if sweep_dir.is_dir() else 0
        meter = tqdm.format_meter(done, self.total, time.time() - self.started, prefix="sweep", unit="job")
        print(meter, file=sys.stderr, flush=True)


def planned_jobs(config: Any) -> int | None:
    """How many jobs the basic sweeper makes of ``hydra.sweeper.params`` and the command line, or ``None`` for
    another sweeper (or a sweep it cannot run): the product over the keys of their number of values, a key given
    twice counting once with its last values, as Hydra's ``BasicSweeper`` does.

    Counted with Hydra's public override parser (``hydra.core.override_parser``) rather than ``BasicSweeper``'s own
    ``split_arguments``, which lives in ``hydra._internal`` and may change without notice; the callback API itself
    (``Callback.on_multirun_start``) is not told the number of jobs. ``tests/test_sweep_progress.py`` checks that the
    count equals ``BasicSweeper``'s.
    """
    import math

    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    values: dict[str, int] = {}
    for override in OverridesParser.create().parse_overrides(sweep_overrides(config)):
        if override.is_sweep_override() and not override.is_discrete_sweep():
            return None  # an interval sweep: the basic sweeper refuses it
        count = len(list(override.sweep_string_iterator())) if override.is_sweep_override() else 1
        values[override.get_key_element()] = count  # a key given again: its last values
    return math.prod(values.values())


def sweep_overrides(config: Any) -> list[str]:
    """What the basic sweeper makes its jobs of: ``hydra.sweeper.params`` (an experiment's) then the command line's
    overrides, as ``key=value`` strings (a key given again: its last values win)."""
    params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
    return params + list(config.hydra.overrides.task)


def main(argv: list[str] | None = None) -> None:
    """``treatysim-aggregate SWEEP_DIR``: the sweep's tables (Parquet and CSV) and, unless ``--no-figures``,
    its figures, into ``SWEEP_DIR/aggregate`` (or ``--out``), then one line per job left out, damaged or incomplete.
    Scenarios are told apart by the file each job was given, not only by their names (two files named alike are two
    scenarios: :func:`sim.analysis.sweep_jobs.told_apart`). A single run's folder is not a sweep: one line says so
    and nothing is written. Bad input prints one line per problem and exits with code 2, Ctrl-C exits with 130
    (:func:`sim.errors.command_boundary`, as every command)."""
    parser = argparse.ArgumentParser(
        prog="treatysim-aggregate",
        description="Aggregate a sweep: its tables (Parquet and CSV) and, unless --no-figures, its figures, "
        "into SWEEP_DIR/aggregate (or --out).",
    )
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir) written by treatysim -m")
    parser.add_argument("--out", type=Path, help="where to write (default: SWEEP_DIR/aggregate)")
    parser.add_argument("--no-figures", action="store_true", help="write the tables only")
    parser.add_argument("--format", help="figure format(s): png, svg, pdf or several as svg,pdf (default: the sweep's)")
    args = parser.parse_args(argv)
    with command_boundary("treatysim-aggregate"):
        from sim.analysis.plots import figure_formats
        from sim.analysis.sweep_plots import write_figures
        from sim.analysis.sweep_tables import write_tables

        formats = figure_formats(args.format) if args.format else None
        damaged: dict[Path, str] = {}
        jobs, left_out = read_sweep(args.sweep_dir, damaged=damaged)
        out = args.out or args.sweep_dir / "aggregate"
        written = write_tables(jobs, out) + ([] if args.no_figures else write_figures(jobs, out, formats))
        written.append(write_job_map(args.sweep_dir))
        scenarios = len({job.summary["scenario"] for job in jobs})
        swept = (["scenario"] if scenarios > 1 else []) + swept_parameters(jobs)
        print(f"{len(jobs)} complete job{'' if len(jobs) == 1 else 's'}, swept: {', '.join(swept) or 'nothing'}")
        for path in left_out:
            if path in damaged:
                print(f"  {damaged_line(path, damaged[path])}", file=sys.stderr)
            else:
                print(f"  left out (incomplete; rerun the sweep to complete it): {path}", file=sys.stderr)
        print("\n".join(f"  wrote {p}" for p in written))


if __name__ == "__main__":
    main()
