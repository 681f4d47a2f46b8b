"""A negotiation run as a pipeline of stages over one record, for a batch of replicates.

Each :class:`Stage` declares the :class:`~sim.results.Column` s it writes and a function that takes the replicates
still undecided (:class:`Talks`) and the batch's :class:`~sim.results.Record`, writes its columns and hands the
still-undecided replicates on. :data:`PIPELINE` is the run: ``negotiate`` (rounds of consensus-seeking up to the
deadline), then ``fallback`` (the vote, where the rules provide one). A new stage (another session, votes on single
provisions, ratification) is one more entry here with its own columns; the table, the chunk join and the tally
follow the declared columns (:mod:`sim.results`, :mod:`sim.tally`).

Every move is a function of :mod:`sim.steps`, the layer the Mesa model (:mod:`sim.model`) calls too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from sim import dynamics as dyn
from sim import outcomes, steps
from sim.inputs import Draw, ScenarioArrays
from sim.results import Column, Record


@dataclass(frozen=True)
class Talks:
    """The replicates of a batch still without a decision, as one stage hands them to the next.

    ``active`` are their rows in the batch's record; the rest are theirs alone (one row each): their inputs, the text
    on the table, and what each delegation made of that text in the last round — its utility, its demand by the
    concession schedule (``threshold``), the demand in force after any relief of isolation (``in_force``) and
    whether it blocks.
    """

    active: np.ndarray
    draw: Draw
    text: np.ndarray
    util: np.ndarray | None = None
    threshold: np.ndarray | None = None
    in_force: np.ndarray | None = None
    blocking: np.ndarray | None = None
    batch: Draw | None = None  # the whole batch's draw, for a stage after the talks (never cut)
    voted: np.ndarray | None = None  # per replicate: its provisions were put to the vote already (None: none yet)

    def keep(self, rows: np.ndarray) -> Talks:
        """Only the replicates in boolean ``rows``."""

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        draw = self.draw.take(rows)
        return Talks(
            self.active[rows],
            draw,
            self.text[rows],
            cut(self.util),
            cut(self.threshold),
            cut(self.in_force),
            cut(self.blocking),
            self.batch,
            cut(self.voted),
        )


@dataclass(frozen=True)
class Stage:
    """One stage of a run: its name, the columns it writes, and ``run(arrays, talks, record) -> talks``."""

    name: str
    columns: tuple[Column, ...]
    run: Callable[[ScenarioArrays, Talks, Record], Talks]


def negotiate(arrays: ScenarioArrays, talks: Talks, record: Record) -> Talks:
    """Up to ``procedure.sessions`` sessions of consensus-seeking, each resuming from the last text and the
    concessions made. A session that another may follow ends, without consensus, in the next session — or, after
    the last one the scenario simulates, in suspension (``resumable``); the replicates still open after a final
    session go on to the fallback."""
    for session in range(arrays.sessions):
        talks = negotiate_session(arrays, talks, record, session)
        if talks.active.size == 0 or not arrays.followed[session]:
            return talks
        if session + 1 < arrays.sessions:
            belief = steps.credibility(arrays, talks.draw, session)
            talks = replace(talks, draw=steps.carry_concessions(arrays, talks.draw, belief))
    record["outcome"][talks.active] = outcomes.SUSPENDED.code
    return talks.keep(np.zeros(talks.active.size, dtype=bool))


def negotiate_session(arrays: ScenarioArrays, talks: Talks, record: Record, session: int) -> Talks:
    """Rounds 1..T of one session: every delegation weighs the text; consensus ends a replicate's talks, else the
    chair revises. At the deadline, records the last text, who still blocks and the session for the replicates
    without consensus."""
    belief = steps.credibility(arrays, talks.draw, session)
    for t in range(1, arrays.rounds + 1):
        if arrays.stakeholders:
            talks = replace(talks, draw=steps.lobby(arrays, talks.draw, talks.text))
        uniforms = steps.choice_uniforms(arrays, talks.draw, session, t)
        util, threshold = steps.assess(arrays, talks.text, talks.draw, t, belief)
        decision = steps.decide(arrays, util, threshold, t, belief, uniforms)
        agreed = dyn.consensus_reached(decision.blocking)
        if arrays.provision_ids:  # the votes open the round of the decision on the whole; the text may change
            final = not arrays.followed[session]
            talks, changed = vote_on_provisions(arrays, talks, record, t, final, belief, agreed)
            if changed:
                util, threshold = steps.assess(arrays, talks.text, talks.draw, t, belief)
                decision = steps.decide(arrays, util, threshold, t, belief, uniforms)
                agreed = dyn.consensus_reached(decision.blocking)
        done = talks.active[agreed]
        record["outcome"][done] = outcomes.CONSENSUS.code
        record["round"][done] = t
        record["session"][done] = session + 1
        record["text"][done] = talks.text[agreed]
        record["blockers"][done] = False  # nobody blocks a consensus (an earlier session's holdouts came round)
        talks = replace(talks, util=util, threshold=threshold, in_force=decision.threshold, blocking=decision.blocking)
        if agreed.any():
            talks = talks.keep(~agreed)
            if not isinstance(belief, float):
                belief = belief[~agreed]
        if talks.active.size == 0:
            return talks
        if t < arrays.rounds:
            revised = steps.revise(
                arrays,
                talks.text,
                talks.draw.position,
                talks.draw.salience,
                talks.util,
                talks.in_force,
                talks.blocking,
                talks.draw.outside_option,
            )
            talks = replace(talks, text=revised)
    if arrays.rounds == 0:  # no round was held: what each delegation makes of the opening text at the deadline
        util, threshold = steps.assess(arrays, talks.text, talks.draw, arrays.rounds, belief)
        talks = replace(
            talks, util=util, threshold=threshold, in_force=threshold, blocking=steps.blocked(arrays, util, threshold)
        )
    record["text"][talks.active] = talks.text
    record["blockers"][talks.active] = talks.blocking
    record["session"][talks.active] = session + 1
    return talks


def vote_on_provisions(
    arrays: ScenarioArrays,
    talks: Talks,
    record: Record,
    t: int,
    final: bool,
    belief: float | np.ndarray | None = None,
    agreed: np.ndarray | None = None,
) -> tuple[Talks, bool]:
    """Before the decision on the whole text — in the round it comes (:func:`sim.steps.decision_due`: the text
    would be agreed by consensus, or the final session's last round), once per replicate — the recorded votes on
    deleting single provisions (:func:`sim.steps.provision_votes`, the deadline believed as far as ``belief``); the
    text goes on without those deleted. ``agreed``: the round's consensus on the text as it stands, already decided
    (:func:`sim.steps.decision_due` reuses it). Returns the talks and whether any text changed (its round must then be
    decided again)."""
    voted = np.zeros(talks.active.size, dtype=bool) if talks.voted is None else talks.voted
    due = ~voted & steps.decision_due(arrays, talks.text, talks.draw, t, final, belief, agreed)
    if not due.any():
        return replace(talks, voted=voted), False
    draw = talks.draw.take(due)
    rows = talks.active[due]
    votes = steps.provision_votes(arrays, talks.text[due], draw, belief if np.ndim(belief) == 0 else belief[due], t)
    for j, pid in enumerate(arrays.provision_ids):
        record[f"provision_{pid}"][rows] = np.where(votes.called[..., j], votes.kept[..., j].astype(np.int8), -1)
        for name in ("keep", "delete", "abstain"):
            record[f"{name}_{pid}"][rows] = getattr(votes, name)[..., j]
    changed = bool((votes.text != talks.text[due]).any())
    text = talks.text.copy()
    text[due] = votes.text
    return replace(talks, text=text, voted=voted | due), changed


def fallback(arrays: ScenarioArrays, talks: Talks, record: Record) -> Talks:
    """At the final deadline without consensus, the fallback vote if the rules provide one: adopted replicates
    leave."""
    if not arrays.vote_fallback or talks.active.size == 0:
        return talks
    uniform = steps.choice_uniforms(arrays, talks.draw, arrays.sessions - 1, arrays.rounds + 1)
    yes, no = steps.ballots(arrays, talks.util, talks.threshold, uniform)
    count = steps.count_votes(arrays, yes, no)
    record["yes"][talks.active], record["no"][talks.active] = count.yes, count.no
    record["abstain"][talks.active] = count.abstain
    record["outcome"][talks.active[count.adopted]] = outcomes.VOTE.code
    return talks.keep(~count.adopted)


def ratify(arrays: ScenarioArrays, talks: Talks, record: Record) -> Talks:
    """After adoption (by consensus or vote): signatures at the opening, ratifications within the horizon and the
    years to entry into force (:func:`sim.steps.ratify`) of each adopted replicate's text."""
    rows = np.flatnonzero(outcomes.is_adopted(record["outcome"]))
    if rows.size == 0:
        return talks
    after = steps.ratify(arrays, record["text"][rows], talks.batch.take(rows))
    record["signatures"][rows] = after.signatures
    record["ratifications"][rows] = after.ratifications
    record["ratified"][rows] = after.ratified
    record["in_force_years"][rows] = after.in_force_years
    for year in ratification_years(arrays):
        record[f"ratifications_y{year}"][rows] = (after.years <= year) @ arrays.votes
    return talks


def ratification_years(arrays: ScenarioArrays) -> range:
    """The whole years 1..⌈horizon⌉ at which the ratification curve is recorded."""
    return range(1, int(np.ceil(arrays.ratification[2])) + 1) if arrays.ratification is not None else range(0)


NEGOTIATE = Stage(
    "negotiate",
    (
        Column(
            "outcome", "replicate", np.int8, outcomes.FAILED.code, "how the run ended (sim.outcomes)", outcomes.names
        ),
        Column("round", "replicate", np.int64, lambda a: a.rounds, "round of consensus (1..T); T when none came"),
        Column("session", "replicate", np.int64, lambda a: a.sessions, "the session in which the talks ended (1..S)"),
        Column("text", "issue", "float", 0.0, "the final text per issue (the adopted text, or the last on the table)"),
        Column("blockers", "delegation", bool, False, "delegations still blocking consensus at the end"),
    ),
    negotiate,
)

FALLBACK = Stage(
    "fallback",
    (
        Column("yes", "replicate", np.int64, 0, "votes for the text in the fallback vote (0 when none was held)"),
        Column("no", "replicate", np.int64, 0, "votes against"),
        Column("abstain", "replicate", np.int64, 0, "votes abstaining"),
    ),
    fallback,
)


def ratify_stage(arrays: ScenarioArrays) -> Stage:
    """The ratification stage with the curve's columns for the scenario's horizon."""
    curve = tuple(
        Column(f"ratifications_y{year}", "replicate", np.int64, 0, f"states ratified after {year} year(s)")
        for year in ratification_years(arrays)
    )
    return Stage(
        "ratify",
        (
            Column("signatures", "replicate", np.int64, 0, "states signing at the opening (0 when not adopted)"),
            Column("ratifications", "replicate", np.int64, 0, "states that ratified within the horizon"),
            Column(
                "in_force_years",
                "replicate",
                np.float64,
                np.nan,
                "years from adoption to entry into force; empty when not within the horizon (or not adopted)",
            ),
            *curve,
            Column("ratified", "delegation", bool, False, "delegations that ratified within the horizon"),
        ),
        ratify,
    )


#: The stages of a run, in order.
PIPELINE: tuple[Stage, ...] = (NEGOTIATE, FALLBACK)


def provision_columns(arrays: ScenarioArrays) -> tuple[Column, ...]:
    """Per provision: the vote's result (1 kept, 0 deleted, −1 no vote: none was called, or no decision on the whole
    came, as in a suspended session) and the votes to keep, delete and abstain."""
    out: list[Column] = []
    for pid in arrays.provision_ids:
        out.append(
            Column(f"provision_{pid}", "replicate", np.int8, -1, f"provision {pid}: 1 kept, 0 deleted, -1 no vote")
        )
        out += [
            Column(f"{name}_{pid}", "replicate", np.int64, 0, f"votes to {name} on provision {pid}")
            for name in ("keep", "delete", "abstain")
        ]
    return tuple(out)


def pipeline_for(arrays: ScenarioArrays) -> tuple[Stage, ...]:
    """The stages a scenario needs: the talks (with its provisions' columns, if any), the fallback, then signature
    and ratification where it has an entry-into-force rule."""
    talks = (
        NEGOTIATE
        if not arrays.provision_ids
        else replace(NEGOTIATE, columns=NEGOTIATE.columns + provision_columns(arrays))
    )
    return (talks, FALLBACK) + ((ratify_stage(arrays),) if arrays.ratification is not None else ())


def columns(pipeline: tuple[Stage, ...] = PIPELINE) -> tuple[Column, ...]:
    """Every column the stages write, in stage order."""
    return tuple(c for stage in pipeline for c in stage.columns)


def run_pipeline(arrays: ScenarioArrays, draw: Draw, pipeline: tuple[Stage, ...] | None = None) -> Record:
    """Run every stage (those the scenario needs, :func:`pipeline_for`) over a batch of replicates drawn as ``draw``;
    returns the batch's record."""
    pipeline = pipeline_for(arrays) if pipeline is None else pipeline
    replicates = draw.position.shape[0]
    cols = columns(pipeline)
    record = Record.empty(
        [replace(c, dtype=arrays.dtype) if c.dtype == "float" else c for c in cols], arrays, replicates
    )
    talks = Talks(np.arange(replicates), draw, steps.opening_text(arrays, draw), batch=draw)
    for stage in pipeline:
        talks = stage.run(arrays, talks, record)
    clip_texts(record)
    return record


def clip_texts(record: Record) -> None:
    """Keep the recorded final texts in [0, 1], the policy space: under extreme uncertainty a revision's rounding
    can leave a text a hair outside (-3e-08, say). Only such values change; every text inside is left as it is."""
    if "text" in record.data:
        text = record["text"]
        outside = (text < 0.0) | (text > 1.0)
        if outside.any():
            text[outside] = np.clip(text[outside], 0.0, 1.0)
