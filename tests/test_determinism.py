"""Reproducibility: the same seed gives the same table; replicate k depends only on (seed, k)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import load_scenario, simulate


def test_same_seed_gives_an_identical_results_table():
    scenario = load_scenario("classroom")
    a = simulate(scenario, 300, 99).to_frame()
    b = simulate(scenario, 300, 99).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert (a["seed"] == 99).all() and a["replicate"].tolist() == list(range(300))


def test_another_seed_gives_other_numbers():
    scenario = load_scenario("classroom")
    a = simulate(scenario, 100, 1).text
    b = simulate(scenario, 100, 2).text
    assert not np.array_equal(a, b)


def test_replicate_k_is_the_same_among_10_or_1000():
    scenario = load_scenario("classroom")
    few = simulate(scenario, 10, 5).to_frame()
    many = simulate(scenario, 1000, 5).to_frame().iloc[:10]
    pd.testing.assert_frame_equal(few, many)


def test_chunk_size_does_not_change_any_number():
    scenario = load_scenario("uncc2024")
    whole = simulate(scenario, 257, 3, chunk_size=257).to_frame()
    for chunk in (1, 10, 64):
        pd.testing.assert_frame_equal(whole, simulate(scenario, 257, 3, chunk_size=chunk).to_frame())
