"""The sweep's progress line counts the jobs as Hydra's basic sweeper makes them, with Hydra's public API only."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.analysis.sweep import planned_jobs

BASIC = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def config(task: list[str], params: dict[str, str] | None = None, target: str = BASIC):
    return OmegaConf.create({"hydra": {"sweeper": {"_target_": target, "params": params}, "overrides": {"task": task}}})


CASES = [
    ([], None),
    (["seed=3"], None),
    (["chair.strategy=hold,compromise", "seed=3"], {"procedure.rounds": "4,8,12"}),
    (["seed=5,6,7"], {"seed": "1,2"}),  # a key given twice: its last values
    (["procedure.rounds=range(2,10,2)", "scenario=classroom,uncc2024"], None),
    (["chair.step=choice(0.1,0.2)", "+delegations.USA.power=1,2,3"], None),
]


@pytest.mark.parametrize(("task", "params"), CASES)
def test_the_count_is_the_basic_sweepers(task, params):
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # the reference, in the test only
    from hydra.core.override_parser.overrides_parser import OverridesParser

    arguments = [f"{k}={v}" for k, v in (params or {}).items()] + task
    batches = BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(arguments), None)
    assert planned_jobs(config(task, params)) == sum(len(batch) for batch in batches)


def test_no_count_for_another_sweeper_or_a_sweep_the_basic_one_refuses():
    assert planned_jobs(config(["seed=1,2"], target="hydra_plugins.optuna.OptunaSweeper")) is None
    assert planned_jobs(config(["chair.step=interval(0.1,0.5)"])) is None
