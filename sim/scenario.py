"""The scenario schema: a frozen, validated description of one negotiation.

A scenario file (``scenarios/NAME.yaml``) holds the domain data — issues, delegations, procedure, chair and the
uncertainty of the inputs. :func:`sim.loading.load_scenario` reads it into a :class:`Scenario`; nothing downstream
reads YAML. Every model forbids unknown keys (a misspelt key is an error, not a silent default) and is frozen.

Scales: every position is on [0, 1] per issue (``low`` and ``high`` say what the ends mean); utilities are on
[0, 1] too (see ``docs/model.md``), so ``reservation`` and ``outside_option`` are utilities a delegation demands.
"""

from __future__ import annotations

import difflib
import math
import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
DelegationId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$", max_length=64)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: Salience weights and power are relative, so their scale is free; the bounds keep them finite and non-zero in the
#: engine's float32 arithmetic (a power of 1e39 would be infinite there, 1e-46 zero).
Weight = Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Power = Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]

#: Concession exponents β of the named styles (Faratin, Sierra & Jennings 1998): β < 1 holds out until the
#: deadline (Boulware), β = 1 concedes evenly, β > 1 concedes early (Conceder).
STYLE_EXPONENTS = {"boulware": 0.3, "linear": 1.0, "conceder": 3.0}


#: The smallest concession exponent: below it 1/β overflows the working precision (float32) and the delegation
#: already holds its reservation to the last round (progress ** 1000 < 1e-4 until 99% of the way).
MIN_STYLE_EXPONENT = 0.001


def _check_style(value: object) -> str | float:
    """A named style or a concession exponent β in [0.001, 100]."""
    if isinstance(value, str) and value in STYLE_EXPONENTS:
        return value
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if number and MIN_STYLE_EXPONENT <= value <= 100:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    hint = " (YAML reads 1e-3 as text: write 1.0e-3 or 0.001)" if isinstance(value, str) and _is_number(value) else ""
    raise ValueError(f"must be boulware, linear, conceder or an exponent in [0.001, 100], got {value!r}{hint}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Style = Annotated[str | float, PlainValidator(_check_style)]


def types_in(annotation: object) -> set[object]:
    """Every type named in a field's annotation, at any depth of ``Annotated``, unions, ``None`` and containers."""
    found = {annotation}
    for arg in typing.get_args(annotation):
        if arg is not Ellipsis:
            found |= types_in(arg)
    return found


def reject_bool_numbers(value: object, annotation: object) -> object:
    """YAML's ``true``/``yes`` is not a number: a bool where the field (or a mapping's or list's values) wants a
    number and no yes/no is an error, not 1 (pydantic would read ``True`` as 1)."""
    types = types_in(annotation)
    if bool in types or not types & {int, float}:
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")  # noqa: TRY004 (pydantic reports ValueError)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"expected numbers, got {str(item).lower()}")  # noqa: TRY004
    return value


class Frozen(BaseModel):
    """Base of every schema model: unknown keys are errors, instances are immutable, and a yes/no is never read as
    the number 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: object, info: ValidationInfo) -> object:
        return reject_bool_numbers(value, cls.model_fields[info.field_name].annotation)


class Issue(Frozen):
    """One policy dimension on [0, 1]; ``low`` and ``high`` say what the two ends mean."""

    id: Identifier
    label: str
    low: str = ""
    high: str = ""


class Delegation(Frozen):
    """A delegation (a state, or a group that speaks with one voice).

    ``reservation`` is the utility it demands in the first round and ``outside_option`` the utility of no agreement (its
    BATNA), the floor it concedes to by the deadline; ``style`` is its concession pattern. Without an
    ``outside_option`` the delegation's utility of the scenario's ``status_quo`` is its outside option (the
    veto-player logic, Tsebelis 2002), or, without a status quo either, ``behaviour.default_outside_option``.
    """

    id: DelegationId
    name: str
    position: dict[str, Unit]
    salience: dict[str, Weight]
    power: Power
    reservation: Unit = 0.8
    outside_option: Unit | None = None
    style: Style = "linear"
    bloc: Identifier | None = None
    can_block: bool = True
    votes: Annotated[int, Field(ge=0, le=1000)] = 1
    #: How hard ratification is at home (Putnam's two-level game): 0 the executive ratifies alone, 1 practically
    #: impossible; read only when the scenario has a ``ratification`` rule.
    ratification_difficulty: Unit = 0.5

    @field_validator("salience")
    @classmethod
    def _normalise_salience(cls, value: dict[str, float]) -> dict[str, float]:
        total = math.fsum(value.values())
        if total <= 0.0:
            raise ValueError("salience must have at least one positive weight")
        return {key: weight / total for key, weight in value.items()}

    @model_validator(mode="after")
    def _floor_below_reservation(self) -> Delegation:
        if self.outside_option is not None and self.outside_option > self.reservation:
            raise ValueError(f"outside_option ({self.outside_option}) must not exceed reservation ({self.reservation})")
        return self

    @property
    def beta(self) -> float:
        """The concession exponent β of this delegation's style."""
        return STYLE_EXPONENTS[self.style] if isinstance(self.style, str) else float(self.style)


class Bloc(Frozen):
    """A group of delegations that negotiates as a coalition (``docs/model.md`` §16).

    ``cohesion`` in [0, 1] is how strongly the group's line pulls its members each round: 0, members decide alone
    (a label); 1, the group decides as one (the EU's single position under the CFSP); in between, each member weighs
    the group's line against its own and breaks ranks when its own stake outweighs the group's. ``coordinated: true``
    is cohesion 1. ``lead`` is the member that speaks for the group: the chair accommodates the group's objection at
    the lead's position.
    """

    id: Identifier
    name: str = ""
    members: tuple[DelegationId, ...] = ()
    coordinated: bool = False
    cohesion: Unit | None = None
    lead: DelegationId | None = None
    sources: tuple[str, ...] = ()

    @property
    def pull(self) -> float:
        """The group's cohesion: as given, else 1 for a coordinated bloc and 0 for a label."""
        if self.cohesion is not None:
            return float(self.cohesion)
        return 1.0 if self.coordinated else 0.0


class Stakeholder(Frozen):
    """An actor without a vote — an NGO, a firm or industry body, a UN office — that presses delegations each round
    (``docs/model.md`` §17): it spends ``budget`` per round over its targets through one ``channel``:

    - ``salience``: it raises the weight its targets give the issues it cares about (a legislative subsidy to allies,
      Hall & Deardorff 2006);
    - ``position``: it persuades its targets, moving their ideal points toward its own (informational lobbying,
      Austen-Smith 1993; Keck & Sikkink 1998 on advocacy networks);
    - ``outside_option``: it raises what no deal is worth to its targets in proportion to how far the text is from
      what it wants ("no deal rather than a bad deal": threats to campaign against ratification, Dür 2008).

    ``targets`` are delegation or bloc ids; without any, its allies each round — the delegations nearer its position
    than the text on the issues it cares about (lobbyists work through friends, Hall & Deardorff 2006).
    """

    id: Identifier
    name: str = ""
    kind: Literal["ngo", "industry", "un_body", "other"] = "other"
    position: Annotated[dict[str, Unit], Field(min_length=1)]
    budget: Annotated[float, Field(ge=0.0, le=1000.0, allow_inf_nan=False)] = 0.0
    channel: Literal["salience", "position", "outside_option"] = "salience"
    targets: tuple[DelegationId, ...] = ()
    sources: tuple[str, ...] = ()


class Procedure(Frozen):
    """The rules: a deadline in rounds, consensus, and what happens without consensus at the deadline."""

    rounds: Annotated[int, Field(ge=0, le=10_000)] = 10
    fallback: Literal["none", "vote"] = "vote"
    vote_threshold: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 2.0 / 3.0
    abstention_band: Unit = 0.05
    #: Share of those voting keep or delete that a recorded vote needs to delete a provision (docs/model.md §15).
    provision_threshold: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.5
    #: How a delegation weighs a provision in a recorded vote (docs/model.md §15): ``sophisticated`` — by what each
    #: vote leads to, the text adopted or the talks failed (Farquharson 1969); ``sincere`` — the two texts alone.
    provision_voting: Literal["sophisticated", "sincere"] = "sophisticated"
    #: How far delegations believe the deadline: 1 = it is final; c < 1 = they expect talks to go on (a session
    #: suspended and resumed), concede as if the talks ran longer, and come only c^(1/β) of the way to their outside option.
    deadline_credibility: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 1.0
    #: The mandate allows another session if this one ends without a text (talks are suspended, not ended).
    resumable: bool = False
    #: Sessions the talks may take at most (each one ``rounds`` long), the later ones resuming from the last text.
    sessions: Annotated[int, Field(ge=1, le=100)] = 1


class Chair(Frozen):
    """How the chair drafts: an opening text and a strategy for revising it between rounds.

    ``draft`` is the chair's opening text per issue; without one the chair opens with the compromise-model text.
    Strategies: ``accommodate`` moves the text toward the objectors who can block (a single negotiating text),
    ``compromise`` moves it toward the power- and salience-weighted compromise of all, ``hold`` never moves it.
    Chairs that bargain (``docs/model.md`` §5, :mod:`sim.chairs`): ``nash`` moves it toward the power-weighted Nash
    bargaining text over the delegations' outside options, ``package`` toward the objectors, each on the issues it
    cares most about (a package deal), ``friends`` toward the compromise of a small group of the most powerful
    objectors and supporters, of ``friends`` seats (unset: 5; only the ``friends`` chair reads it). ``step`` is how far
    the chair moves per round, for every strategy but ``hold``.
    """

    strategy: Literal["accommodate", "compromise", "hold", "nash", "package", "friends"] = "accommodate"
    draft: dict[str, Unit] | None = None
    step: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 1.0
    # None (not 5) by default, so that results tables and summaries of the other strategies do not gain a column
    friends: Annotated[int, Field(ge=1, le=1000)] | None = None


class Behaviour(Frozen):
    """How delegations decide, beyond their own numbers: the model's global settings (``docs/model.md``).

    The defaults are the ones the public backtest chose (``treatysim-backtest``, ``docs/backtest.md``), never fitted
    to one scenario. ``default_outside_option`` is the utility of no agreement for a delegation whose scenario gives
    neither its ``outside_option`` nor a ``status_quo``; ``agreement_cost`` the gain over no agreement a delegation
    needs before it accepts a text (what a treaty costs to join and carry out: Abbott & Snidal's sovereignty costs —
    with it, the status quo itself is no longer an agreement everyone accepts, Tsebelis's strict preference over
    the status quo); ``isolation_cost`` how far a lone objector's floor falls
    (0: blocking alone costs nothing); ``temperature`` the noise of random-utility choice (0: the deterministic
    rule); ``resumed_credibility`` the mean credibility of a deadline that delegations know can be followed by
    another session (drawn per replicate and session from a Beta distribution of that mean); ``reopening_cost`` what
    a delegation counts against changing the chair's text by a recorded vote on a single provision — the cost of
    reopening a negotiated package (0: none), chosen on recorded amendment votes of other sessions, leaving one out
    (``tools/reopening_check.py``, ``docs/model.md`` §15).
    """

    default_outside_option: Unit = 0.5
    agreement_cost: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)] = 0.0
    isolation_cost: Unit = 0.0
    temperature: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    resumed_credibility: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.8
    reopening_cost: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False)] = 0.02


class Uncertainty(Frozen):
    """How each replicate perturbs the inputs (standard deviations).

    Positions and reservations in the bundled scenarios are analyst estimates on a 0–1 scale, good to about a
    tenth, hence the defaults: ``position`` 0.05 (normal noise, clipped to [0, 1]), ``salience`` 0.2 (log-normal
    multiplicative noise, renormalised), ``reservation`` 0.05 (one normal shift of reservation and outside option).

    ``group_position``: the error of an estimate made for a whole group — one normal shift per bloc and issue, shared
    by all its members, on top of each one's own (docs/model.md §7). Independent noise averages out over a large
    group; an analyst's error about the group does not. Default 0 (off).
    """

    position: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.05
    group_position: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    salience: Annotated[float, Field(ge=0.0, le=3.0, allow_inf_nan=False)] = 0.2
    reservation: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.05


class Provision(Frozen):
    """A provision of the text that can be put to a recorded vote to delete it: deleting it moves ``issue`` by
    ``shift`` (e.g. a human-rights clause: safeguards −0.1)."""

    id: Identifier
    label: str = ""
    issue: Identifier
    shift: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
    sources: tuple[str, ...] = ()


class Ratification(Frozen):
    """The treaty's entry-into-force rule: it enters into force ``lag_days`` after ``threshold`` states have
    ratified (each delegation counts the states it stands for, its ``votes``); simulated for ``horizon_years``."""

    threshold: Annotated[int, Field(ge=1, le=100_000)]
    lag_days: Annotated[int, Field(ge=0, le=10_000)] = 90
    horizon_years: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False)] = 10.0


class History(Frozen):
    """What really happened at the session a scenario models: the recorded outcome, for the backtest.

    ``outcome`` is the class of the result *at this session*: ``consensus`` or ``vote`` (a text adopted),
    ``suspended`` (no text, talks to resume at a later session) or ``failed`` (no text, talks ended or collapsed).
    Never read by the simulation.
    """

    outcome: Literal["consensus", "vote", "suspended", "failed"]
    date: str
    sources: tuple[str, ...] = ()
    note: str = ""

    @property
    def adopted(self) -> bool:
        """A text was adopted at this session (by consensus or by a vote)."""
        return self.outcome in ("consensus", "vote")


class Scenario(Frozen):
    """A whole negotiation: what is on the table, who sits at it, and under which rules."""

    name: Identifier
    title: str
    description: str = ""
    sources: tuple[str, ...] = ()
    issues: Annotated[tuple[Issue, ...], Field(min_length=1)]
    delegations: Annotated[tuple[Delegation, ...], Field(min_length=1)]
    blocs: tuple[Bloc, ...] = ()
    #: Actors without a vote who press delegations each round (docs/model.md §17); none by default.
    stakeholders: tuple[Stakeholder, ...] = ()
    procedure: Procedure = Procedure()
    chair: Chair = Chair()
    uncertainty: Uncertainty = Uncertainty()
    behaviour: Behaviour = Behaviour()
    #: Where each issue stands if the talks end without a text (the reversion point, Tsebelis 2002), per issue.
    status_quo: dict[str, Unit] | None = None
    #: Provisions a delegation may ask to delete by a recorded vote before the decision on the whole (§15).
    provisions: tuple[Provision, ...] = ()
    #: After adoption: signature, ratification and entry into force (docs/model.md section 14); none by default.
    ratification: Ratification | None = None
    history: History | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = consistency_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(issue.id for issue in self.issues)

    @property
    def delegation_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.delegations)

    def display_names(self) -> dict[str, str]:
        """How reports name delegations and blocs (a coordinated bloc can be pivotal as one): id → name."""
        blocs = {b.id: f"{b.name or b.id} (bloc)" for b in self.blocs}
        return {**blocs, **{d.id: d.name for d in self.delegations}}

    def bloc_of(self) -> dict[str, str]:
        """Each delegation's bloc id, from ``Delegation.bloc`` and ``Bloc.members`` alike."""
        found = {d.id: d.bloc for d in self.delegations if d.bloc}
        for bloc in self.blocs:
            for member in bloc.members:
                found[member] = bloc.id
        return found


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})


def _key_problems(where: str, keys: set[str], issues: set[str]) -> list[str]:
    out = []
    if keys - issues:
        out.append(f"{where}: unknown issue(s) {sorted(keys - issues)}; the issues are {sorted(issues)}")
    if issues - keys:
        out.append(f"{where}: missing issue(s) {sorted(issues - keys)}")
    return out


def consistency_problems(scenario: Scenario) -> list[str]:
    """Cross-field checks, each problem naming its field path: ids unique, keys match issues, blocs resolve."""
    problems = []
    issue_ids = [i.id for i in scenario.issues]
    delegation_ids = [d.id for d in scenario.delegations]
    for dup in _duplicates(issue_ids):
        problems.append(f"issues: duplicate issue id '{dup}'")
    for dup in _duplicates(delegation_ids):
        problems.append(f"delegations: duplicate delegation id '{dup}'")
    issues = set(issue_ids)
    if len(issues) == len(issue_ids):  # with duplicate issue ids, every delegation's keys would be reported too
        for n, d in enumerate(scenario.delegations):
            problems += _key_problems(f"delegations[{n}].position", set(d.position), issues)
            problems += _key_problems(f"delegations[{n}].salience", set(d.salience), issues)
        if scenario.chair.draft is not None:
            problems += _key_problems("chair.draft", set(scenario.chair.draft), issues)
        if scenario.status_quo is not None:
            problems += _key_problems("status_quo", set(scenario.status_quo), issues)
        for n, provision in enumerate(scenario.provisions):
            if provision.issue not in issues:
                problems.append(
                    f"provisions[{n}].issue: unknown issue '{provision.issue}'; the issues are {sorted(issues)}"
                )
        for dup in _duplicates([p.id for p in scenario.provisions]):
            problems.append(f"provisions: duplicate provision id '{dup}'")
    problems += _bloc_problems(scenario, set(delegation_ids))
    problems += _stakeholder_problems(scenario, issues, set(delegation_ids))
    return problems


def _stakeholder_problems(scenario: Scenario, issues: set[str], delegations: set[str]) -> list[str]:
    problems = []
    for dup in _duplicates([s.id for s in scenario.stakeholders]):
        problems.append(f"stakeholders: duplicate stakeholder id '{dup}'")
    blocs = {b.id for b in scenario.blocs}
    for n, stakeholder in enumerate(scenario.stakeholders):
        if stakeholder.id in delegations or stakeholder.id in blocs:
            problems.append(
                f"stakeholders[{n}].id: '{stakeholder.id}' is also a delegation's or a bloc's id; a stakeholder "
                "has no vote and needs an id of its own"
            )
        for dup in _duplicates(list(stakeholder.targets)):
            problems.append(f"stakeholders[{n}].targets: '{dup}' is named twice")
        unknown = set(stakeholder.position) - issues
        if unknown:
            problems.append(
                f"stakeholders[{n}].position: unknown issue(s) {sorted(unknown)}; the issues are {sorted(issues)}"
            )
        for target in stakeholder.targets:
            if target not in delegations and target not in blocs:
                close = difflib.get_close_matches(target, sorted(delegations | blocs), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(
                    f"stakeholders[{n}].targets: '{target}' is neither a delegation nor a bloc in this scenario{hint}"
                )
    return problems


def _bloc_problems(scenario: Scenario, delegations: set[str]) -> list[str]:
    problems = []
    bloc_ids = [b.id for b in scenario.blocs]
    for dup in _duplicates(bloc_ids):
        problems.append(f"blocs: duplicate bloc id '{dup}'")
    declared = {d.id: d.bloc for d in scenario.delegations if d.bloc}
    member_of: dict[str, str] = {}
    for n, bloc in enumerate(scenario.blocs):
        for member in bloc.members:
            if member not in delegations:
                problems.append(f"blocs[{n}].members: '{member}' is not a delegation in this scenario")
            elif member in member_of and member_of[member] != bloc.id:
                problems.append(f"blocs[{n}].members: '{member}' is already in bloc '{member_of[member]}'")
            elif declared.get(member, bloc.id) != bloc.id:
                problems.append(f"blocs[{n}].members: '{member}' says its bloc is '{declared[member]}'")
            member_of[member] = bloc.id
    for n, bloc in enumerate(scenario.blocs):
        if bloc.coordinated and bloc.cohesion is not None and bloc.cohesion != 1.0:
            problems.append(
                f"blocs[{n}].cohesion: a coordinated bloc decides as one (cohesion 1), got {bloc.cohesion}; "
                "for a looser group set coordinated: false with the cohesion"
            )
        if bloc.lead is not None and bloc.lead not in delegations:
            problems.append(f"blocs[{n}].lead: '{bloc.lead}' is not a delegation in this scenario")
        elif bloc.lead is not None and member_of.get(bloc.lead) != bloc.id and declared.get(bloc.lead) != bloc.id:
            problems.append(f"blocs[{n}].lead: '{bloc.lead}' is not a member of bloc '{bloc.id}'")
        if bloc.id in delegations:
            problems.append(f"blocs[{n}].id: '{bloc.id}' is also a delegation's id; a bloc needs an id of its own")
    for n, d in enumerate(scenario.delegations):
        if d.bloc is not None and d.bloc not in bloc_ids:
            close = difflib.get_close_matches(d.bloc, bloc_ids, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            declared_ids = ", ".join(bloc_ids) if bloc_ids else "none yet: declare it under blocs"
            problems.append(f"delegations[{n}].bloc: unknown bloc '{d.bloc}'{hint}; the blocs are: {declared_ids}")
    return problems
