"""A short, readable terminal report of a run's summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.outcomes import SUMMARY_ROWS


def format_probability(p: float) -> str:
    """Three decimals, but never a rounded 0 or 1 for what is not exactly 0 or 1 (``<0.001``, ``>0.999``)."""
    if 0.0 < p < 0.001:
        return "<0.001"
    if 0.999 < p < 1.0:
        return ">0.999"
    return f"{p:.3f}"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def format_summary(summary: Mapping[str, Any], title: str = "") -> str:
    """The summary as a small table: likelihoods with 95% intervals, then rounds, final text and blockers."""
    lines = [f"{title or summary['scenario']}",
             (f"{summary['replicates']:,} replicates, seed {summary['seed']}, deadline {summary.get('rounds')} rounds, "
              f"fallback: {summary.get('fallback')}"), ""]
    lines.append(f"  {'outcome':<24}{'P':>7}   95% interval")
    for row in SUMMARY_ROWS:
        low, high = summary["ci95"][row.key]
        lines.append(f"  {row.label:<24}{format_probability(summary[row.key]):>7}   [{low:.3f}, {high:.3f}]")
    if "p_adopted_first_session" in summary:
        low, high = summary["ci95_adopted_first_session"]
        lines.append(f"  {'adopted at session 1':<24}{format_probability(summary['p_adopted_first_session']):>7}   "
                     f"[{low:.3f}, {high:.3f}]")
        needed = ", ".join(f"{s}: {p:.3f}" for s, p in summary["sessions_needed"].items())
        lines.append(f"  adopted at session (share of replicates): {needed}")
    lines.append("")
    lines.append(f"  median round of adoption: {_fmt(summary['rounds_median'])}")
    text = ", ".join(f"{k} {v:.2f}" for k, v in summary["final_text_mean"].items())
    lines.append(f"  mean final text: {text}")
    blockers = summary["top_blockers"]
    if blockers:
        listed = ", ".join(f"{b['name']} ({b['share']:.1%})" for b in blockers)
        lines.append(f"  most often blocking at the deadline: {listed}")
    else:
        lines.append("  no delegation blocks at the deadline in any replicate")
    pivotal = summary.get("pivotal") or []
    if pivotal:
        listed = ", ".join(f"{p['name']} ({p['share']:.1%})" for p in pivotal)
        lines.append(f"  pivotal (the only blocker, whose yes alone would have brought consensus): {listed}")
    assumptions = summary.get("assumptions") or []
    if assumptions:
        lines.append("")
        lines += [f"  assumes: {a}" for a in assumptions]
    return "\n".join(lines)
