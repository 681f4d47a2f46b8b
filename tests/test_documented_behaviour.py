"""Documented behaviour of the model, checked value by value (issue 18: changes a mutation pass showed no test noticed).

Each test names the behaviour it checks and where it is documented: ``docs/model.md`` (section numbers), the README,
or the docstrings of ``sim/`` for the newer mechanics the docs do not describe yet. The expected values are worked
out from those statements (the formula, the rule), not read off the code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import chairs, outcomes, simulate, steps
from sim import dynamics as dyn
from sim.inputs import Draw, compile_arrays, coordinate_blocs, draw_batch, noise_length, perturb
from sim.tally import Tally
from tests.builders import build, delegation

NO_NOISE = {"position": 0.0, "salience": 0.0, "reservation": 0.0}


def arrays_of(delegations, **sections):
    """A scenario's arrays (float32, as the engine uses them)."""
    return compile_arrays(build(delegations, **sections))


def exact_draw(arrays):
    """The scenario's own inputs, unperturbed (all noise zero)."""
    return perturb(arrays, np.zeros(noise_length(arrays), dtype=arrays.dtype))


def two_camps(**extra):
    """Two delegations of equal power at (0.2, 0.2) and (0.8, 0.8): the compromise text (0.5, 0.5) gives each 0.7."""
    return [
        delegation("A", 0.2, 0.2, reservation=0.9, outside_option=0.6, **extra),
        delegation("B", 0.8, 0.8, reservation=0.9, outside_option=0.6, **extra),
    ]


# --- docs/model.md §3: Faratin's schedule, τ_t = (t − 1)/(T − 1), τ = 1 when T ≤ 1 ---------------------------------


@pytest.mark.parametrize("rounds", [2, 3, 5, 10, 40])
def test_faratin_progress_is_zero_in_the_first_round_and_one_at_the_deadline(rounds):
    assert dyn.progress(1, rounds) == 0.0
    assert dyn.progress(rounds, rounds) == 1.0


@pytest.mark.parametrize(
    ("t", "rounds", "tau"), [(3, 5, 0.5), (2, 5, 0.25), (4, 5, 0.75), (6, 11, 0.5), (2, 3, 0.5), (2, 11, 0.1)]
)
def test_faratin_progress_at_intermediate_rounds_is_t_minus_one_over_T_minus_one(t, rounds, tau):
    assert dyn.progress(t, rounds) == pytest.approx(tau, abs=1e-12)


def test_faratin_a_two_round_deadline_runs_from_opening_demand_to_outside_option():
    assert (dyn.progress(1, 2), dyn.progress(2, 2)) == (0.0, 1.0)


@pytest.mark.parametrize("rounds", [0, 1])
def test_faratin_a_single_round_or_none_is_the_deadline_itself(rounds):
    assert dyn.progress(max(rounds, 1), rounds) == 1.0
    assert dyn.progress(rounds, rounds) == 1.0


def test_deadline_credibility_scales_progress_so_the_deadline_reaches_only_c():
    assert dyn.progress(5, 5, 0.8) == pytest.approx(0.8)
    assert dyn.progress(3, 5, 0.8) == pytest.approx(0.4)
    assert dyn.progress(1, 5, 0.8) == 0.0
    assert dyn.progress(1, 1, 0.9) == pytest.approx(0.9)


def test_demands_are_the_reservation_in_round_one_and_the_outside_option_at_the_deadline():
    arrays = arrays_of(
        [
            delegation("A", 0.2, 0.2, reservation=0.9, outside_option=0.5, style="boulware"),
            delegation("B", 0.8, 0.8, reservation=0.7, outside_option=0.3, style="conceder"),
        ],
        procedure={"rounds": 5},
        uncertainty=NO_NOISE,
    )
    draw = exact_draw(arrays)
    assert np.allclose(steps.demands(arrays, draw, 1), [0.9, 0.7])
    assert np.allclose(steps.demands(arrays, draw, 5), [0.5, 0.3])
    # midpoint τ = 1/2: r − (r − r_min) τ^(1/β), β = 0.3 and 3
    assert np.allclose(steps.demands(arrays, draw, 3), [0.9 - 0.4 * 0.5 ** (1 / 0.3), 0.7 - 0.4 * 0.5 ** (1 / 3)])


def test_a_one_round_session_demands_the_outside_option_at_once_and_agrees_in_round_one():
    results = simulate(build(two_camps(), procedure={"rounds": 1, "fallback": "none"}, uncertainty=NO_NOISE), 4, 1)
    assert np.all(results.outcome == outcomes.CONSENSUS.code) and np.all(results.round == 1)


def test_a_two_round_session_opens_at_the_reservation_and_agrees_at_the_deadline_in_round_two():
    results = simulate(build(two_camps(), procedure={"rounds": 2, "fallback": "none"}, uncertainty=NO_NOISE), 4, 1)
    assert np.all(results.outcome == outcomes.CONSENSUS.code) and np.all(results.round == 2)
    assert np.allclose(results.text, 0.5)


def test_a_linear_delegation_accepts_only_once_its_demand_has_fallen_to_the_texts_utility():
    """Rounds 1..5, linear, 0.9 → 0.6: demands 0.9, 0.825, 0.75, 0.675, 0.6; the text gives 0.7: accepted in round 4."""
    results = simulate(build(two_camps(), procedure={"rounds": 5, "fallback": "none"}, uncertainty=NO_NOISE), 4, 1)
    assert np.all(results.outcome == outcomes.CONSENSUS.code) and np.all(results.round == 4)


# --- outcome names (README: results.csv's outcome column; sim/outcomes.py registry) --------------------------------


def test_outcome_codes_and_names_round_trip_through_the_registry():
    codes = np.array([o.code for o in outcomes.OUTCOMES])
    assert list(outcomes.names(codes)) == [o.name for o in outcomes.OUTCOMES]
    assert list(outcomes.names(np.array([0, 1, 2, 3]))) == ["consensus", "vote", "failed", "suspended"]
    for o in outcomes.SUMMARY_ROWS:
        assert outcomes.by_name(o.name) is o and o.key == f"p_{o.name}"
    with pytest.raises(KeyError):
        outcomes.by_name("postponed")


def test_only_consensus_and_vote_count_as_adopted():
    codes = np.array([outcomes.CONSENSUS.code, outcomes.VOTE.code, outcomes.FAILED.code, outcomes.SUSPENDED.code])
    assert outcomes.is_adopted(codes).tolist() == [True, True, False, False]
    tally = outcomes.counts(np.array([0, 0, 1, 2, 2, 2, 3]))
    assert tally == {"p_consensus": 2, "p_vote": 1, "p_suspended": 1, "p_failed": 3, "p_adopted": 3}
    assert outcomes.most_likely({"p_consensus": 0.2, "p_vote": 0.1, "p_failed": 0.7}) == "failed"
    assert outcomes.most_likely({"p_consensus": 0.5, "p_vote": 0.5}) == "consensus"  # ties: registry order


def failing_scenario(fallback="none", **procedure):
    """Two perfectionists at opposite corners: no text gives both utility 1, so consensus never comes."""
    return build(
        [
            delegation("P", 0.2, 0.2, reservation=1.0, outside_option=1.0),
            delegation("Q", 0.8, 0.8, reservation=1.0, outside_option=1.0),
        ],
        procedure={"rounds": 3, "fallback": fallback, **procedure},
    )


def test_failed_talks_are_named_failed_in_the_table_the_tally_and_the_counts():
    results = simulate(failing_scenario(), 20, 3)
    assert set(results.to_frame()["outcome"]) == {"failed"}
    assert set(Tally.of(results).outcome_labels()) == {"failed"}
    counts = outcomes.counts(results.outcome)
    assert counts["p_failed"] == 20 and counts["p_vote"] == 0 and counts["p_adopted"] == 0


def test_adopted_by_vote_is_named_vote_in_the_table_and_consensus_consensus():
    content = [delegation(f"D{i}", 0.5, 0.5, outside_option=0.0, reservation=0.5) for i in range(3)]
    voted = simulate(build(content, procedure={"rounds": 0}), 10, 3)
    assert set(voted.to_frame()["outcome"]) == {"vote"}
    agreed = simulate(build(content, procedure={"rounds": 2}), 10, 3)
    assert set(agreed.to_frame()["outcome"]) == {"consensus"}
    assert set(Tally.of(agreed).outcome_labels()) == {"consensus"}


# --- docs/model.md §6: the fallback vote; a ballot counts `votes` times ------------------------------------------


def test_weighted_ballots_count_for_yes_no_and_abstain():
    arrays = arrays_of(
        [delegation("ONE", 0.5, 0.5), delegation("BLOC27", 0.5, 0.5, votes=27), delegation("THREE", 0.5, 0.5, votes=3)]
    )
    count = steps.count_votes(arrays, np.array([True, False, False]), np.array([False, True, False]))
    assert (int(count.yes), int(count.no), int(count.abstain)) == (1, 27, 3)
    assert not count.adopted
    count = steps.count_votes(arrays, np.array([False, True, False]), np.array([True, False, True]))
    assert (int(count.yes), int(count.no), int(count.abstain)) == (27, 4, 0)
    assert count.adopted


def test_a_27_vote_delegation_voting_no_outweighs_ten_single_yes_votes():
    """10 yes against 27 no is far short of two thirds (by heads, 10 to 1, it would pass)."""
    big = delegation("BIG", 0.9, 0.9, reservation=0.95, outside_option=0.95, votes=27)
    small = [delegation(f"S{i}", 0.2, 0.2, outside_option=0.0) for i in range(10)]
    results = simulate(build([big] + small, procedure={"rounds": 0}, uncertainty=NO_NOISE), 5, 1)
    assert np.all(results.yes == 10) and np.all(results.no == 27) and np.all(results.abstain == 0)
    assert np.all(results.outcome == outcomes.FAILED.code)


def test_a_27_vote_delegation_voting_yes_carries_the_vote_against_ten_no():
    big = delegation("BIG", 0.2, 0.2, outside_option=0.0, votes=27, power=100.0)
    small = [delegation(f"S{i}", 0.9, 0.9, reservation=0.99, outside_option=0.99) for i in range(10)]
    results = simulate(build([big] + small, procedure={"rounds": 0}, uncertainty=NO_NOISE), 5, 1)
    assert np.all(results.yes == 27) and np.all(results.no == 10)
    assert np.all(results.outcome == outcomes.VOTE.code)


# --- docs/model.md §6: ballot and threshold boundaries -----------------------------------------------------------


def test_a_ballot_exactly_at_the_demand_is_yes_and_exactly_at_the_band_edge_abstains():
    util = np.array([0.5, 0.5 - 1e-12, 0.25, 0.25 - 1e-12, 0.75])
    yes, no = dyn.ballots(util, np.full(5, 0.5), 0.25)
    assert yes.tolist() == [True, False, False, False, True]
    assert no.tolist() == [False, False, False, True, False]


def test_acceptance_at_exactly_the_demand_is_not_an_objection():
    assert dyn.objections(np.array([0.5, 0.5 - 1e-12, 0.6]), np.full(3, 0.5)).tolist() == [False, True, False]


def test_the_vote_threshold_has_no_slack_beyond_floating_point():
    """1999 of 3000 is 0.0005 short of two thirds: not adopted; 2000 of 3000 is exactly two thirds: adopted."""
    assert not dyn.vote_adopts(np.int64(1999), np.int64(1001), 2 / 3)
    assert dyn.vote_adopts(np.int64(2000), np.int64(1000), 2 / 3)
    assert not dyn.vote_adopts(np.int64(54999), np.int64(45001), 0.55)
    assert dyn.vote_adopts(np.int64(55000), np.int64(45000), 0.55)


def test_a_vote_needs_at_least_one_yes_and_counts_only_those_present_and_voting():
    assert not dyn.vote_adopts(np.int64(0), np.int64(0), 0.5)
    assert dyn.vote_adopts(np.int64(1), np.int64(0), 1.0)
    assert not dyn.vote_adopts(np.int64(1), np.int64(1), 0.51)


def test_an_equally_divided_vote_rejects_the_proposal_whatever_the_threshold():
    """UN General Assembly rules of procedure 95 and 133: a tie rejects — even where the threshold, 0.5 or below,
    would be met (a recorded vote to delete a provision at a simple majority keeps it on a tie)."""
    for threshold in (0.5, 0.4, 0.1):
        assert not dyn.vote_adopts(np.int64(50), np.int64(50), threshold)
        assert dyn.vote_adopts(np.int64(51), np.int64(50), threshold)
    assert dyn.vote_adopts(np.int64(41), np.int64(59), 0.4)  # below half, more no than yes: the threshold decides


def test_the_engines_ballots_use_the_scenarios_abstention_band():
    arrays = arrays_of([delegation("A", 0.5, 0.5)], procedure={"abstention_band": 0.25})
    yes, no = steps.ballots(arrays, np.array([0.5, 0.3, 0.2], dtype=np.float32), np.full(3, 0.5, dtype=np.float32))
    assert yes.tolist() == [True, False, False] and no.tolist() == [False, False, True]


# --- docs/model.md §2: the compromise text; an issue nobody cares about ------------------------------------------


def test_compromise_text_is_the_power_times_salience_weighted_mean():
    position = np.array([[0.0, 0.2, 1.0], [1.0, 0.6, 0.0]])
    salience = np.array([[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]])
    power = np.array([3.0, 1.0])
    text = dyn.compromise_text(position, salience, power)
    # scope: (3·0.5·0 + 1·0.25·1)/(1.5 + 0.25); second: (3·.5·.2 + 1·.75·.6)/(1.5 + .75)
    assert text[0] == pytest.approx(0.25 / 1.75)
    assert text[1] == pytest.approx((0.3 + 0.45) / 2.25)
    # nobody cares about the third issue: the power-weighted mean of the ideal points, (3·1 + 1·0)/4
    assert text[2] == pytest.approx(0.75)


def test_compromise_text_weighs_by_salience_whatever_the_scale_of_power():
    """Power is relative: the compromise text is the same with powers 0.1 and 0.3 as with 1 and 3."""
    position = np.array([[0.0, 1.0], [1.0, 0.0]])
    salience = np.array([[0.8, 0.2], [0.4, 0.6]])
    small = dyn.compromise_text(position, salience, np.array([0.1, 0.3]))
    assert np.allclose(small, dyn.compromise_text(position, salience, np.array([1.0, 3.0])))
    assert small[0] == pytest.approx(0.12 / (0.08 + 0.12))  # (0.1·0.8·0 + 0.3·0.4·1)/(0.08 + 0.12)


def test_an_issue_nobody_cares_about_opens_at_the_power_weighted_mean_of_ideal_points():
    no_safeguards = {"scope": 1.0, "safeguards": 0.0}
    crowd = [
        delegation("A", 0.3, 0.2, power=3.0, salience=no_safeguards),
        delegation("B", 0.7, 0.6, power=1.0, salience=no_safeguards),
    ]
    scenario = build(
        crowd,
        chair={"strategy": "hold"},
        procedure={"rounds": 2, "fallback": "none"},
        uncertainty={"position": 0.0, "salience": 0.5, "reservation": 0.0},
    )
    results = simulate(scenario, 20, 5)
    assert np.allclose(results.text[:, 0], 0.4)  # (3·0.3 + 1·0.7)/4
    assert np.allclose(results.text[:, 1], 0.3)  # (3·0.2 + 1·0.6)/4, whatever the salience noise


def test_the_chairs_opening_text_weighs_ideal_points_by_power():
    arrays = arrays_of(
        [delegation("A", 0.0, 0.2, power=3.0), delegation("B", 1.0, 0.6, power=1.0)], uncertainty=NO_NOISE
    )
    assert np.allclose(steps.opening_text(arrays, exact_draw(arrays)), [0.25, 0.3])


def test_the_chairs_draft_is_the_opening_text_when_given():
    arrays = arrays_of(
        [delegation("A", 0.0, 0.2, power=3.0), delegation("B", 1.0, 0.6)],
        chair={"draft": {"scope": 0.9, "safeguards": 0.1}},
    )
    assert np.allclose(steps.opening_text(arrays, draw_batch(arrays, 1, range(3))), [[0.9, 0.1]] * 3)


# --- docs/model.md §5: each chair strategy's step -----------------------------------------------------------------


def chair_setting():
    position = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.full((2, 2), 0.5)
    power = np.array([3.0, 1.0])
    text = np.array([0.9, 0.5])
    return text, position, salience, power


def test_the_compromise_chair_moves_step_of_the_way_to_the_compromise_text():
    text, position, salience, power = chair_setting()
    args = (position, salience, power, np.zeros(2), np.zeros(2))
    assert np.allclose(chairs.next_text(text, "compromise", 0.4, *args), text + 0.4 * (np.array([0.25, 0.25]) - text))
    assert np.allclose(chairs.next_text(text, "compromise", 1.0, *args), [0.25, 0.25])


def test_the_accommodating_chair_moves_step_times_the_least_move_to_satisfy_a_lone_objector():
    text, position, salience, power = chair_setting()
    util = dyn.utility(text, position, salience)  # B: 1 − 0.5·0.1 − 0.5·0.5 = 0.7
    shortfall = np.array([0.0, 0.1])  # B demands 0.8: a = 0.1/0.3 of the way toward (1, 1)
    full = chairs.next_text(text, "accommodate", 1.0, position, salience, power, util, shortfall)
    assert np.allclose(full, text + (1 / 3) * (position[1] - text))
    assert dyn.utility(full, position, salience)[1] == pytest.approx(0.8)
    half = chairs.next_text(text, "accommodate", 0.5, position, salience, power, util, shortfall)
    assert np.allclose(half, text + (1 / 6) * (position[1] - text))


def test_the_accommodating_chair_averages_objectors_moves_by_power():
    text = np.array([0.5, 0.5])
    position = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.0]])
    salience = np.full((3, 2), 0.5)
    power = np.array([3.0, 1.0, 5.0])
    util = dyn.utility(text, position, salience)  # 0.5, 0.5, 0.75
    shortfall = np.array([0.1, 0.25, 0.0])  # moves a = 0.2 and 0.5; the content third does not pull
    move = chairs.next_text(text, "accommodate", 1.0, position, salience, power, util, shortfall) - text
    expected = (3 * 0.2 * (position[0] - text) + 1 * 0.5 * (position[1] - text)) / 4
    assert np.allclose(move, expected)


def test_the_holding_chair_never_moves_whatever_its_step():
    text, position, salience, power = chair_setting()
    assert np.array_equal(chairs.next_text(text, "hold", 0.3, position, salience, power, np.zeros(2), np.ones(2)), text)


def test_the_scenarios_chair_step_and_strategy_reach_the_revision():
    ds = [delegation("A", 0.0, 0.0, power=3.0), delegation("B", 1.0, 1.0)]
    arrays = arrays_of(ds, chair={"strategy": "compromise", "step": 0.4}, uncertainty=NO_NOISE)
    draw = exact_draw(arrays)
    text = np.array([0.9, 0.5], dtype=np.float32)
    util = dyn.utility(text, draw.position, draw.salience)
    revised = steps.revise(arrays, text, draw.position, draw.salience, util, util, np.zeros(2, dtype=bool))
    assert np.allclose(revised, text + 0.4 * (np.array([0.25, 0.25]) - text))
    arrays = arrays_of(ds, chair={"step": 0.5}, uncertainty=NO_NOISE)
    blocking = np.array([False, True])
    revised = steps.revise(arrays, text, draw.position, draw.salience, util, util + np.float32(0.1), blocking)
    room = 1 - util[1]
    assert np.allclose(revised, text + 0.5 * (0.1 / room) * (draw.position[1] - text), atol=1e-6)


# --- docs/model.md §7: the noise model --------------------------------------------------------------------------


def noisy_arrays(position=0.1, salience=0.3, reservation=0.05, **extra):
    ds = [
        delegation("A", 0.5, 0.4, reservation=0.8, outside_option=0.5),
        delegation("B", 0.0, 1.0, reservation=0.99, outside_option=0.2, salience={"scope": 1.0, "safeguards": 3.0}),
        delegation("C", 0.6, 0.5, reservation=0.6, outside_option=0.02),
    ]
    return arrays_of(ds, uncertainty={"position": position, "salience": salience, "reservation": reservation}, **extra)


@pytest.fixture(scope="module")
def noisy_draw():
    arrays = noisy_arrays()
    return arrays, draw_batch(arrays, 11, range(4000))


def test_noise_positions_are_centred_with_sd_sigma_and_clipped_to_the_unit_interval(noisy_draw):
    _, draw = noisy_draw
    assert draw.position.min() >= 0.0 and draw.position.max() <= 1.0
    a = draw.position[:, 0, :]  # A at (0.5, 0.4): clipping never bites at σ = 0.1
    assert np.allclose(a.mean(axis=0), [0.5, 0.4], atol=0.01)
    assert np.allclose(a.std(axis=0), 0.1, atol=0.01)
    b = draw.position[:, 1, :]  # B at the corners: about half the draws clipped onto them
    assert 0.4 < np.mean(b[:, 0] == 0.0) < 0.6 and 0.4 < np.mean(b[:, 1] == 1.0) < 0.6


def test_noise_saliences_are_renormalised_lognormal_weights(noisy_draw):
    arrays, draw = noisy_draw
    assert np.allclose(draw.salience.sum(axis=-1), 1.0, atol=1e-6)
    log_ratio = np.log(draw.salience[:, :, 1] / draw.salience[:, :, 0])
    base = np.log(arrays.salience[:, 1] / arrays.salience[:, 0])
    assert np.allclose(log_ratio.mean(axis=0), base, atol=0.03)
    assert np.allclose(log_ratio.std(axis=0), 0.3 * math.sqrt(2), atol=0.03)


def test_noise_shifts_reservation_and_outside_option_together_by_their_own_draw(noisy_draw):
    arrays, draw = noisy_draw
    shift = draw.reservation[:, 0] - arrays.reservation[0]
    assert np.allclose(draw.outside_option[:, 0] - arrays.outside_option[0], shift, atol=1e-6)  # one common shift
    assert abs(shift.mean()) < 0.005 and shift.std() == pytest.approx(0.05, abs=0.004)
    for j in range(3):  # independent of the position and salience draws
        for other in (draw.position[:, j, 0], draw.position[:, j, 1], draw.salience[:, j, 0]):
            assert abs(np.corrcoef(shift, other)[0, 1]) < 0.1
    assert abs(np.corrcoef(shift, draw.reservation[:, 2])[0, 1]) < 0.1  # each delegation its own shift
    assert 0.0 <= draw.outside_option.min() and draw.reservation.max() <= 1.0
    assert np.any(draw.reservation[:, 1] == 1.0) and np.any(draw.outside_option[:, 2] == 0.0)  # clipped, not beyond


def test_noise_is_off_when_the_uncertainty_is_zero():
    arrays = noisy_arrays(0.0, 0.0, 0.0)
    draw = draw_batch(arrays, 3, range(5))
    assert np.allclose(draw.position, arrays.position) and np.allclose(draw.salience, arrays.salience)
    assert np.allclose(draw.reservation, arrays.reservation)
    assert np.allclose(draw.outside_option, arrays.outside_option)


def test_replicate_k_draws_the_same_inputs_alone_or_in_a_batch():
    arrays = noisy_arrays()
    batch = draw_batch(arrays, 9, range(2, 7))
    alone = draw_batch(arrays, 9, range(4, 5))
    assert np.array_equal(batch.position[2], alone.position[0])
    assert np.array_equal(batch.reservation[2], alone.reservation[0])


# --- newer mechanics (docstrings of sim/scenario.py and sim/inputs.py) -------------------------------------------


def status_quo_delegations():
    return [
        delegation("A", 0.2, 0.6, reservation=0.6),  # u(status quo) = 1 − 0.5·0.2 − 0.5·0.4 = 0.7
        delegation("B", 0.0, 1.0, reservation=0.9),  # at the status quo: 1
        delegation("C", 0.5, 0.5, reservation=0.8, outside_option=0.3),
    ]


SQ = {"scope": 0.0, "safeguards": 1.0}


def test_the_status_quo_sets_the_outside_option_where_none_is_given():
    arrays = arrays_of(status_quo_delegations(), status_quo=SQ, uncertainty=NO_NOISE)
    draw = exact_draw(arrays)
    assert np.allclose(draw.outside_option, [0.7, 1.0, 0.3])
    assert np.allclose(draw.reservation, [0.7, 1.0, 0.8])  # nobody opens below what no deal gives it


def test_without_a_status_quo_the_default_outside_option_applies():
    arrays = arrays_of(status_quo_delegations(), uncertainty=NO_NOISE, behaviour={"default_outside_option": 0.4})
    assert np.allclose(exact_draw(arrays).outside_option, [0.4, 0.4, 0.3])


def test_the_status_quo_outside_option_follows_the_perturbed_positions():
    arrays = arrays_of(
        status_quo_delegations(), status_quo=SQ, uncertainty={"position": 0.1, "salience": 0.2, "reservation": 0.0}
    )
    draw = draw_batch(arrays, 2, range(50))
    expected = dyn.utility(arrays.status_quo, draw.position, draw.salience)
    assert np.allclose(draw.outside_option[:, :2], expected[:, :2], atol=1e-6)
    assert np.allclose(draw.outside_option[:, 2], 0.3)


def test_agreement_cost_raises_every_floor_by_the_cost_even_above_one():
    """sim/inputs.py: a text must beat no agreement by the cost; above 1, nothing will do."""
    arrays = arrays_of(status_quo_delegations(), status_quo=SQ, uncertainty=NO_NOISE, behaviour={"agreement_cost": 0.1})
    draw = exact_draw(arrays)
    assert np.allclose(draw.outside_option, [0.8, 1.1, 0.4])
    assert np.allclose(draw.reservation, [0.8, 1.1, 0.8])
    plain = exact_draw(arrays_of(status_quo_delegations(), status_quo=SQ, uncertainty=NO_NOISE))
    assert np.allclose(plain.outside_option, [0.7, 1.0, 0.3])


def test_the_chair_moves_at_most_to_the_ideal_point_of_an_objector_demanding_more_than_one():
    """sim/dynamics.py accommodate_move: a_i ≤ 1 (a demand above 1, which no text meets, asks for the ideal point)."""
    text, position, salience, power = chair_setting()
    util = dyn.utility(text, position, salience)  # B: 0.7
    moved = chairs.next_text(text, "accommodate", 1.0, position, salience, power, util, np.array([0.0, 0.4]))
    assert np.allclose(moved, position[1])


def test_agreement_cost_makes_a_text_at_the_status_quo_unacceptable():
    ds = [delegation("A", 0.0, 1.0, outside_option=0.0), delegation("B", 0.6, 0.4)]
    plain = build(
        ds,
        status_quo=SQ,
        chair={"draft": SQ, "strategy": "hold"},
        uncertainty=NO_NOISE,
        procedure={"rounds": 1, "fallback": "none"},
    )
    costly = build(
        ds,
        status_quo=SQ,
        chair={"draft": SQ, "strategy": "hold"},
        uncertainty=NO_NOISE,
        procedure={"rounds": 1, "fallback": "none"},
        behaviour={"agreement_cost": 0.05},
    )
    assert np.all(simulate(plain, 3, 1).outcome == outcomes.CONSENSUS.code)
    assert np.all(simulate(costly, 3, 1).outcome == outcomes.FAILED.code)


def test_companions_is_the_share_of_the_other_delegations_power_that_blocks_too():
    power = np.array([1.0, 2.0, 3.0, 4.0])
    alone = dyn.companions(np.array([False, False, True, False]), power)
    assert np.allclose(alone, [3 / 9, 3 / 8, 0.0, 3 / 6])
    group = dyn.companions(np.array([True, True, False, False]), power)
    assert np.allclose(group, [2 / 9, 1 / 8, 3 / 7, 3 / 6])
    assert np.allclose(dyn.companions(np.array([True]), np.array([2.0])), [0.0])  # the only delegation


def test_companions_depend_on_power_shares_not_on_its_scale():
    blocking = np.array([False, True, True, False])
    assert np.allclose(
        dyn.companions(blocking, np.array([0.1, 0.2, 0.3, 0.4])),
        dyn.companions(blocking, np.array([1.0, 2.0, 3.0, 4.0])),
    )
    assert np.allclose(dyn.companions(blocking, np.array([0.1, 0.2, 0.3, 0.4])), [5 / 9, 3 / 8, 2 / 7, 5 / 6])


def test_isolation_relief_is_kappa_times_isolation_times_the_schedule():
    beta = np.array([1.0, 0.5, 2.0])
    companions = np.array([0.0, 0.25, 1.0])
    assert np.allclose(dyn.isolation_relief(0.2, companions, 1.0, beta), [0.2, 0.15, 0.0])
    assert np.allclose(dyn.isolation_relief(0.2, companions, 0.5, beta), [0.1, 0.15 * 0.25, 0.0])
    assert np.allclose(dyn.isolation_relief(0.2, companions, 0.0, beta), 0.0)


def isolation_arrays(cost=0.2, rounds=3):
    return arrays_of(
        [delegation(f"D{i}", 0.5, 0.5) for i in range(4)],
        uncertainty=NO_NOISE,
        procedure={"rounds": rounds},
        behaviour={"isolation_cost": cost},
    )


def test_a_lone_objector_gives_way_at_the_deadline_but_a_group_holds():
    """Shortfall 0.15 each. Alone (c = 0) the floor falls by 0.2: accepted. Two of four, each with a third of the
    others' power blocking with it, fall by 0.2·(2/3) ≈ 0.133: still short."""
    arrays = isolation_arrays()
    f = np.float32
    lone_util, threshold = np.array([0.9, 0.9, 0.55, 0.9], f), np.array([0.6, 0.6, 0.7, 0.6], f)
    decision = steps.decide(arrays, lone_util, threshold, 3)
    assert not decision.blocking.any()
    assert decision.threshold[2] == pytest.approx(0.5, abs=1e-6)
    pair_util = np.array([0.9, 0.55, 0.55, 0.9], f)
    pair_threshold = np.array([0.6, 0.7, 0.7, 0.6], f)
    decision = steps.decide(arrays, pair_util, pair_threshold, 3)
    assert decision.blocking.tolist() == [False, True, True, False]
    assert decision.threshold[1] == pytest.approx(0.7 - 0.2 * 2 / 3, abs=1e-6)


def test_isolation_costs_nothing_in_the_first_round_or_without_a_cost():
    f = np.float32
    util, threshold = np.array([0.9, 0.9, 0.55, 0.9], f), np.array([0.6, 0.6, 0.7, 0.6], f)
    assert steps.decide(isolation_arrays(), util, threshold, 1).blocking.tolist() == [False, False, True, False]
    assert steps.decide(isolation_arrays(0.0), util, threshold, 3).blocking.tolist() == [False, False, True, False]
    # at the midpoint (τ = 1/2, linear) relief is 0.1: short of 0.15
    assert steps.decide(isolation_arrays(), util, threshold, 2).blocking.tolist() == [False, False, True, False]


def test_the_logistic_is_bounded_symmetric_and_never_overflows():
    x = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = dyn.logistic(x)
    assert np.allclose(y, [0.0, 1 / (1 + math.e**2), 0.5, 1 / (1 + math.e**-2), 1.0])
    assert np.allclose(dyn.logistic(x) + dyn.logistic(-x), 1.0)


def test_random_acceptance_has_probability_logit_of_the_surplus():
    grid = (np.arange(10_000) + 0.5) / 10_000
    for surplus, temperature in [(0.0, 0.1), (0.05, 0.1), (-0.1, 0.05)]:
        util = np.full(grid.shape, 0.6 + surplus)
        objecting = dyn.random_objections(util, np.full(grid.shape, 0.6), temperature, grid)
        p_accept = 1 / (1 + math.exp(-surplus / temperature))
        assert (~objecting).mean() == pytest.approx(p_accept, abs=2e-4)


def test_random_acceptance_at_zero_surplus_is_a_coin_toss_on_the_draw():
    objecting = dyn.random_objections(np.full(3, 0.5), np.full(3, 0.5), 0.1, np.array([0.25, 0.5, 0.75]))
    assert objecting.tolist() == [False, True, True]


def test_random_acceptance_tends_to_the_deterministic_rule_as_temperature_falls():
    rng = np.random.default_rng(0)
    util, threshold = rng.uniform(size=2000), rng.uniform(size=2000)
    gap = np.abs(util - threshold) > 1e-3
    uniform = rng.uniform(0.001, 0.999, size=2000)
    random = dyn.random_objections(util, threshold, 1e-5, uniform)
    assert np.array_equal(random[gap], dyn.objections(util, threshold)[gap])


def test_random_ballots_are_a_multinomial_logit_over_yes_no_and_abstain():
    grid = (np.arange(20_000) + 0.5) / 20_000
    for util, threshold, band, temperature in [(0.55, 0.5, 0.05, 0.1), (0.4, 0.5, 0.05, 0.05), (0.47, 0.5, 0.1, 0.02)]:
        yes, no = dyn.random_ballots(np.full(grid.shape, util), np.full(grid.shape, threshold), band, temperature, grid)
        scores = np.array([(util - threshold) / temperature, (threshold - band - util) / temperature, 0.0])
        p = np.exp(scores) / np.exp(scores).sum()
        assert not np.any(yes & no)
        assert yes.mean() == pytest.approx(p[0], abs=2e-4)
        assert no.mean() == pytest.approx(p[1], abs=2e-4)


def test_random_ballots_tend_to_the_deterministic_ballots_as_temperature_falls():
    rng = np.random.default_rng(1)
    util, threshold = rng.uniform(size=3000), rng.uniform(size=3000)
    band = 0.1
    clear = (np.abs(util - threshold) > 1e-3) & (np.abs(util - threshold + band) > 1e-3)
    uniform = rng.uniform(0.001, 0.999, size=3000)
    yes, no = dyn.random_ballots(util, threshold, band, 1e-5, uniform)
    det_yes, det_no = dyn.ballots(util, threshold, band)
    assert np.array_equal(yes[clear], det_yes[clear]) and np.array_equal(no[clear], det_no[clear])


def test_temperature_switches_the_engine_between_deterministic_and_random_choice():
    ds = [delegation("A", 0.5, 0.5), delegation("B", 0.1, 0.1)]
    cold = arrays_of(ds)
    warm = arrays_of(ds, behaviour={"temperature": 0.5})
    assert not cold.stochastic and warm.stochastic
    util, threshold = np.array([0.7, 0.7], np.float32), np.array([0.6, 0.6], np.float32)
    uniform = np.array([0.1, 0.9], np.float32)  # σ(0.2) ≈ 0.55: the second draw objects
    assert steps.objections(cold, util, threshold, uniform).tolist() == [False, False]
    assert steps.objections(warm, util, threshold, uniform).tolist() == [False, True]


def test_random_choice_draws_uniforms_for_each_round_and_the_ballots():
    arrays = arrays_of(
        [delegation("A", 0.5, 0.5), delegation("B", 0.1, 0.1)],
        procedure={"rounds": 3, "sessions": 2},
        behaviour={"temperature": 0.2},
    )
    draw = draw_batch(arrays, 4, range(500))
    assert draw.choice.shape == (500, 2, 4, 2)
    assert draw.choice.min() >= 0.0 and draw.choice.max() < 1.0
    assert draw.choice.mean() == pytest.approx(0.5, abs=0.01)
    assert np.array_equal(steps.choice_uniforms(arrays, draw, 1, 4), draw.choice[:, 1, 3, :])
    assert steps.choice_uniforms(arrays_of([delegation("A", 0.5, 0.5)]), draw, 0, 1) is None


def test_a_coordinated_bloc_shares_the_draw_of_its_first_member():
    arrays = arrays_of(
        [
            delegation("X", 0.5, 0.5),
            delegation("E1", 0.5, 0.5),
            delegation("E2", 0.5, 0.5),
            delegation("Y", 0.5, 0.5),
            delegation("E3", 0.5, 0.5),
        ],
        blocs=[
            {"id": "eu", "members": ["E1", "E2", "E3"], "coordinated": True},
            {"id": "loose", "members": ["X", "Y"]},
        ],
    )
    uniforms = np.array([[0.1, 0.2, 0.3, 0.4, 0.5], [0.6, 0.7, 0.8, 0.9, 0.95]])
    shared = coordinate_blocs(arrays, uniforms)
    assert np.array_equal(shared, [[0.1, 0.2, 0.2, 0.4, 0.2], [0.6, 0.7, 0.7, 0.9, 0.7]])
    assert np.array_equal(uniforms[0], [0.1, 0.2, 0.3, 0.4, 0.5])  # the input is left alone
    plain = arrays_of([delegation("X", 0.5, 0.5)])
    assert coordinate_blocs(plain, uniforms) is uniforms


def test_sessions_followed_by_another_are_all_but_the_last_or_all_when_resumable():
    def followed(sessions, resumable):
        return arrays_of([delegation("A", 0.5, 0.5)], procedure={"sessions": sessions, "resumable": resumable}).followed

    assert followed(1, False) == (False,)
    assert followed(1, True) == (True,)
    assert followed(3, False) == (True, True, False)
    assert followed(3, True) == (True, True, True)
    assert not arrays_of([delegation("A", 0.5, 0.5)]).draws_credibility


def test_a_doubted_deadlines_credibility_is_drawn_around_the_resumed_mean():
    arrays = arrays_of([delegation("A", 0.5, 0.5)], procedure={"sessions": 2}, behaviour={"resumed_credibility": 0.7})
    draw = draw_batch(arrays, 5, range(3000))
    assert draw.credibility.shape == (3000, 2)
    assert draw.credibility.mean() == pytest.approx(0.7, abs=0.01)
    assert draw.credibility.std() == pytest.approx(math.sqrt(0.7 * 0.3 / 21), abs=0.01)
    assert 0.0 < draw.credibility.min() and draw.credibility.max() < 1.0
    sure = arrays_of([delegation("A", 0.5, 0.5)], procedure={"sessions": 2}, behaviour={"resumed_credibility": 1.0})
    assert np.all(draw_batch(sure, 5, range(10)).credibility == 1.0)


def test_only_a_session_another_may_follow_has_a_doubted_deadline():
    arrays = arrays_of([delegation("A", 0.5, 0.5)], procedure={"sessions": 2, "deadline_credibility": 0.9})
    draw = exact_draw(arrays)
    draw = Draw(
        draw.position,
        draw.salience,
        draw.reservation,
        draw.outside_option,
        credibility=np.array([[0.5, 0.6]], dtype=np.float32),
    )
    assert np.allclose(steps.credibility(arrays, draw, 0), [[0.45]])
    assert steps.credibility(arrays, draw, 1) == 0.9


def test_the_next_session_opens_where_the_last_ones_concessions_ended():
    arrays = arrays_of(
        [
            delegation("A", 0.5, 0.5, reservation=0.9, outside_option=0.5),
            delegation("B", 0.2, 0.2, reservation=0.8, outside_option=0.4, style=2.0),
        ],
        procedure={"rounds": 4, "sessions": 2},
        uncertainty=NO_NOISE,
    )
    draw = exact_draw(arrays)
    carried = steps.carry_concessions(arrays, draw, 0.25)
    assert np.allclose(carried.reservation, [0.9 - 0.4 * 0.25, 0.8 - 0.4 * 0.5])
    assert np.allclose(carried.outside_option, draw.outside_option)
    assert np.allclose(steps.carry_concessions(arrays, draw, 1.0).reservation, [0.5, 0.4])


def test_talks_that_can_resume_end_suspended_without_a_vote():
    results = simulate(failing_scenario("vote", resumable=True), 10, 2)
    assert np.all(results.outcome == outcomes.SUSPENDED.code)
    assert np.all(results.yes == 0) and np.all(results.no == 0) and np.all(results.abstain == 0)
    assert set(results.to_frame()["outcome"]) == {"suspended"}
    assert np.all(results.session == 1)


def test_the_last_of_several_sessions_ends_in_the_fallback():
    results = simulate(failing_scenario("vote", sessions=3), 10, 2)
    assert np.all(results.session == 3)
    assert np.all(results.yes + results.no + results.abstain == 2)
    assert np.all(results.outcome == outcomes.FAILED.code)  # each perfectionist votes no
    assert np.all(results.no == 2)
    resumable = simulate(failing_scenario("vote", sessions=3, resumable=True), 10, 2)
    assert np.all(resumable.outcome == outcomes.SUSPENDED.code) and np.all(resumable.session == 3)


def test_concessions_carried_into_a_second_session_bring_consensus_there():
    """Session 1 (deadline doubted, credibility 0.5) leaves the camps demanding 0.75 of a text worth 0.7;
    session 2, final and believed, runs on down to 0.6: consensus in its round 2 at the latest."""
    scenario = build(
        two_camps(),
        procedure={"rounds": 2, "sessions": 2, "fallback": "none"},
        uncertainty=NO_NOISE,
        behaviour={"resumed_credibility": 1.0},
    )
    one_session = build(
        two_camps(), procedure={"rounds": 2, "deadline_credibility": 0.5, "fallback": "none"}, uncertainty=NO_NOISE
    )
    assert np.all(simulate(one_session, 4, 1).outcome == outcomes.FAILED.code)
    results = simulate(scenario, 4, 1)
    assert np.all(results.outcome == outcomes.CONSENSUS.code)
    assert np.all(results.session == 1) and np.all(results.round == 2)  # a believed first deadline: done there
    doubted = build(
        two_camps(),
        procedure={"rounds": 2, "sessions": 2, "fallback": "none"},
        uncertainty=NO_NOISE,
        behaviour={"resumed_credibility": 0.6},
    )
    results = simulate(doubted, 200, 1)
    belief = draw_batch(compile_arrays(doubted), 1, range(200)).credibility[:, 0]
    # session 1 ends in agreement only where the drawn belief lets the demand 0.9 − 0.3·c reach 0.7 (c ≥ 2/3)
    assert np.all(results.outcome == outcomes.CONSENSUS.code) and np.all(results.round == 2)
    assert np.array_equal(results.session, np.where(belief >= 2 / 3 + 1e-6, 1, 2))
    assert 20 < np.sum(results.session == 2) < 180


# --- bookkeeping the stages write (README: results.csv) ----------------------------------------------------------


def test_ordered_sum_is_the_sum_for_any_length():
    rng = np.random.default_rng(3)
    for n in range(1, 10):
        values = rng.uniform(size=(4, n))
        assert np.allclose(dyn.ordered_sum(values), values.sum(axis=-1))
        assert np.allclose(dyn.ordered_sum(values.T, axis=0), values.sum(axis=-1))


def test_pooled_bloc_members_decide_as_one():
    arrays = arrays_of(
        [delegation("E1", 0.2, 0.9, power=3), delegation("E2", 0.4, 0.6), delegation("X", 0.8, 0.2)],
        blocs=[{"id": "eu", "members": ["E1", "E2"], "coordinated": True}],
    )
    pooled = steps.pooled(arrays, np.array([0.2, 0.6, 0.9], np.float32))
    assert np.allclose(pooled, [0.3, 0.3, 0.9])


def test_consensus_clears_the_blockers_and_records_the_round_and_the_adopted_text():
    results = simulate(build(two_camps(), procedure={"rounds": 5, "fallback": "vote"}, uncertainty=NO_NOISE), 3, 1)
    frame = results.to_frame()
    assert list(frame["n_blockers"]) == [0, 0, 0] and list(frame["round"]) == [4, 4, 4]
    assert np.allclose(frame["text_scope"], 0.5) and list(frame["yes"]) == [0, 0, 0]


def test_without_consensus_the_deadline_text_and_its_blockers_are_recorded():
    results = simulate(failing_scenario("vote"), 3, 1)
    frame = results.to_frame()
    assert list(frame["round"]) == [3, 3, 3] and list(frame["blockers"]) == ["P;Q"] * 3
    assert list(frame["n_blockers"]) == [2, 2, 2]


def test_accommodate_moves_a_light_lone_objector_its_least_move_whatever_its_power():
    """docs/model.md §5: the chair averages the objectors' least moves by power, so with one objector the move is
    that objector's least move a = shortfall / (1 − u) toward its ideal point — also when its power is below 1."""
    text = np.array([0.2, 0.2], dtype=np.float32)
    position = np.array([[1.0, 1.0], [0.2, 0.2]], dtype=np.float32)
    util = np.array([0.2, 1.0], dtype=np.float32)
    shortfall = np.array([0.4, 0.0], dtype=np.float32)  # a = 0.4 / 0.8 = 0.5
    for power in (0.3, 1.0, 7.0):
        weights = np.array([power, 1.0], dtype=np.float32)
        move = dyn.accommodate_move(text, position, util, shortfall, weights)
        assert np.allclose(move, 0.5 * (position[0] - text), atol=1e-6), power


def test_the_recorded_text_is_clipped_to_the_unit_interval_only_where_float_noise_put_it_outside():
    from sim.results import Column, Record
    from sim.stages import clip_texts

    text = np.array([[-1e-8, 0.5], [1.0 + 1e-7, 1.0], [0.0, 0.25]], dtype=np.float32)
    record = Record((Column("text", "issue", np.float32),), {"text": text.copy()})
    clip_texts(record)
    assert np.array_equal(record["text"], np.array([[0.0, 0.5], [1.0, 1.0], [0.0, 0.25]], dtype=np.float32))


def test_without_a_provision_vote_its_vote_counts_are_zero():
    from tests.test_provisions import votes_on

    results = simulate(votes_on(-0.2, keepers=5, deleters=0, middle=2), 30, 5)
    assert (results.record["provision_p"] == -1).all()
    for name in ("keep_p", "delete_p", "abstain_p"):
        assert (results.record[name] == 0).all(), name


def test_each_draw_has_its_own_place_in_a_replicates_random_numbers():
    """The layout of draw_noise: normals, then credibility, choice, ratification and provision uniforms, each its
    own slice — the provision ballots' uniforms are the last P × N numbers, not the ratification draws'."""
    from sim.inputs import compile_arrays, draw_noise, perturb
    from sim.loading import with_overrides

    scenario = with_overrides(
        build([delegation(f"D{i}", 0.2 * i, 0.5) for i in range(4)]),
        {
            "behaviour": {"temperature": 0.05},
            "ratification": {"threshold": 2},
            "provisions": [
                {"id": "p", "issue": "scope", "shift": -0.1},
                {"id": "q", "issue": "safeguards", "shift": 0.1},
            ],
        },
    )
    arrays = compile_arrays(scenario)
    noise = draw_noise(arrays, np.random.default_rng(3))
    draw = perturb(arrays, noise)
    n = 4
    assert np.array_equal(draw.provision.reshape(-1), noise[-2 * n :])
    assert np.array_equal(draw.ratify.reshape(-1), noise[-4 * n : -2 * n])
