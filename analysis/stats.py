"""Outcome statistics of a Monte Carlo run: adoption likelihoods with Wilson intervals, and who blocks.

The Wilson score interval (Wilson 1927; recommended over the Wald interval by Brown, Cai & DasGupta 2001) keeps
its coverage near 0 and 1, where adoption likelihoods often sit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim import outcomes
from sim.results import Results
from sim.tally import Histogram, Tally

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


def outcome_counts(results: Results | Tally) -> dict[str, int]:
    """Replicates per outcome and adopted either way, keyed ``p_<outcome>`` (:mod:`sim.outcomes`)."""
    if isinstance(results, Tally):
        return results.outcome_counts()
    return outcomes.counts(results.outcome)


def pivotal_delegations(results: Results, names: dict[str, str] | None = None, n: int = 5) -> list[dict[str, Any]]:
    """Who is pivotal: share of replicates in which a delegation — or a coordinated bloc, which decides as one — is
    the *only* one blocking at the deadline.

    Consensus needs no blocker in the last round, so in those replicates that delegation's (or bloc's) acceptance
    alone would have carried the text by consensus (a swing position in the sense of Banzhaf's and Shapley–Shubik's
    indices, here counted on the simulated outcomes rather than on all coalitions).
    """
    tally = Tally.of(results)
    return ranked_shares(tally.decider_ids, tally.alone["blockers"] / max(tally.replicates, 1), names, n)


def ranked_shares(ids: Sequence[str], shares: np.ndarray, names: dict[str, str] | None, n: int) -> list[dict[str, Any]]:
    """The ``n`` largest non-zero shares, largest first (ties by id), with the delegations' names."""
    names = names or {}
    ranked = sorted(zip(ids, (float(x) for x in shares)), key=lambda item: (-item[1], item[0]))
    return [{"id": d, "name": names.get(d, d), "share": share} for d, share in ranked[:n] if share > 0]


def summary(tally: Tally, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The run's summary (the keys of ``summary.json``): likelihoods, 95% intervals, rounds, texts, blockers."""
    r = tally.replicates
    counts = outcome_counts(tally)
    rounds = tally.histogram("round", where=outcomes.is_adopted)
    consensus_rounds = tally.histogram("round", where=lambda codes: codes == outcomes.CONSENSUS.code)
    return {
        "scenario": tally.scenario,
        "replicates": r,
        "seed": tally.seed,
        **tally.rules,
        **{key: count / r for key, count in counts.items()},
        "ci95": {key: list(wilson_interval(count, r)) for key, count in counts.items()},
        "rounds_median": rounds.median() if rounds.total else None,
        "consensus_round_median": consensus_rounds.median() if consensus_rounds.total else None,
        "final_text_mean": {k: tally.mean("text", i) for i, k in enumerate(tally.issue_ids)},
        "adopted_text_mean": {k: tally.mean("text", i, adopted=True) for i, k in enumerate(tally.issue_ids)},
        "top_blockers": ranked_shares(tally.delegation_ids, tally.marked["blockers"] / r, names, 5),
        "pivotal": ranked_shares(tally.decider_ids, tally.alone["blockers"] / r, names, 5),
        **sessions_summary(tally),
        **ratification_summary(tally),
        **provisions_summary(tally),
    }


def spread(values: Histogram) -> dict[str, float] | None:
    """Mean, 5th and 95th percentiles of counted values (``None`` when there are none)."""
    if not values.total:
        return None
    return {"mean": values.mean(), "p05": values.percentile(5), "p95": values.percentile(95)}


def provisions_summary(tally: Tally) -> dict[str, Any]:
    """Per provision put to recorded votes: P(a vote was called), P(kept) with its Wilson interval (over all
    replicates: kept when no vote was called, or the talks were suspended before a decision), P(kept) among the replicates
    in which it was put to a vote (``None`` when it never was), and the votes to keep, delete and abstain where a
    vote was held (mean, 5th and 95th percentiles)."""
    ids = [c.name[len("provision_") :] for c in tally.columns if c.name.startswith("provision_")]
    if not ids:
        return {}
    r, out = tally.replicates, {}
    for pid in ids:
        result = tally.histogram(f"provision_{pid}")
        held = r - result.count(-1)
        kept = r - result.count(0)
        votes = {
            name: spread(tally.histogram(f"{name}_{pid}", by=f"provision_{pid}", where=lambda codes: codes >= 0))
            for name in ("keep", "delete", "abstain")
        }
        kept_in_votes = held - result.count(0)
        out[pid] = {
            "p_vote_called": held / r,
            "p_kept": kept / r,
            "ci95_kept": list(wilson_interval(kept, r)),
            "p_kept_if_voted": kept_in_votes / held if held else None,
            "ci95_kept_if_voted": list(wilson_interval(kept_in_votes, held)) if held else None,
            "votes": votes,
        }
    return {"provisions": out}


def ratification_summary(tally: Tally) -> dict[str, Any]:
    """With an entry-into-force rule: P(in force within the horizon) with its Wilson interval, the median years to
    entry into force, the states signing at the opening and the ratification curve (states ratified after each
    year: mean and the 5th and 95th percentiles over the adopted replicates)."""
    if "in_force_years" not in {c.name for c in tally.columns}:
        return {}
    r = tally.replicates
    in_force = tally.finite_count("in_force_years")
    curve_columns = sorted(
        (c.name for c in tally.columns if c.name.startswith("ratifications_y")),
        key=lambda name: int(name.rsplit("y", 1)[1]),
    )
    curve = []
    for name in curve_columns:
        stats = spread(tally.histogram(name, where=outcomes.is_adopted)) or {"mean": None, "p05": None, "p95": None}
        curve.append({"year": int(name.rsplit("y", 1)[1]), **stats})
    signatures = tally.histogram("signatures", where=outcomes.is_adopted)
    return {
        "p_in_force": in_force / r,
        "ci95_in_force": list(wilson_interval(in_force, r)),
        "in_force_years_median": tally.finite_median("in_force_years"),
        "signatures_mean": signatures.mean() if signatures.total else None,
        "ratification_curve": curve,
        "ratified_share": {d: float(n / r) for d, n in zip(tally.delegation_ids, tally.marked["ratified"])},
    }


def sessions_summary(tally: Tally) -> dict[str, Any]:
    """With more than one session: P(adopted at the first session) with its Wilson interval, and how many sessions
    the adopted replicates needed (share of all replicates per session)."""
    if int(tally.rules.get("sessions", 1)) <= 1:
        return {}
    r = tally.replicates
    session = tally.histogram("session", where=outcomes.is_adopted)
    first = session.count(1)
    needed = {str(s): float(session.count(s) / r) for s in range(1, int(tally.rules["sessions"]) + 1)}
    return {
        "p_adopted_first_session": first / r,
        "ci95_adopted_first_session": list(wilson_interval(first, r)),
        "sessions_needed": needed,
    }


def summarize(results: Results, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The run's summary (the keys of ``summary.json``): likelihoods, 95% intervals, rounds, final text, blockers."""
    return summary(Tally.of(results), names)
