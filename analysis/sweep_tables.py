"""A sweep's tables: one row per job and statistic (``sweep_summary``) and one row per replicate
(``sweep_replicates``), each written as Parquet and CSV by ``treatysim-aggregate``. The jobs come from
:func:`sim.analysis.sweep.read_sweep`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import outcomes
from sim.analysis.stats import wilson_interval
from sim.analysis.sweep_jobs import Job, swept_parameters
from sim.results import rule_names

if TYPE_CHECKING:
    import pandas as pd

PROBABILITIES = outcomes.SUMMARY_KEYS


def _job_columns(job: Job, swept: list[str]) -> dict[str, Any]:
    return {"job": job.name, **{k: job.settings.get(k) for k in swept}}


def stage_statistics(summary: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    """The statistics of the stages a job's scenario may add (docs/model.md sections 14 and 15), as ``(statistic,
    value, ci95_low, ci95_high)``, where it has them (none otherwise): with an entry-into-force rule ``p_in_force``
    (its Wilson interval), ``in_force_years_median`` and ``signatures_mean`` (``None`` when no replicate got there);
    with provisions, per provision ``p_vote_called.<id>`` and ``p_kept.<id>``, each with its Wilson interval
    (``summary.json`` records none for P(vote called): it is the interval of its count, ``p_vote_called`` ×
    ``replicates``), and where a vote was held the mean votes ``keep_mean.<id>``, ``delete_mean.<id>`` and
    ``abstain_mean.<id>`` (between their 5th and 95th percentiles), so that a sweep shows how the split moves."""
    stats: list[tuple[str, Any, Any, Any]] = []
    if "p_in_force" in summary:
        stats.append(("p_in_force", summary["p_in_force"], *summary["ci95_in_force"]))
        stats += [(k, summary.get(k), None, None) for k in ("in_force_years_median", "signatures_mean")]
    r = summary["replicates"]
    for pid, provision in summary.get("provisions", {}).items():
        called = provision["p_vote_called"]
        stats.append((f"p_vote_called.{pid}", called, *wilson_interval(round(called * r), r)))
        stats.append((f"p_kept.{pid}", provision["p_kept"], *provision["ci95_kept"]))
        for name, votes in provision["votes"].items():
            if votes:
                stats.append((f"{name}_mean.{pid}", votes["mean"], votes["p05"], votes["p95"]))
    return stats


def summary_table(jobs: list[Job]) -> pd.DataFrame:
    """A row per job × outcome statistic: ``job``, the swept parameters, ``scenario``, ``replicates``, ``seed``,
    the rules in force, ``statistic``, ``value``, ``ci95_low``, ``ci95_high`` (NaN where no interval applies). The
    statistics of an entry-into-force rule and of provisions (:func:`stage_statistics`) have rows only for the jobs
    whose scenario has them: in a table pivoted by statistic, they are empty for the others."""
    import pandas as pd

    swept = swept_parameters(jobs)
    rows = []
    for job in jobs:
        s = job.summary
        base = {
            **_job_columns(job, swept),
            **{k: s[k] for k in ("scenario", "replicates", "seed")},
            **{k: s.get(k) for k in rule_names()},
        }
        stats = [(k, s[k], *s["ci95"][k]) for k in PROBABILITIES]
        stats += [(k, s.get(k), None, None) for k in ("rounds_median", "consensus_round_median")]
        stats += [(f"final_text_mean.{i}", v, None, None) for i, v in s["final_text_mean"].items()]
        stats += stage_statistics(s)
        rows += [{**base, "statistic": k, "value": v, "ci95_low": lo, "ci95_high": hi} for k, v, lo, hi in stats]
    frame = pd.DataFrame(rows)
    return frame.astype({"value": float, "ci95_low": float, "ci95_high": float})


def replicate_table(jobs: list[Job]) -> pd.DataFrame:
    """Every job's ``results.csv`` stacked: ``job`` and the swept parameters, then the per-replicate columns; each
    replicate's ``scenario`` is its job's label in the sweep (its name, or its file where two files share a name:
    :func:`sim.analysis.sweep_jobs.told_apart`), as in :func:`summary_table`."""
    import pandas as pd

    swept = swept_parameters(jobs)
    parts = []
    for job in jobs:
        frame = read_results(job)
        frame["blockers"] = frame["blockers"].astype(object).fillna("").astype(str)  # all empty: read as floats
        if "scenario" in frame.columns:
            frame["scenario"] = job.summary["scenario"]
        extra = pd.DataFrame({k: [v] * len(frame) for k, v in _job_columns(job, swept).items()})
        parts.append(pd.concat([extra, frame], axis=1))
    return pd.concat(parts, ignore_index=True)


def read_results(job: Job) -> pd.DataFrame:
    """A job's ``results.csv`` as a frame; a table that cannot be read as one (possible only for a job written
    before ``summary.json`` fingerprinted its table: a fingerprinted table is checked first) is a
    :class:`~sim.errors.ScenarioError` naming the job, never a parser's traceback."""
    import pandas as pd

    from sim.errors import ScenarioError

    path = job.path / "results.csv"
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise ScenarioError(str(path), [("", f"not a results table ({reason}); rerun its job or remove it")]) from None
    missing = [c for c in ("replicate", "outcome", "blockers") if c not in frame.columns]
    if missing:
        why = f"not a results table (no column {', '.join(missing)}); rerun its job or remove it"
        raise ScenarioError(str(path), [("", why)])
    return frame


def write_tables(jobs: list[Job], out_dir: Path) -> list[Path]:
    """``sweep_summary`` (a row per job × statistic) and ``sweep_replicates`` (a row per replicate), each as
    Parquet and CSV, written atomically."""
    from sim.io import atomic_write

    written = []
    for name, frame in (("sweep_summary", summary_table(jobs)), ("sweep_replicates", replicate_table(jobs))):
        written.append(atomic_write(out_dir / f"{name}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False)))
        written.append(atomic_write(out_dir / f"{name}.csv", lambda tmp, f=frame: f.to_csv(tmp, index=False)))
    return written
