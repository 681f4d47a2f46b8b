"""The negotiation dynamics, written once as small pure functions over arrays.

Every function broadcasts over leading axes, so the same code serves one run of the Mesa model (shapes (N, K))
and a batch of replicates in the Monte Carlo engine (shapes (R, N, K)). Sums over issues run issue by issue and
sums over delegations in a fixed order (:func:`ordered_sum`), so a replicate gives bit-for-bit the same numbers
alone or in a batch. The equations, with references, are in ``docs/model.md``.
"""

from __future__ import annotations

import numpy as np


def ordered_sum(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum along ``axis`` in an order fixed by that axis's length alone (a pairwise tree of halves).

    NumPy's ``sum`` picks its summation order by the whole array's shape, so one replicate summed alone and in a
    batch can differ in the last bit, and a rare decision could flip; this sum is bit-identical for any batch.
    """
    x = np.moveaxis(values, axis, -1)
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        folded = x[..., :half] + x[..., half : 2 * half]
        if x.shape[-1] % 2:
            folded[..., 0] += x[..., -1]
        x = folded
    return x[..., 0]


def utility(text: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted city-block utility of a text: u_i(p) = 1 − Σ_k s_ik |p_k − x_ik|, on [0, 1].

    The linear-loss utility of spatial bargaining models (e.g. Bueno de Mesquita & Stokman 1994; Thomson et
    al. 2006). ``text`` (..., K) against ``position``/``salience`` (..., N, K) gives (..., N).
    """
    loss = salience[..., 0] * np.abs(text[..., None, 0] - position[..., 0])
    for k in range(1, position.shape[-1]):  # issue by issue: K is small, and this beats a reduction over it
        loss += salience[..., k] * np.abs(text[..., None, k] - position[..., k])
    return 1.0 - loss


def compromise_text(position: np.ndarray, salience: np.ndarray, power: np.ndarray) -> np.ndarray:
    """The compromise model: the power × salience weighted mean of the ideal points, per issue.

    Van den Bos (1991), Achen (2006) in *The European Union Decides*. (..., N, K) → (..., K).
    """
    weight = power[..., :, None] * salience
    total = ordered_sum(weight, axis=-2)
    by_power = ordered_sum(power[..., :, None] * position, axis=-2) / ordered_sum(power)[..., None]
    # an issue nobody cares about: the power-weighted mean of the ideal points
    weighted = ordered_sum(weight * position, axis=-2)
    return np.where(total > 0.0, weighted / np.where(total > 0.0, total, 1.0), by_power)


def progress(t: int, rounds: int, credibility: float = 1.0) -> float:
    """How far round ``t`` of ``rounds`` is into the talks, from 0 at the first round (demands at their opening
    level) to 1 at the last (demands at the outside option): (t − 1)/(T − 1), as Faratin's tactics run from t = 0 to
    the deadline. A single round, or none (T ≤ 1), is the deadline itself. Scaled by the deadline's credibility c:
    delegations who doubt the deadline (c < 1) concede as if talks ran longer, and so hold back."""
    return credibility * ((t - 1) / (rounds - 1) if rounds > 1 else 1.0)


def acceptance_threshold(
    progress: float, reservation: np.ndarray, outside_option: np.ndarray, beta: np.ndarray
) -> np.ndarray:
    """Time-dependent reservation r_i(τ) = r_i − (r_i − r_i^min) τ^(1/β_i) (Faratin, Sierra & Jennings 1998).

    ``progress`` τ in [0, 1] (see :func:`progress`); β < 1 holds out until the deadline (Boulware), β > 1 concedes
    early.
    """
    return reservation - (reservation - outside_option) * progress ** (1.0 / beta)


def cohere(values: np.ndarray, members: np.ndarray, weight: np.ndarray, cohesion: float) -> np.ndarray:
    """One group's line pulls its members: v_i ← (1 − c) v_i + c v̄_B for members i, where v̄_B is the members'
    ``weight``-weighted (power-weighted) mean and c the group's cohesion. In place on ``values`` (..., N), returned.

    c = 1 is a coordinated bloc (every member at the group's line, the EU's one position); c = 0 leaves each alone.
    Applied to utilities and demands alike, a member's surplus becomes (1 − c) s_i + c s̄_B, so it breaks ranks — its
    decision differs from the group's — exactly when (1 − c)|s_i| > c|s̄_B| with s_i and s̄_B of opposite signs: when
    its own stake outweighs the group's by c/(1 − c). Coalition discipline as a weighted social influence (Friedkin &
    Johnsen 2011); the group line as the power-weighted mean (Thomson et al. 2006 on EU Council positions).
    """
    line = ordered_sum(values[..., members] * weight) / ordered_sum(weight)
    if cohesion >= 1.0:
        values[..., members] = line[..., None]
    else:
        values[..., members] = (1.0 - cohesion) * values[..., members] + cohesion * line[..., None]
    return values


def pool_blocs(values: np.ndarray, bloc_index: np.ndarray, n_blocs: int, power: np.ndarray) -> np.ndarray:
    """Members of a coordinated bloc take the bloc's power-weighted mean value (one common EU position, say):
    :func:`cohere` at cohesion 1.

    ``values`` (..., N); ``bloc_index`` (N,) with −1 for delegations outside any coordinated bloc.
    """
    return pull_blocs(values, bloc_index, (1.0,) * n_blocs, power)


def pull_blocs(
    values: np.ndarray, bloc_index: np.ndarray, cohesion: tuple[float, ...], power: np.ndarray
) -> np.ndarray:
    """Every group's line pulls its members by the group's cohesion (:func:`cohere`); ``bloc_index`` (N,) gives each
    delegation's group (−1: none), ``cohesion`` (B,) each group's. Returns a new array."""
    if not cohesion:
        return values
    pooled = values.copy()
    for bloc, pull in enumerate(cohesion):
        members = np.flatnonzero(bloc_index == bloc)
        cohere(pooled, members, power[members], pull)
    return pooled


def voiced_positions(position: np.ndarray, blocking: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """Where the chair hears each objector: a group member that blocks together with its lead speaks through the lead,
    at the lead's ideal point; everyone else at its own. ``lead`` (N,) is each delegation's group lead (−1: none).

    A group's lead negotiator states the group's demands at the table (Elgström & Jönsson 2000 on EU presidencies;
    Panke 2013 on group representation in multilateral talks). (..., N, K) → (..., N, K).
    """
    has_lead = lead >= 0
    lead_blocks = np.zeros_like(blocking)
    lead_blocks[..., has_lead] = blocking[..., lead[has_lead]]
    spoken = blocking & lead_blocks
    if not spoken.any():
        return position
    heard = np.broadcast_to(position, spoken.shape + position.shape[-1:]).copy()
    leads = position[..., np.where(has_lead, lead, 0), :]
    heard[spoken] = np.broadcast_to(leads, heard.shape)[spoken]
    return heard


def objections(util: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """A delegation objects to a text that gives it less than its current threshold."""
    return util < threshold


def logistic(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)), without overflow for large |x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def random_objections(util: np.ndarray, threshold: np.ndarray, temperature: float, uniform: np.ndarray) -> np.ndarray:
    """Random-utility acceptance (McFadden 1974): a delegation accepts with probability σ((u − r)/λ), the logit of
    its surplus over its current demand at temperature λ > 0; ``uniform`` (same shape) is its draw on [0, 1).
    As λ → 0 this becomes :func:`objections` (the model uses that rule itself at λ = 0)."""
    return uniform >= logistic((util - threshold) / temperature)


def companions(blocking: np.ndarray, power: np.ndarray) -> np.ndarray:
    """The share of the *other* delegations' power that blocks too: c_i = (Σ_j b_j w_j − b_i w_i) / (W − w_i).

    0 for a lone objector (or the only delegation), near 1 when almost everyone else objects with it.
    """
    weight = np.where(blocking, power, 0.0).astype(power.dtype)
    others = ordered_sum(power) - power
    joined = ordered_sum(weight)[..., None] - weight
    return np.where(others > 0.0, joined / np.where(others > 0.0, others, 1.0), 0.0).astype(power.dtype)


def isolation_relief(cost: float, companions: np.ndarray, progress: float | np.ndarray, beta: np.ndarray) -> np.ndarray:
    """How far isolation lowers a delegation's demand: its outside option falls by κ(1 − c_i), so its
    time-dependent demand falls by κ(1 − c_i) τ^(1/β_i) (see :func:`acceptance_threshold`).

    The social cost of standing alone against a consensus (Johnston 2001, on social influence in international
    institutions: backpatting and opprobrium; a chair's "no one wants to be the last to block"): a lone objector
    (c = 0) gives way by κ at the deadline, one whose objection many others share hardly at all.
    """
    return cost * (1.0 - companions) * progress ** (1.0 / beta)


def blocking(objecting: np.ndarray, can_block: np.ndarray) -> np.ndarray:
    """Objections that stop consensus: those of delegations that can block."""
    return objecting & can_block


def consensus_reached(blocked: np.ndarray) -> np.ndarray:
    """Consensus holds when no delegation that can block objects. (..., N) → (...)."""
    return ~blocked.any(axis=-1)


def accommodate_move(
    text: np.ndarray, position: np.ndarray, util: np.ndarray, shortfall: np.ndarray, power: np.ndarray
) -> np.ndarray:
    """The single-negotiating-text chair's move: toward each objector just far enough to meet its demand.

    Moving the text the fraction a of the way to x_i scales i's loss by (1 − a), so a_i = shortfall_i / (1 − u_i)
    is the least move that makes objector i accept. The chair averages these moves over the objectors,
    weighted by power — Cimmino's averaged relaxed projections onto the sets {p : u_i(p) ≥ r_i(t)}
    (Cimmino 1938; Censor & Zenios 1997). The further short an objector is, the further it pulls.
    ``shortfall`` (..., N) is r_i(t) − u_i(p) for blocking objectors and 0 otherwise; returns the move (..., K).
    """
    room = np.maximum(1.0 - util, np.finfo(util.dtype).tiny)
    # w_i a_i, zero for those who do not object; a_i ≤ 1: the text goes at most all the way to i's ideal point (a
    # demand above 1, which no text meets, asks for exactly that; with r ≤ 1 the bound never binds)
    pull = power * np.minimum(shortfall, room) / room
    total = ordered_sum(power * (shortfall > 0.0))
    total = np.where(total > 0.0, total, 1.0)
    pulled = ordered_sum(pull)
    move = np.empty_like(text)
    for k in range(position.shape[-1]):  # Σ_i w_i a_i (x_ik − p_k) = Σ_i w_i a_i x_ik − p_k Σ_i w_i a_i
        move[..., k] = (ordered_sum(pull * position[..., k]) - text[..., k] * pulled) / total
    return move


def ballots(util: np.ndarray, threshold: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray]:
    """Each delegation's ballot on the last text: yes if u ≥ r(T), no if u < r(T) − band, else abstain.

    ``threshold`` is what each delegation demands at the deadline, r(T). Returns boolean ``(yes, no)`` arrays;
    abstention is neither.
    """
    return util >= threshold, util < threshold - band


def random_ballots(
    util: np.ndarray, threshold: np.ndarray, band: float, temperature: float, uniform: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Random-utility ballots: a multinomial logit over yes, no and abstain with scores (u − r)/λ,
    (r − band − u)/λ and 0 (McFadden 1974), drawn with ``uniform``. As λ → 0 each ballot becomes that of
    :func:`ballots`. Returns boolean ``(yes, no)``; abstention is neither."""
    yes_score = (util - threshold) / temperature
    no_score = (threshold - band - util) / temperature
    top = np.maximum(np.maximum(yes_score, no_score), 0.0)
    e_yes, e_no, e_abstain = np.exp(yes_score - top), np.exp(no_score - top), np.exp(-top)
    total = e_yes + e_no + e_abstain
    p_yes, p_no = e_yes / total, e_no / total
    yes = uniform < p_yes
    return yes, ~yes & (uniform < p_yes + p_no)


def vote_adopts(yes_votes: np.ndarray, no_votes: np.ndarray, threshold: float) -> np.ndarray:
    """Adopted iff yes ≥ threshold × (yes + no) of those present and voting, with at least one yes, and not a tie.

    An equally divided vote rejects the proposal, whatever the threshold (rules of procedure of the UN General
    Assembly, rules 95 and 133: "If a vote is equally divided on matters other than elections, the proposal shall be
    regarded as rejected"); with no votes at all nothing is adopted. The comparison allows a relative 1e-9 for
    floating point: 55 yes to 45 no meets a threshold of 0.55 although 0.55 × 100 is 55.000000000000014 in binary.
    """
    needed = threshold * (yes_votes + no_votes) * (1.0 - 1e-9)
    return (yes_votes > 0) & (yes_votes != no_votes) & (yes_votes >= needed)
