"""After the gavel: signature, ratification and entry into force (docs/model.md section 14), by known cases."""

from __future__ import annotations

import numpy as np

from sim import load_scenario, simulate, with_overrides
from sim import ratification as rat
from tests.builders import build, delegation

RULE = {"threshold": 5, "lag_days": 90, "horizon_years": 6}


def gainers(**sections):
    """Eight delegations close together: the adopted text gives each a clear gain over the status quo."""
    crowd = [delegation(f"D{i}", 0.5 + 0.02 * i, 0.5 - 0.02 * i) for i in range(8)]
    return build(crowd, **{"status_quo": {"scope": 0.0, "safeguards": 1.0}, "ratification": RULE, **sections})


def test_a_treaty_no_one_gains_from_is_never_ratified():
    """Delegations whose ideal point is the status quo accept a text that changes nothing, and gain nothing: no
    signature, no ratification, no entry into force."""
    pair = [delegation("A", 0.0, 1.0), delegation("B", 0.0, 1.0)]
    scenario = build(
        pair,
        status_quo={"scope": 0.0, "safeguards": 1.0},
        ratification={"threshold": 1},
        chair={"draft": {"scope": 0.0, "safeguards": 1.0}},
        uncertainty={"position": 0, "salience": 0, "reservation": 0},
    )
    results = simulate(scenario, 50, 1)
    assert (results.outcome == 0).all()  # adopted by consensus ...
    assert results.signatures.sum() == results.ratifications.sum() == 0  # ... and never ratified
    assert np.isnan(results.in_force_years).all()


def test_a_threshold_above_the_number_of_states_never_enters_into_force():
    results = simulate(gainers(ratification={**RULE, "threshold": 9}), 200, 2)
    assert np.isnan(results.in_force_years).all()
    assert results.ratifications.max() > 0  # states do ratify; there are just not enough of them


def test_lowering_the_threshold_never_delays_entry_into_force():
    high = simulate(gainers(ratification={**RULE, "threshold": 6}), 300, 3).in_force_years
    low = simulate(gainers(ratification={**RULE, "threshold": 3}), 300, 3).in_force_years
    assert np.isfinite(low).sum() >= np.isfinite(high).sum()
    both = np.isfinite(high)
    assert (low[both] <= high[both]).all() and (low[both] < high[both]).any()


def test_harder_ratification_at_home_lowers_entry_into_force():
    easy = simulate(gainers(), 300, 4).in_force_years
    hard = simulate(
        with_overrides(gainers(), {"delegations": {f"D{i}": {"ratification_difficulty": 0.9} for i in range(8)}}),
        300,
        4,
    ).in_force_years
    assert np.isfinite(hard).mean() < np.isfinite(easy).mean() - 0.2


def test_entry_into_force_counts_the_states_each_delegation_stands_for_and_the_lag():
    years = np.array([[0.5, 2.0, np.inf]])
    states = np.array([3, 4, 10])
    assert rat.entry_into_force(years, states, 3, 0)[0] == 0.5
    assert np.isclose(rat.entry_into_force(years, states, 7, 365)[0], 2.0 + 365 / rat.DAYS_PER_YEAR)
    assert rat.entry_into_force(years, states, 8, 0)[0] == np.inf


def test_a_coordinated_bloc_signs_and_ratifies_as_one():
    crowd = [delegation(f"D{i}", 0.5 + 0.02 * i, 0.5) for i in range(6)]
    scenario = build(
        crowd,
        blocs=[{"id": "eu", "members": ["D0", "D1", "D2"], "coordinated": True}],
        status_quo={"scope": 0.0, "safeguards": 1.0},
        ratification=RULE,
    )
    results = simulate(scenario, 200, 5)
    members = results.ratified[:, :3]
    assert (members.all(axis=1) | ~members.any(axis=1)).all()  # all three or none
    assert members.any()


def test_the_uncc2024_rule_is_its_real_one():
    rule = load_scenario("uncc2024").ratification
    assert (rule.threshold, rule.lag_days) == (40, 90)  # Art. 65(1): the 90th day after the 40th ratification


def test_a_sweep_over_the_entry_into_force_threshold_runs(tmp_path):
    """`treatysim -m ratification.threshold=...` sweeps the new knob like any other setting."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "-m",
            "scenario=classroom",
            "ratification.threshold=5,35",
            "replicates=60",
            "figures=false",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summaries = sorted((tmp_path / "sweep").rglob("summary.json"))
    assert len(summaries) == 2
    p = [json.loads(path.read_text())["p_in_force"] for path in summaries]
    assert p[0] > p[1] == 0.0  # the eight delegations stand for 34 states: 35 ratifications are never reached
