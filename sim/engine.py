"""The batched Monte Carlo engine: many replicates of one scenario at once, vectorised.

Each round is a handful of array operations over (replicates × delegations × issues) calling the pure functions
of :mod:`sim.dynamics`; replicates that reach consensus leave the active set, so finished replicates stop costing
work. Replicates are processed in chunks (bounded memory); replicate k depends only on ``(seed, k)``, so results
are identical whatever the chunk size or the number of workers.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim import dynamics as dyn
from sim.inputs import Inputs, Setting, compile_setting, draw_batch
from sim.results import Results, concatenate
from sim.scenario import Scenario

#: Replicates per chunk: keeps a chunk's arrays small (a few MB at 193 delegations) whatever the total.
DEFAULT_CHUNK = 1024


def default_workers() -> int:
    """Threads for chunks: one per core, at most 4 (NumPy releases the GIL inside its array operations)."""
    return max(1, min(4, os.cpu_count() or 1))


def simulate(
    scenario: Scenario, replicates: int, seed: int, chunk_size: int = DEFAULT_CHUNK, workers: int | None = None
) -> Results:
    """Run ``replicates`` replicates of ``scenario`` from master ``seed``; one row per replicate in the result.

    Chunks of ``chunk_size`` replicates run on ``workers`` threads; neither changes any number.
    """
    return concatenate(list(simulate_chunks(scenario, replicates, seed, chunk_size, workers)))


def simulate_chunks(
    scenario: Scenario, replicates: int, seed: int, chunk_size: int = DEFAULT_CHUNK, workers: int | None = None
) -> Iterator[Results]:
    """The results of consecutive chunks of replicates, in order, as they finish (for progress bars and streaming)."""
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    setting = compile_setting(scenario)
    chunks = [range(start, min(start + chunk_size, replicates)) for start in range(0, replicates, chunk_size)]
    workers = min(workers or default_workers(), len(chunks))
    if workers == 1:
        yield from (simulate_chunk(setting, scenario.name, seed, chunk) for chunk in chunks)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ahead: deque[Future[Results]] = deque()  # at most two chunks per thread in flight: memory stays bounded
        try:
            for chunk in chunks:
                ahead.append(pool.submit(simulate_chunk, setting, scenario.name, seed, chunk))
                if len(ahead) > 2 * workers:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:  # stopped early (Ctrl-C, an error downstream): drop what has not started
            for future in ahead:
                future.cancel()


def run_config(setting: Setting) -> dict[str, object]:
    """The rules of a run, written into every row of the results table."""
    return {
        "rounds": setting.rounds,
        "fallback": "vote" if setting.vote_fallback else "none",
        "chair_strategy": setting.strategy,
        "vote_threshold": setting.vote_threshold,
    }


def simulate_chunk(setting: Setting, name: str, seed: int, replicates: range) -> Results:
    """Simulate the replicates in ``replicates`` (a contiguous range of indices) as one batch."""
    inputs = draw_batch(setting, seed, replicates)
    out = negotiate(setting, inputs)
    return Results(
        scenario=name,
        seed=seed,
        delegation_ids=setting.delegation_ids,
        issue_ids=setting.issue_ids,
        config=run_config(setting),
        replicate=np.arange(replicates.start, replicates.stop),
        **out.__dict__,
        units=setting.units,
    )


@dataclass
class Outcomes:
    """Per-replicate outcome arrays of one batch."""

    outcome: np.ndarray
    round: np.ndarray
    text: np.ndarray
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    blockers: np.ndarray


def opening_text(setting: Setting, inputs: Inputs) -> np.ndarray:
    """The chair's first text: its draft, or else the compromise-model text of the (perturbed) positions."""
    if setting.draft is not None:
        return np.broadcast_to(setting.draft, inputs.position.shape[:-2] + setting.draft.shape).copy()
    return dyn.compromise_text(inputs.position, inputs.salience, setting.power)


def assess(setting: Setting, text: np.ndarray, inputs: Inputs, progress: float) -> tuple[np.ndarray, np.ndarray]:
    """Utilities and acceptance thresholds of every delegation for ``text`` at ``progress`` (dyn.progress), blocs pooled."""
    util = dyn.utility(text, inputs.position, inputs.salience)
    threshold = dyn.acceptance_threshold(progress, inputs.reservation, inputs.floor, setting.beta)
    pool = (setting.bloc_index, setting.n_blocs, setting.power)
    return dyn.pool_blocs(util, *pool), dyn.pool_blocs(threshold, *pool)


def negotiate(setting: Setting, inputs: Inputs) -> Outcomes:
    """Rounds 1..T of consensus-seeking, then the fallback, for a batch of replicates."""
    r, (n, k) = inputs.position.shape[0], setting.shape
    out = Outcomes(
        outcome=np.full(r, dyn.FAILED, dtype=np.int8),
        round=np.full(r, setting.rounds, dtype=np.int64),
        text=np.empty((r, k), dtype=setting.dtype),
        yes=np.zeros(r, dtype=np.int64),
        no=np.zeros(r, dtype=np.int64),
        abstain=np.zeros(r, dtype=np.int64),
        blockers=np.zeros((r, n), dtype=bool),
    )
    active = np.arange(r)
    text = opening_text(setting, inputs)
    for t in range(1, setting.rounds + 1):
        util, threshold = assess(setting, text, inputs, dyn.progress(t, setting.rounds, setting.credibility))
        blocked = dyn.blocking(dyn.objections(util, threshold), setting.can_block)
        agreed = dyn.consensus_reached(blocked)
        out.outcome[active[agreed]] = dyn.CONSENSUS
        out.round[active[agreed]] = t
        out.text[active[agreed]] = text[agreed]
        if agreed.any():
            keep = ~agreed
            active, text, blocked = active[keep], text[keep], blocked[keep]
            util, threshold = util[keep], threshold[keep]
            inputs = Inputs(*(a[keep] for a in (inputs.position, inputs.salience, inputs.reservation, inputs.floor)))
        if active.size == 0:
            return out
        if t < setting.rounds:
            shortfall = np.where(blocked, threshold - util, 0.0)
            text = dyn.next_text(
                text, setting.strategy, setting.step, inputs.position, inputs.salience, setting.power, util, shortfall
            )
    fallback(setting, text, inputs, active, out)
    return out


def fallback(setting: Setting, text: np.ndarray, inputs: Inputs, active: np.ndarray, out: Outcomes) -> None:
    """At the deadline without consensus: record the last text and blockers, then hold the fallback vote."""
    util, threshold = assess(setting, text, inputs, dyn.progress(setting.rounds, setting.rounds, setting.credibility))
    out.text[active] = text
    out.blockers[active] = dyn.blocking(dyn.objections(util, threshold), setting.can_block)
    if not setting.vote_fallback:
        return
    yes, no = dyn.ballots(util, threshold, setting.abstention_band)
    yes_votes, no_votes = yes @ setting.votes, no @ setting.votes
    out.yes[active], out.no[active] = yes_votes, no_votes
    out.abstain[active] = setting.votes.sum() - yes_votes - no_votes
    adopted = dyn.vote_adopts(yes_votes, no_votes, setting.vote_threshold)
    out.outcome[active[adopted]] = dyn.VOTE
