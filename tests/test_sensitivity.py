"""Sensitivity analysis: inputs reach the scenario, bad experiments are clear errors, and the indices find a known
influential input and give a placebo (an input the model ignores) exactly zero."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import ScenarioError, load_scenario, with_overrides
from sim.analysis.sensitivity import (
    SensitivityConfig,
    apply_inputs,
    input_kinds,
    input_overrides,
    load_experiment,
    main,
    noise_note,
    sensitivity,
    sobol_base_samples,
)

INPUTS = {"delegations.RUS.outside_option": (0.40, 0.70), "procedure.vote_threshold": (0.5, 0.9)}


def experiment(method: str, samples: int) -> SensitivityConfig:
    # Without a fallback vote the vote threshold cannot matter: a placebo input.
    return SensitivityConfig(
        scenario="classroom",
        replicates=80,
        seed=3,
        overrides={"procedure": {"fallback": "none"}},
        method=method,
        samples=samples,
        inputs=INPUTS,
    )


def test_inputs_reach_the_scenario_by_dotted_path():
    scenario = apply_inputs(
        load_scenario("classroom"), {"procedure.rounds": 6.6, "chair.step": 0.3, "delegations.USA.reservation": 0.9}
    )
    assert scenario.procedure.rounds == 7 and isinstance(scenario.procedure.rounds, int)
    assert scenario.chair.step == 0.3
    assert next(d for d in scenario.delegations if d.id == "USA").reservation == 0.9


def test_inputs_are_overrides_applied_like_the_command_lines():
    """One override path: a sample's values are the nested overrides ``with_overrides`` takes, nothing else."""
    classroom = load_scenario("classroom")
    values = {"procedure.rounds": 6.6, "delegations.USA.reservation": 0.9, "delegations.USA.position.scope": 0.2}
    overrides = input_overrides(values, input_kinds(classroom, values, "test"))
    assert overrides == {
        "procedure": {"rounds": 7},
        "delegations": {"USA": {"reservation": 0.9, "position": {"scope": 0.2}}},
    }
    assert apply_inputs(classroom, values) == with_overrides(classroom, overrides)


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
    path.write_text(
        yaml.safe_dump(
            {
                "scenario": "classroom",
                "replicates": 50,
                "seed": 3,
                "overrides": config.overrides,
                "sensitivity": {"method": "sobol", "samples": 8, "inputs": {k: list(v) for k, v in INPUTS.items()}},
            }
        )
    )
    main([str(path), "--out", str(tmp_path / "out")])
    assert "delegations.RUS.outside_option" in capsys.readouterr().out
    table = (tmp_path / "out" / "indices.csv").read_text().splitlines()
    assert table[0].startswith("input,low,high,S1,S1_conf,ST,ST_conf") and len(table) == 1 + len(INPUTS)
    assert (tmp_path / "out" / "indices.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(SystemExit) as info:
        main([str(path), "--scenario", "nosuch", "--out", str(tmp_path / "out2")])
    assert info.value.code == 2 and "nosuch" in capsys.readouterr().err


def small_experiment_file(tmp_path: Path, samples: int = 8) -> Path:
    """A quick Sobol experiment on the classroom (the placebo setup of :func:`experiment`) as a file."""
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "scenario": "classroom",
                "replicates": 40,
                "seed": 3,
                "overrides": {"procedure": {"fallback": "none"}},
                "sensitivity": {
                    "method": "sobol",
                    "samples": samples,
                    "inputs": {k: list(v) for k, v in INPUTS.items()},
                },
            }
        )
    )
    return path


@pytest.mark.parametrize(
    "flag", [["--samples", "0"], ["--samples", "-4"], ["--replicates", "0"], ["--replicates", "-1"], ["--scenario", ""]]
)
def test_zero_or_negative_counts_are_refused_not_replaced_by_defaults(tmp_path: Path, capsys, flag: list[str]):
    with pytest.raises(SystemExit) as info:
        main([str(small_experiment_file(tmp_path)), *flag, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"command line: {flag[0][2:]}: ") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_help_lists_the_methods_the_dated_folder_and_the_power_of_two(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert info.value.code == 0
    assert "{sobol,morris}" in text and "outputs/sensitivity/DATE_TIME" in text and "power of two" in text
    with pytest.raises(SystemExit) as info:
        main(["--method", "fast"])
    assert info.value.code == 2 and "invalid choice: 'fast'" in capsys.readouterr().err


@pytest.mark.parametrize(("asked", "used"), [(2, 2), (5, 8), (8, 8), (9, 16), (100_000, 131_072)])
def test_sobol_base_samples_round_up_to_a_power_of_two(asked: int, used: int):
    assert sobol_base_samples(asked) == used


def test_a_default_run_writes_a_new_dated_folder_and_rounds_the_samples_up_in_one_line(
    tmp_path: Path, capsys, monkeypatch
):
    path = small_experiment_file(tmp_path, samples=6)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # SALib/SciPy warn on a Sobol size that is not a power of two
        main([str(path)])
    out, err = capsys.readouterr()
    assert err.strip() == "note: Sobol needs a power of two base samples: 6 rounded up to 8"
    (folder,) = (tmp_path / "outputs" / "sensitivity").iterdir()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}", folder.name)
    assert len(pd.read_csv(folder / "evaluations.csv")) == 8 * (len(INPUTS) + 2)
    assert f"wrote {folder.relative_to(tmp_path) / 'indices.csv'}" in out
    assert "sampling noise" in out.splitlines()[-4]  # the note follows the table, before the files written


def test_the_noise_note_appears_for_few_samples_or_noisy_indices_only():
    clean = pd.DataFrame({"input": ["a", "b"], "S1": [0.6, 0.0], "ST": [0.7, 0.0]})
    noisy = clean.assign(S1=[0.6, -0.05])
    big = experiment("sobol", 2048)
    assert noise_note(big, clean) is None
    assert "negative S1" in noise_note(big, noisy) and "raise --samples" in noise_note(big, noisy)
    assert "ST above 1" in noise_note(big, clean.assign(ST=[1.2, 0.0]))
    assert "with 16 base samples" in noise_note(experiment("sobol", 16), clean)
    assert noise_note(experiment("morris", 6), pd.DataFrame({"input": ["a"], "mu_star": [-1.0]})) is None


def test_unset_numeric_fields_of_groups_stakeholders_and_the_chair_can_be_inputs():
    from sim import load_scenario
    from sim.analysis.sensitivity import input_kinds

    kinds = input_kinds(
        load_scenario("uncc2024_lobbying"),
        ["blocs.western.cohesion", "stakeholders.industry.budget", "chair.friends"],
        "test",
    )
    assert kinds == {"blocs.western.cohesion": float, "stakeholders.industry.budget": float, "chair.friends": int}
