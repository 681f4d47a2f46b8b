"""The pieces of the Nash chair's search (sim/chairs.py, docs/model.md §5), each against an answer found without it.

``tests/test_chairs.py`` checks the search's *result*; the search is redundant by design (issue-by-issue line
searches, a pattern move and Newton's direction every sweep), so a broken piece is absorbed there and a mutation pass
let it live (docs/mutation_chairs.md). Here each piece has known answers of its own: worked by hand, analytical, by
finite differences, or by brute force on a fine grid — never by the code's own formula.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim import chairs
from sim import dynamics as dyn

EPS = chairs.NASH_FLOOR


def continued_log(z):
    """log z, continued below ε by its second-order Taylor polynomial at ε: log ε + (z − ε)/ε − (z − ε)²/(2ε²)."""
    z = np.asarray(z)
    taylor = np.log(EPS) + (z - EPS) / EPS - (z - EPS) ** 2 / (2 * EPS**2)
    return np.where(z >= EPS, np.log(np.maximum(z, EPS)), taylor)


def log_nash_product(p, x, s, w, d):
    """Σ_i w_i log(u_i(p) − d_i) with the continued log, u_i(p) = 1 − Σ_k s_ik |p_k − x_ik|; p (..., K)."""
    p = np.asarray(p)
    u = 1.0 - (s * np.abs(p[..., None, :] - x)).sum(axis=-1)
    return (w * continued_log(u - d)).sum(axis=-1)


def best_on_two_issues(x, s, w, d):
    """The maximiser over [0, 1]² by brute force: a 41² grid, zoomed 40 times around its best point (the objective
    is concave, so the zoom cannot lose the maximum)."""
    lo, hi = np.zeros(2), np.ones(2)
    for _ in range(40):
        axes = [np.linspace(lo[k], hi[k], 41) for k in range(2)]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
        values = log_nash_product(grid, x, s, w, d)
        best = grid[np.unravel_index(np.argmax(values), values.shape)]
        half = (hi - lo) / 10
        lo, hi = np.maximum(best - half, 0.0), np.minimum(best + half, 1.0)
    return best


def problem(x, s, w, d):
    """A bargaining problem as float64 arrays: positions and saliences (N, K), powers and outside options (N,)."""
    return tuple(np.array(a, dtype=np.float64) for a in (x, s, w, d))


# --- the continued log's slope --------------------------------------------------------------------------------------


@pytest.mark.parametrize("z", [0.7, 0.05, 3 * EPS, 1.5 * EPS, 0.5 * EPS, 0.0, -EPS, -0.2])
def test_the_log_slope_is_the_derivative_of_the_continued_log_on_both_sides_of_the_floor(z):
    """A central finite difference of the continued log (a step well inside one side of ε) matches the slope."""
    h = 1e-3 * min(abs(z - EPS), 1.0)
    numeric = (continued_log(z + h) - continued_log(z - h)) / (2 * h)
    assert chairs._log_slope(np.array([z]))[0] == pytest.approx(numeric, rel=1e-6)


def test_the_log_slope_is_continuous_positive_and_decreasing_across_the_floor():
    """Just below and just above ε the slope is 1/ε (the continuation is C¹ there), and it falls as z grows: the
    continued log is concave, which the bisections on the slope's sign rely on."""
    near = chairs._log_slope(np.array([EPS * (1 - 1e-9), EPS, EPS * (1 + 1e-9)]))
    assert near == pytest.approx(np.full(3, 1 / EPS), rel=1e-8)
    z = np.linspace(-0.5, 1.0, 20001)
    slope = chairs._log_slope(z)
    assert (slope > 0).all() and (np.diff(slope) < 0).all()
    assert chairs._log_slope(np.array([-1.0]))[0] == pytest.approx((2 * EPS + 1.0) / EPS**2)


# --- the box: the interval of t that keeps p + t v in [0, 1]^K ------------------------------------------------------

BOXES = [
    # p, v, (lo, hi) worked by hand: for each moving issue t ∈ [−p_k/v_k, (1 − p_k)/v_k] (ends swapped if v_k < 0)
    ((0.2, 0.5), (0.5, -0.25), (-0.4, 1.6)),  # issue 0: [−0.4, 1.6]; issue 1: [−2, 2]
    ((0.3, 0.9), (0.0, 0.5), (-1.8, 0.2)),  # issue 0 does not move and sets no limit
    ((0.25, 0.5), (1.0, 0.0), (-0.25, 0.75)),  # a unit speed
    ((0.0, 1.0), (1.0, 1.0), (0.0, 0.0)),  # a corner, moving out of the box on issue 1 and in on issue 0
    ((0.0, 1.0), (0.5, -0.5), (0.0, 2.0)),  # a corner, moving into the box
    ((0.5, 0.5, 0.5), (0.0, 0.0, -4.0), (-0.125, 0.125)),
    ((0.4, 0.7), (0.0, 0.0), (0.0, 0.0)),  # no direction: only the point itself (t = 0)
]


@pytest.mark.parametrize(("p", "v", "expected"), BOXES)
def test_the_box_is_the_interval_of_t_worked_by_hand(p, v, expected):
    lo, hi = chairs._box(np.array(p), np.array(v))
    assert (float(lo), float(hi)) == pytest.approx(expected, abs=1e-12)


def test_the_box_of_a_batch_is_each_replicates_own_and_warns_of_nothing():
    """Replicates side by side get their own intervals, and an issue the direction does not move is never divided by
    (no division-by-zero warning reaches the user)."""
    p = np.array([case[0] for case in BOXES if len(case[0]) == 2])
    v = np.array([case[1] for case in BOXES if len(case[0]) == 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = chairs._box(p, v)
    expected = np.array([case[2] for case in BOXES if len(case[0]) == 2])
    assert np.allclose(lo, expected[:, 0]) and np.allclose(hi, expected[:, 1])


def test_every_point_of_the_box_and_no_point_beyond_it_is_in_the_unit_cube():
    rng = np.random.default_rng(1)
    for _ in range(200):
        p = rng.uniform(size=3)
        v = rng.normal(size=3) * (rng.uniform(size=3) > 0.3)
        lo, hi = chairs._box(p, v)
        if not v.any():
            assert lo == hi == 0.0
            continue
        assert lo <= 0.0 <= hi
        for t in np.linspace(lo, hi, 11):
            assert ((p + t * v >= -1e-12) & (p + t * v <= 1 + 1e-12)).all()
        for t in (lo - 1e-6, hi + 1e-6):
            assert ((p + t * v < 0.0) | (p + t * v > 1.0)).any()


# --- the issue-by-issue search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("w1", "w2", "d1", "d2"),
    [(1.0, 1.0, 0.1, 0.4), (3.0, 1.0, 0.1, 0.4), (1.0, 4.0, 0.2, 0.1), (0.003, 0.001, 0.25, 0.05)],
)
def test_the_issue_search_finds_the_analytical_two_sided_solution(w1, w2, d1, d2):
    """u_1 = 1 − p, u_2 = p: p* = d_2 + w_2/(w_1 + w_2) · (1 − d_1 − d_2) (tests/test_chairs.py derives it), from
    whatever the issue held before; the last case's small powers give the same text (the argmax ignores the
    powers' scale) though every slope is far below 1."""
    x, s, w, d = problem([[0.0], [1.0]], [[1.0], [1.0]], [w1, w2], [d1, d2])
    expected = d2 + w2 / (w1 + w2) * (1 - d1 - d2)
    for start in (0.0, 0.5, 0.97):
        p = np.array([start])
        chairs._issue_search(p, 0, x, s, w, 1 - d)
        assert p[0] == pytest.approx(expected, abs=2e-6)


def test_the_issue_search_with_an_ideal_point_at_a_bisection_point_finds_the_grids_best():
    """A third delegation sits at 0.5, the first point the bisection tries, where its utility has a kink; the
    optimum (found on a grid of 2²¹ + 1 texts) lies below it."""
    x, s, w, d = problem([[0.0], [1.0], [0.5]], [[1.0], [1.0], [1.0]], [3.0, 1.0, 0.5], [0.1, 0.3, 0.2])
    grid = np.linspace(0.0, 1.0, 2**21 + 1)
    expected = grid[np.argmax(log_nash_product(grid[:, None], x, s, w, d))]
    assert expected < 0.48
    p = np.array([0.8])
    chairs._issue_search(p, 0, x, s, w, 1 - d)
    assert p[0] == pytest.approx(expected, abs=2e-6)


def test_the_issue_search_moves_one_issue_given_the_others():
    """Two issues: the search sets issue 1 to the best value with issue 0 held where it is (a grid over issue 1),
    and leaves issue 0 alone."""
    x, s, w, d = problem(
        [[0.1, 0.2], [0.9, 0.7], [0.4, 0.95]], [[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]], [1.0, 2.0, 1.5], [0.3, 0.4, 0.35]
    )
    grid = np.linspace(0.0, 1.0, 2**20 + 1)
    texts = np.stack([np.full_like(grid, 0.45), grid], axis=-1)
    expected = grid[np.argmax(log_nash_product(texts, x, s, w, d))]
    p = np.array([0.45, 0.05])
    chairs._issue_search(p, 1, x, s, w, 1 - d)
    assert p[0] == 0.45
    assert p[1] == pytest.approx(expected, abs=2e-6)


# --- the line search --------------------------------------------------------------------------------------------------

LINE = problem(
    [[0.1, 0.2, 0.5], [0.9, 0.7, 0.1], [0.4, 0.95, 0.8]],
    [[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]],
    [1.0, 2.0, 1.5],
    [0.4, 0.45, 0.4],
)


def best_on_the_line(p, v, lo, hi):
    """The best point of p + t v for t on a grid of a million points over [lo, hi] (the box, worked by hand)."""
    t = np.linspace(lo, hi, 1_000_001)
    points = p + t[:, None] * v
    return points[np.argmax(log_nash_product(points, *LINE))]


@pytest.mark.parametrize(
    ("p", "v", "box"),
    [
        ((0.2, 0.3, 0.6), (0.6, 0.5, -0.3), (-1 / 3, 4 / 3)),  # t ∈ [−1/3, 4/3] (issue 0 low, issue 1 high)
        ((0.2, 0.3, 0.6), (0.0, 0.5, 0.0), (-0.6, 1.4)),  # along issue 1 alone
        ((0.9, 0.1, 0.5), (-0.02, 0.03, 0.0), (-10 / 3, 30.0)),  # a short direction: a long interval of t
    ],
)
def test_the_line_search_finds_the_best_text_on_the_line(p, v, box):
    p, v = np.array(p), np.array(v)
    assert chairs._box(p, v) == pytest.approx(box)
    found = chairs._line_search(p, v, LINE[0], LINE[1], LINE[2], 1 - LINE[3])
    expected = best_on_the_line(p, v, *box)
    assert found == pytest.approx(expected, abs=1e-5)
    assert log_nash_product(found, *LINE) >= log_nash_product(expected, *LINE) - 1e-5


def test_the_line_search_stops_at_the_edge_of_the_box_when_the_objective_rises_to_it():
    """Both delegations want issue 2 at 1: along that issue from 0.5 (t ∈ [−0.5, 0.5]) the objective rises all the
    way, and the best text on the line is its end, on the boundary of [0, 1]^K."""
    p, v = np.array([0.5, 0.5, 0.5]), np.array([0.0, 0.0, 1.0])
    x, s, w, d = problem([[0.5, 0.5, 1.0], [0.4, 0.6, 1.0]], [[0.2, 0.2, 0.6]] * 2, [1.0, 1.0], [0.1, 0.1])
    found = chairs._line_search(p, v, x, s, w, 1 - d)
    assert found == pytest.approx([0.5, 0.5, 1.0], abs=1e-6)
    assert ((found >= 0.0) & (found <= 1.0)).all()


# --- Newton's direction -----------------------------------------------------------------------------------------------


def finite_difference_newton(p, x, s, w, d, h=1e-4):
    """−H⁻¹ g of the continued log Nash product at p, g and H by central differences of the objective, computed in
    extended precision (a term on the quadratic branch is large, and second differences divide by h²)."""
    k = len(p)
    x, s, w, d, p = (np.asarray(a, dtype=np.longdouble) for a in (x, s, w, d, p))

    def f(q):
        return log_nash_product(q, x, s, w, d)

    e = np.eye(k) * h
    g = np.array([(f(p + e[i]) - f(p - e[i])) / (2 * h) for i in range(k)])
    hess = np.array(
        [
            [
                (f(p + e[i] + e[j]) - f(p + e[i] - e[j]) - f(p - e[i] + e[j]) + f(p - e[i] - e[j])) / (4 * h * h)
                for j in range(k)
            ]
            for i in range(k)
        ]
    )
    return -np.linalg.solve(hess.astype(np.float64), g.astype(np.float64))


@pytest.mark.parametrize("below_the_floor", [False, True])
def test_newtons_direction_is_minus_the_inverse_hessian_times_the_gradient(below_the_floor):
    """At a text away from every kink (each |x_ik − p_k| ≥ 0.05), where the objective is smooth, Newton's direction
    equals −H⁻¹ g computed by finite differences: with every surplus above ε, and with one delegation short of its
    outside option (its term on the continued log's quadratic branch)."""
    x, s, w, d = problem(
        [[0.1, 0.2, 0.9], [0.9, 0.7, 0.1], [0.4, 0.95, 0.8], [0.75, 0.05, 0.3], [0.2, 0.6, 0.6]],
        [[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.6, 0.1, 0.3], [0.25, 0.5, 0.25]],
        [1.0, 2.0, 1.5, 0.7, 3.0],
        [0.4, 0.45, 0.4, 0.5, 0.55],
    )
    p = np.array([0.5, 0.4, 0.45])
    if below_the_floor:
        d[3] = 0.78  # u_4(p) = 0.77: short by 0.01
    surplus = 1 - (s * np.abs(p - x)).sum(axis=1) - d
    assert (surplus[3] < 0) if below_the_floor else (surplus > EPS).all()
    v = chairs._newton_direction(p, x, s, w, 1 - d)
    assert v == pytest.approx(finite_difference_newton(p, x, s, w, d), rel=1e-4)


def test_newtons_direction_on_one_issue_is_the_newton_step_to_the_analytical_solution_of_a_quadratic():
    """Two delegations short of their outside options on one issue: both terms are on the quadratic branch, so the
    objective is a quadratic in p and one Newton step lands on its maximiser. With d_1 = d_2 = 0.6 and weights 3
    and 1, z_1 = 0.4 − p, z_2 = p − 0.6, and the continued log's slope (2ε − z)/ε² gives
    −3 (2ε − 0.4 + p) + (2ε + 0.6 − p) = 0, p* = 0.45 − ε: v = p* − p."""
    x, s, w, d = problem([[0.0], [1.0]], [[1.0], [1.0]], [3.0, 1.0], [0.6, 0.6])
    for p in (0.41, 0.45, 0.59):  # z_1 = 0.4 − p and z_2 = p − 0.6 both below ε
        v = chairs._newton_direction(np.array([p]), x, s, w, 1 - d)
        assert v[0] == pytest.approx(0.45 - EPS - p, abs=1e-9)


# --- the pattern move, and the whole schedule ---------------------------------------------------------------------------

#: Two issues on which the issue-by-issue search gets stuck on a kink far from the optimum (the utilities' kinks
#: form a ridge oblique to the axes): the optimum, by a zoomed grid, is near (0.67, 0.48).
RIDGE = problem(
    [[0.32, 0.0], [0.92, 0.48], [0.36, 0.21]],
    [[0.88, 0.12], [0.51, 0.49], [0.32, 0.68]],
    [0.3, 2.4, 0.4],
    [0.614, 0.801, 0.687],
)
RIDGE_START = np.array([0.64, 0.91])


def test_the_pattern_move_carries_the_issue_by_issue_search_along_the_ridge(monkeypatch):
    """With Newton's direction switched off, the issue searches and the pattern move (the line search along each
    sweep's displacement, Hooke & Jeeves 1961) reach the optimum; with every line search switched off, the issue
    searches alone stay stuck far below it — so it is the pattern move that gets there."""
    best = log_nash_product(best_on_two_issues(*RIDGE), *RIDGE)
    monkeypatch.setattr(chairs, "_newton_direction", lambda p, *_: np.zeros_like(p))
    with_pattern = chairs.nash_text(RIDGE_START, *RIDGE)
    assert log_nash_product(with_pattern, *RIDGE) >= best - 1e-5
    monkeypatch.setattr(chairs, "_line_search", lambda p, v, *_: p)
    alone = chairs.nash_text(RIDGE_START, *RIDGE)
    assert log_nash_product(alone, *RIDGE) < best - 1.0


def test_no_line_search_of_the_schedule_lowers_the_objective_and_one_raises_it_far(monkeypatch):
    """Each sweep's three line searches (the pattern move, then two along Newton's direction) keep or improve the
    objective they are given on the ridge (t = 0, the point itself, is always in the box), and one of them lifts the text
    off the kink where the issue searches stick."""
    seen = []
    line_search = chairs._line_search

    def watched(p, v, x, s, w, base):
        q = line_search(p, v, x, s, w, base)
        seen.append((log_nash_product(p, x, s, w, 1 - base), log_nash_product(q, x, s, w, 1 - base)))
        return q

    monkeypatch.setattr(chairs, "_line_search", watched)
    chairs.nash_text(RIDGE_START, *RIDGE)
    assert len(seen) == 3 * chairs.NASH_SWEEPS
    assert all(after >= before - 1e-9 for before, after in seen)
    assert any(after > before + 1.0 for before, after in seen)


def test_fewer_sweeps_are_measurably_short_on_the_corner_problem(monkeypatch):
    """On the three-issue corner problem of tests/test_chairs.py the schedule beats the best of 101³ texts; three
    sweeps instead of NASH_SWEEPS fall short of it by more than 1e-3 in the log Nash product."""
    from tests.test_chairs import CORNER_PROBLEM

    _, position, salience, power, outside = CORNER_PROBLEM
    grid = np.linspace(0.0, 1.0, 101)
    texts = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), axis=-1).reshape(-1, 3)
    surplus = dyn.utility(texts, position, salience) - outside
    best = np.where((surplus > 0).all(axis=1), np.log(np.maximum(surplus, 1e-300)) @ power, -np.inf).max()
    assert log_nash_product(chairs.nash_text(*CORNER_PROBLEM), position, salience, power, outside) >= best
    monkeypatch.setattr(chairs, "NASH_SWEEPS", 3)
    assert log_nash_product(chairs.nash_text(*CORNER_PROBLEM), position, salience, power, outside) < best - 1e-3


@pytest.mark.parametrize(("constant", "fewer"), [("NASH_BISECTIONS", 12)])
def test_the_schedules_constants_matter(monkeypatch, constant, fewer):
    """The schedule as it is reaches the ridge's optimum to 1e-6 in the log Nash product; fewer bisections are
    measurably less precise on it (fewer sweeps: on the corner problem, above)."""
    best = log_nash_product(best_on_two_issues(*RIDGE), *RIDGE)
    assert log_nash_product(chairs.nash_text(RIDGE_START, *RIDGE), *RIDGE) >= best - 1e-6
    monkeypatch.setattr(chairs, constant, fewer)
    assert log_nash_product(chairs.nash_text(RIDGE_START, *RIDGE), *RIDGE) < best - 1e-5


def test_the_continued_log_is_log_above_the_floor_and_its_slope_is_log_slope_on_both_sides():
    eps = chairs.NASH_FLOOR
    above = np.array([eps, 2 * eps, 0.01, 0.5, 1.0])
    assert np.allclose(chairs._continued_log(above), np.log(above), rtol=0, atol=1e-12)
    for z in (-0.3, -eps, 0.0, 0.5 * eps, 0.999 * eps, 1.001 * eps, 3 * eps, 0.2):
        h = 1e-9 * max(abs(z), eps)
        slope = (chairs._continued_log(np.array(z + h)) - chairs._continued_log(np.array(z - h))) / (2 * h)
        assert slope == pytest.approx(float(chairs._log_slope(np.array(z))), rel=1e-5), z


def test_no_line_search_lowers_the_continued_objective_on_random_lines():
    """Whatever the line, the text a line search returns is at least as good as the one it was given (to the last
    bit): the bisection's last midpoint is kept only when it does not lose."""
    rng = np.random.default_rng(11)
    n, k, r = 5, 3, 400
    x = rng.uniform(size=(r, n, k))
    s = rng.uniform(0.05, 1.0, (r, n, k))
    s /= s.sum(axis=-1, keepdims=True)
    w = rng.uniform(0.2, 5.0, (r, n))
    base = 1.0 - (dyn.utility(rng.uniform(size=(r, k)), x, s) - rng.uniform(0.0, 0.3, (r, n)))
    for _ in range(5):
        p = np.where(rng.uniform(size=(r, k)) < 0.3, np.round(rng.uniform(size=(r, k))), rng.uniform(size=(r, k)))
        v = rng.normal(size=(r, k)) * 10.0 ** rng.integers(-3, 3, size=(r, 1))
        q = chairs._line_search(p, v, x, s, w, base)
        assert (chairs._objective(q, x, s, w, base) >= chairs._objective(p, x, s, w, base)).all()


def test_newtons_direction_is_finite_where_the_text_sits_at_an_ideal_point():
    """A text exactly at a delegation's ideal point on an issue (a kink: the subgradient 0 is taken there) gives a
    finite direction, unsmoothed or smoothed: a NaN would poison every later line search."""
    x = np.array([[0.3, 0.7], [0.8, 0.2], [0.5, 0.5]])
    s = np.array([[0.5, 0.5], [0.7, 0.3], [0.2, 0.8]])
    w = np.array([1.0, 2.0, 1.5])
    base = np.array([0.6, 0.5, 0.7])
    p = np.array([0.3, 0.5])  # at delegation 0's ideal on the first issue, at delegation 2's on the second
    for mu in (0.0, 1e-3, 0.05):
        v = chairs._newton_direction(p, x, s, w, base, mu)
        assert np.isfinite(v).all(), mu
