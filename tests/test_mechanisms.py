"""The mechanisms that let talks fail on substance, each by a known case that fails without it (fixed seeds).

The status quo and veto players (Tsebelis 2002), the cost of agreement, the cost of blocking alone (Johnston 2001),
sessions that can be suspended, and random-utility choice (McFadden 1974) — docs/model.md, sections 9 to 13.
"""

from __future__ import annotations

import numpy as np

from sim import outcomes, simulate, with_overrides
from sim.inputs import compile_arrays, draw_inputs
from sim.loading import load_scenario
from tests.builders import build, delegation

SEED = 11


def shares(scenario, replicates: int = 400, seed: int = SEED) -> dict[str, float]:
    counts = outcomes.counts(simulate(scenario, replicates, seed).outcome)
    return {key[2:]: count / replicates for key, count in counts.items()}


# --- the status quo --------------------------------------------------------------------------------------------


def spread(can_block: int, **behaviour: float):
    """Twelve delegations on one spread of positions, the status quo at scope 0 and safeguards 1; the first
    ``can_block`` of them (ordered from the status quo outward, alternating) can block."""
    positions = np.linspace(0.1, 0.9, 12)
    order = [int(i) for i in np.argsort(np.abs(positions - 0.5))[::-1]]  # the ends first: the likeliest vetoes
    members = [
        delegation(f"D{i}", float(x), float(1 - x), can_block=order.index(i) < can_block)
        for i, x in enumerate(positions)
    ]
    return build(
        members,
        status_quo={"scope": 0.0, "safeguards": 1.0},
        procedure={"rounds": 8, "fallback": "none"},
        behaviour={"agreement_cost": 0.1, **behaviour},
    )


def test_the_outside_option_defaults_to_the_utility_of_the_status_quo():
    scenario = build(
        [delegation("A", 0.2, 0.8), delegation("B", 0.9, 0.1, outside_option=0.3)],
        status_quo={"scope": 0.0, "safeguards": 1.0},
        uncertainty={"position": 0, "salience": 0, "reservation": 0},
    )
    arrays = compile_arrays(scenario)
    draw = draw_inputs(arrays, np.random.default_rng(0))
    # A: 1 − (0.5·0.2 + 0.5·0.2) = 0.8 of the status quo; B's explicit outside option wins
    assert np.allclose(draw.outside_option, [0.8, 0.3])
    # and nobody demands less at first than no deal gives it
    assert (draw.reservation >= draw.outside_option).all()


def test_without_a_status_quo_the_documented_default_outside_option_applies():
    scenario = build(
        [delegation("A", 0.2, 0.8)],
        uncertainty={"position": 0, "salience": 0, "reservation": 0},
        behaviour={"default_outside_option": 0.35},
    )
    assert np.allclose(draw_inputs(compile_arrays(scenario), np.random.default_rng(0)).outside_option, [0.35])


def test_with_a_status_quo_more_veto_players_lower_consensus():
    few, many = shares(spread(2)), shares(spread(10))
    assert few["consensus"] > many["consensus"] + 0.1, (few, many)


def test_without_the_status_quo_more_veto_players_change_nothing():
    """The same pair in the model without a status quo (outside options at the default 0.5, no cost of agreement):
    the middle text is acceptable to all, so the status quo is what makes veto players matter."""

    def plain(n):
        return with_overrides(spread(n, agreement_cost=0.0), {"status_quo": None})

    assert shares(plain(2))["consensus"] == shares(plain(10))["consensus"] >= 0.99


def test_a_status_quo_at_a_veto_players_ideal_point_makes_consensus_fail_and_the_vote_decide():
    crowd = [delegation(f"D{i}", 0.6 + 0.04 * i, 0.3 + 0.03 * i) for i in range(6)]
    veto = delegation("V", 0.1, 0.9)
    common = {"procedure": {"rounds": 8, "fallback": "vote"}, "behaviour": {"agreement_cost": 0.05}}
    at_veto = build(crowd + [veto], status_quo={"scope": 0.1, "safeguards": 0.9}, **common)
    far_from_all = build(crowd + [veto], status_quo={"scope": 1.0, "safeguards": 0.0}, **common)
    assert shares(at_veto)["consensus"] < 0.05 and shares(at_veto)["vote"] > 0.9
    assert shares(far_from_all)["consensus"] > 0.9


def test_the_cost_of_agreement_rules_out_adopting_the_status_quo_itself():
    """Two delegations whose ideal points are the status quo gain nothing from any text: with no cost of agreement
    the text that changes nothing is 'adopted', with one it is not."""
    pair = [delegation("A", 0.0, 1.0), delegation("B", 0.0, 1.0)]
    quiet = {
        "uncertainty": {"position": 0, "salience": 0, "reservation": 0},
        "procedure": {"fallback": "none"},
        "status_quo": {"scope": 0.0, "safeguards": 1.0},
        "chair": {"draft": {"scope": 0.0, "safeguards": 1.0}},
    }
    assert shares(build(pair, **quiet), 20)["consensus"] == 1.0
    assert shares(build(pair, behaviour={"agreement_cost": 0.05}, **quiet), 20)["failed"] == 1.0


# --- the cost of blocking alone -----------------------------------------------------------------------------------


def standoff(group: bool, isolation_cost: float):
    """A take-it-or-leave-it text that falls 0.05 short of the holdouts' floor at the deadline: one delegation of
    power 3, or three of power 1 with the same position, against three small delegations that accept it."""
    holdout = {"reservation": 0.9, "outside_option": 0.85, "style": "linear"}  # the text is worth 0.8 to them
    blockers = (
        [delegation(f"H{i}", 0.7, 0.3, power=1.0, **holdout) for i in range(3)]
        if group
        else [delegation("H", 0.7, 0.3, power=3.0, **holdout)]
    )
    others = [delegation(f"O{i}", 0.5, 0.5, power=0.5, reservation=0.6, outside_option=0.4) for i in range(3)]
    return build(
        blockers + others,
        chair={"strategy": "hold", "draft": {"scope": 0.5, "safeguards": 0.5}},
        procedure={"rounds": 6, "fallback": "none"},
        behaviour={"isolation_cost": isolation_cost},
        uncertainty={"position": 0, "salience": 0, "reservation": 0},
    )


def test_a_lone_objector_gives_way_where_a_group_of_the_same_weight_holds():
    assert shares(standoff(group=False, isolation_cost=0.1), 10)["consensus"] == 1.0
    assert shares(standoff(group=True, isolation_cost=0.1), 10)["failed"] == 1.0


def test_without_an_isolation_cost_the_lone_objector_holds_too():
    assert shares(standoff(group=False, isolation_cost=0.0), 10)["failed"] == 1.0


# --- sessions that can be suspended ------------------------------------------------------------------------------


def test_a_resumable_mandate_lowers_adoption_at_this_session_and_suspends_instead():
    base = load_scenario("classroom")
    final = shares(base)
    resumable = shares(
        with_overrides(base, {"procedure": {"resumable": True}, "behaviour": {"resumed_credibility": 0.7}})
    )
    assert resumable["adopted"] < final["adopted"] - 0.2
    assert resumable["suspended"] > 0.2 and resumable["vote"] == 0.0  # a session that may resume holds no vote


def test_a_resumable_mandate_raises_the_sessions_needed():
    base = with_overrides(
        load_scenario("classroom"), {"procedure": {"sessions": 3}, "behaviour": {"resumed_credibility": 0.7}}
    )
    last_is_final = simulate(base, 400, SEED)
    open_ended = simulate(with_overrides(base, {"procedure": {"resumable": True}}), 400, SEED)
    adopted = outcomes.is_adopted(last_is_final.outcome)
    adopted_open = outcomes.is_adopted(open_ended.outcome)
    assert (
        open_ended.session[adopted_open].mean() > last_is_final.session[adopted].mean()
        or adopted_open.mean() < adopted.mean() - 0.1
    )
    # more sessions let more talks end in adoption: concessions carry over
    one = with_overrides(base, {"procedure": {"sessions": 1, "resumable": True}})
    assert adopted_open.mean() > outcomes.is_adopted(simulate(one, 400, SEED).outcome).mean()


def test_a_later_session_starts_from_the_concessions_made():
    from sim import steps

    scenario = with_overrides(load_scenario("classroom"), {"procedure": {"sessions": 2}})
    arrays = compile_arrays(scenario)
    draw = draw_inputs(arrays, np.random.default_rng(1))
    belief = steps.credibility(arrays, draw, 0)
    resumed = steps.carry_concessions(arrays, draw, belief)
    assert (resumed.reservation <= draw.reservation + 1e-7).all()
    assert (resumed.reservation >= draw.outside_option - 1e-7).all()
    assert (resumed.reservation < draw.reservation - 1e-3).any()


# --- random-utility choice ---------------------------------------------------------------------------------------


def test_a_vanishing_temperature_gives_the_deterministic_outcomes():
    base = load_scenario("classroom")
    deterministic = simulate(base, 300, SEED)
    cold = simulate(with_overrides(base, {"behaviour": {"temperature": 1e-7}}), 300, SEED)
    # the draws differ in layout, so compare the distribution, not replicate by replicate
    assert abs(outcomes.is_adopted(cold.outcome).mean() - outcomes.is_adopted(deterministic.outcome).mean()) < 0.05
    assert abs((cold.outcome == 0).mean() - (deterministic.outcome == 0).mean()) < 0.08


def test_random_ballots_make_the_vote_split_a_distribution_with_abstentions():
    base = with_overrides(load_scenario("uncc2024"), {"procedure": {"rounds": 1}})
    crisp = simulate(base, 200, SEED)
    noisy = simulate(with_overrides(base, {"behaviour": {"temperature": 0.05}}), 200, SEED)
    voted = noisy.yes + noisy.no > 0
    assert voted.any()
    assert np.std(noisy.yes[voted]) > np.std(crisp.yes[crisp.yes + crisp.no > 0])
    assert noisy.abstain[voted].mean() > 0


def test_random_acceptance_follows_the_logit_of_the_surplus():
    from sim import dynamics as dyn

    rng = np.random.default_rng(0)
    u = rng.random(200_000)
    surplus, temperature = 0.03, 0.05
    objecting = dyn.random_objections(np.full_like(u, 0.5 + surplus), np.full_like(u, 0.5), temperature, u)
    assert abs((~objecting).mean() - 1 / (1 + np.exp(-surplus / temperature))) < 0.005


def test_a_random_objection_from_a_satisfied_delegation_does_not_push_the_text_away():
    """Under random choice a delegation the text satisfies may still object; the chair has nothing to accommodate
    and must not move the text away from it (a negative shortfall would)."""
    from sim import steps

    scenario = build([delegation("A", 0.2, 0.8), delegation("B", 0.8, 0.2)], behaviour={"temperature": 0.05})
    arrays = compile_arrays(scenario)
    text = np.array([0.3, 0.7], dtype=arrays.dtype)
    position = arrays.position
    util = np.array([0.9, 0.4], dtype=arrays.dtype)
    threshold = np.array([0.8, 0.7], dtype=arrays.dtype)  # A is satisfied (0.9 ≥ 0.8) but objects at random
    moved = steps.revise(arrays, text, position, arrays.salience, util, threshold, np.array([True, False]))
    assert np.array_equal(moved, text)
