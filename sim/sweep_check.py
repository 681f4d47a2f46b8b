"""Check a sweep's jobs before any of them runs: a bad value in the third slot of ``-m scenario=...`` or
``procedure.provision_threshold=0.5,0,0.7`` is said at once, in one line naming the job's overrides, rather than
after the jobs before it have run (and with the jobs after it never run).

Every job's run settings are validated as its run would validate them — :func:`sim.config.parse_run_config`, then
the scenario loaded with its overrides (:func:`sim.runner.prepare_scenario`) — without simulating anything. Up to
:data:`ALL_JOBS_UP_TO` jobs, every combination of the swept values is checked; above it, each swept value once, with
the other swept settings at their first value (a bad value is still caught; a value bad only in combination with
another swept value is then caught when its job runs). Hydra stays at the edge: this module reads the composed
config and the parsed overrides, with Hydra's public override parser, as :func:`sim.analysis.sweep.planned_jobs` does.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

#: Sweeps of at most this many jobs have every combination checked: each scenario file is loaded once and each
#: distinct scenario (file and overrides) validated once, so jobs that differ in run settings alone cost little.
ALL_JOBS_UP_TO = 10_000


class SweepCheck(Callback):
    """Hydra callback (``conf/config.yaml``): before a sweep's first job, validate every job's settings
    (:func:`bad_jobs`); if any is bad, print each distinct problem once, with a job that has it, and exit with code 2
    before anything runs. Only Hydra's basic sweeper is checked (another sweeper makes its jobs its own way)."""

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        from omegaconf import OmegaConf

        from sim.analysis.sweep import sweep_overrides
        from sim.errors import EXIT_USAGE

        if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
            return
        base = OmegaConf.to_container(OmegaConf.masked_copy(config, [k for k in config if k != "hydra"]), resolve=True)
        bad = bad_jobs(base, sweep_overrides(config))  # type: ignore[arg-type]
        if bad:
            for overrides, problem in bad:
                print(
                    f"treatysim: the sweep's job {' '.join(overrides) or '(no overrides)'} would fail, so no job was "
                    "run:",
                    file=sys.stderr,
                )
                print(problem, file=sys.stderr)
            sys.exit(EXIT_USAGE)


def swept_values(overrides: list[str]) -> dict[str, list[Any]]:
    """The values each swept setting takes, by key, as the basic sweeper reads the command line (a key given twice:
    its last values). Config-group choices (``+experiment=...``) are left out: they are composed before the sweep."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.cli import CONF_DIR

    values: dict[str, list[Any]] = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.key_or_group
        if not override.is_sweep_override() or (Path(CONF_DIR) / key).is_dir() or key.startswith("hydra."):
            continue
        values[key] = list(override.sweep_iterator())
    return values


def jobs(values: Mapping[str, list[Any]]) -> Iterator[dict[str, Any]]:
    """The jobs to check: every combination up to :data:`ALL_JOBS_UP_TO` jobs, else each value once, the other
    swept settings at their first value."""
    keys = list(values)
    if math.prod(len(v) for v in values.values()) <= ALL_JOBS_UP_TO:
        for combination in itertools.product(*(values[k] for k in keys)):
            yield dict(zip(keys, combination, strict=True))
        return
    first = {k: v[0] for k, v in values.items()}
    for key in keys:
        for value in values[key]:
            yield {**first, key: value}


def first_bad_job(base: Mapping[str, Any], overrides: list[str]) -> tuple[list[str], str] | None:
    """The first job whose settings would fail validation — its overrides and the problem as the run would print
    it — or None. ``base``: the sweep's composed run settings (without ``hydra``); ``overrides``: the sweeper's
    params and the command line."""
    bad = bad_jobs(base, overrides, limit=1)
    return bad[0] if bad else None


#: At most this many distinct problems are reported (a sweep with a bad value in every job says it once anyway).
MAX_PROBLEMS = 10


def bad_jobs(base: Mapping[str, Any], overrides: list[str], limit: int = MAX_PROBLEMS) -> list[tuple[list[str], str]]:
    """Every distinct problem of the sweep's jobs, once, each with the first job that has it — so that two bad
    values (``behaviour.reopening_cost=0,0.6 procedure.abstention_band=0.05,-0.1``) are both said in one go, not
    one per attempt. The search stops once ``limit`` problems are found (the job that reaches it keeps all of its
    lines); each entry is a job's overrides and its problems' lines as the run would print them."""
    import json

    from sim.config import parse_run_config
    from sim.errors import ScenarioError
    from sim.loading import load_scenario
    from sim.runner import prepare_scenario

    loaded: dict[str, Any] = {}  # each scenario file is loaded once
    checked: set[tuple[str, str]] = set()  # jobs that differ only in run settings (seed, replicates) share a scenario
    found: dict[str, list[str]] = {}  # each problem line, with the first job that has it
    for job in jobs(swept_values(overrides)):
        data = dict(base)
        for key, value in job.items():
            data = with_setting(data, key, value)
        try:
            config = parse_run_config(data)
            same = (config.scenario, json.dumps(config.scenario_overrides(), sort_keys=True, default=str))
            if same not in checked:
                if config.scenario not in loaded:
                    loaded[config.scenario] = load_scenario(config.scenario)
                prepare_scenario(config, loaded[config.scenario])
                checked.add(same)
        except ScenarioError as exc:
            for line in exc.format().splitlines():
                found.setdefault(line, [f"{k}={v}" for k, v in job.items()])
            if len(found) >= limit:
                break
    by_job: dict[tuple[str, ...], list[str]] = {}
    for line, job_overrides in found.items():
        by_job.setdefault(tuple(job_overrides), []).append(line)
    return [(list(job_overrides), "\n".join(lines)) for job_overrides, lines in by_job.items()]


def with_setting(data: Mapping[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``dotted`` (``procedure.rounds``) set to ``value``, making the mappings on the way."""
    head, _, rest = dotted.partition(".")
    out = dict(data)
    if not rest:
        out[head] = value
        return out
    inner = out.get(head)
    out[head] = with_setting(inner if isinstance(inner, Mapping) else {}, rest, value)
    return out
