"""The step layer: the moves of a negotiation, each as one function over a scenario's arrays, called by both runners.

:mod:`sim.dynamics` holds the equations; this module says how a scenario's rules apply them — how far a round is
into the talks, the chair's opening text, what every delegation makes of a text, the chair's revision, the ballots
of the fallback vote and their count. The batched engine (:mod:`sim.engine`, a whole batch of replicates at once),
the Mesa model (:mod:`sim.model`, one run step by step) and the dashboard's player brief all call these functions
and nothing else, so there is one place where each rule is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim import chairs, lobbying
from sim import dynamics as dyn
from sim.inputs import Draw, Lobby, ScenarioArrays
from sim.lobbying import Pressed


def credibility(arrays: ScenarioArrays, draw: Draw, session: int) -> float | np.ndarray:
    """How far delegations believe session ``session``'s deadline: ``procedure.deadline_credibility``, times, for a
    session that another may follow (:attr:`ScenarioArrays.followed`), the replicate's own draw (..., 1)."""
    if not arrays.followed[session]:
        return arrays.credibility
    return arrays.credibility * draw.credibility[..., session : session + 1]


def progress(arrays: ScenarioArrays, t: int, belief: float | np.ndarray | None = None) -> float | np.ndarray:
    """How far round ``t`` is into a session under the scenario's deadline, at credibility ``belief`` (the
    procedure's ``deadline_credibility`` by default; see :func:`credibility`) — :func:`dyn.progress`."""
    return dyn.progress(t, arrays.rounds, arrays.credibility if belief is None else belief)


def opening_text(arrays: ScenarioArrays, draw: Draw) -> np.ndarray:
    """The chair's first text: its draft, or else the compromise-model text of the (perturbed) positions."""
    if arrays.draft is not None:
        return np.broadcast_to(arrays.draft, draw.position.shape[:-2] + arrays.draft.shape).copy()
    return dyn.compromise_text(draw.position, draw.salience, arrays.power)


def pooled(arrays: ScenarioArrays, values: np.ndarray) -> np.ndarray:
    """``values`` (..., N) with each coordinated bloc's members at the bloc's power-weighted mean, and each looser
    group's members pulled toward theirs by the group's cohesion (:func:`dyn.cohere`)."""
    values = dyn.pool_blocs(values, arrays.bloc_index, arrays.n_blocs, arrays.power)
    if arrays.cohesive_index is None:
        return values
    return dyn.pull_blocs(values, arrays.cohesive_index, arrays.cohesion, arrays.power)


def press(lobby: Lobby, draw: Draw, text: np.ndarray) -> tuple[Draw, Pressed]:
    """One stakeholder presses the delegations before a round (:func:`sim.lobbying.press`): their inputs afterwards
    and what it did (whom it pressed, how hard)."""
    pressed = lobbying.press(
        lobby.channel,
        lobby.budget,
        lobby.position,
        lobby.cares,
        lobby.targets,
        text,
        draw.position,
        draw.salience,
        draw.reservation,
        draw.outside_option,
    )
    after = replace(
        draw,
        position=pressed.position,
        salience=pressed.salience,
        reservation=pressed.reservation,
        outside_option=pressed.outside_option,
    )
    return after, pressed


def lobby(arrays: ScenarioArrays, draw: Draw, text: np.ndarray) -> Draw:
    """Every stakeholder presses the delegations, one after another in the scenario's order (:func:`press`): the
    delegations' inputs afterwards."""
    for stakeholder in arrays.stakeholders:
        draw = press(stakeholder, draw, text)[0]
    return draw


def demands(arrays: ScenarioArrays, draw: Draw, t: int, belief: float | np.ndarray | None = None) -> np.ndarray:
    """The utility each delegation demands in round ``t`` (Faratin's schedule), before bloc pooling. (..., N)."""
    return dyn.acceptance_threshold(progress(arrays, t, belief), draw.reservation, draw.outside_option, arrays.beta)


def assess(
    arrays: ScenarioArrays, text: np.ndarray, draw: Draw, t: int, belief: float | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every delegation's utility of ``text`` and the utility it demands in round ``t``, coordinated blocs pooled."""
    util = dyn.utility(text, draw.position, draw.salience)
    return pooled(arrays, util), pooled(arrays, demands(arrays, draw, t, belief))


@dataclass(frozen=True)
class Decision:
    """What the delegations make of a text in one round: the demand in force (after any relief of isolation), who
    objects, and who of those can block."""

    threshold: np.ndarray
    objecting: np.ndarray
    blocking: np.ndarray


def objections(
    arrays: ScenarioArrays, util: np.ndarray, threshold: np.ndarray, uniform: np.ndarray | None = None
) -> np.ndarray:
    """Who objects: the deterministic rule, or random-utility choice at the scenario's temperature."""
    if arrays.stochastic:
        return dyn.random_objections(util, threshold, arrays.temperature, uniform)
    return dyn.objections(util, threshold)


def decide(
    arrays: ScenarioArrays,
    util: np.ndarray,
    threshold: np.ndarray,
    t: int,
    belief: float | np.ndarray | None = None,
    uniform: np.ndarray | None = None,
) -> Decision:
    """Accept or object in round ``t``; with an isolation cost, objectors who stand (nearly) alone lower their
    demand (:func:`dyn.isolation_relief`) and decide again, on the same draws."""
    objecting = objections(arrays, util, threshold, uniform)
    blocking = dyn.blocking(objecting, arrays.can_block)
    if arrays.isolation_cost > 0.0 and blocking.any():
        shared = dyn.companions(blocking, arrays.power)
        relief = dyn.isolation_relief(arrays.isolation_cost, shared, progress(arrays, t, belief), arrays.beta)
        threshold = pooled(arrays, threshold - relief.astype(threshold.dtype))
        objecting = objections(arrays, util, threshold, uniform)
        blocking = dyn.blocking(objecting, arrays.can_block)
    return Decision(threshold, objecting, blocking)


def blocked(arrays: ScenarioArrays, util: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Who objects and can block consensus, by the deterministic rule."""
    return dyn.blocking(dyn.objections(util, threshold), arrays.can_block)


def revise(
    arrays: ScenarioArrays,
    text: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    util: np.ndarray,
    threshold: np.ndarray,
    blocking: np.ndarray,
    outside_option: np.ndarray | None = None,
) -> np.ndarray:
    """The chair's revision between rounds under the scenario's strategy and step (:func:`sim.chairs.next_text`).

    ``outside_option`` (the replicate's drawn outside options, ``Draw.outside_option``) is read by the ``nash``
    chair only."""
    # a random objection can come from a delegation the text already satisfies: nothing to accommodate, no pull
    shortfall = np.where(blocking, np.maximum(threshold - util, 0.0), 0.0)
    if arrays.lead is not None and arrays.strategy in chairs.ANSWERS_OBJECTIONS:  # a lead speaks for its group
        position = dyn.voiced_positions(position, blocking, arrays.lead)
    return chairs.next_text(
        text,
        arrays.strategy,
        arrays.step,
        position,
        salience,
        arrays.power,
        util,
        shortfall,
        outside_option,
        blocking,
        arrays.friends,
    )


@dataclass(frozen=True)
class VoteCount:
    """The count of a fallback vote: votes cast yes, no and abstaining, and whether the text is adopted."""

    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    adopted: np.ndarray


def ballots(
    arrays: ScenarioArrays, util: np.ndarray, threshold: np.ndarray, uniform: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each delegation's ballot on the last text: boolean ``(yes, no)``; neither abstains. The deterministic rule
    (:func:`dyn.ballots`), or random-utility ballots at the scenario's temperature (:func:`dyn.random_ballots`)."""
    if arrays.stochastic:
        return dyn.random_ballots(util, threshold, arrays.abstention_band, arrays.temperature, uniform)
    return dyn.ballots(util, threshold, arrays.abstention_band)


def choice_uniforms(arrays: ScenarioArrays, draw: Draw, session: int, t: int) -> np.ndarray | None:
    """The random-utility draws of round ``t`` of session ``session`` (``t = rounds + 1``: the ballots), or None."""
    if not arrays.stochastic:
        return None
    return draw.choice[..., session, t - 1, :]


@dataclass(frozen=True)
class ProvisionVotes:
    """The recorded votes on deleting single provisions, in the scenario's order: the text after them, and per
    provision whether a vote was called, whether the provision was kept, and the votes to keep, delete and abstain.
    Arrays (..., P) for P provisions; ``text`` (..., K)."""

    text: np.ndarray
    called: np.ndarray
    kept: np.ndarray
    keep: np.ndarray
    delete: np.ndarray
    abstain: np.ndarray


def foreseen_consensus(
    arrays: ScenarioArrays, text: np.ndarray, draw: Draw, t: int, belief: float | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether nobody who can block would object to ``text`` in round ``t``, by the deterministic rule (with any
    relief of isolation): ``(agreed, util, threshold)``, (...), (..., N), (..., N). No draws are spent on it."""
    sure = replace(arrays, temperature=0.0)
    util, threshold = assess(sure, text, draw, t, belief)
    return dyn.consensus_reached(decide(sure, util, threshold, t, belief).blocking), util, threshold


def decision_due(
    arrays: ScenarioArrays,
    text: np.ndarray,
    draw: Draw,
    t: int,
    final: bool,
    belief: float | np.ndarray | None = None,
    agreed: np.ndarray | None = None,
) -> np.ndarray:
    """Whether the decision on the whole text comes in round ``t``, so that the recorded votes on single provisions
    come first: the text would be agreed by consensus this round (:func:`foreseen_consensus`), or it is the last
    round of the talks (``final``: the final session's deadline). ``agreed``: the round's own consensus on ``text``
    where it is decided already — under the deterministic rule it is the foresight itself, so it is not computed
    twice. (..., K) → (...)."""
    if final and t == arrays.rounds:
        return np.ones(text.shape[:-1], dtype=bool)
    if agreed is not None and not arrays.stochastic:
        return agreed
    return foreseen_consensus(arrays, text, draw, t, belief)[0]


def foreseen_adoption(
    arrays: ScenarioArrays,
    text: np.ndarray,
    draw: Draw,
    belief: float | np.ndarray | None = None,
    t: int | None = None,
) -> np.ndarray:
    """Whether ``text`` would be adopted if the decision on the whole came now, in round ``t`` (default: the final
    round): by consensus (nobody who can block objects, by the deterministic rule, with any relief of isolation) or,
    where the rules provide one, by the fallback vote. What a sophisticated voter foresees (Farquharson 1969).
    (..., K) → (...)."""
    sure = replace(arrays, temperature=0.0)  # foresight by the deterministic rule: no draws are spent on it
    agreed, util, threshold = foreseen_consensus(arrays, text, draw, arrays.rounds if t is None else t, belief)
    if not arrays.vote_fallback:
        return agreed
    yes, no = ballots(sure, util, threshold)
    return agreed | count_votes(sure, yes, no).adopted


def provision_worth(
    arrays: ScenarioArrays,
    text: np.ndarray,
    without: np.ndarray,
    draw: Draw,
    belief: float | np.ndarray | None = None,
    t: int | None = None,
) -> np.ndarray:
    """What keeping a provision is worth to each delegation in round ``t`` (default: the final round): the text with
    it against the text without it.

    ``sincere`` voting compares the two texts, u_i(p) − u_i(p′). ``sophisticated`` voting (the default) compares
    what each vote leads to (Farquharson 1969; McKelvey & Niemi 1978): a text that would then fail is worth the
    delegation's outside option o_i, not its utility — V_i(p) = u_i(p) if p would be adopted, else o_i — so a
    delegation that prefers the package to no treaty defends a provision whose deletion would make another
    delegation block the whole. Coordinated blocs pooled. (..., N)."""
    util = dyn.utility(text, draw.position, draw.salience)
    util_without = dyn.utility(without, draw.position, draw.salience)
    if arrays.provision_voting == "sophisticated":
        util = np.where(foreseen_adoption(arrays, text, draw, belief, t)[..., None], util, draw.outside_option)
        util_without = np.where(
            foreseen_adoption(arrays, without, draw, belief, t)[..., None], util_without, draw.outside_option
        )
    return pooled(arrays, util - util_without)


def provision_votes(
    arrays: ScenarioArrays,
    text: np.ndarray,
    draw: Draw,
    belief: float | np.ndarray | None = None,
    t: int | None = None,
) -> ProvisionVotes:
    """Before the decision on the whole text (in round ``t``, :func:`decision_due`; default: the final round), one
    provision after another: a delegation that gains more than half
    the abstention band from deleting it calls a recorded vote; every delegation votes keep if the provision is worth
    at least half the band to it (:func:`provision_worth`: sophisticated or sincere, per
    ``procedure.provision_voting``), delete if deleting it is, and abstains in between (random-utility ballots at the
    scenario's temperature); a coordinated bloc votes as one. Keeping the chair's text as it stands is worth
    ``behaviour.reopening_cost`` more to every delegation: a change reopens a negotiated package (Sebenius 1983 on
    package deals; the single negotiating text, Raiffa 1982). The provision is deleted iff the votes to delete reach
    ``procedure.provision_threshold`` of those voting keep or delete — and the text moves by its ``shift``.
    ``belief``: how far the delegations believe the deadline (:func:`credibility`), for the demands foreseen."""
    n_provisions = len(arrays.provision_ids)
    lead = text.shape[:-1]
    out = {
        name: np.zeros((*lead, n_provisions), dtype=dtype)
        for name, dtype in (
            ("called", bool),
            ("kept", bool),
            ("keep", np.int64),
            ("delete", np.int64),
            ("abstain", np.int64),
        )
    }
    half = arrays.abstention_band / 2
    reopening = arrays.dtype.type(arrays.reopening_cost)  # what changing the chair's text costs each delegation
    for j in range(n_provisions):
        without = np.clip(text + arrays.provision_shift[j], 0.0, 1.0).astype(text.dtype)
        worth = provision_worth(arrays, text, without, draw, belief, t) + reopening
        calls = dyn.ballots(worth, np.float32(half), arrays.abstention_band)[1]  # would vote to delete
        if arrays.stochastic:
            keep, delete = dyn.random_ballots(
                worth, half, arrays.abstention_band, arrays.temperature, draw.provision[..., j, :]
            )
        else:
            keep, delete = dyn.ballots(worth, half, arrays.abstention_band)
        count = count_votes(replace(arrays, vote_threshold=arrays.provision_threshold), delete, keep)
        called = calls.any(axis=-1)
        deleted = called & count.adopted
        out["called"][..., j], out["kept"][..., j] = called, called & ~deleted
        out["keep"][..., j] = np.where(called, count.no, 0)
        out["delete"][..., j] = np.where(called, count.yes, 0)
        out["abstain"][..., j] = np.where(called, count.abstain, 0)
        text = np.where(deleted[..., None], without, text)
    return ProvisionVotes(text, **out)


@dataclass(frozen=True)
class Ratified:
    """What follows an adoption: per delegation the years to its ratification (infinite: never) and whether it
    ratified within the horizon; the states signing at the opening and ratifying within the horizon; the years to
    entry into force (NaN: not within the horizon). Arrays (..., N) and (...)."""

    years: np.ndarray
    ratified: np.ndarray
    signatures: np.ndarray
    ratifications: np.ndarray
    in_force_years: np.ndarray


def ratify(arrays: ScenarioArrays, text: np.ndarray, draw: Draw) -> Ratified:
    """After adoption of ``text``: signature, ratification and entry into force under the scenario's rule —
    :mod:`sim.ratification`, a coordinated bloc deciding as one on its pooled gain."""
    from sim import ratification as rat

    gain = pooled(arrays, dyn.utility(text, draw.position, draw.salience) - draw.outside_option)
    ready = rat.readiness(gain, arrays.difficulty)
    signed = rat.signs(ready, draw.ratify[..., 0, :])
    years = rat.ratification_years(ready, draw.ratify[..., 1, :])
    threshold, lag_days, horizon = arrays.ratification
    within = years <= horizon
    in_force = rat.entry_into_force(years, arrays.votes, threshold, lag_days)
    return Ratified(
        years, within, signed @ arrays.votes, within @ arrays.votes, np.where(in_force <= horizon, in_force, np.nan)
    )


def carry_concessions(arrays: ScenarioArrays, draw: Draw, belief: float | np.ndarray) -> Draw:
    """The next session starts where this one's concessions ended: each delegation's first demand there is what it
    demanded in this session's last round; its outside option is unchanged."""
    reached = demands(arrays, draw, arrays.rounds, belief)
    return replace(draw, reservation=np.maximum(reached, draw.outside_option).astype(draw.reservation.dtype))


def count_votes(arrays: ScenarioArrays, yes: np.ndarray, no: np.ndarray) -> VoteCount:
    """Weigh the ballots by the votes each delegation casts and apply the vote threshold."""
    yes_votes, no_votes = yes @ arrays.votes, no @ arrays.votes
    abstain = arrays.votes.sum() - yes_votes - no_votes
    return VoteCount(yes_votes, no_votes, abstain, dyn.vote_adopts(yes_votes, no_votes, arrays.vote_threshold))
