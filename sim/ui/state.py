"""The dashboard's state and logic as plain functions: no Solara here, so every piece is tested without a browser.

A :class:`Game` is one negotiation played round by round: a :class:`~sim.model.NegotiationModel`, the delegations
that people play, and a :class:`RoundRecord` per round. The page's panels are functions of a game:
:func:`map_data` (the policy map), :func:`player_brief` (what a player sees before deciding), and the words in
:mod:`sim.ui.narrate`. :func:`apply_controls` and :func:`scenario_from_upload` turn the page's inputs into a
validated :class:`~sim.scenario.Scenario` or a :class:`~sim.errors.ScenarioError`; :func:`monte_carlo` runs the
batched engine for the Monte Carlo panel.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import dynamics as dyn
from sim import steps
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.inputs import DEFAULT_SEED
from sim.loading import (
    MAX_SCENARIO_BYTES,
    read_yaml_mapping,
    resolve_extends,
    scenarios_dir,
    validate_scenario,
    with_overrides,
)
from sim.model import NegotiationModel
from sim.scenario import Scenario, Uncertainty

CONTROLS_SOURCE = "dashboard controls"
#: The most replicates the page's Monte Carlo runs at once: all of them are held in memory, in the server's process,
#: while the page waits (the command line, ``treatysim replicates=N``, streams far more to disk).
MAX_MONTE_CARLO_REPLICATES = 100_000
#: Seeds are those of the command line: 0 <= seed < 2**63; a replicate index is below the command line's cap.
MAX_SEED = 2**63
MAX_REPLICATE = 100_000_000
#: Upper bounds of the noise levels in :class:`sim.scenario.Uncertainty`, read from the schema (every field, so a new
#: one cannot be missed).
UNCERTAINTY_CAPS = {
    name: next(m.le for m in field.metadata if getattr(m, "le", None) is not None)
    for name, field in Uncertainty.model_fields.items()
}


# --- inputs: controls and uploads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Controls:
    """The page's knobs; ``None`` keeps the scenario's own value. ``uncertainty`` scales all three noise levels."""

    rounds: int | None = None
    chair_strategy: str | None = None
    vote_threshold: float | None = None
    uncertainty: float = 1.0
    delegation: str | None = None  # the delegation whose position and salience are set below
    position: Mapping[str, float] | None = None
    salience: Mapping[str, float] | None = None


def control_overrides(scenario: Scenario, controls: Controls) -> dict[str, Any]:
    """The procedure, chair, uncertainty and delegation overrides the controls ask for (as for ``with_overrides``)."""
    procedure: dict[str, Any] = {}
    if controls.rounds is not None:
        procedure["rounds"] = controls.rounds
    if controls.vote_threshold is not None:
        procedure["vote_threshold"] = controls.vote_threshold
    out: dict[str, Any] = {"procedure": procedure} if procedure else {}
    if controls.chair_strategy is not None:
        out["chair"] = {"strategy": controls.chair_strategy}
    if controls.uncertainty != 1.0:
        noise = scenario.uncertainty.model_dump()
        out["uncertainty"] = {k: min(UNCERTAINTY_CAPS[k], v * controls.uncertainty) for k, v in noise.items()}
    if controls.delegation is not None:  # patched by id, as on the command line (+delegations.EU.position.scope=...)
        patch = {"position": dict(controls.position or {}), "salience": dict(controls.salience or {})}
        out["delegations"] = {controls.delegation: patch}
    return out


def apply_controls(scenario: Scenario, controls: Controls) -> Scenario:
    """The scenario with the controls applied, validated again; a bad value is a :class:`ScenarioError`."""
    return with_overrides(scenario, control_overrides(scenario, controls), CONTROLS_SOURCE)


def scenario_from_upload(filename: str, content: bytes) -> Scenario:
    """A scenario from an uploaded YAML file, checked like ``load_scenario`` checks a file on disk, ``extends``
    included (a what-if such as ``scenarios/uncc2024_us_exit.yaml`` uploads as it loads; see :func:`upload_anchor`).

    Every problem is a :class:`ScenarioError` naming the uploaded file (never the temporary copy).
    """
    if len(content) > MAX_SCENARIO_BYTES:
        raise ScenarioError(filename, [("", f"file is {len(content):,} bytes; the limit is {MAX_SCENARIO_BYTES:,}")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.yaml"
        path.write_bytes(content)
        try:
            data = read_yaml_mapping(path)
        except ScenarioError as exc:
            raise ScenarioError(filename, exc.problems) from None
    if "extends" in data:
        data = resolve_extends(data, upload_anchor(data["extends"], filename), filename)
    return validate_scenario(data, filename)


def upload_anchor(reference: Any, filename: str) -> Path:
    """Where an uploaded file is taken to lie for its ``extends`` (:mod:`sim.inheritance`): in the bundled
    scenarios folder, since an upload has no folder of its own, so ``extends`` names a bundled scenario or a path
    relative to that folder. A path that leaves the folder is refused: a page must not read the server's other
    files. The anchor is no file (so an upload named like its parent is no cycle)."""
    folder = scenarios_dir().resolve()
    text = reference.strip() if isinstance(reference, str) else ""
    if text.endswith((".yaml", ".yml")) or "/" in text:
        target = (folder / text).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            where = "outside" if not target.is_relative_to(folder) else "no such file in"
            why = (
                f"unknown parent '{text}': {where} the bundled scenarios folder (an uploaded file extends a "
                "bundled scenario, by name or by a path relative to that folder)"
            )
            raise ScenarioError(filename, [("extends", why)])
    return folder / f"{Path(filename).name} (uploaded)"


# --- one negotiation, round by round ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A player's move in one round: accept or object, and optionally a counter-text (one value per issue)."""

    objecting: bool
    counter_text: tuple[float, ...] | None = None


@dataclass(frozen=True)
class GroupLine:
    """A group that pulls its members (:class:`~sim.model.Coalition`: a coordinated bloc, cohesion 1, or a looser
    group) and its line in one round: accept (True), object (False), or None before the first round; ``defectors``
    are the members whose decision that round went against the line (a played delegation's included)."""

    bloc_id: str
    name: str
    members: tuple[str, ...]
    cohesion: float
    lead: str | None
    accepts: bool | None
    defectors: tuple[str, ...]


@dataclass(frozen=True)
class Pressure:
    """A stakeholder (:class:`~sim.model.Stakeholder`: no vote) and what it spent in one round: whom it pressed and
    the sum of the intensities (none before the first round). ``wants`` is its position on the issues it cares
    about."""

    stakeholder_id: str
    name: str
    kind: str
    channel: str
    budget: float
    wants: Mapping[str, float]
    targets: tuple[str, ...]
    pressure: float


@dataclass(frozen=True)
class RoundRecord:
    """What happened in one round. Arrays are in scenario order (N delegations, K issues)."""

    round: int
    text: np.ndarray  # (K,) the text on the table this round
    utility: np.ndarray  # (N,) each delegation's (bloc-pooled) utility of that text
    threshold: np.ndarray  # (N,) the utility each demanded this round
    objecting: tuple[str, ...]
    blocking: tuple[str, ...]
    played: Mapping[str, Decision]
    next_text: np.ndarray | None  # the chair's revision, or None when the talks ended this round
    outcome: str | None  # "consensus", "vote" or "failed" in the last round, else None
    votes: Mapping[str, int] | None  # the fallback vote, if one was held
    provisions: Mapping[str, Mapping[str, Any]] | None = None  # recorded votes on provisions held this round
    groups: tuple[GroupLine, ...] = ()  # each group's line this round and who broke ranks
    pressures: tuple[Pressure, ...] = ()  # each stakeholder's pressure this round


class Game:
    """One negotiation played round by round; the delegations in ``players`` wait for a person each round."""

    def __init__(
        self, scenario: Scenario, seed: int = DEFAULT_SEED, replicate: int = 0, players: Sequence[str] = ()
    ) -> None:
        self.scenario, self.seed, self.replicate = scenario, seed, replicate
        self.players: tuple[str, ...] = ()
        self.seat(players)
        self.model = NegotiationModel(scenario, seed=seed, replicate=replicate)
        self.history: list[RoundRecord] = []
        self.names = scenario.display_names()  # delegations and blocs, named as every report names them

    def seat(self, players: Sequence[str]) -> None:
        """Who plays from now on (students may take over or hand back a delegation between rounds)."""
        unknown = [p for p in players if p not in self.scenario.delegation_ids]
        if unknown:
            raise ScenarioError(CONTROLS_SOURCE, [("players", f"no delegation(s) {unknown} in this scenario")])
        self.players = tuple(dict.fromkeys(players))

    @property
    def finished(self) -> bool:
        return not self.model.running

    def waiting_for(self) -> tuple[str, ...]:
        """The played delegations whose decision the next round needs (none once the talks are over)."""
        return () if self.finished else self.players

    def step(self, decisions: Mapping[str, Decision] | None = None) -> RoundRecord | None:
        """Play one round with the players' ``decisions``; returns its record (``None`` if the talks were over)."""
        decisions = dict(decisions or {})
        missing = [p for p in self.waiting_for() if p not in decisions]
        if missing:
            raise ValueError(f"waiting for the decision of {', '.join(missing)}")
        if self.finished:
            return None
        text = self.model.text.copy()
        for delegation_id, decision in decisions.items():
            counter = None if decision.counter_text is None else np.asarray(decision.counter_text, dtype=float)
            self.model.play(delegation_id, decision.objecting, counter)
        self.model.step()
        record = self._record(text, decisions)
        self.history.append(record)
        return record

    def run_to_deadline(self) -> list[RoundRecord]:
        """Step until the talks end (only when nobody is playing: players are asked every round)."""
        if self.players:
            raise ValueError("players decide round by round: step instead of running to the deadline")
        records = []
        while not self.finished:
            records.append(self.step())
        return records

    def _record(self, text: np.ndarray, decisions: Mapping[str, Decision]) -> RoundRecord:
        m = self.model
        util, threshold = pooled_views(m)
        return RoundRecord(
            round=m.round,
            text=text,
            utility=util,
            threshold=threshold,
            objecting=tuple(d.delegation_id for d in m.delegations if d.objecting),
            blocking=tuple(d.delegation_id for d in m.delegations if d.blocking),
            played=dict(decisions),
            next_text=m.text.copy() if m.running else None,
            outcome=m.outcome,
            votes=dict(m.votes) if m.outcome is not None and m.arrays.vote_fallback else None,
            # the votes open the round of the decision on the whole, once per run: logged in the first record after
            provisions=dict(m.provision_results)
            if m.provision_results and not any(r.provisions for r in self.history)
            else None,
            groups=group_lines(m, {d.delegation_id for d in m.delegations if d.objecting}),
            pressures=stakeholder_pressures(m),
        )


def group_lines(model: NegotiationModel, objecting: set[str] | None = None) -> tuple[GroupLine, ...]:
    """The model's groups and their lines as of its last round. Who broke ranks is counted against ``objecting``
    (the delegations that objected in the end, played ones included); without it, no line is known yet."""
    ids = model.arrays.delegation_ids
    out = []
    for c in model.coalitions:
        members = tuple(ids[i] for i in c.members)
        accepts = c.accepts if objecting is not None else None
        defectors = () if accepts is None else tuple(d for d in members if (d in objecting) == accepts)
        out.append(GroupLine(c.bloc_id, c.name, members, float(c.cohesion), c.lead, accepts, defectors))
    return tuple(out)


def stakeholder_pressures(model: NegotiationModel, pressed: bool = True) -> tuple[Pressure, ...]:
    """The model's stakeholders and what they spent in its last round (nothing when ``pressed`` is false: before
    the first round)."""
    issues = model.arrays.issue_ids
    out = []
    for s in model.stakeholders:
        wants = {k: float(v) for k, v, cares in zip(issues, s.lobby.position, s.lobby.cares) if cares}
        targets = tuple(s.targets) if pressed else ()
        out.append(
            Pressure(
                s.stakeholder_id,
                s.name,
                s.kind,
                s.lobby.channel,
                float(s.lobby.budget),
                wants,
                targets,
                float(s.pressure) if pressed else 0.0,
            )
        )
    return tuple(out)


def groups_now(game: Game) -> tuple[GroupLine, ...]:
    """The groups as the page shows them: their lines in the last round played (no line before the first)."""
    return game.history[-1].groups if game.history else group_lines(game.model)


def pressures_now(game: Game) -> tuple[Pressure, ...]:
    """The stakeholders as the page shows them: their pressure in the last round played (none before the first)."""
    return game.history[-1].pressures if game.history else stakeholder_pressures(game.model, pressed=False)


def pooled_views(model: NegotiationModel) -> tuple[np.ndarray, np.ndarray]:
    """Utilities and thresholds as the delegations last weighed them, pooled within coordinated blocs."""
    util = np.array([d.utility for d in model.delegations])
    threshold = np.array([d.threshold for d in model.delegations])
    return steps.pooled(model.arrays, util), steps.pooled(model.arrays, threshold)


def whole_number(value: Any, field: str, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high)``, else a :class:`ScenarioError` saying what the field takes (the page
    shows it instead of a traceback)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= int(value) < high:
        shown = f"{value:,}" if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else repr(value)
        raise ScenarioError(
            CONTROLS_SOURCE, [(field, (f"must be a whole number from {low:,} to {high - 1:,}, got {shown}"))]
        )
    return int(value)


def new_game(scenario: Scenario, controls: Controls, seed: int, replicate: int, players: Sequence[str]) -> Game:
    """A fresh game of ``scenario`` with the page's controls applied (a :class:`ScenarioError` if they don't fit,
    or if the seed or the replicate is not a whole number in range)."""
    seed = whole_number(seed, "seed", 0, MAX_SEED)
    replicate = whole_number(replicate, "replicate", 0, MAX_REPLICATE)
    return Game(apply_controls(scenario, controls), seed=seed, replicate=replicate, players=players)


# --- what the page shows -----------------------------------------------------------------------------------------

ACCEPTS, OBJECTS, UNDECIDED = "accepts", "objects", "not yet asked"


@dataclass(frozen=True)
class MapData:
    """The policy map: ideal points on two issues, sized by power, coloured by this round's decision."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    ideal: np.ndarray  # (N, 2) the (perturbed) ideal points of this run
    power: np.ndarray  # (N,)
    status: tuple[str, ...]  # ACCEPTS, OBJECTS or UNDECIDED, per delegation
    can_block: np.ndarray  # (N,) bool
    played: tuple[bool, ...]
    text: np.ndarray  # (2,) the text on the table now
    path: np.ndarray  # (T, 2) the texts the chair has tabled so far, in order
    axis_labels: tuple[str, str]
    title: str
    stakeholders: tuple[str, ...] = ()  # the stakeholders' ids (no vote: drawn apart, not sized by power)
    stakeholder_points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (S, 2) where each wants the text


def _two_issues(values: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
    """Columns ``axes`` of ``values`` (..., K); a one-issue scenario is drawn on a line at 0.5."""
    if values.shape[-1] == 1:
        return np.stack([values[..., 0], np.full(values.shape[:-1], 0.5)], axis=-1)
    return values[..., list(axes)]


def map_data(game: Game, axes: tuple[int, int] = (0, 1)) -> MapData:
    """The policy map's data for the current state of ``game`` on issues ``axes`` (the first two by default)."""
    m = game.model
    last = game.history[-1] if game.history else None
    objecting = set(last.objecting) if last else set()
    status = tuple(
        UNDECIDED if last is None else OBJECTS if d in objecting else ACCEPTS for d in m.arrays.delegation_ids
    )
    issues = game.scenario.issues
    labels = (issues[axes[0]].label, issues[axes[1]].label) if len(issues) > 1 else (issues[0].label, "")
    title = f"round {m.round} of {m.arrays.rounds}" + (f" · {m.outcome}" if m.outcome else "")
    return MapData(
        ids=m.arrays.delegation_ids,
        names=tuple(game.names[d] for d in m.arrays.delegation_ids),
        ideal=_two_issues(np.array([d.position for d in m.delegations]), axes),
        power=m.arrays.power.copy(),
        status=status,
        can_block=m.arrays.can_block.copy(),
        played=tuple(d in game.players for d in m.arrays.delegation_ids),
        text=_two_issues(m.text, axes),
        path=_two_issues(np.array(m.text_path), axes),
        axis_labels=labels,
        title=title,
        stakeholders=tuple(s.stakeholder_id for s in m.stakeholders),
        stakeholder_points=_two_issues(np.array([wanted_text(s.lobby, m.text) for s in m.stakeholders]), axes)
        if m.stakeholders
        else np.zeros((0, 2)),
    )


def wanted_text(lobby: Any, text: np.ndarray) -> np.ndarray:
    """Where a stakeholder wants the text: its position on the issues it cares about, the text as it is elsewhere
    (it is indifferent there)."""
    return np.where(lobby.cares, lobby.position, text).astype(float)


@dataclass(frozen=True)
class PlayerBrief:
    """What a player sees before deciding: the text on the table, its worth to them, and what they demand."""

    delegation: str
    name: str
    text: dict[str, float]
    ideal: dict[str, float]
    utility: float  # of the text on the table, to this delegation alone
    threshold: float  # what this delegation's modelled self would demand in the coming round
    outside_option: float
    advice: str  # what the model would do: "accept" or "object" (and why, where these numbers alone say otherwise)


def advice(model_objects: bool, own_numbers_object: bool) -> str:
    """What the model would do in the coming round ("accept" or "object", as :meth:`NegotiationModel.preview` says),
    and, where the delegation's own numbers alone say otherwise, why: its group's pull, a stakeholder's pressure or
    the draw of random-utility choice."""
    said = "object" if model_objects else "accept"
    if model_objects == own_numbers_object:
        return said
    return f"{said}: your group's line, a stakeholder's pressure or chance outweigh these numbers"


def player_brief(game: Game, delegation_id: str) -> PlayerBrief:
    """The facts a student playing ``delegation_id`` needs for the coming round."""
    m = game.model
    d = m.delegations[m.arrays.delegation_ids.index(delegation_id)]
    rounds = m.arrays.rounds
    progress = steps.progress(m.arrays, min(m.round + 1, max(rounds, 1)))  # the coming round
    utility = float(dyn.utility(m.text, d.position[None, :], d.salience[None, :])[0])
    threshold = float(dyn.acceptance_threshold(progress, d.reservation, d.outside_option, d.beta)[0])
    issues = m.arrays.issue_ids
    return PlayerBrief(
        delegation=delegation_id,
        name=game.names[delegation_id],
        text=dict(zip(issues, map(float, m.text))),
        ideal=dict(zip(issues, map(float, d.position))),
        utility=utility,
        threshold=threshold,
        outside_option=float(d.outside_option[0]),
        advice=advice(bool(m.preview().objecting[d.index]), bool(dyn.objections(utility, threshold))),
    )


def monte_carlo(scenario: Scenario, replicates: int = 2000, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The Monte Carlo panel: ``summarize`` of ``replicates`` replicates of the batched engine, delegations and
    blocs named as the command line's report names them (:meth:`~sim.scenario.Scenario.display_names`).

    ``replicates`` must be 1 to :data:`MAX_MONTE_CARLO_REPLICATES` and ``seed`` in ``[0, 2**63)``: anything else is
    a :class:`ScenarioError` in one sentence."""
    from sim.analysis.stats import summarize

    if (
        isinstance(replicates, (int, np.integer))
        and not isinstance(replicates, bool)
        and replicates > MAX_MONTE_CARLO_REPLICATES
    ):
        raise ScenarioError(
            CONTROLS_SOURCE,
            [
                (
                    "replicates",
                    (
                        f"at most {MAX_MONTE_CARLO_REPLICATES:,} on this page (got {int(replicates):,}): the page holds every "
                        "replicate in memory; run more from the command line: treatysim replicates=N"
                    ),
                )
            ],
        )
    replicates = whole_number(replicates, "replicates", 1, MAX_MONTE_CARLO_REPLICATES + 1)
    seed = whole_number(seed, "seed", 0, MAX_SEED)
    from sim.runner import with_scenario_facts

    return with_scenario_facts(summarize(simulate(scenario, replicates, seed), scenario.display_names()), scenario)
