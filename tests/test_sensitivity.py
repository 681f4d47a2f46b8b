"""Sensitivity analysis: inputs reach the scenario, bad experiments are clear errors, and the indices find a known
influential input and give a placebo (an input the model ignores) exactly zero."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analysis.sensitivity import SensitivityConfig, apply_inputs, load_experiment, main, sensitivity
from sim import ScenarioError, load_scenario

INPUTS = {"delegations.RUS.outside_option": (0.40, 0.70), "procedure.vote_threshold": (0.5, 0.9)}


def experiment(method: str, samples: int) -> SensitivityConfig:
    # Without a fallback vote the vote threshold cannot matter: a placebo input.
    return SensitivityConfig(scenario="classroom", replicates=80, seed=3, overrides={"procedure": {"fallback": "none"}},
                             method=method, samples=samples, inputs=INPUTS)


def test_inputs_reach_the_scenario_by_dotted_path():
    scenario = apply_inputs(load_scenario("classroom"), {"procedure.rounds": 6.6, "chair.step": 0.3,
                                                         "delegations.USA.reservation": 0.9})
    assert scenario.procedure.rounds == 7 and isinstance(scenario.procedure.rounds, int)
    assert scenario.chair.step == 0.3
    assert next(d for d in scenario.delegations if d.id == "USA").reservation == 0.9


@pytest.mark.parametrize("path", ["procedure.roundz", "delegations.XXX.reservation", "chair.strategy"])
def test_a_bad_input_path_is_a_scenario_error_naming_it(path: str):
    with pytest.raises(ScenarioError) as info:
        apply_inputs(load_scenario("classroom"), {path: 0.5})
    assert path in info.value.format()


def test_an_input_value_the_schema_refuses_is_a_scenario_error():
    with pytest.raises(ScenarioError) as info:  # outside_option above reservation (0.85)
        apply_inputs(load_scenario("classroom"), {"delegations.RUS.outside_option": 0.95})
    assert "outside_option" in info.value.format()


def test_bad_experiment_files_are_clear_errors(tmp_path: Path):
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump({"scenario": "classroom", "sensitivity": {"method": "fast", "inputs": {}}}))
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    text = info.value.format()
    assert "method" in text and "inputs" in text and str(path) in text
    bad_range = experiment("sobol", 4).model_copy(update={"inputs": {"chair.step": (0.9, 0.1)}})
    with pytest.raises(ScenarioError, match="low < high"):
        sensitivity(bad_range)


def test_the_bundled_experiment_loads():
    config = load_experiment(Path(__file__).resolve().parent.parent / "conf" / "experiment" / "sensitivity.yaml")
    assert config.output == "p_adopted" and len(config.inputs) >= 5
    apply_inputs(load_scenario(config.scenario), {k: (lo + hi) / 2 for k, (lo, hi) in config.inputs.items()})


def test_sobol_finds_the_influential_input_and_zero_for_the_placebo():
    indices, evaluations = sensitivity(experiment("sobol", 16))
    assert len(evaluations) == 16 * (len(INPUTS) + 2)
    table = indices.set_index("input")
    assert table.loc["procedure.vote_threshold", "ST"] == 0.0
    assert table.loc["procedure.vote_threshold", "S1"] == 0.0
    assert table.loc["delegations.RUS.outside_option", "ST"] > 0.5
    assert indices["input"].iloc[0] == "delegations.RUS.outside_option"


def test_morris_finds_the_influential_input_and_zero_for_the_placebo():
    indices, evaluations = sensitivity(experiment("morris", 6))
    assert len(evaluations) == 6 * (len(INPUTS) + 1)
    table = indices.set_index("input")
    assert table.loc["procedure.vote_threshold", "mu_star"] == 0.0
    assert table.loc["delegations.RUS.outside_option", "mu_star"] > 0.1


def test_the_command_writes_the_table_and_the_chart(tmp_path: Path, capsys):
    path = tmp_path / "exp.yaml"
    config = experiment("sobol", 8)
    path.write_text(yaml.safe_dump({"scenario": "classroom", "replicates": 50, "seed": 3,
                                    "overrides": config.overrides, "sensitivity": {
                                        "method": "sobol", "samples": 8,
                                        "inputs": {k: list(v) for k, v in INPUTS.items()}}}))
    main([str(path), "--out", str(tmp_path / "out")])
    assert "delegations.RUS.outside_option" in capsys.readouterr().out
    table = (tmp_path / "out" / "indices.csv").read_text().splitlines()
    assert table[0].startswith("input,low,high,S1,S1_conf,ST,ST_conf") and len(table) == 1 + len(INPUTS)
    assert (tmp_path / "out" / "indices.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(SystemExit) as info:
        main([str(path), "--scenario", "nosuch", "--out", str(tmp_path / "out2")])
    assert info.value.code == 2 and "nosuch" in capsys.readouterr().err
