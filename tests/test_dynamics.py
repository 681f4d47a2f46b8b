"""Properties of the pure dynamics functions (hypothesis where it fits)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import chairs
from sim import dynamics as dyn

unit = st.floats(0.0, 1.0, allow_nan=False)


def salience_rows(n: int, k: int):
    return arrays(np.float64, (n, k), elements=st.floats(0.01, 1.0)).map(lambda a: a / a.sum(axis=1, keepdims=True))


@settings(max_examples=200, deadline=None)
@given(
    text=arrays(np.float64, 3, elements=unit),
    position=arrays(np.float64, (5, 3), elements=unit),
    salience=salience_rows(5, 3),
)
def test_utility_is_bounded_and_one_at_the_ideal_point(text, position, salience):
    u = dyn.utility(text, position, salience)
    assert u.shape == (5,)
    assert np.all((u >= -1e-12) & (u <= 1 + 1e-12))
    at_ideal = dyn.utility(position[2], position, salience)[2]
    assert at_ideal == 1.0


@settings(max_examples=200, deadline=None)
@given(
    position=arrays(np.float64, 2, elements=unit),
    salience=salience_rows(1, 2),
    direction=arrays(np.float64, 2, elements=st.floats(-1, 1)),
    near=st.floats(0.0, 1.0),
)
def test_utility_falls_as_the_text_moves_away_from_the_ideal_point(position, salience, direction, near):
    closer = position + near * 0.5 * direction
    further = position + 0.5 * direction
    u_close = dyn.utility(closer, position[None], salience)[0]
    u_far = dyn.utility(further, position[None], salience)[0]
    assert u_close >= u_far - 1e-12


@settings(max_examples=200, deadline=None)
@given(res=unit, gap=unit, beta=st.floats(0.05, 20.0), t1=unit, t2=unit)
def test_threshold_runs_from_reservation_to_outside_option_and_never_rises(res, gap, beta, t1, t2):
    floor = np.array([res * (1 - gap)])
    r, b = np.array([res]), np.array([beta])
    assert dyn.acceptance_threshold(0.0, r, floor, b)[0] == res
    assert np.isclose(dyn.acceptance_threshold(1.0, r, floor, b)[0], floor[0])
    early, late = sorted((t1, t2))
    assert dyn.acceptance_threshold(early, r, floor, b)[0] >= dyn.acceptance_threshold(late, r, floor, b)[0] - 1e-12


def test_boulware_demands_more_than_conceder_before_the_deadline():
    r, floor = np.array([0.9, 0.9, 0.9]), np.array([0.5, 0.5, 0.5])
    beta = np.array([0.3, 1.0, 3.0])  # boulware, linear, conceder
    mid = dyn.acceptance_threshold(0.5, r, floor, beta)
    assert mid[0] > mid[1] > mid[2]


@settings(max_examples=200, deadline=None)
@given(
    text=arrays(np.float64, 2, elements=unit),
    ideal=arrays(np.float64, 2, elements=unit),
    weights=arrays(np.float64, 2, elements=st.floats(0.05, 1.0)),
    demand=st.floats(0.0, 1.0),
)
def test_a_lone_objector_accepts_after_the_chairs_full_move(text, ideal, weights, demand):
    """The chair's move is a projection: one objector, full step, and it is satisfied."""
    position, salience, power = ideal[None], (weights / weights.sum())[None], np.array([2.0])
    u = dyn.utility(text, position, salience)
    threshold = np.maximum(u, demand)
    shortfall = np.where(threshold > u, threshold - u, 0.0)
    moved = chairs.next_text(text, "accommodate", 1.0, position, salience, power, u, shortfall)
    assert dyn.utility(moved, position, salience)[0] >= threshold[0] - 1e-9
    if shortfall[0] == 0:
        assert np.array_equal(moved, text)


@settings(max_examples=300, deadline=None)
@given(
    text=arrays(np.float32, 2, elements=st.floats(0, 1, width=32)),
    ideal=arrays(np.float32, 2, elements=st.floats(0, 1, width=32)),
    weights=arrays(np.float32, 2, elements=st.floats(0.0625, 1.0, width=32)),
    demand=st.floats(0.0, 1.0, width=32),
)
def test_in_the_engines_float32_a_lone_objector_is_satisfied_up_to_rounding(text, ideal, weights, demand):
    position, salience, power = ideal[None], (weights / weights.sum())[None], np.array([2.0], dtype=np.float32)
    u = dyn.utility(text, position, salience)
    threshold = np.maximum(u, np.float32(demand))
    shortfall = threshold - u
    moved = chairs.next_text(text, "accommodate", 1.0, position, salience, power, u, shortfall)
    assert moved.dtype == np.float32
    assert dyn.utility(moved, position, salience)[0] >= threshold[0] - 1e-5


def test_hold_never_moves_and_compromise_heads_for_the_compromise_text():
    position = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.full((2, 2), 0.5)
    power = np.array([3.0, 1.0])
    text = np.array([0.9, 0.9])
    args = (position, salience, power, np.zeros(2), np.array([0.3, 0.0]))
    assert np.array_equal(chairs.next_text(text, "hold", 1.0, *args), text)
    assert np.allclose(chairs.next_text(text, "compromise", 1.0, *args), [0.25, 0.25])
    assert np.allclose(dyn.compromise_text(position, salience, power), [0.25, 0.25])


def test_pool_blocs_gives_members_the_power_weighted_bloc_value():
    values = np.array([[0.2, 0.8, 0.5, 0.9]])
    bloc_index = np.array([0, 0, -1, 1])
    power = np.array([1.0, 3.0, 1.0, 1.0])
    pooled = dyn.pool_blocs(values, bloc_index, 2, power)
    assert np.allclose(pooled, [[0.65, 0.65, 0.5, 0.9]])
    assert dyn.pool_blocs(values, np.full(4, -1), 0, power) is values


@given(yes=st.integers(0, 200), no=st.integers(0, 200), share=st.fractions(0, 1, max_denominator=100))
def test_vote_meets_its_threshold_exactly_as_integer_arithmetic_says(yes, no, share):
    """A threshold a/b of those present and voting: yes·b ≥ a·(yes + no), even where a/b has no exact binary form,
    and a tie rejects (no yes at all included)."""
    if share == 0:
        share = 1
    adopted = bool(dyn.vote_adopts(np.int64(yes), np.int64(no), float(share)))
    assert adopted == (yes > 0 and yes != no and yes * share.denominator >= share.numerator * (yes + no))


def test_exactly_at_the_threshold_is_enough():
    assert dyn.vote_adopts(np.int64(55), np.int64(45), 0.55)
    assert dyn.vote_adopts(np.int64(120), np.int64(60), 2 / 3)
    assert not dyn.vote_adopts(np.int64(119), np.int64(61), 2 / 3)


def test_ballots_abstain_within_the_band():
    yes, no = dyn.ballots(np.array([0.6, 0.47, 0.40]), np.array([0.5, 0.5, 0.5]), 0.05)
    assert yes.tolist() == [True, False, False] and no.tolist() == [False, False, True]
