"""The dashboard's words: the round log, the end-of-talks explanation and the Monte Carlo panel's lines.

Plain functions of a :class:`~sim.ui.state.Game` (or a summary dict), so they are tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim import dynamics as dyn
from sim import outcomes
from sim.analysis.report import (
    format_estimate,
    format_interval,
    format_probability,
    format_share,
    how_voted,
    suspendable,
)
from sim.ui.state import Game, RoundRecord

#: Changes smaller than this (in utility) are not worth a word in the explanation.
NOTICEABLE = 0.005


def format_text(text: Sequence[float] | np.ndarray, issue_ids: Sequence[str]) -> str:
    """A text in words: ``scope 0.62, safeguards 0.55``."""
    return ", ".join(f"{issue} {float(value):.2f}" for issue, value in zip(issue_ids, text))


def name_list(ids: Sequence[str], names: Mapping[str, str], limit: int = 8) -> str:
    """Delegation names joined by commas, the tail cut to '… and N more' past ``limit``."""
    listed = [names.get(d, d) for d in ids]
    if len(listed) > limit:
        return ", ".join(listed[:limit]) + f" and {len(listed) - limit} more"
    return ", ".join(listed)


def _objections(record: RoundRecord, game: Game) -> str:
    issues = game.model.arrays.issue_ids
    on_table = format_text(record.text, issues)
    n = len(record.objecting)
    if n == 0:
        return f"every delegation accepts the text ({on_table})"
    noun = "delegation objects" if n == 1 else "delegations object"
    words = f"{n} {noun} to the text ({on_table}): {name_list(record.objecting, game.names)}"
    silent = [d for d in record.objecting if d not in record.blocking]
    if silent:
        words += f" ({name_list(silent, game.names)} cannot block)"
    return words


def _moves(record: RoundRecord, game: Game) -> list[str]:
    issues = game.model.arrays.issue_ids
    out = []
    for delegation_id, decision in record.played.items():
        name = game.names[delegation_id]
        if not decision.objecting:
            out.append(f"{name} (played) accepts")
        elif decision.counter_text is None:
            out.append(f"{name} (played) objects")
        else:
            out.append(f"{name} (played) objects and proposes {format_text(decision.counter_text, issues)}")
    return out


def _ending(record: RoundRecord, game: Game) -> str:
    issues = game.model.arrays.issue_ids
    if record.next_text is not None:
        if np.allclose(record.next_text, record.text):
            return "the chair keeps the text as it is"
        return f"the chair moves the text to {format_text(record.next_text, issues)}"
    if record.outcome == outcomes.CONSENSUS.name:
        return "nobody who can block objects: consensus, the text is adopted"
    if record.votes is None:
        return "the deadline passes without consensus: the talks fail"
    verdict = "adopts" if record.outcome == outcomes.VOTE.name else "rejects"
    v = record.votes
    return f"no consensus by the deadline; the vote {verdict} the text ({v['yes']} yes, {v['no']} no, {v['abstain']} abstain)"


def _provision_votes(record: RoundRecord, game: Game) -> list[str]:
    """The recorded votes on deleting provisions that opened this round, if any (docs/model.md section 15)."""
    out = []
    labels = {p.id: p.label or p.id for p in game.scenario.provisions}
    for pid, vote in (record.provisions or {}).items():
        if not vote["called"]:
            out.append(f"nobody asks to delete {labels[pid]}")
            continue
        verdict = "kept" if vote["kept"] else "deleted"
        out.append(
            f"a recorded vote on deleting {labels[pid]}: {verdict} ({vote['keep']} keep, {vote['delete']} "
            f"delete, {vote['abstain']} abstain)"
        )
    return out


def line_words(accepts: bool | None) -> str:
    """A group's line in words."""
    return "no line yet" if accepts is None else "accept" if accepts else "object"


def _broken_ranks(record: RoundRecord, game: Game) -> list[str]:
    """The members who decided against their group's line this round (docs/model.md: cohesion)."""
    out = []
    for g in record.groups:
        if g.defectors:
            verb = "breaks" if len(g.defectors) == 1 else "break"
            out.append(
                f"{name_list(g.defectors, game.names)} {verb} ranks with {g.name} (the group's line: "
                f"{line_words(g.accepts)})"
            )
    return out


def pressure_words(p: Any, names: Mapping[str, str], limit: int = 3) -> str:
    """Whom a stakeholder pressed and how hard: ``Civil society presses 85 delegations (salience, 6.00)``."""
    whom = name_list(p.targets, names, limit) if len(p.targets) <= limit else f"{len(p.targets)} delegations"
    return f"{p.name} presses {whom} ({p.channel.replace('_', ' ')}, {p.pressure:.2f})"


def _presses(record: RoundRecord, game: Game) -> list[str]:
    """The stakeholders that pressed someone this round."""
    return [pressure_words(p, game.names) for p in record.pressures if p.targets]


def describe_round(record: RoundRecord, game: Game) -> str:
    """One round in words: who objected to which text, who broke ranks with their group, which stakeholders pressed
    whom, the players' moves, and what the chair or the rules did."""
    parts = [
        *_provision_votes(record, game),
        *_presses(record, game),
        _objections(record, game),
        *_broken_ranks(record, game),
        *_moves(record, game),
        _ending(record, game),
    ]
    return f"Round {record.round}: " + "; ".join(parts) + "."


def round_log(game: Game) -> list[str]:
    """The round log, one sentence per round played so far, oldest first."""
    return [describe_round(record, game) for record in game.history]


def _unlocked(game: Game) -> list[str]:
    """Why each delegation that blocked in the round before consensus stopped blocking."""
    before, last = game.history[-2], game.history[-1]
    index = {d: i for i, d in enumerate(game.model.arrays.delegation_ids)}
    lines, gained, relaxed = [], 0.0, 0.0
    for d in before.blocking:
        i, name = index[d], game.names[d]
        if d in last.played:
            lines.append(f"{name} (played) decided to accept.")
            continue
        gain = last.utility[i] - before.utility[i]
        relax = before.threshold[i] - last.threshold[i]
        gained, relaxed = gained + max(gain, 0.0), relaxed + max(relax, 0.0)
        reasons = []
        if gain > NOTICEABLE:
            reasons.append(f"the text moved its way (utility {before.utility[i]:.2f} → {last.utility[i]:.2f})")
        if relax > NOTICEABLE:
            reasons.append(
                f"its demand fell as the deadline neared ({before.threshold[i]:.2f} → {last.threshold[i]:.2f})"
            )
        lines.append(f"{name} stopped blocking: " + (" and ".join(reasons) or "its objection was marginal") + ".")
    if gained or relaxed:
        what = "the chair's moves toward the holdouts" if gained >= relaxed else "concessions as the deadline neared"
        lines.append(f"What unlocked consensus: mostly {what}.")
    return lines


def _blocked(game: Game) -> list[str]:
    """Who still blocked at the deadline, by how much, and what the fallback did."""
    last, arrays = game.history[-1], game.model.arrays
    index = {d: i for i, d in enumerate(arrays.delegation_ids)}
    lines = [
        f"No consensus by the deadline (round {arrays.rounds}): {name_list(last.blocking, game.names)} still blocked."
    ]
    for d in last.blocking:
        i = index[d]
        gave, wanted = last.utility[i], last.threshold[i]
        if d in last.played:
            lines.append(
                f"{game.names[d]} (played) objected: the last text gave it {gave:.3f}, its model demanded {wanted:.3f}."
            )
        else:
            lines.append(f"{game.names[d]} wanted utility {wanted:.3f}; the last text gave it {gave:.3f}.")
    if len(last.blocking) == 1:
        lines.append(f"{game.names[last.blocking[0]]} alone stood between the text and consensus: it was pivotal.")
    if last.votes is None:
        lines.append("The rules provide no vote, so the talks failed.")
    else:
        verdict = "adopted" if last.outcome == outcomes.VOTE.name else "rejected"
        v = last.votes
        lines.append(
            f"The fallback vote {verdict} the text: {v['yes']} yes, {v['no']} no, {v['abstain']} abstaining "
            f"(it needed {arrays.vote_threshold:.0%} of those voting)."
        )
    return lines


def _player_lines(game: Game) -> list[str]:
    m, last = game.model, game.history[-1]
    lines = []
    for p in game.players:
        d = m.delegations[m.arrays.delegation_ids.index(p)]
        worth = float(dyn.utility(m.text, d.position[None, :], d.salience[None, :])[0])
        outside = float(d.outside_option[0])
        name = game.names[p]
        if m.outcome == outcomes.FAILED.name:
            lines.append(
                f"Playing {name}: no deal, so {name} keeps its outside option ({outside:.2f}); "
                f"the last text would have given it {worth:.2f}."
            )
        else:
            better = "better" if worth >= outside else "worse"
            lines.append(
                f"Playing {name}: the adopted text is worth {worth:.2f} to {name}, {better} than no deal ({outside:.2f})."
            )
        if m.outcome != outcomes.CONSENSUS.name and last.blocking == (p,):
            lines.append(f"Had {name} accepted in the last round, the talks would have ended in consensus.")
    return lines


def explain(game: Game) -> list[str]:
    """What unlocked or blocked consensus, once the talks are over (empty before), and how the players fared."""
    if not game.finished or not game.history:
        return []
    last, issues = game.history[-1], game.model.arrays.issue_ids
    if last.outcome == outcomes.CONSENSUS.name:
        lines = [f"Consensus in round {last.round} of {game.model.arrays.rounds} on {format_text(last.text, issues)}."]
        if len(game.history) == 1:
            lines.append("The chair's opening text already gave everyone who can block what it demanded.")
        else:
            lines += _unlocked(game)
    else:
        lines = _blocked(game)
    return lines + _player_lines(game)


def monte_carlo_lines(summary: Mapping[str, Any]) -> list[str]:
    """The Monte Carlo panel in words: P(adopted) with its interval, the outcome shares, the usual blockers (rounded
    as the terminal report rounds them, :func:`sim.analysis.report.format_probability`)."""
    ci = summary["ci95"]
    low, high = ci["p_adopted"]
    lines = [
        (
            f"P(adopted) = {format_probability(summary['p_adopted'])} (95% interval {format_interval(low, high, '–')}) over "
            f"{summary['replicates']:,} replicates, seed {summary['seed']}."
        ),
        "Outcome shares: "
        + ", ".join(
            f"{label} {format_estimate(summary[key], ci[key])}"
            for key, label in ((o.key, o.short) for o in outcomes.OUTCOMES)
        )
        + ".",
    ]
    if summary.get("rounds_median") is not None:
        lines.append(f"Median round of adoption: {summary['rounds_median']:g}.")
    blockers = summary.get("top_blockers") or []
    if blockers:
        lines.append(
            "Most often blocking at the deadline: "
            + ", ".join(f"{b['name']} ({format_share(b['share'])})" for b in blockers)
            + "."
        )
    pivotal = summary.get("pivotal") or []
    if pivotal:
        lines.append(
            "Pivotal (the only blocker, whose yes alone would have brought consensus): "
            + ", ".join(f"{p['name']} ({format_share(p['share'])})" for p in pivotal)
            + "."
        )
    for pid, p in (summary.get("provisions") or {}).items():
        kept = format_estimate(p["p_kept"], p["ci95_kept"])
        voted = how_voted(p, summary.get("replicates"), suspendable(summary))
        lines.append(f"Provision {p.get('label') or pid}: kept {kept}; {voted}.")
    if "p_in_force" in summary:
        median = summary.get("in_force_years_median")
        lines.append(
            f"In force within the horizon: {format_estimate(summary['p_in_force'], summary['ci95_in_force'])}"
            + (f", a median {median:.1f} years after adoption" if median is not None else "")
            + "."
        )
    return lines
