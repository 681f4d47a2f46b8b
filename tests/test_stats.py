"""Outcome statistics: the Wilson interval against known values and its invariants."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from sim import load_scenario, outcomes, simulate
from sim.analysis.stats import summarize, wilson_interval


def test_wilson_interval_known_values():
    # Brown, Cai & DasGupta (2001): x = 0 of n = 10 gives [0, 0.2775]; 5 of 10 gives [0.2366, 0.7634]
    low, high = wilson_interval(0, 10)
    assert low == 0 and math.isclose(high, 0.2775, abs_tol=1e-4)
    low, high = wilson_interval(5, 10)
    assert math.isclose(low, 0.2366, abs_tol=1e-4) and math.isclose(high, 0.7634, abs_tol=1e-4)


@given(n=st.integers(1, 100_000), data=st.data())
def test_wilson_interval_contains_the_estimate_and_stays_in_unit_range(n, data):
    x = data.draw(st.integers(0, n))
    low, high = wilson_interval(x, n)
    assert 0 <= low <= x / n <= high <= 1


def test_summary_probabilities_add_up_and_blockers_are_ranked():
    results = simulate(load_scenario("classroom"), 500, 3)
    s = summarize(results)
    assert math.isclose(sum(s[o.key] for o in outcomes.OUTCOMES), 1.0)
    assert math.isclose(s["p_adopted"], sum(s[o.key] for o in outcomes.OUTCOMES if o.adopted))
    shares = [b["share"] for b in s["top_blockers"]]
    assert shares == sorted(shares, reverse=True) and all(0 < x <= 1 for x in shares)
    expected = {d: float(results.blockers[:, i].mean()) for i, d in enumerate(results.delegation_ids)}
    assert all(math.isclose(b["share"], expected[b["id"]]) for b in s["top_blockers"])


def test_the_report_never_shows_a_rounded_certainty():
    from sim.analysis.report import format_probability

    assert format_probability(0.9995) == ">0.999" and format_probability(0.0004) == "<0.001"
    assert format_probability(1.0) == "1.000" and format_probability(0.0) == "0.000"
    assert format_probability(0.8294) == "0.829" and format_probability(0.8296) == "0.830"
    assert format_probability(0.0005) == "<0.001" and format_probability(0.001) == "0.001"


def test_pivotal_means_the_only_blocker_and_two_perfectionists_are_never_pivotal():
    from sim.analysis.stats import pivotal_delegations
    from tests.builders import build, delegation, lone_holdout

    results = simulate(lone_holdout(style=0.1, reservation=0.95), 1000, 2)
    pivotal = {p["id"]: p["share"] for p in pivotal_delegations(results, n=10)}
    assert pivotal
    for i, d in enumerate(results.delegation_ids):
        alone = (results.blockers.sum(axis=1) == 1) & results.blockers[:, i]
        assert pivotal.get(d, 0.0) == alone.mean()
    perfectionists = [
        delegation("P", 0.2, 0.2, reservation=1.0, outside_option=1.0),
        delegation("Q", 0.8, 0.8, reservation=1.0, outside_option=1.0),
    ]
    both = simulate(build(perfectionists, procedure={"rounds": 3, "fallback": "none"}), 200, 2)
    assert both.blockers.all() and pivotal_delegations(both) == []


def test_a_coordinated_bloc_that_alone_blocks_is_pivotal_as_one():
    from sim.analysis.stats import pivotal_delegations
    from tests.builders import build, delegation

    crowd = [delegation(f"D{i}", 0.5, 0.5) for i in range(3)]
    bloc = [delegation(f"E{i}", 0.1, 0.9, reservation=0.95, outside_option=0.95) for i in (1, 2)]
    scenario = build(
        crowd + bloc,
        blocs=[{"id": "eu", "members": ["E1", "E2"], "coordinated": True}],
        procedure={"rounds": 2, "fallback": "none"},
        chair={"strategy": "hold"},
    )
    results = simulate(scenario, 200, 3)
    assert results.blockers[:, 3:].all() and not results.blockers[:, :3].any()
    assert pivotal_delegations(results) == [{"id": "eu", "name": "eu", "share": 1.0}]
