"""The jobs of a Hydra multirun directory, read back: complete jobs with their settings, overrides and summaries.

``treatysim -m ...`` writes one folder per job under the sweep directory, each with ``config.json`` (the validated
run settings and the effective scenario), ``results.csv`` (one row per replicate), figures, ``.hydra/overrides.yaml``
and, last and atomically, ``summary.json``: a job without it is incomplete and is left out (rerun the sweep to
complete it). A *swept parameter* is a run setting (``procedure.rounds``, ``chair.strategy``, ...) that was
overridden for a job or that differs between jobs; each one becomes a column.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError

FIXED = ("job", "scenario", "replicates", "seed")
NOT_PARAMETERS = ("figures", "chunk_size")  # settings (and sections: figures.format) that do not change the results
log = logging.getLogger(__name__)


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


def read_job(path: Path, sweep_dir: Path, damaged: dict[Path, str] | None = None) -> Job | None:
    """The job in ``path``, or ``None`` when it is incomplete (no ``summary.json`` or no ``config.json``) or damaged:
    its ``results.csv`` missing, or not the table its summary was computed from (row count and SHA-256 recorded in
    ``summary.json``, checked before the table is parsed: a table cut mid-row is never read). A damaged job is
    named in a warning (one line) and left out, never mixed in; given ``damaged``, what is wrong with it goes there
    instead (its folder → the reason), for a command that names the jobs it leaves out itself."""

    from sim.io import FINGERPRINT_KEY, table_damage

    texts = {}
    for name in ("summary.json", "config.json"):
        try:
            texts[name] = json.loads((path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None  # not finished (or not a job): incomplete
        except (OSError, ValueError):
            texts[name] = None
    summary, record = texts["summary.json"], texts["config.json"]
    if not isinstance(summary, dict) or not isinstance(record, dict) or not isinstance(record.get("run"), dict):
        broken = "summary.json" if not isinstance(summary, dict) else "config.json"
        damage: str | None = f"{broken} cannot be read"
    else:
        damage = summary_problem(summary) or table_damage(path / "results.csv", summary.get(FINGERPRINT_KEY))
    if damage is not None:
        if damaged is None:
            log.warning("%s", damaged_line(path, damage))
        else:
            damaged[path] = damage
        return None
    overrides = job_overrides(path)  # the settings are in config.json; the overrides only name the job
    name = path.relative_to(sweep_dir).as_posix() if path != sweep_dir else "."
    return Job(name, path, flatten(record["run"]), tuple(overrides or ()), summary)


def damaged_line(path: Path, damage: str) -> str:
    """How a damaged job left out of a sweep's tables is named, in one line: what is wrong, what to do, where."""
    return f"left out (damaged: {damage}; rerun the sweep to redo it): {path}"


def number(value: Any) -> bool:
    """Whether ``value`` read from a summary is a number (``true`` is not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def summary_problem(summary: dict[str, Any]) -> str | None:
    """What makes ``summary`` unfit for the sweep's tables (a field they read missing or of another kind, as an
    edited ``"replicates": "many"``), or ``None``."""
    from sim import outcomes

    if not isinstance(summary.get("scenario"), str):
        return "summary.json has no scenario name"
    for key in ("replicates", "seed"):
        if not isinstance(summary.get(key), int) or isinstance(summary.get(key), bool) or summary[key] < 0:
            return f"summary.json's {key} is not a whole number ({summary.get(key)!r})"
    ci95 = summary.get("ci95")
    for key in outcomes.SUMMARY_KEYS:
        value, interval = summary.get(key), ci95.get(key) if isinstance(ci95, dict) else None
        if not number(value) or not (isinstance(interval, list) and len(interval) == 2 and all(map(number, interval))):
            return f"summary.json's {key} or its interval is not a number"
    for key in ("rounds_median", "consensus_round_median"):
        if summary.get(key) is not None and not number(summary[key]):
            return f"summary.json's {key} is not a number"
    texts = summary.get("final_text_mean")
    if not isinstance(texts, dict) or not all(number(v) for v in texts.values()):
        return "summary.json's final_text_mean is not a mapping of numbers"
    return stage_problem(summary)


def stage_problem(summary: dict[str, Any]) -> str | None:
    """What makes the statistics of the stages a scenario may add (an entry-into-force rule, votes on provisions) in
    ``summary`` unfit for the sweep's tables, or ``None`` (a summary without those stages has nothing to check)."""

    def interval(value: Any) -> bool:
        return isinstance(value, list) and len(value) == 2 and all(map(number, value))

    if "p_in_force" in summary:
        if not number(summary["p_in_force"]) or not interval(summary.get("ci95_in_force")):
            return "summary.json's p_in_force or its interval is not a number"
        for key in ("in_force_years_median", "signatures_mean"):
            if summary.get(key) is not None and not number(summary[key]):
                return f"summary.json's {key} is not a number"
    provisions = summary.get("provisions", {})
    if not isinstance(provisions, dict) or not all(isinstance(p, dict) for p in provisions.values()):
        return "summary.json's provisions is not a mapping of provisions"
    for pid, p in provisions.items():
        if not number(p.get("p_vote_called")) or not number(p.get("p_kept")) or not interval(p.get("ci95_kept")):
            return f"summary.json's provision {pid}: p_vote_called, p_kept or its interval is not a number"
    return None


def read_sweep(sweep_dir: Path, damaged: dict[Path, str] | None = None) -> tuple[list[Job], list[Path]]:
    """The complete jobs of a sweep and the folders of the ones left out (incomplete, or damaged: each named in a
    warning, or given ``damaged``, put there with what is wrong with it: :func:`read_job`); a :class:`ScenarioError`
    if there is no complete job, or if ``sweep_dir`` is a single run rather than a sweep (:func:`single_run`).

    Each job's ``summary["scenario"]`` names its scenario in the sweep's tables and figures: the scenario's name, or,
    where two scenario files of the sweep share a name, the file as the job was given it (:func:`told_apart`)."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        why = "is a file, not a sweep directory" if sweep_dir.exists() else "no such sweep directory"
        raise ScenarioError(str(sweep_dir), [("", why)])
    folders = job_dirs(sweep_dir)
    if single_run(sweep_dir, folders):
        why = (
            f"a single run, not a sweep: its statistics are in {sweep_dir / 'summary.json'}; treatysim-aggregate "
            "reads the folder of a sweep (hydra.sweep.dir of `treatysim -m ...`)"
        )
        raise ScenarioError(str(sweep_dir), [("", why)])
    jobs, left_out = [], []
    for path in folders:
        job = read_job(path, sweep_dir, damaged)
        (jobs.append(job) if job else left_out.append(path))
    if not jobs:
        named = [p for p in left_out if damaged and p in damaged]
        count = f"{len(left_out) - len(named)} incomplete" + (f", {len(named)} damaged" if named else "")
        problems = [
            (p.relative_to(sweep_dir).as_posix(), f"damaged: {damaged[p]}; rerun the sweep to redo it") for p in named
        ]
        expected = "expected folders with summary.json written by `treatysim -m`"
        raise ScenarioError(str(sweep_dir), [*problems, ("", f"no complete job found ({count}); {expected}")])
    return told_apart(jobs), left_out


def single_run(folder: Path, jobs: list[Path] | None = None) -> bool:
    """Whether ``folder`` is the folder of a single run (``treatysim`` without ``-m``: its own ``.hydra/`` record or
    ``summary.json``, no ``multirun.yaml``, no job folders under it) rather than a sweep's. ``jobs``: its job
    folders (:func:`job_dirs`), if already found."""
    folder = Path(folder)
    if (folder / "multirun.yaml").is_file():
        return False
    if not ((folder / ".hydra").is_dir() or (folder / "summary.json").is_file()):
        return False
    return all(path == folder for path in (job_dirs(folder) if jobs is None else jobs))


def scenario_of(job: Job) -> str:
    """The scenario of ``job`` as the sweep was given it (``scenario=`` on the command line or in an experiment: a
    bundled name or a path, as typed); its name when its settings do not say."""
    given = job.settings.get("scenario")
    return given if isinstance(given, str) and given else job.summary["scenario"]


def shared_names(scenarios: list[tuple[str, str]]) -> set[str]:
    """The names that several of the ``(name, as_given)`` scenarios, given otherwise, share (``good.yaml`` and
    ``other/good.yaml``, both ``name: good``). The same file given twice the same way is one scenario."""
    given: dict[str, set[str]] = {}
    for name, as_given in scenarios:
        given.setdefault(name, set()).add(as_given)
    return {name for name, ways in given.items() if len(ways) > 1}


def distinct_labels(scenarios: list[tuple[str, str]]) -> list[str]:
    """A label for each ``(name, as_given)`` scenario: its ``name``, unless it is shared with a scenario given
    otherwise (:func:`shared_names`): then it is labelled as given, so two files are never taken for one."""
    shared = shared_names(scenarios)
    return [as_given if name in shared else name for name, as_given in scenarios]


def told_apart(jobs: list[Job]) -> list[Job]:
    """``jobs`` with each one's ``summary["scenario"]`` its scenario's label in the sweep (:func:`distinct_labels`):
    its name, as in every summary, unless two scenario files of the sweep share that name. Then each such job is
    labelled by its file as given (:func:`scenario_of`), and its title, which figures show, says which file it is;
    jobs are otherwise as read (a sweep of distinct names is unchanged)."""
    names = [job.summary["scenario"] for job in jobs]
    labels = distinct_labels([(name, scenario_of(job)) for name, job in zip(names, jobs, strict=True)])
    out = []
    for job, name, label in zip(jobs, names, labels, strict=True):
        if label == name:
            out.append(job)
            continue
        title = job.summary.get("title")
        titled = f"{title} ({label})" if isinstance(title, str) and title else label
        out.append(replace(job, summary={**job.summary, "scenario": label, "title": titled}))
    return out


def swept_parameters(jobs: list[Job]) -> list[str]:
    """Run settings overridden for some job or differing between jobs, in settings order (``job``-level keys
    ``scenario``, ``replicates`` and ``seed`` are columns anyway and are left out)."""
    keys = list(jobs[0].settings)
    named = {o.split("=", 1)[0].lstrip("+~") for job in jobs for o in job.overrides}
    varying = {k for k in keys if len({json.dumps(j.settings.get(k), sort_keys=True) for j in jobs}) > 1}
    chosen = [k for k in keys if (k in varying or any(k == n or k.startswith(n + ".") for n in named))]
    return [k for k in chosen if k not in FIXED + NOT_PARAMETERS and k.split(".")[0] not in NOT_PARAMETERS]


def after_adoption(parameter: str) -> bool:
    """Whether the swept ``parameter`` can act only after the text is adopted: the entry-into-force rule
    (``ratification.*``) and a delegation's ``ratification_difficulty`` (docs/model.md section 14). The talks, the
    fallback vote and the votes on provisions come first and never read them, so P(adopted), P(consensus) and P(kept)
    cannot depend on such a parameter; P(in force) can."""
    parts = parameter.split(".")
    return parts[0] == "ratification" or (
        len(parts) == 3 and parts[0] == "delegations" and parts[2] == "ratification_difficulty"
    )


#: The map from each job's folder to its overrides, written beside the job folders (:func:`write_job_map`).
JOB_MAP = "jobs.csv"


def job_overrides(path: Path) -> list[str]:
    """The command-line overrides of the job in ``path`` (Hydra's ``.hydra/overrides.yaml``), ``[]`` if unreadable."""
    import yaml

    try:
        overrides = yaml.safe_load((path / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return []
    return [str(o) for o in overrides] if isinstance(overrides, list) else []


def write_job_map(sweep_dir: Path) -> Path:
    """Write ``SWEEP_DIR/jobs.csv``: one row per job folder (Hydra names them 0, 1, 2, ...) with ``job`` (the
    folder), ``finished`` (its ``summary.json`` is there), one column per overridden setting (its value in that job)
    and ``overrides`` (all of them, as typed). Written atomically, so a reader never sees half a map; rewritten after
    each job of a sweep and by ``treatysim-aggregate``."""
    import csv
    import io

    from sim.io import atomic_write_text

    sweep_dir = Path(sweep_dir)
    rows = []
    for path in job_dirs(sweep_dir):
        overrides = job_overrides(path)
        settings = dict(o.lstrip("+~").split("=", 1) for o in overrides if "=" in o)
        name = path.relative_to(sweep_dir).as_posix() if path != sweep_dir else "."
        rows.append((name, (path / "summary.json").is_file(), settings, " ".join(overrides)))
    keys = list(dict.fromkeys(key for _, _, settings, _ in rows for key in settings))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["job", "finished", *keys, "overrides"])
    for name, finished, settings, text in rows:
        writer.writerow([name, str(finished).lower(), *(settings.get(k, "") for k in keys), text])
    return atomic_write_text(sweep_dir / JOB_MAP, buffer.getvalue())
