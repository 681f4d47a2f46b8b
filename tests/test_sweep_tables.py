"""The statistics of a sweep on hand-made jobs with known answers; the progress-bar path gives simulate's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, outcomes, simulate
from sim.analysis.stats import wilson_interval
from sim.analysis.sweep import Job, flatten, main, swept_parameters
from sim.analysis.sweep_stats import adoption_by, agreement_rounds, blocking_shares
from sim.analysis.sweep_tables import summary_table
from sim.config import parse_run_config
from sim.results import concatenate
from sim.runner import chunks_with_progress


def make_job(
    name: str, rounds: int | None, step: float, p_adopted: float, replicates: int = 100, overrides: tuple[str, ...] = ()
) -> Job:
    settings = flatten(
        {
            "scenario": "classroom",
            "replicates": replicates,
            "seed": 1,
            "figures": False,
            "procedure": {"rounds": rounds, "fallback": None},
            "chair": {"step": step},
        }
    )
    summary = {
        "scenario": "classroom",
        "replicates": replicates,
        "seed": 1,
        "rounds": rounds or 10,
        "fallback": "vote",
        "chair_strategy": "accommodate",
        "vote_threshold": 0.6667,
        **{k: 0.0 for k in outcomes.SUMMARY_KEYS},
        "p_consensus": p_adopted,
        "p_failed": 1 - p_adopted,
        "p_adopted": p_adopted,
        "ci95": {k: [0.0, 1.0] for k in outcomes.SUMMARY_KEYS},
        "rounds_median": 3.0,
        "consensus_round_median": 3.0,
        "final_text_mean": {"scope": 0.5},
    }
    return Job(name, Path(name), settings, overrides, summary)


def test_flatten_gives_dotted_keys():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": None}}, "f": {}}) == {"a": 1, "b.c": 2, "b.d.e": None, "f": {}}


def test_swept_parameters_are_the_overridden_or_varying_settings():
    jobs = [
        make_job("0", 5, 0.5, 0.5, overrides=("procedure.rounds=5", "figures=false")),
        make_job("1", 10, 0.5, 0.7, overrides=("procedure.rounds=10", "figures=false")),
        make_job("2", 10, 1.0, 0.9, overrides=("procedure.rounds=10", "figures=false")),
    ]
    assert swept_parameters(jobs) == ["procedure.rounds", "chair.step"]  # figures changes no result


def test_summary_table_has_a_row_per_job_and_statistic():
    jobs = [make_job("0", 5, 0.5, 0.25), make_job("1", 10, 0.5, 0.75)]
    table = summary_table(jobs)
    assert len(table) == 2 * (len(outcomes.SUMMARY_KEYS) + 2 + 1)  # probabilities, two medians, one issue
    adopted = table[table["statistic"] == "p_adopted"].set_index("job")
    assert adopted.loc["1", "value"] == 0.75 and adopted.loc["0", "procedure.rounds"] == 5


def with_later_stages(job: Job) -> Job:
    """``job`` as a scenario with an entry-into-force rule and one provision would have summarised it (100
    replicates: 30 in force, a vote on art6_2 called in 80 and the provision kept in 45)."""
    stages = {
        "p_in_force": 0.3,
        "ci95_in_force": list(wilson_interval(30, 100)),
        "in_force_years_median": 2.5,
        "signatures_mean": None,
        "ratification_curve": [],
        "provisions": {
            "art6_2": {"p_vote_called": 0.8, "p_kept": 0.45, "ci95_kept": list(wilson_interval(45, 100)), "votes": {}}
        },
    }
    return Job(job.name, job.path, job.settings, job.overrides, {**job.summary, **stages})


def test_later_stages_have_rows_only_for_the_jobs_that_have_them():
    table = summary_table([with_later_stages(make_job("0", 5, 0.5, 0.25)), make_job("1", 10, 0.5, 0.75)])
    stages = ["p_in_force", "in_force_years_median", "signatures_mean", "p_vote_called.art6_2", "p_kept.art6_2"]
    rows = table[table["job"] == "0"].set_index("statistic")
    assert rows.index.tolist()[-len(stages) :] == stages
    assert rows.loc["p_in_force", ["value", "ci95_low", "ci95_high"]].tolist() == pytest.approx(
        [0.3, *wilson_interval(30, 100)]
    )
    assert rows.loc["in_force_years_median", "value"] == 2.5 and np.isnan(rows.loc["signatures_mean", "value"])
    assert rows.loc["p_kept.art6_2", ["ci95_low", "ci95_high"]].tolist() == pytest.approx(wilson_interval(45, 100))
    assert rows.loc["p_vote_called.art6_2", ["value", "ci95_low", "ci95_high"]].tolist() == pytest.approx(
        [0.8, *wilson_interval(80, 100)]
    )
    assert np.isnan(rows.loc["in_force_years_median", "ci95_low"])  # a median has no interval
    assert set(table.loc[table["job"] == "1", "statistic"]).isdisjoint(stages)  # job 1 has no such stage
    wide = table.pivot(index="job", columns="statistic", values="value")
    assert wide.loc["0", "p_in_force"] == 0.3 and np.isnan(wide.loc["1", "p_in_force"])


def test_a_later_stage_statistic_that_is_not_a_number_leaves_the_job_out():
    from sim.analysis.sweep_jobs import summary_problem

    good = with_later_stages(make_job("0", 5, 0.5, 0.25)).summary
    assert summary_problem(good) is None and summary_problem(make_job("1", 5, 0.5, 0.25).summary) is None
    for damage in (
        {"p_in_force": "most"},
        {"ci95_in_force": None},
        {"in_force_years_median": "soon"},
        {"provisions": {"art6_2": {"p_vote_called": 1.0, "p_kept": "yes", "ci95_kept": [0, 1]}}},
        {"provisions": ["art6_2"]},
    ):
        assert summary_problem({**good, **damage}) is not None, damage


def test_only_ratification_settings_act_after_adoption():
    from sim.analysis.sweep_jobs import after_adoption

    assert after_adoption("ratification.threshold") and after_adoption("ratification.horizon_years")
    assert after_adoption("delegations.USA.ratification_difficulty")
    for parameter in ("procedure.rounds", "procedure.provision_threshold", "delegations.USA.outside_option"):
        assert not after_adoption(parameter), parameter


def test_adoption_is_pooled_over_the_other_parameters_with_a_wilson_interval():
    jobs = [make_job("0", 5, 0.5, 0.5), make_job("1", 5, 1.0, 1.0), make_job("2", 10, 0.5, 0.2, replicates=50)]
    curve = adoption_by(summary_table(jobs), "procedure.rounds")
    assert curve["procedure.rounds"].tolist() == ["5", "10"]  # numeric order, not string order
    five = curve.iloc[0]
    assert (five["successes"], five["trials"], five["p"]) == (150, 200, 0.75)
    assert (five["low"], five["high"]) == pytest.approx(wilson_interval(150, 200))
    assert curve.iloc[1]["successes"] == 10 and curve.iloc[1]["trials"] == 50


def test_agreement_rounds_and_blocking_shares_on_a_known_table():
    replicates = pd.DataFrame(
        {
            "scenario": ["s"] * 6,
            "rounds": [5, 5, 5, 5, 10, 10],
            "round": [5, 5, 3, 5, 9, 10],
            "outcome": ["consensus", "consensus", "consensus", "failed", "consensus", "vote"],
            "blockers": ["", "", "", "A;B", "", "B"],
        }
    )
    rounds = agreement_rounds(replicates)
    five = rounds[rounds["rounds"] == 5].set_index("rounds_left")["share"]
    assert five.to_dict() == pytest.approx({0: 2 / 3, 2: 1 / 3})
    assert rounds.groupby("rounds")["share"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    blocking = blocking_shares(replicates).set_index("delegation")
    assert blocking["blocks"].to_dict() == {"B": 2, "A": 1}
    assert blocking.loc["B", "share"] == pytest.approx(2 / 6)
    assert blocking.index.tolist() == ["B", "A"]


def test_the_progress_path_gives_the_numbers_of_simulate():
    config = parse_run_config({"scenario": "classroom", "replicates": 130, "seed": 9, "chunk_size": 40})
    scenario = load_scenario("classroom")
    chunked = concatenate(list(chunks_with_progress(scenario, config)))
    direct = simulate(scenario, 130, 9)
    assert np.array_equal(chunked.outcome, direct.outcome) and np.array_equal(chunked.text, direct.text)
    assert np.array_equal(chunked.replicate, np.arange(130))


def test_the_aggregate_help_is_plain_text(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0 and "SWEEP_DIR/aggregate" in text and "--no-figures" in text
    assert "`" not in text and ":func:" not in text
