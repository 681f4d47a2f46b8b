"""The step layer: the moves of a negotiation, each as one function over a scenario's arrays, called by both runners.

:mod:`sim.dynamics` holds the equations; this module says how a scenario's rules apply them — how far a round is
into the talks, the chair's opening text, what every delegation makes of a text, the chair's revision, the ballots
of the fallback vote and their count. The batched engine (:mod:`sim.engine`, a whole batch of replicates at once),
the Mesa model (:mod:`sim.model`, one run step by step) and the dashboard's player brief all call these functions
and nothing else, so there is one place where each rule is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import dynamics as dyn
from sim.inputs import Draw, ScenarioArrays


def progress(arrays: ScenarioArrays, t: int) -> float:
    """How far round ``t`` is into the talks under the scenario's deadline and its credibility (:func:`dyn.progress`)."""
    return dyn.progress(t, arrays.rounds, arrays.credibility)


def opening_text(arrays: ScenarioArrays, draw: Draw) -> np.ndarray:
    """The chair's first text: its draft, or else the compromise-model text of the (perturbed) positions."""
    if arrays.draft is not None:
        return np.broadcast_to(arrays.draft, draw.position.shape[:-2] + arrays.draft.shape).copy()
    return dyn.compromise_text(draw.position, draw.salience, arrays.power)


def pooled(arrays: ScenarioArrays, values: np.ndarray) -> np.ndarray:
    """``values`` (..., N) with each coordinated bloc's members at the bloc's power-weighted mean."""
    return dyn.pool_blocs(values, arrays.bloc_index, arrays.n_blocs, arrays.power)


def demands(arrays: ScenarioArrays, draw: Draw, t: int) -> np.ndarray:
    """The utility each delegation demands in round ``t`` (Faratin's schedule), before bloc pooling. (..., N)."""
    return dyn.acceptance_threshold(progress(arrays, t), draw.reservation, draw.outside_option, arrays.beta)


def assess(arrays: ScenarioArrays, text: np.ndarray, draw: Draw, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Every delegation's utility of ``text`` and the utility it demands in round ``t``, coordinated blocs pooled."""
    util = dyn.utility(text, draw.position, draw.salience)
    return pooled(arrays, util), pooled(arrays, demands(arrays, draw, t))


def blocked(arrays: ScenarioArrays, util: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Who objects and can block consensus."""
    return dyn.blocking(dyn.objections(util, threshold), arrays.can_block)


def revise(
    arrays: ScenarioArrays,
    text: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    util: np.ndarray,
    threshold: np.ndarray,
    blocking: np.ndarray,
) -> np.ndarray:
    """The chair's revision between rounds under the scenario's strategy and step (:func:`dyn.next_text`)."""
    shortfall = np.where(blocking, threshold - util, 0.0)
    return dyn.next_text(text, arrays.strategy, arrays.step, position, salience, arrays.power, util, shortfall)


@dataclass(frozen=True)
class VoteCount:
    """The count of a fallback vote: votes cast yes, no and abstaining, and whether the text is adopted."""

    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    adopted: np.ndarray


def ballots(arrays: ScenarioArrays, util: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each delegation's ballot on the last text (:func:`dyn.ballots`): boolean ``(yes, no)``; neither abstains."""
    return dyn.ballots(util, threshold, arrays.abstention_band)


def count_votes(arrays: ScenarioArrays, yes: np.ndarray, no: np.ndarray) -> VoteCount:
    """Weigh the ballots by the votes each delegation casts and apply the vote threshold."""
    yes_votes, no_votes = yes @ arrays.votes, no @ arrays.votes
    abstain = arrays.votes.sum() - yes_votes - no_votes
    return VoteCount(yes_votes, no_votes, abstain, dyn.vote_adopts(yes_votes, no_votes, arrays.vote_threshold))
