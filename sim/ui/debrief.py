"""The classroom's debrief: the class's game beside the model's distribution for the same scenario (no Solara here).

:func:`debrief` sets the outcome and the final text the class reached among ``replicates`` replicates of the batched
engine (:func:`sim.engine.simulate`, the command line's seed): how often the model ends the same way, and where the
class's text falls among the model's adopted texts, issue by issue. It says who blocked in which rounds, how far each
student's delegation ended from its ideal point (and what the text was worth to it against no deal), and, for a
historical scenario (``scenario.history``), what really happened. The downloads are plain text or bytes:
:func:`round_log_csv`, :func:`debrief_png`, :func:`debrief_pdf` and :func:`scenario_yaml`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import yaml

from sim import dynamics as dyn
from sim import outcomes
from sim.engine import simulate
from sim.results import Results
from sim.scenario import Scenario
from sim.ui.rooms import Room

#: Replicates of the model the class is set against (as the dashboard's Monte Carlo panel runs by default).
DEBRIEF_REPLICATES = 2000


@dataclass(frozen=True)
class StudentResult:
    """How one student's delegation fared: its final text's distance from its ideal point and worth to it."""

    student: str
    delegation: str
    name: str
    distance: float  # Euclidean distance of the final text from the delegation's ideal point, in issue units
    worth: float  # the final text's utility to the delegation
    outside_option: float  # what no deal is worth to it
    decided: int  # rounds the student decided
    by_agent: int  # rounds the agent decided because the student had not


@dataclass(frozen=True)
class Debrief:
    """The class's game set against the model's."""

    title: str
    outcome: str  # the class's: an outcome name of sim.outcomes, or "unfinished"
    rounds: int
    final_text: dict[str, float]
    replicates: int
    model_shares: dict[str, float]  # outcome name -> share of the model's replicates
    same_outcome: float  # share of replicates ending as the class did
    text_rank: dict[str, float]  # issue -> share of the model's adopted texts below the class's (if adopted)
    blocked: dict[str, tuple[int, ...]]  # delegation -> the rounds it blocked in
    students: tuple[StudentResult, ...]
    history: str | None  # what really happened, for a historical scenario


def class_outcome(room: Room) -> str:
    return room.game.model.outcome or "unfinished"


def debrief(room: Room, replicates: int = DEBRIEF_REPLICATES, results: Results | None = None) -> Debrief:
    """The debrief of ``room``'s game against ``replicates`` replicates of the model (or the given ``results``)."""
    game, scenario = room.game, room.scenario
    results = results if results is not None else simulate(scenario, replicates, room.seed)
    names = outcomes.names(results.outcome)
    shares = {o.name: float(np.mean(names == o.name)) for o in outcomes.OUTCOMES}
    outcome = class_outcome(room)
    text = game.model.text
    adopted = np.isin(results.outcome, outcomes.ADOPTED_CODES)
    rank: dict[str, float] = {}
    if outcome in ("consensus", "vote") and adopted.any():
        for k, issue in enumerate(scenario.issue_ids):
            rank[issue] = float(np.mean(results.text[adopted, k] < text[k]))
    blocked: dict[str, list[int]] = {}
    for record in game.history:
        for d in record.blocking:
            blocked.setdefault(d, []).append(record.round)
    return Debrief(
        title=scenario.title,
        outcome=outcome,
        rounds=len(game.history),
        final_text=dict(zip(scenario.issue_ids, map(float, text))),
        replicates=results.replicates,
        model_shares=shares,
        same_outcome=shares.get(outcome, 0.0),
        text_rank=rank,
        blocked={d: tuple(r) for d, r in blocked.items()},
        students=tuple(student_results(room)),
        history=history_line(scenario),
    )


def student_results(room: Room) -> list[StudentResult]:
    """Each student's delegations: distance of the final text from the ideal point, its worth, the rounds decided."""
    m = room.game.model
    index = {d: i for i, d in enumerate(m.arrays.delegation_ids)}
    out = []
    for member in room.members.values():
        for d in member.delegations:
            agent = m.delegations[index[d]]
            decided = sum(d in p.decisions for p in room.played)
            by_agent = sum(d in p.agents for p in room.played)
            out.append(
                StudentResult(
                    student=member.name,
                    delegation=d,
                    name=room.game.names[d],
                    distance=float(np.linalg.norm(m.text - agent.position)),
                    worth=float(dyn.utility(m.text, agent.position[None, :], agent.salience[None, :])[0]),
                    outside_option=float(agent.outside_option[0]),
                    decided=decided,
                    by_agent=by_agent,
                )
            )
    return out


def history_line(scenario: Scenario) -> str | None:
    h = scenario.history
    if h is None:
        return None
    label = next((o.label for o in outcomes.OUTCOMES if o.name == h.outcome), h.outcome)
    return f"What really happened ({h.date}): {label}." + (f" {h.note}" if h.note else "")


def debrief_lines(d: Debrief, names: dict[str, str]) -> list[str]:
    """The debrief in sentences, for the page."""
    text = ", ".join(f"{k} {v:.2f}" for k, v in d.final_text.items())
    label = next((o.label for o in outcomes.OUTCOMES if o.name == d.outcome), d.outcome)
    lines = [f"The class's talks: {label} after {d.rounds} round{'s' if d.rounds != 1 else ''}; final text {text}."]
    shares = ", ".join(f"{k} {v:.0%}" for k, v in d.model_shares.items() if v >= 0.005)
    lines.append(
        f"The model, {d.replicates:,} replicates of the same scenario: {shares}; "
        f"{d.same_outcome:.0%} of them end as the class did."
    )
    if d.text_rank:
        ranks = ", ".join(f"{k}: above {v:.0%} of them" for k, v in d.text_rank.items())
        lines.append(f"Where the class's text falls among the model's adopted texts: {ranks}.")
    if d.blocked:
        parts = [f"{names.get(x, x)} (rounds {_rounds(r)})" for x, r in d.blocked.items()]
        lines.append("Who blocked and when: " + "; ".join(parts) + ".")
    else:
        lines.append("Nobody blocked: every delegation that can block accepted the first text.")
    for s in d.students:
        better = "better" if s.worth >= s.outside_option else "worse"
        agent = f", the agent decided {s.by_agent}" if s.by_agent else ""
        lines.append(
            f"{s.student} played {s.name}: the final text is {s.distance:.2f} from its ideal point, worth "
            f"{s.worth:.2f} to it, {better} than no deal ({s.outside_option:.2f}); decided {s.decided} round(s){agent}."
        )
    if d.history:
        lines.append(d.history)
    return lines


def _rounds(rounds: tuple[int, ...]) -> str:
    return ", ".join(map(str, rounds)) if len(rounds) <= 6 else f"{rounds[0]}–{rounds[-1]}, {len(rounds)} in all"


def round_log_csv(room: Room) -> str:
    """The round log as CSV: one row per delegation per round (text on the table, utility, threshold, decision,
    whether it blocked, who decided: a student, the agent for an absent student, or the model)."""
    game = room.game
    ids, issues = game.model.arrays.delegation_ids, game.model.arrays.issue_ids
    players = {d: m.name for m in room.members.values() for d in m.delegations}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["round", *(f"text_{k}" for k in issues), "delegation", "student", "decided_by", "objecting",
                     "blocking", "counter_text", "utility", "threshold", "outcome"])  # fmt: skip
    for record, played in zip(game.history, room.played):
        objecting, blocking = set(record.objecting), set(record.blocking)
        for i, d in enumerate(ids):
            decision = played.decisions.get(d)
            by = "student" if decision else "agent (absent)" if d in played.agents else "model"
            counter = (
                ""
                if decision is None or decision.counter_text is None
                else " ".join(f"{v:.3f}" for v in decision.counter_text)
            )
            writer.writerow([record.round, *(f"{v:.4f}" for v in record.text), d, players.get(d, ""), by,
                             int(d in objecting), int(d in blocking), counter, f"{record.utility[i]:.4f}",
                             f"{record.threshold[i]:.4f}", record.outcome or ""])  # fmt: skip
    return out.getvalue()


def debrief_figure(d: Debrief, results_text: np.ndarray | None = None) -> object:
    """The debrief as a figure: the model's outcome shares with the class's outcome marked, and per issue the
    model's adopted texts (histogram) with the class's final text (a line)."""
    from matplotlib.figure import Figure

    issues = list(d.final_text)
    fig = Figure(figsize=(4 + 3 * len(issues), 3.4), layout="constrained")
    axes = fig.subplots(1, 1 + len(issues), squeeze=False)[0]
    rows = [o for o in outcomes.OUTCOMES]
    axes[0].bar([o.short for o in rows], [d.model_shares[o.name] for o in rows], color=[o.colour for o in rows])
    for n, o in enumerate(rows):
        if o.name == d.outcome:
            axes[0].annotate("the class", (n, d.model_shares[o.name]), ha="center", va="bottom", fontsize=9)
    axes[0].set_ylim(0, 1.1)
    axes[0].set_title(f"Model, {d.replicates:,} replicates", fontsize=9)
    axes[0].tick_params(axis="x", labelsize=8)
    for k, issue in enumerate(issues):
        ax = axes[1 + k]
        if results_text is not None and len(results_text):
            ax.hist(results_text[:, k], bins=30, range=(0, 1), color="#9e9e9e")
        ax.axvline(d.final_text[issue], color="#d95f02", linewidth=2, label="the class")
        ax.set_xlim(0, 1)
        ax.set_title(f"final text: {issue}", fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(f"Debrief: {d.title}", fontsize=10)
    return fig


def adopted_texts(results: Results) -> np.ndarray:
    """The final texts of the replicates that adopted one."""
    return results.text[np.isin(results.outcome, outcomes.ADOPTED_CODES)]


def debrief_bytes(d: Debrief, results: Results | None = None, fmt: str = "png") -> bytes:
    """The debrief figure as a file's bytes: ``png`` (an image to project) or ``pdf`` (vector, to print or archive)."""
    fig = debrief_figure(d, None if results is None else adopted_texts(results))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110)
    return buffer.getvalue()


def debrief_png(d: Debrief, results: Results | None = None) -> bytes:
    return debrief_bytes(d, results, "png")


def debrief_pdf(d: Debrief, results: Results | None = None) -> bytes:
    return debrief_bytes(d, results, "pdf")


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as played, as a YAML file that loads back to the same scenario."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
