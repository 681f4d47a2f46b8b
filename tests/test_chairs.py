"""Chairs that bargain (sim/chairs.py, docs/model.md §5): the Nash text, package deals and the friends of the chair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim import chairs, outcomes, simulate
from sim import dynamics as dyn
from sim.errors import ScenarioError
from tests.builders import build, delegation

NO_NOISE = {"position": 0.0, "salience": 0.0, "reservation": 0.0}

# --- the Nash bargaining text ---------------------------------------------------------------------------------------


def two_sides_one_issue(w1: float, w2: float, d1: float, d2: float):
    """Delegation 1 at 0, delegation 2 at 1, one issue (salience 1): u_1(p) = 1 − p, u_2(p) = p."""
    position = np.array([[0.0], [1.0]])
    return position, np.ones((2, 1)), np.array([w1, w2]), np.array([d1, d2])


@pytest.mark.parametrize(
    ("w1", "w2", "d1", "d2"),
    [(1.0, 1.0, 0.1, 0.4), (1.0, 1.0, 0.0, 0.0), (1.0, 1.0, 0.3, 0.2), (3.0, 1.0, 0.1, 0.4), (1.0, 4.0, 0.2, 0.1)],
)
@pytest.mark.parametrize("start", [0.0, 0.5, 0.97])
def test_the_nash_text_is_the_analytical_weighted_nash_solution_on_one_issue(w1, w2, d1, d2, start):
    """With u_1 = 1 − p and u_2 = p the weighted Nash product is maximal where
    d/dp [w_1 log(1 − p − d_1) + w_2 log(p − d_2)] = −w_1/(1 − p − d_1) + w_2/(p − d_2) = 0, i.e.
    w_2 (1 − p − d_1) = w_1 (p − d_2), so

        p* = d_2 + w_2/(w_1 + w_2) · (1 − d_1 − d_2):

    each side gets its outside option plus its power share of the surplus 1 − d_1 − d_2 (Kalai 1977). With equal
    weights p* = (1 − d_1 + d_2)/2, the midpoint of the feasible texts [d_2, 1 − d_1] — not the compromise-model
    text 1/2 unless d_1 = d_2. The search finds it from any starting text, infeasible ones (0, 0.97) included."""
    position, salience, power, outside = two_sides_one_issue(w1, w2, d1, d2)
    expected = d2 + w2 / (w1 + w2) * (1 - d1 - d2)
    p = chairs.nash_text(np.array([start]), position, salience, power, outside)
    assert p[0] == pytest.approx(expected, abs=1e-6)


def test_the_nash_chair_moves_step_of_the_way_to_the_nash_text():
    position, salience, power, outside = two_sides_one_issue(1.0, 1.0, 0.1, 0.4)  # Nash text 0.65
    text = np.array([0.2])
    util = dyn.utility(text, position, salience)
    zero = np.zeros(2)
    moved = chairs.next_text(text, "nash", 0.4, position, salience, power, util, zero, outside, zero > 0)
    assert moved[0] == pytest.approx(0.2 + 0.4 * (0.65 - 0.2), abs=1e-6)


def test_with_no_text_every_delegation_prefers_to_no_deal_the_nash_chair_takes_the_least_squares_text():
    """Outside options 0.6 and 0.6 on u_1 = 1 − p, u_2 = p: no text gives both 0.6. The documented fallback is the
    text minimising Σ w_i (d_i − u_i)²: with weights 3 and 1, 3(p − 0.4) = 0.6 − p, p = 0.45 (up to the floor ε)."""
    position, salience, power, outside = two_sides_one_issue(3.0, 1.0, 0.6, 0.6)
    p = chairs.nash_text(np.array([0.9]), position, salience, power, outside)
    assert p[0] == pytest.approx(0.45, abs=2 * chairs.NASH_FLOOR)
    position, salience, power, outside = two_sides_one_issue(1.0, 1.0, 0.6, 0.6)
    assert chairs.nash_text(np.array([0.1]), position, salience, power, outside)[0] == pytest.approx(0.5, abs=1e-6)


def test_the_nash_text_beats_every_text_on_a_fine_grid_on_two_issues():
    """A direct check of the search against brute force: the Nash product of the text found is at least that of
    the best of 401² texts (less a grid's worth), on a few random two-issue problems with a feasible text."""
    rng = np.random.default_rng(7)
    grid = np.linspace(0.0, 1.0, 401)
    texts = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    for _ in range(12):
        n = int(rng.integers(2, 7))
        position = rng.uniform(size=(n, 2))
        salience = rng.uniform(0.05, 1.0, (n, 2))
        salience /= salience.sum(axis=1, keepdims=True)
        power = rng.uniform(0.2, 5.0, n)
        outside = dyn.utility(rng.uniform(size=2), position, salience) - rng.uniform(0.02, 0.2, n)
        found = chairs.nash_text(rng.uniform(size=2), position, salience, power, outside)
        surplus = dyn.utility(texts, position, salience) - outside
        product = np.where((surplus > 0).all(axis=1), np.log(np.maximum(surplus, 1e-300)) @ power, -np.inf)
        assert (dyn.utility(found, position, salience) > outside).all()
        assert np.log(dyn.utility(found, position, salience) - outside) @ power >= product.max() - 1e-3


@st.composite
def feasible_problems(draw):
    """A bargaining problem with a text every delegation prefers to its outside option by at least 0.01."""
    n = draw(st.integers(1, 6))
    k = draw(st.integers(1, 4))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    position = np.array(draw(st.lists(st.lists(unit, min_size=k, max_size=k), min_size=n, max_size=n)))
    raw = np.array(draw(st.lists(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k), min_size=n, max_size=n)))
    salience = raw / raw.sum(axis=1, keepdims=True)
    power = np.array(draw(st.lists(st.floats(0.2, 5.0), min_size=n, max_size=n)))
    witness = np.array(draw(st.lists(unit, min_size=k, max_size=k)))
    margin = np.array(draw(st.lists(st.floats(0.01, 0.5), min_size=n, max_size=n)))
    start = np.array(draw(st.lists(unit, min_size=k, max_size=k)))
    outside = dyn.utility(witness, position, salience) - margin
    return start, position, salience, power, outside


#: A problem the first search (Newton's direction on the linear piece the text is on) left two delegations short of
#: their outside options on: three delegations at corners of the cube, a start at a corner, a thin feasible set.
CORNER_PROBLEM = (
    np.array([0.0, 0.0, 0.25]),
    np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
    np.array([[1 / 3, 1 / 3, 1 / 3], [0.2, 0.4, 0.4], [1 / 7, 2 / 7, 4 / 7]]),
    np.ones(3),
    np.array([0.0, 0.3375, 0.59151786]),
)


def test_the_nash_text_beats_every_text_on_a_grid_on_three_issues_from_a_corner():
    """Brute force on the problem found by the random test below: the text found is feasible and its Nash product at
    least that of the best of 101³ texts (less a grid's worth)."""
    _, position, salience, power, outside = CORNER_PROBLEM
    grid = np.linspace(0.0, 1.0, 101)
    texts = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)
    surplus = dyn.utility(texts, position, salience) - outside
    product = np.where((surplus > 0).all(axis=1), np.log(np.maximum(surplus, 1e-300)) @ power, -np.inf)
    for dtype in (np.float64, np.float32):
        found = chairs.nash_text(*(np.asarray(a, dtype=dtype) for a in CORNER_PROBLEM)).astype(np.float64)
        assert (dyn.utility(found, position, salience) > outside).all(), dtype
        assert np.log(dyn.utility(found, position, salience) - outside) @ power >= product.max() - 1e-3, dtype


@settings(max_examples=300, deadline=None)
@given(problem=feasible_problems())
@example(problem=CORNER_PROBLEM)
def test_the_nash_text_is_feasible_whenever_some_text_is(problem):
    start, position, salience, power, outside = problem
    p = chairs.nash_text(start, position, salience, power, outside)
    assert p.shape == start.shape and ((p >= 0.0) & (p <= 1.0)).all()
    assert (dyn.utility(p, position, salience) > outside).all()


# --- package deals ----------------------------------------------------------------------------------------------------


def opposite_saliences(**chair):
    """A at (0, 0) cares about scope (0.8), B at (1, 1) about safeguards (0.8); the chair opens with the midpoint
    of each issue, (0.5, 0.5), which gives each 0.5; both demand 0.8 at first and 0.7 (their outside option) at the
    deadline, ten rounds on."""
    a = delegation("A", 0.0, 0.0, salience={"scope": 0.8, "safeguards": 0.2}, reservation=0.8, outside_option=0.7)
    b = delegation("B", 1.0, 1.0, salience={"scope": 0.2, "safeguards": 0.8}, reservation=0.8, outside_option=0.7)
    return build(
        [a, b],
        chair={"draft": {"scope": 0.5, "safeguards": 0.5}, **chair},
        procedure={"rounds": 10, "fallback": "none"},
        uncertainty=NO_NOISE,
    )


def sum_of_utilities(text):
    position = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.array([[0.8, 0.2], [0.2, 0.8]])
    return float(dyn.utility(np.asarray(text, dtype=float), position, salience).sum())


def test_the_package_chair_trades_across_issues_to_a_text_worth_more_than_splitting_each_issue():
    """Splitting each issue down the middle gives A and B 0.5 each (sum 1.0); the compromise-model text (0.2, 0.8)
    sum 1.36; no text gives both more than 0.8 (the logroll (0, 1) gives each exactly 0.8). The package chair pays
    each side on the issue it cares most about and reaches, before the deadline, a text both accept, toward the
    logroll (scope low for A, safeguards high for B), worth more than either. The accommodating chair, moving toward
    each ideal point on both issues at once, is pulled equally both ways, never leaves the midpoint and fails."""
    package = simulate(opposite_saliences(strategy="package"), 2, 1)
    assert (package.outcome == outcomes.CONSENSUS.code).all() and (package.round < 10).all()
    text = package.text[0]
    assert text[0] < 0.2 and text[1] > 0.8
    assert sum_of_utilities(text) > sum_of_utilities([0.5, 0.5]) + 0.4
    assert sum_of_utilities(text) > sum_of_utilities([0.2, 0.8]) + 0.05
    accommodate = simulate(opposite_saliences(strategy="accommodate"), 2, 1)
    assert (accommodate.outcome == outcomes.FAILED.code).all()
    assert np.allclose(accommodate.text[0], [0.5, 0.5])


def test_the_package_move_pays_a_lone_objector_in_proportion_to_its_salience_and_meets_its_demand():
    """A lone objector with salience (0.8, 0.2), short by 0.1: the least (Euclidean) change that makes up 0.1 moves
    the issues by 0.1 · (0.8, 0.2)/0.68 toward its ideal point — four times as far on the issue it cares about."""
    position = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.array([[0.8, 0.2], [0.5, 0.5]])
    text = np.array([0.5, 0.5])
    move = chairs.package_move(text, position, salience, np.array([1.0, 2.0]), np.array([0.1, 0.0]))
    assert np.allclose(move, -0.1 * np.array([0.8, 0.2]) / 0.68)
    gained = dyn.utility(text + move, position, salience)[0] - dyn.utility(text, position, salience)[0]
    assert gained == pytest.approx(0.1)


def test_the_package_move_never_passes_an_objectors_ideal_point():
    position = np.array([[0.45, 0.0]])
    move = chairs.package_move(np.array([0.5, 0.5]), position, np.array([[0.8, 0.2]]), np.ones(1), np.array([0.4]))
    assert move[0] == pytest.approx(-0.05)


# --- the friends of the chair -----------------------------------------------------------------------------------------


def test_the_friends_group_seats_the_most_powerful_objectors_and_supporters():
    power = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 2.0])
    blocking = np.array([True, True, False, False, True, False])
    # three seats: two for objectors (0, 4: the strongest), one for a supporter (2)
    assert chairs.friends_group(blocking, power, 3).tolist() == [True, False, True, False, True, False]
    # five: three objectors (all), two supporters (2, then 3 before 5 on a tie in power)
    assert chairs.friends_group(blocking, power, 5).tolist() == [True, True, True, True, True, False]
    # nobody objects, or everyone does: the seats go to the side there is
    assert chairs.friends_group(np.zeros(6, dtype=bool), power, 2).tolist() == [True, False, False, False, True, False]
    assert chairs.friends_group(np.ones(6, dtype=bool), power, 7).all()


def test_the_friends_chair_moves_toward_the_groups_compromise_and_ignores_everyone_outside_it():
    rng = np.random.default_rng(3)
    n = 9
    position = rng.uniform(size=(n, 2))
    salience = rng.uniform(0.1, 1.0, (n, 2))
    salience /= salience.sum(axis=1, keepdims=True)
    power = np.arange(1.0, n + 1.0)  # delegation 8 the strongest
    blocking = np.zeros(n, dtype=bool)
    blocking[[1, 4, 8]] = True
    text = np.array([0.5, 0.5])
    util = dyn.utility(text, position, salience)
    shortfall = np.where(blocking, 0.1, 0.0)

    def move(position):
        args = (position, salience, power, util, shortfall, None, blocking, 4)
        return chairs.next_text(text, "friends", 0.5, *args)

    group = [8, 4, 7, 6]  # objectors 8 and 4, supporters 7 and 6
    expected = dyn.compromise_text(position[group], salience[group], power[group])
    assert np.allclose(move(position), text + 0.5 * (expected - text))
    elsewhere = position.copy()
    elsewhere[[0, 1, 2, 3, 5]] = rng.uniform(size=(5, 2))  # outside the group: no effect
    assert np.array_equal(move(elsewhere), move(position))
    assert not np.allclose(move(position), text + 0.5 * (dyn.compromise_text(position, salience, power) - text))


def test_the_scenarios_friends_seats_reach_the_chair():
    ds = [delegation(f"D{i}", 0.1 * i, 0.1 * i, power=float(i + 1)) for i in range(6)]
    assert build(ds, chair={"strategy": "friends", "friends": 2}).chair.friends == 2
    with pytest.raises(ScenarioError, match="friends"):
        build(ds, chair={"strategy": "friends", "friends": 0})
    with pytest.raises(ScenarioError, match="strategy"):
        build(ds, chair={"strategy": "bribe"})


# --- vectorised: a replicate alone or in a batch ----------------------------------------------------------------------


@pytest.mark.parametrize("strategy", chairs.BARGAINING)
def test_each_new_chair_gives_a_replicate_the_same_bits_alone_or_in_a_batch(strategy):
    rng = np.random.default_rng(11)
    r, n, k = 5, 7, 3
    position = rng.uniform(size=(r, n, k)).astype(np.float32)
    salience = rng.uniform(0.1, 1.0, (r, n, k)).astype(np.float32)
    salience /= salience.sum(axis=-1, keepdims=True)
    power = rng.uniform(0.5, 3.0, n).astype(np.float32)
    text = rng.uniform(size=(r, k)).astype(np.float32)
    util = dyn.utility(text, position, salience)
    threshold = (util + rng.uniform(-0.2, 0.2, (r, n))).astype(np.float32)
    blocking = threshold > util
    shortfall = np.where(blocking, threshold - util, 0.0).astype(np.float32)
    outside = (util - rng.uniform(-0.05, 0.2, (r, n))).astype(np.float32)

    def revise(sl):
        return chairs.next_text(
            text[sl], strategy, 0.7, position[sl], salience[sl], power, util[sl], shortfall[sl], outside[sl],
            blocking[sl], 3,
        )  # fmt: skip

    batch = revise(slice(None))
    assert batch.dtype == np.float32
    for j in range(r):
        assert np.array_equal(revise(j), batch[j]), j


def test_the_friends_chair_seats_five_unless_told_otherwise():
    """The schema documents five seats when ``chair.friends`` is unset: the same group as ``friends: 5``, not six."""
    from sim import steps
    from sim.inputs import compile_arrays
    from tests.builders import build, delegation

    crowd = [delegation(f"D{i}", i / 8, 1 - i / 8, power=8 - i) for i in range(8)]

    def revised(chair):
        arrays = compile_arrays(build(crowd, chair={"strategy": "friends", **chair}))
        text = np.array([0.5, 0.5], dtype=np.float32)
        util = np.full(8, 0.5, dtype=np.float32)
        blocking = np.array([True, True, True, False, False, False, False, False])
        return steps.revise(arrays, text, arrays.position, arrays.salience, util, util + 0.2, blocking)

    assert np.array_equal(revised({}), revised({"friends": 5}))
    assert not np.array_equal(revised({}), revised({"friends": 6}))  # a sixth seat would move the text


def test_the_package_move_of_a_light_objector_at_the_text_on_one_issue():
    """A lone objector of power 0.5 is paid in full (the power-weighted mean of one move is that move), and on an
    issue where its ideal point is the text there is nothing to move: 0, not 0/0."""
    position = np.array([[0.0, 0.5], [1.0, 1.0]])
    salience = np.array([[0.8, 0.2], [0.5, 0.5]])
    text = np.array([0.5, 0.5])
    move = chairs.package_move(text, position, salience, np.array([0.5, 2.0]), np.array([0.1, 0.0]))
    assert np.allclose(move, [-0.1 * 0.8 / 0.68, 0.0]) and np.isfinite(move).all()
