"""Sweeps end to end: ``treatysim -m`` with each launcher CI can run (basic, joblib, submitit_local), aggregated
by ``treatysim-aggregate``; and the launchers agree replicate for replicate."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import load_scenario, outcomes, simulate, with_overrides
from sim.analysis.sweep import main as aggregate_main

ROUNDS = (3, 8)
STRATEGIES = ("accommodate", "hold")
REPLICATES = 120
SEED = 11
LAUNCHERS = {"basic": "basic", "joblib": "parallel", "submitit_local": "submitit_local"}
FIGURES = (
    "adoption_by_procedure_rounds.png",
    "adoption_by_chair_strategy.png",
    "outcome_shares.png",
    "final_texts.png",
    "agreement_round.png",
    "blocking.png",
)


def treatysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("treatysim")
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def sweep_args(sweep_dir: Path, launcher: str) -> list[str]:
    return [
        "-m",
        f"hydra/launcher={launcher}",
        "scenario=classroom",
        f"procedure.rounds={','.join(map(str, ROUNDS))}",
        f"chair.strategy={','.join(STRATEGIES)}",
        f"replicates={REPLICATES}",
        f"seed={SEED}",
        "figures=false",
        f"hydra.sweep.dir={sweep_dir}",
    ]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small sweep (2 deadlines × 2 chair strategies = 4 jobs) per launcher."""
    root = tmp_path_factory.mktemp("sweeps")
    out = {}
    for name, launcher in LAUNCHERS.items():
        proc = treatysim(*sweep_args(root / name, launcher), cwd=root)
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[name] = root / name
    return out


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_sweep_runs_every_combination_and_aggregates(sweeps: dict[str, Path], launcher: str, capsys):
    sweep = sweeps[launcher]
    jobs = sorted(p for p in sweep.iterdir() if (p / ".hydra").is_dir())
    assert len(jobs) == len(ROUNDS) * len(STRATEGIES)
    for job in jobs:
        assert {"summary.json", "results.csv", "config.json"} <= {p.name for p in job.iterdir()}
    aggregate_main([str(sweep), "--out", str(sweep / "agg")])
    assert f"{len(jobs)} complete jobs" in capsys.readouterr().out

    table = pd.read_parquet(sweep / "agg" / "sweep_summary.parquet")
    assert table.equals(
        pd.read_csv(sweep / "agg" / "sweep_summary.csv", keep_default_na=False, na_values=[""]).astype(
            table.dtypes.to_dict()
        )
    )
    assert {
        "job",
        "procedure.rounds",
        "chair.strategy",
        "scenario",
        "replicates",
        "seed",
        "statistic",
        "value",
        "ci95_low",
        "ci95_high",
    } <= set(table.columns)
    n_stats = len(outcomes.SUMMARY_KEYS) + 2 + 2  # the probabilities, two medians, the mean final text on two issues
    assert len(table) == len(jobs) * n_stats
    combos = set(table[["procedure.rounds", "chair.strategy"]].drop_duplicates().itertuples(index=False, name=None))
    assert combos == set(itertools.product(ROUNDS, STRATEGIES))
    assert (
        table.loc[table["statistic"] == "p_adopted", "rounds"]
        == table.loc[table["statistic"] == "p_adopted", "procedure.rounds"]
    ).all()  # the swept value is the one in force

    replicates = pd.read_parquet(sweep / "agg" / "sweep_replicates.parquet")
    assert len(replicates) == len(jobs) * REPLICATES
    assert replicates.groupby(["procedure.rounds", "chair.strategy"]).size().eq(REPLICATES).all()
    assert (replicates["chair_strategy"] == replicates["chair.strategy"]).all()
    for name in FIGURES:
        data = (sweep / "agg" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name


def job_results(sweep: Path) -> dict[str, str]:
    """Each job's results table and summary, keyed by the job's overrides (not by its folder number)."""
    out = {}
    for job in sorted(p for p in sweep.iterdir() if (p / ".hydra").is_dir()):
        key = (job / ".hydra" / "overrides.yaml").read_text()
        summary = json.loads((job / "summary.json").read_text())
        out[key] = ((job / "results.csv").read_text(), summary)
    return out


def test_launchers_agree_replicate_for_replicate(sweeps: dict[str, Path]):
    reference = job_results(sweeps["basic"])
    assert len(reference) == len(ROUNDS) * len(STRATEGIES)
    for launcher in ("joblib", "submitit_local"):
        assert job_results(sweeps[launcher]) == reference, launcher


def test_a_sweep_job_equals_the_engine_called_directly(sweeps: dict[str, Path]):
    job = next(p for p in sweeps["joblib"].iterdir() if (p / "config.json").is_file())
    record = json.loads((job / "config.json").read_text())["run"]
    overrides = {k: v for k, v in record["procedure"].items() if v is not None}
    scenario = with_overrides(
        load_scenario("classroom"), {"procedure": overrides, "chair": {"strategy": record["chair"]["strategy"]}}
    )
    expected = simulate(scenario, REPLICATES, SEED).to_frame()
    got = pd.read_csv(job / "results.csv", keep_default_na=False, na_values=[""])
    assert got["outcome"].tolist() == expected["outcome"].tolist()
    assert got["round"].tolist() == expected["round"].tolist()
    assert got["text_scope"].to_numpy() == pytest.approx(expected["text_scope"].to_numpy(), abs=1e-5)


def test_experiment_files_compose_into_sweeps(tmp_path: Path):
    from hydra import compose, initialize_config_dir

    conf = Path(__file__).resolve().parent.parent / "conf"
    with initialize_config_dir(version_base="1.3", config_dir=str(conf)):
        for name, swept in (
            ("deadline_sweep", {"scenario", "procedure.rounds"}),
            ("chair_strategy", {"scenario", "chair.strategy", "chair.step"}),
        ):
            cfg = compose("config", overrides=[f"+experiment={name}"], return_hydra_config=True)
            assert set(cfg.hydra.sweeper.params) == swept
            assert cfg.hydra.sweep.dir == f"multirun/{name}"
            assert all("," in str(v) for v in cfg.hydra.sweeper.params.values())


def test_aggregate_of_a_missing_or_empty_directory_is_a_clear_error(tmp_path: Path, capsys):
    for target in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(SystemExit) as exit_info:
            aggregate_main([str(target)])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert str(target) in err and "Traceback" not in err


def test_launcher_presets_compose():
    from hydra import compose, initialize_config_dir

    conf = Path(__file__).resolve().parent.parent / "conf"
    with initialize_config_dir(version_base="1.3", config_dir=str(conf)):
        slurm = compose(
            "config", overrides=["hydra/launcher=slurm", "hydra.launcher.partition=p"], return_hydra_config=True
        ).hydra.launcher
        assert slurm._target_.endswith("SlurmLauncher") and slurm.partition == "p" and slurm.cpus_per_task == 1
        parallel = compose("config", overrides=["hydra/launcher=parallel"], return_hydra_config=True).hydra.launcher
        assert parallel._target_.endswith("JoblibLauncher") and parallel.n_jobs == 2
