"""Sweeps read back: a Hydra multirun directory turned into one tidy table, the statistics the sweep figures show,
and the ``treatysim-aggregate`` command that writes both.

``treatysim -m ...`` writes one folder per job under the sweep directory, each with ``config.json`` (the validated
run settings and the effective scenario), ``results.csv`` (one row per replicate), figures, ``.hydra/overrides.yaml``
and, last and atomically, ``summary.json``: a job without it is incomplete and is left out (rerun the sweep to
complete it). A *swept parameter* is a run setting (``procedure.rounds``, ``chair.strategy``, ...) that was
overridden for a job or that differs between jobs; each one becomes a column.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.experimental.callback import Callback

from analysis.stats import wilson_interval
from sim import outcomes
from sim.errors import EXIT_USAGE, ScenarioError
from sim.results import rule_names

if TYPE_CHECKING:
    import pandas as pd

PROBABILITIES = outcomes.SUMMARY_KEYS
FIXED = ("job", "scenario", "replicates", "seed")
NOT_PARAMETERS = ("figures", "chunk_size")  # settings that do not change the results


@dataclass(frozen=True)
class Job:
    """One complete job of a sweep: its folder, its flattened run settings, its overrides and its summary."""

    name: str
    path: Path
    settings: dict[str, Any]
    overrides: tuple[str, ...]
    summary: dict[str, Any]


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys: ``{"procedure": {"rounds": 5}}`` → ``{"procedure.rounds": 5}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        out.update(flatten(value, f"{name}.") if isinstance(value, Mapping) and value else {name: value})
    return out


def _natural(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.as_posix())]


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Every job folder under ``sweep_dir`` (a folder with Hydra's ``.hydra/`` record), in job order."""
    found = {p.parent for p in Path(sweep_dir).rglob(".hydra") if p.is_dir()}
    return sorted(found, key=lambda p: _natural(p.relative_to(sweep_dir)))


def read_job(path: Path, sweep_dir: Path) -> Job | None:
    """The job in ``path``, or ``None`` when it is incomplete (no ``summary.json`` or no ``config.json``)."""
    import yaml

    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        record = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    overrides_file = path / ".hydra" / "overrides.yaml"
    overrides = yaml.safe_load(overrides_file.read_text(encoding="utf-8")) if overrides_file.is_file() else []
    name = path.relative_to(sweep_dir).as_posix() if path != sweep_dir else "."
    return Job(name, path, flatten(record["run"]), tuple(overrides or ()), summary)


def read_sweep(sweep_dir: Path) -> tuple[list[Job], list[Path]]:
    """The complete jobs of a sweep and the folders of the incomplete ones; a :class:`ScenarioError` if none."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise ScenarioError(str(sweep_dir), [("", "no such sweep directory")])
    jobs, incomplete = [], []
    for path in job_dirs(sweep_dir):
        job = read_job(path, sweep_dir)
        (jobs.append(job) if job else incomplete.append(path))
    if not jobs:
        raise ScenarioError(str(sweep_dir), [("", f"no complete job found ({len(incomplete)} incomplete); "
                                                  "expected folders with summary.json written by `treatysim -m`")])
    return jobs, incomplete


def swept_parameters(jobs: list[Job]) -> list[str]:
    """Run settings overridden for some job or differing between jobs, in settings order (``job``-level keys
    ``scenario``, ``replicates`` and ``seed`` are columns anyway and are left out)."""
    keys = list(jobs[0].settings)
    named = {o.split("=", 1)[0].lstrip("+~") for job in jobs for o in job.overrides}
    varying = {k for k in keys if len({json.dumps(j.settings.get(k), sort_keys=True) for j in jobs}) > 1}
    chosen = [k for k in keys if (k in varying or any(k == n or k.startswith(n + ".") for n in named))]
    return [k for k in chosen if k not in FIXED + NOT_PARAMETERS]


def _job_columns(job: Job, swept: list[str]) -> dict[str, Any]:
    return {"job": job.name, **{k: job.settings.get(k) for k in swept}}


def summary_table(jobs: list[Job]) -> pd.DataFrame:
    """A row per job × outcome statistic: ``job``, the swept parameters, ``scenario``, ``replicates``, ``seed``,
    the rules in force, ``statistic``, ``value``, ``ci95_low``, ``ci95_high`` (NaN where no interval applies)."""
    import pandas as pd

    swept = swept_parameters(jobs)
    rows = []
    for job in jobs:
        s = job.summary
        base = {**_job_columns(job, swept), **{k: s[k] for k in ("scenario", "replicates", "seed")},
                **{k: s.get(k) for k in rule_names()}}
        stats = [(k, s[k], *s["ci95"][k]) for k in PROBABILITIES]
        stats += [(k, s.get(k), None, None) for k in ("rounds_median", "consensus_round_median")]
        stats += [(f"final_text_mean.{i}", v, None, None) for i, v in s["final_text_mean"].items()]
        rows += [{**base, "statistic": k, "value": v, "ci95_low": lo, "ci95_high": hi} for k, v, lo, hi in stats]
    frame = pd.DataFrame(rows)
    return frame.astype({"value": float, "ci95_low": float, "ci95_high": float})


def replicate_table(jobs: list[Job]) -> pd.DataFrame:
    """Every job's ``results.csv`` stacked: ``job`` and the swept parameters, then the per-replicate columns."""
    import pandas as pd

    swept = swept_parameters(jobs)
    parts = []
    for job in jobs:
        frame = pd.read_csv(job.path / "results.csv", keep_default_na=False, na_values=[""])
        frame["blockers"] = frame["blockers"].fillna("").astype(str)
        extra = pd.DataFrame({k: [v] * len(frame) for k, v in _job_columns(job, swept).items()})
        parts.append(pd.concat([extra, frame], axis=1))
    return pd.concat(parts, ignore_index=True)


def adoption_by(table: pd.DataFrame, parameter: str, statistic: str = "p_adopted") -> pd.DataFrame:
    """P(``statistic``) per scenario and value of ``parameter``, pooled over the other swept parameters, with a
    Wilson 95% interval on the pooled counts: ``scenario``, ``parameter``, ``successes``, ``trials``, ``p``, ``low``,
    ``high``."""
    import pandas as pd

    rows = table[table["statistic"] == statistic].copy()
    rows["successes"] = (rows["value"] * rows["replicates"]).round().astype(int)
    rows[parameter] = rows[parameter].astype(str)  # None, numbers and names alike group and sort as labels
    pooled = rows.groupby(["scenario", parameter], sort=False)[["successes", "replicates"]].sum().reset_index()
    pooled = pooled.rename(columns={"replicates": "trials"})
    bounds = [wilson_interval(s, n) for s, n in zip(pooled["successes"], pooled["trials"])]
    pooled["p"] = pooled["successes"] / pooled["trials"]
    pooled[["low", "high"]] = pd.DataFrame(bounds, index=pooled.index)
    return _sorted_by_value(pooled, parameter)


def _sorted_by_value(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    numeric = frame[column].map(_as_number)
    order = numeric if numeric.notna().all() else frame[column]
    return frame.assign(_order=order).sort_values(["scenario", "_order"]).drop(columns="_order").reset_index(drop=True)


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def outcome_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, the pooled share of consensus, vote and failure over all its jobs, with Wilson intervals."""
    import pandas as pd

    frames = [adoption_by(table.assign(_all="all"), "_all", key).assign(statistic=key) for key in (o.key for o in outcomes.OUTCOMES)]
    return pd.concat(frames, ignore_index=True).drop(columns="_all")


def agreement_rounds(replicates: pd.DataFrame) -> pd.DataFrame:
    """How many rounds before the deadline consensus came: ``scenario``, ``rounds`` (the deadline), ``rounds_left``
    (0 = in the deadline round) and ``share`` of the consensus replicates of that scenario and deadline."""
    consensus = replicates[replicates["outcome"] == outcomes.CONSENSUS.name]
    left = consensus.assign(rounds_left=consensus["rounds"] - consensus["round"])
    counts = left.groupby(["scenario", "rounds", "rounds_left"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby(["scenario", "rounds"])["count"].transform("sum")
    return counts


def blocking_shares(replicates: pd.DataFrame) -> pd.DataFrame:
    """How often each delegation still blocks consensus at the deadline, per scenario, with Wilson intervals:
    ``scenario``, ``delegation``, ``blocks``, ``trials``, ``share``, ``low``, ``high`` (most frequent first)."""
    import pandas as pd

    rows = []
    for scenario, part in replicates.groupby("scenario", sort=True):
        ids = part["blockers"].str.split(";").explode()
        counts = ids[ids != ""].value_counts()
        trials = len(part)
        for delegation, blocks in counts.items():
            rows.append({"scenario": scenario, "delegation": delegation, "blocks": int(blocks), "trials": trials,
                         **dict(zip(("low", "high"), wilson_interval(int(blocks), trials))),
                         "share": blocks / trials})
    columns = ["scenario", "delegation", "blocks", "trials", "share", "low", "high"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["scenario", "share", "delegation"], ascending=[True, False, True], ignore_index=True)


def write_tables(jobs: list[Job], out_dir: Path) -> list[Path]:
    """``sweep_summary`` (a row per job × statistic) and ``sweep_replicates`` (a row per replicate), each as
    Parquet and CSV, written atomically."""
    from sim.io import atomic_write

    written = []
    for name, frame in (("sweep_summary", summary_table(jobs)), ("sweep_replicates", replicate_table(jobs))):
        written.append(atomic_write(out_dir / f"{name}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False)))
        written.append(atomic_write(out_dir / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False)))
    return written


def _facets(n: int, width: float = 5.0, height: float = 4.0) -> tuple[Any, list[Any]]:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
    return fig, list(axes[0])


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from sim.io import atomic_write

    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def _scenario_map(jobs: list[Job], scenario: str, issues: list[str]) -> Any:
    """Ideal points of ``scenario`` on ``issues`` (from the scenario file of its first job), or ``None``."""
    import numpy as np

    from sim.loading import load_scenario

    job = next(j for j in jobs if j.summary["scenario"] == scenario)
    try:
        loaded = load_scenario(job.settings["scenario"])
    except ScenarioError:
        return None
    return np.array([[d.position[i] for i in issues] for d in loaded.delegations])


def write_figures(jobs: list[Job], out_dir: Path) -> list[Path]:
    """All sweep figures: ``adoption_by_<parameter>.png`` for each swept parameter, ``outcome_shares.png``,
    ``final_texts.png``, ``agreement_round.png`` and ``blocking.png`` (each faceted by scenario)."""
    import matplotlib

    matplotlib.use("Agg")
    from analysis import sweep_plots as plots

    table, replicates = summary_table(jobs), replicate_table(jobs)
    scenarios = sorted(table["scenario"].unique())
    written = []
    for parameter in [p for p in swept_parameters(jobs) if p != "scenario"]:
        fig, axes = _facets(len(scenarios))
        for key in ("p_adopted", "p_consensus"):
            curves = adoption_by(table, parameter, key)
            for scenario, ax in zip(scenarios, axes):
                plots.plot_adoption_curve(curves[curves["scenario"] == scenario], parameter, ax=ax,
                                          label=f"P({key[2:]})", colour=outcomes.by_name(key[2:]).colour).set_title(scenario)
        written.append(_save(fig, out_dir / f"adoption_by_{parameter.replace('.', '_')}.png"))
    fig, axes = _facets(1, 7, 1.6 + 0.5 * len(scenarios))
    plots.plot_outcome_shares_by_scenario(outcome_shares(table), ax=axes[0])
    written.append(_save(fig, out_dir / "outcome_shares.png"))
    written.append(_write_final_texts(jobs, replicates, scenarios, out_dir / "final_texts.png"))
    rounds, blocking = agreement_rounds(replicates), blocking_shares(replicates)
    for name, data, draw in (("agreement_round", rounds, plots.plot_agreement_rounds),
                             ("blocking", blocking, plots.plot_blocking)):
        fig, axes = _facets(len(scenarios))
        for scenario, ax in zip(scenarios, axes):
            draw(data[data["scenario"] == scenario], ax=ax).set_title(scenario)
        written.append(_save(fig, out_dir / f"{name}.png"))
    return written


def _write_final_texts(jobs: list[Job], replicates: pd.DataFrame, scenarios: list[str], path: Path) -> Path:
    from analysis.sweep_plots import plot_final_text_density

    fig, axes = _facets(len(scenarios), 5.5)
    for scenario, ax in zip(scenarios, axes):
        part = replicates[replicates["scenario"] == scenario].dropna(axis=1, how="all")
        issues = [c.removeprefix("text_") for c in part.columns if c.startswith("text_")][:2]
        issues = issues if len(issues) == 2 else issues * 2
        texts = part[[f"text_{i}" for i in issues]].to_numpy(dtype=float)
        plot_final_text_density(texts, _scenario_map(jobs, scenario, issues), issues, ax=ax).set_title(scenario)
    return _save(fig, path)


class SweepProgress(Callback):
    """Hydra callback: after each job of a sweep, on a terminal, a progress line (jobs complete of the sweep's
    jobs, elapsed, rate, time left); silent when standard error is not a terminal."""

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
    another sweeper."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (config.hydra.sweeper.get("params") or {}).items()]
    overrides = OverridesParser.create().parse_overrides(params + list(config.hydra.overrides.task))
    return sum(len(batch) for batch in BasicSweeper.split_arguments(overrides, None))


def main(argv: list[str] | None = None) -> None:
    """``treatysim-aggregate SWEEP_DIR``: the sweep's tables (Parquet and CSV) and, unless ``--no-figures``,
    its figures, into ``SWEEP_DIR/aggregate`` (or ``--out``)."""
    parser = argparse.ArgumentParser(
        prog="treatysim-aggregate",
        description="Aggregate a sweep: its tables (Parquet and CSV) and, unless --no-figures, its figures, "
                    "into SWEEP_DIR/aggregate (or --out).")
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir) written by treatysim -m")
    parser.add_argument("--out", type=Path, help="where to write (default: SWEEP_DIR/aggregate)")
    parser.add_argument("--no-figures", action="store_true", help="write the tables only")
    args = parser.parse_args(argv)
    try:
        jobs, incomplete = read_sweep(args.sweep_dir)
    except ScenarioError as exc:
        print(exc.format(), file=sys.stderr)
        sys.exit(EXIT_USAGE)
    out = args.out or args.sweep_dir / "aggregate"
    written = write_tables(jobs, out) + ([] if args.no_figures else write_figures(jobs, out))
    print(f"{len(jobs)} complete jobs, swept: {', '.join(swept_parameters(jobs)) or 'nothing'}")
    for path in incomplete:
        print(f"  left out (incomplete; rerun the sweep to complete it): {path}", file=sys.stderr)
    print("\n".join(f"  wrote {p}" for p in written))


if __name__ == "__main__":
    main()
