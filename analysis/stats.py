"""Outcome statistics of a Monte Carlo run: adoption likelihoods with Wilson intervals, and who blocks.

The Wilson score interval (Wilson 1927; recommended over the Wald interval by Brown, Cai & DasGupta 2001) keeps
its coverage near 0 and 1, where adoption likelihoods often sit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.dynamics import CONSENSUS, FAILED, VOTE
from sim.results import Results

Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default); (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return min(max(0.0, centre - half), p), max(min(1.0, centre + half), p)  # contains p despite rounding


def outcome_counts(results: Results) -> dict[str, int]:
    """Replicates ending in consensus, in adoption by vote, in failure, and adopted either way."""
    counts = np.bincount(results.outcome, minlength=3)
    return {
        "p_consensus": int(counts[CONSENSUS]),
        "p_vote": int(counts[VOTE]),
        "p_failed": int(counts[FAILED]),
        "p_adopted": int(counts[CONSENSUS] + counts[VOTE]),
    }


def blocker_shares(results: Results) -> dict[str, float]:
    """Share of replicates in which each delegation still blocks consensus at the end."""
    shares = results.blockers.mean(axis=0) if results.replicates else np.zeros(len(results.delegation_ids))
    return dict(zip(results.delegation_ids, (float(s) for s in shares)))


def top_blockers(results: Results, names: dict[str, str] | None = None, n: int = 5) -> list[dict[str, Any]]:
    """The ``n`` delegations that most often block at the deadline (those that never block are left out)."""
    ranked = sorted(blocker_shares(results).items(), key=lambda item: (-item[1], item[0]))
    names = names or {}
    return [{"id": d, "name": names.get(d, d), "share": share} for d, share in ranked[:n] if share > 0]


def pivotal_delegations(results: Results, names: dict[str, str] | None = None, n: int = 5) -> list[dict[str, Any]]:
    """Who is pivotal: share of replicates in which a delegation is the *only* one blocking at the deadline.

    Consensus needs no blocker in the last round, so in those replicates that delegation's acceptance alone would
    have carried the text by consensus (a swing position in the sense of Banzhaf's and Shapley–Shubik's indices,
    here counted on the simulated outcomes rather than on all coalitions).
    """
    sole = results.blockers[results.blockers.sum(axis=1) == 1]
    shares = sole.sum(axis=0) / max(results.replicates, 1)
    names = names or {}
    ranked = sorted(zip(results.delegation_ids, shares), key=lambda item: (-item[1], item[0]))
    return [{"id": d, "name": names.get(d, d), "share": float(share)} for d, share in ranked[:n] if share > 0]


def summarize(results: Results, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The run's summary (the keys of ``summary.json``): likelihoods, 95% intervals, rounds, final text, blockers."""
    r = results.replicates
    counts = outcome_counts(results)
    consensus = results.outcome == CONSENSUS
    adopted = results.outcome != FAILED
    return {
        "scenario": results.scenario,
        "replicates": r,
        "seed": results.seed,
        **results.config,
        **{key: count / r for key, count in counts.items()},
        "ci95": {key: list(wilson_interval(count, r)) for key, count in counts.items()},
        "rounds_median": float(np.median(results.round[adopted])) if adopted.any() else None,
        "consensus_round_median": float(np.median(results.round[consensus])) if consensus.any() else None,
        "final_text_mean": {k: float(results.text[:, i].mean()) for i, k in enumerate(results.issue_ids)},
        "adopted_text_mean": {
            k: (float(results.text[adopted, i].mean()) if adopted.any() else None)
            for i, k in enumerate(results.issue_ids)
        },
        "top_blockers": top_blockers(results, names),
        "pivotal": pivotal_delegations(results, names),
    }
