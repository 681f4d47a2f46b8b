"""The default seed lives in one place, ``sim.inputs.DEFAULT_SEED``: the config files say the same, and every command
and the dashboard use it unless told otherwise."""

from __future__ import annotations

import inspect
from pathlib import Path

import yaml

from sim.inputs import DEFAULT_SEED

CONF = Path(__file__).resolve().parent.parent / "conf"


def test_the_config_files_seed_is_the_default_seed():
    assert yaml.safe_load((CONF / "config.yaml").read_text(encoding="utf-8"))["seed"] == DEFAULT_SEED
    assert (
        yaml.safe_load((CONF / "experiment" / "sensitivity.yaml").read_text(encoding="utf-8"))["seed"] == DEFAULT_SEED
    )


def test_every_command_and_the_dashboard_default_to_the_default_seed():
    from sim.analysis.compare import parse_args
    from sim.analysis.sensitivity import SensitivityConfig
    from sim.config import RunConfig
    from sim.ui.state import Game, monte_carlo

    assert parse_args([]).seed == DEFAULT_SEED
    assert SensitivityConfig.model_fields["seed"].default == DEFAULT_SEED
    assert RunConfig.model_fields["seed"].default == DEFAULT_SEED
    assert inspect.signature(Game).parameters["seed"].default == DEFAULT_SEED
    assert inspect.signature(monte_carlo).parameters["seed"].default == DEFAULT_SEED


def test_every_rule_of_a_scenario_can_be_set_on_the_command_line():
    """Each field of the scenario's rule sections has its key in conf/config.yaml (``null``: as the scenario says),
    so ``procedure.provision_voting=sincere`` works like every other setting, without Hydra's ``+``."""
    import typing

    from sim.scenario import Scenario

    config = yaml.safe_load((CONF / "config.yaml").read_text(encoding="utf-8"))
    for section in ("procedure", "chair", "uncertainty", "behaviour", "ratification"):
        annotation = Scenario.model_fields[section].annotation
        model = next(a for a in (annotation, *typing.get_args(annotation)) if hasattr(a, "model_fields"))
        missing = set(model.model_fields) - set(config[section])
        assert not missing, (section, missing)
