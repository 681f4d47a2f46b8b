"""A sweep's jobs are validated before the first runs (sim.sweep_check): a bad value anywhere in ``-m``
stops the sweep at once, with the job named, rather than after the jobs before it (found by a new-user review)."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim import sweep_check
from sim.sweep_check import bad_jobs, first_bad_job, jobs, swept_values
from tests.test_cli import treatysim

ROOT = Path(__file__).resolve().parents[1]


def base_settings() -> dict:
    """conf/config.yaml's run settings, as Hydra composes them without overrides."""
    data = yaml.safe_load((ROOT / "conf" / "config.yaml").read_text())
    return {k: v for k, v in data.items() if k not in ("hydra", "defaults")}


def test_a_bad_value_in_a_sweep_stops_it_before_any_job_runs(tmp_path: Path):
    sweep = tmp_path / "sweep"
    proc = treatysim(
        "-m", "scenario=classroom", "procedure.provision_threshold=0.5,0,0.7", "replicates=20",
        f"hydra.sweep.dir={sweep}", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "the sweep's job procedure.provision_threshold=0 would fail, so no job was run" in proc.stderr
    assert "procedure.provision_threshold: must be greater than 0.0, got 0" in proc.stderr
    assert not sweep.exists()  # not even the sweep's folder: no job ran


def test_a_misspelled_scenario_in_the_last_slot_is_found_first(tmp_path: Path):
    sweep = tmp_path / "sweep"
    proc = treatysim("-m", "scenario=classroom,clasroom", "replicates=20", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "job scenario=clasroom would fail" in proc.stderr and "clasroom: unknown scenario name" in proc.stderr
    assert not sweep.exists()


def test_every_combination_is_checked_and_each_scenario_file_loaded_once(monkeypatch):
    import sim.loading

    loads: list[str] = []
    real = sim.loading.load_scenario

    def counting(name):
        loads.append(name)
        return real(name)

    monkeypatch.setattr(sim.loading, "load_scenario", counting)
    overrides = ["scenario=classroom,bbnj2023", "procedure.rounds=3,6", "seed=range(1,6)"]
    assert len(list(jobs(swept_values(overrides)))) == 20
    assert first_bad_job(base_settings(), overrides) is None
    assert sorted(loads) == ["bbnj2023", "classroom"]


def test_a_value_bad_only_with_another_swept_value_is_caught_when_every_combination_is_checked(monkeypatch):
    """EGY is a delegation of classroom, not of bbnj2023: only the combination bbnj2023 x the EGY patch is bad."""
    overrides = ["scenario=classroom,bbnj2023", "+delegations.EGY.power=2,3"]
    bad = first_bad_job(base_settings(), overrides)
    assert bad is not None and bad[0] == ["scenario=bbnj2023", "delegations.EGY.power=2"]
    assert "no delegation 'EGY' to patch" in bad[1]
    monkeypatch.setattr(sweep_check, "ALL_JOBS_UP_TO", 3)  # above it: each value once, the others at their first
    big = ["scenario=classroom,bbnj2023", "procedure.rounds=3,6", "seed=1,2,3"]
    assert [sorted(job.items()) for job in jobs(swept_values(big))] == [
        sorted({"scenario": s, "procedure.rounds": r, "seed": k}.items())
        for s, r, k in [("classroom", 3, 1), ("bbnj2023", 3, 1), ("classroom", 3, 1), ("classroom", 6, 1)]
        + [("classroom", 3, 1), ("classroom", 3, 2), ("classroom", 3, 3)]
    ]
    bad = first_bad_job(base_settings(), ["scenario=classroom,bbnj2023", "procedure.rounds=3,-1"])
    assert bad is not None and bad[0] == ["scenario=classroom", "procedure.rounds=-1"]


def test_config_group_choices_and_single_values_are_not_swept():
    values = swept_values(["+experiment=deadline_sweep", "chair.strategy=hold", "procedure.rounds=5,10"])
    assert values == {"procedure.rounds": [5, 10]}


def test_two_bad_values_of_a_sweep_are_both_said_at_once():
    """A bad cost of reopening and a bad abstention band in different slots: each problem once, with a job that has
    it, so the user fixes both in one go (not one per attempt)."""
    overrides = ["scenario=classroom", "behaviour.reopening_cost=0,0.6", "procedure.abstention_band=0.05,-0.1"]
    bad = bad_jobs(base_settings(), overrides)
    said = "\n".join(problem for _, problem in bad)
    assert "behaviour.reopening_cost" in said and "procedure.abstention_band" in said
    assert sum(problem.count("behaviour.reopening_cost") for _, problem in bad) == 1
    assert sum(problem.count("procedure.abstention_band") for _, problem in bad) == 1
    assert bad_jobs(base_settings(), ["scenario=classroom", "behaviour.reopening_cost=0,0.01"]) == []
