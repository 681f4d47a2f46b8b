"""A short, readable terminal report of a run's summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.outcomes import SUMMARY_ROWS


def format_probability(p: float) -> str:
    """A probability as every report prints it (the terminal report, the dashboard, ``treatysim-compare``).

    The rule: three decimals, except that what is not exactly 0 or 1 never prints as a rounded 0 or 1 — a value
    strictly between 0 and 0.001 prints ``<0.001``, one strictly between 0.999 and 1 prints ``>0.999``. The same rule
    applies to an estimate and to the ends of its interval (:func:`format_interval`), and it keeps their order
    (``0.000`` < ``<0.001`` < ``0.001`` < ... < ``0.999`` < ``>0.999`` < ``1.000``), so an estimate is never printed
    outside its own printed interval.
    """
    p = float(p)
    if 0.0 < p < 0.001:
        return "<0.001"
    if 0.999 < p < 1.0:
        return ">0.999"
    return f"{p:.3f}"


def format_interval(low: float, high: float, separator: str = ", ") -> str:
    """An interval's two ends by :func:`format_probability`: ``0.787, 0.821``, ``>0.999, 1.000`` (no brackets)."""
    return f"{format_probability(low)}{separator}{format_probability(high)}"


def format_estimate(p: float, interval: Sequence[float]) -> str:
    """A probability and its interval, as the report and the comparison table print them: ``0.804 [0.787, 0.821]``."""
    low, high = interval
    return f"{format_probability(p)} [{format_interval(low, high)}]"


def format_share(share: float) -> str:
    """A share of replicates as a percentage with one decimal; what is not exactly 0 or 1 never rounds to it:
    below 0.1% prints ``<0.1%``, above 99.9% (but below 100%) ``>99.9%``."""
    share = float(share)
    if 0.0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1.0:
        return ">99.9%"
    return f"{share:.1%}"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def chair_words(summary: Mapping[str, Any]) -> str:
    """``, chair: nash (step 0.5)`` — the chair's strategy, its step and any group of friends, where the summary
    records them."""
    strategy = summary.get("chair_strategy")
    if strategy is None:
        return ""
    details = [f"step {summary['chair_step']:g}"] if summary.get("chair_step") is not None else []
    if strategy == "friends":
        from sim.chairs import DEFAULT_FRIENDS

        details.append(f"{summary.get('chair_friends') or DEFAULT_FRIENDS} friends")
    return f", chair: {strategy}" + (f" ({', '.join(details)})" if details else "")


def fallback_words(summary: Mapping[str, Any]) -> str:
    """What ends talks without consensus at the final deadline: the rules' fallback, or — where the mandate lets
    the talks resume (``procedure.resumable``) — suspension, which comes first (docs/model.md section 11)."""
    if summary.get("resumable"):
        return "suspension (the talks may resume)"
    return str(summary.get("fallback"))


def format_summary(summary: Mapping[str, Any], title: str = "") -> str:
    """The summary as a small table: likelihoods with 95% intervals, then rounds, final text and blockers."""
    lines = [
        f"{title or summary['scenario']}",
        (
            f"{summary['replicates']:,} replicates, seed {summary['seed']}, deadline {summary.get('rounds')} rounds, "
            f"fallback: {fallback_words(summary)}{chair_words(summary)}"
        ),
        "",
    ]
    lines.append(f"  {'outcome':<24}{'P':>7}   95% interval")
    for row in SUMMARY_ROWS:
        low, high = summary["ci95"][row.key]
        lines.append(f"  {row.label:<24}{format_probability(summary[row.key]):>7}   [{format_interval(low, high)}]")
    if "p_adopted_first_session" in summary:
        low, high = summary["ci95_adopted_first_session"]
        lines.append(
            f"  {'adopted at session 1':<24}{format_probability(summary['p_adopted_first_session']):>7}   "
            f"[{format_interval(low, high)}]"
        )
        needed = ", ".join(f"{s}: {format_probability(p)}" for s, p in summary["sessions_needed"].items())
        lines.append(f"  adopted at session (share of replicates): {needed}")
    lines.append("")
    lines.append(f"  median round of adoption: {_fmt(summary['rounds_median'])}")
    text = ", ".join(f"{k} {v:.2f}" for k, v in summary["final_text_mean"].items())
    lines.append(f"  mean final text: {text}")
    blockers = summary["top_blockers"]
    if blockers:
        listed = ", ".join(f"{b['name']} ({format_share(b['share'])})" for b in blockers)
        lines.append(f"  most often blocking at the deadline: {listed}")
    else:
        lines.append("  no delegation blocks at the deadline in any replicate")
    pivotal = summary.get("pivotal") or []
    if pivotal:
        listed = ", ".join(f"{p['name']} ({format_share(p['share'])})" for p in pivotal)
        lines.append(f"  pivotal (the only blocker, whose yes alone would have brought consensus): {listed}")
    lines += provision_lines(summary) + ratification_lines(summary)
    assumptions = summary.get("assumptions") or []
    if assumptions:
        lines.append("")
        lines += [f"  assumes: {a}" for a in assumptions]
    return "\n".join(lines)


def suspendable(summary: Mapping[str, Any]) -> bool:
    """Whether a session of the run can end in suspension: the mandate lets it resume, or another session follows."""
    return bool(summary.get("resumable")) or (summary.get("sessions") or 1) > 1


def provision_lines(summary: Mapping[str, Any]) -> list[str]:
    """Per provision put to recorded votes: P(kept) over all replicates, how often it was put to a vote and how
    those votes went, and the mean votes to keep, delete and abstain where one was held (to a tenth where fewer than
    20 votes are cast, so that small rooms add up). A provision never put to a vote is kept, so P(kept) alone can hide
    that no vote was held (no delegation gaining enough from deleting it): the lines say so."""
    out = []
    for pid, p in (summary.get("provisions") or {}).items():
        label = p.get("label") or ""
        out.append(f"  provision {pid}" + (f" ({label})" if label and label != pid else ""))
        voted = how_voted(p, summary.get("replicates"), suspendable(summary))
        out.append(f"    kept {format_estimate(p['p_kept'], p['ci95_kept'])}: {voted}")
        votes = p["votes"]
        if votes["keep"]:
            means = [votes[k]["mean"] for k in ("keep", "delete", "abstain")]
            digits = 1 if sum(means) < 20 else 0
            keep, delete, abstain = (f"{m:.{digits}f}" for m in means)
            out.append(f"    votes where one was held (means): keep {keep}, delete {delete}, abstain {abstain}")
    return ([""] + out) if out else []


#: Why a provision may not be put to a vote in a replicate (docs/model.md section 15); where a session can be
#: suspended, also that no decision on the whole came.
NO_VOTE_BECAUSE = "no delegation gained enough from deleting it"
NO_DECISION = ", or the talks were suspended before a decision"


def how_voted(provision: Mapping[str, Any], replicates: int | None = None, suspendable: bool = False) -> str:
    """How often a provision (a summary's ``provisions`` entry) was put to a vote and how those votes went, in words:
    the report's line and the dashboard's sentence say it alike. With the run's ``replicates``, the votes are counted
    ("kept in 3 of the 4 replicates that voted on it"), so that a share resting on a handful of votes reads as one.
    ``suspendable``: a session of the run can end in suspension, which holds no vote either."""
    because = NO_VOTE_BECAUSE + (NO_DECISION if suspendable else "")
    called = provision["p_vote_called"]
    if not called:
        return f"never put to a vote ({because})"
    if called == 1.0:
        return "put to a vote in every replicate"
    kept = format_estimate(provision["p_kept_if_voted"], provision["ci95_kept_if_voted"])
    if replicates:
        voted = round(called * replicates)
        share = f"kept in {round(provision['p_kept_if_voted'] * voted)} of the {voted} that voted on it ({kept})"
    else:
        share = f"kept in {kept} of those that voted on it"
    return f"put to a vote in {format_share(called)} of replicates, {share}; no vote in the rest ({because})"


def ratification_lines(summary: Mapping[str, Any]) -> list[str]:
    """P(entry into force within the horizon), the median years to it and the signatures at the opening."""
    if "p_in_force" not in summary:
        return []
    curve = summary.get("ratification_curve") or []
    horizon = curve[-1]["year"] if curve else "?"
    median = summary.get("in_force_years_median")
    lines = [
        "",
        f"  in force within {horizon} years: {format_estimate(summary['p_in_force'], summary['ci95_in_force'])}"
        + (f"; median {median:.1f} years after adoption" if median is not None else ""),
    ]
    if summary.get("signatures_mean") is not None:
        lines.append(f"  states signing at the opening (mean over adopted texts): {summary['signatures_mean']:.0f}")
    return lines
