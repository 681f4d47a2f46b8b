"""Gaps the mutation runs found (tools/mutation.py, docs/mutation_after_gavel.md): documented behaviour at the edges.

Each test checks a boundary that a survivor of a mutation pass moved without any other test noticing: a rule's
``≥`` against ``>``, a draw at the very edge of its range, a ratification exactly at the horizon. The expected values
come from the rules as documented (docs/model.md, the docstrings of ``sim/``), not from the code's lines.
"""

from __future__ import annotations

import numpy as np

from sim import dynamics as dyn
from sim import ratification as rat
from sim import stages, steps
from sim.inputs import compile_arrays, noise_length, perturb
from tests.builders import build, delegation

NO_NOISE = {"position": 0.0, "salience": 0.0, "reservation": 0.0}


def test_a_ballot_of_probability_zero_is_never_cast_even_on_a_draw_of_zero():
    """docs/model.md §12: as λ → 0 the random ballots become the deterministic ones (§6). At a small temperature a
    delegation inside the abstention band has no chance of a yes or a no (both probabilities underflow to 0), so it
    abstains on every draw of [0, 1) — the draw 0 included, which the generator can give; one far below its demand
    votes no on every draw. (At λ = 1e-4 the scores are −1000 and below: e^−1000 is 0 in floating point.)"""
    uniform = np.array([0.0, 0.5, np.nextafter(1.0, 0.0)])
    threshold, band = np.full(3, 0.5), 0.2
    for util, expected_no in ((0.4, False), (0.1, True)):  # shortfalls 0.1 (inside the band of 0.2) and 0.4 (beyond)
        yes, no = dyn.random_ballots(np.full(3, util), threshold, band, 1e-4, uniform)
        assert not yes.any() and (no == expected_no).all()
        det_yes, det_no = dyn.ballots(np.full(3, util), threshold, band)
        assert np.array_equal(yes, det_yes) and np.array_equal(no, det_no)


def test_a_shortfall_of_exactly_the_vote_thresholds_relative_allowance_still_adopts():
    """dyn.vote_adopts: adopted iff yes ≥ θ × (yes + no), the comparison allowing a relative 1e-9 for floating point.
    At θ = 1 (every vote cast), 999,999,999 yes to 1 no is a yes share of exactly 1 − 1e-9: within the allowance, so
    adopted; 2 no are beyond it."""
    assert dyn.vote_adopts(np.int64(999_999_999), np.int64(1), 1.0)
    assert not dyn.vote_adopts(np.int64(999_999_998), np.int64(2), 1.0)


def _adopting(horizon: float, difficulties=(0.5, 0.5)):
    """Delegations at the same point, gaining 0.5 over the status quo from the text they adopt at once, with these
    difficulties of ratification at home; the treaty enters into force with no lag once two states have ratified."""
    crowd = [delegation(f"D{i}", 0.5, 0.5, ratification_difficulty=d) for i, d in enumerate(difficulties)]
    return compile_arrays(
        build(
            crowd,
            status_quo={"scope": 0.0, "safeguards": 1.0},
            ratification={"threshold": 2, "lag_days": 0, "horizon_years": horizon},
            uncertainty=NO_NOISE,
        )
    )


def _draws(arrays, uniforms):
    """A batch of the scenario's exact inputs with these ratification uniforms, (replicates, delegations); the
    signature uniforms are 0."""
    n, k = arrays.shape
    noise = np.zeros((uniforms.shape[0], noise_length(arrays)), dtype=arrays.dtype)
    start = 2 * n * k + n  # the ratification uniforms follow the normals: signature (N), then ratification (N)
    noise[:, start + n : start + 2 * n] = uniforms
    return perturb(arrays, noise)


def _years(arrays, draw):
    """Each delegation's years to ratification of the adopted text (the opening text), on each replicate's draw."""
    text = steps.opening_text(arrays, draw)
    return steps.ratify(arrays, text, draw).years


def test_a_state_ratifying_exactly_at_the_horizon_ratified_within_it():
    """docs/model.md §14: ratifications and entry into force are counted *within* the horizon, its end included. With
    the horizon set to exactly the years after which D0 ratifies on a draw (D1 ratifies at once, on a draw of 0), D0
    has ratified within it, and the treaty it brings into force (the second state, no lag) is in force after exactly
    the horizon's years; a horizon a hair shorter leaves both out."""
    uniforms = np.array([[0.5, 0.0]], dtype=np.float32)
    at = float(_years(_adopting(horizon=10.0), _draws(_adopting(horizon=10.0), uniforms))[0, 0])
    assert 0.0 < at < 10.0
    for horizon, within in ((at, True), (float(np.nextafter(np.float32(at), np.float32(0))), False)):
        arrays = _adopting(horizon)
        draw = _draws(arrays, uniforms)
        after = steps.ratify(arrays, steps.opening_text(arrays, draw), draw)
        assert after.years[0, 0] == at  # the horizon does not change when a state ratifies
        assert after.ratified[0].tolist() == [within, True] and after.ratifications[0] == 1 + within
        assert after.in_force_years[0] == at if within else np.isnan(after.in_force_years[0])


def test_the_ratification_curve_counts_a_state_ratifying_exactly_at_a_whole_year():
    """docs/model.md §14: ``ratifications_y<n>`` counts the states ratified after n years, a ratification at exactly
    n years included. Twenty delegations of different difficulty (so different hazards), each with the float32
    uniforms around the one that makes its time 1 year (T = −ln(1 − U)/(Hπ)): on some replicates a state ratifies
    after exactly 1.0 years, and the curve's first year counts it."""
    arrays = _adopting(horizon=2.5, difficulties=[0.3 + 0.02 * i for i in range(20)])
    probe = _years(arrays, _draws(arrays, np.full((1, 20), 0.5, dtype=np.float32)))[0]
    hazard = np.log(2.0) / probe.astype(np.float64)  # Hπ of each, from its time at U = 1/2
    centre = np.float32(-np.expm1(-hazard)).view(np.int32)
    uniforms = (centre[None, :] + np.arange(-1000, 1001, dtype=np.int32)[:, None]).view(np.float32)
    draw = _draws(arrays, uniforms)
    years = _years(arrays, draw)
    assert (years == 1.0).any()  # the float32 steps of the times skip 1.0 for some hazards, not for all
    record = stages.run_pipeline(arrays, draw)
    assert (record["outcome"] == 0).all()  # adopted by consensus: the stage of ratification follows
    assert np.array_equal(record["ratifications_y1"], (years <= 1.0).sum(axis=1))


def test_the_ratification_curve_has_a_year_for_each_whole_year_of_the_horizon_and_none_without_a_rule():
    """stages.ratification_years: the whole years 1..⌈horizon⌉; a scenario without an entry-into-force rule has no
    ratification stage and so no year on its curve."""
    assert list(stages.ratification_years(_adopting(horizon=2.5))) == [1, 2, 3]
    assert list(stages.ratification_years(_adopting(horizon=3.0))) == [1, 2, 3]
    plain = compile_arrays(build([delegation("A", 0.5, 0.5), delegation("B", 0.5, 0.5)]))
    assert plain.ratification is None and list(stages.ratification_years(plain)) == []


def test_a_government_with_nothing_to_gain_never_signs_nor_ratifies_even_on_a_draw_of_zero():
    """docs/model.md §14: readiness π_i is 0 for a gain g_i ≤ 0 (and at difficulty 1), and such a government never
    signs and never ratifies (its time is infinite) — on every draw of [0, 1), the draw 0 included."""
    ready = rat.readiness(np.array([0.0, -0.2, 0.3]), np.array([0.5, 0.5, 1.0]))
    assert np.array_equal(ready, np.zeros(3))
    for uniform in (np.zeros(3), np.full(3, 0.5)):
        assert not rat.signs(ready, uniform).any()
        assert np.isposinf(rat.ratification_years(ready, uniform)).all()


def test_no_uniform_draw_rounds_to_one_in_float32():
    """A float64 uniform above 1 − 2⁻²⁵ rounded to exactly 1.0 in float32, where a choice of probability 1 is not made
    and a ratification never comes (docs/mutation_after_gavel.md): uniforms are capped below 1 before the cast."""
    from sim.inputs import uniforms

    class Extremes:
        def random(self, size):
            return np.array([1.0 - 2.0**-30, 1.0 - 2.0**-26, 0.5, 0.0])[:size]

    drawn = uniforms(Extremes(), 4)
    assert (drawn.astype(np.float32) < 1.0).all() and (drawn < 1.0).all()
    assert drawn[2] == 0.5 and drawn[3] == 0.0  # every other draw as it was
    assert np.float32(drawn[0]) == np.float32(drawn[1]) == np.nextafter(np.float32(1.0), np.float32(0.0))
