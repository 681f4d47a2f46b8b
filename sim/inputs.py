"""From a validated scenario to arrays, and the per-replicate draw of uncertain inputs.

:class:`ScenarioArrays` holds a scenario as arrays (delegations × issues) plus its rules. :func:`draw_inputs` perturbs
it for one replicate with that replicate's own generator; :func:`replicate_rng` derives that generator from the
master seed with ``SeedSequence``, so replicate *k* depends only on ``(seed, k)`` — never on how many replicates
run, in which chunk, or on which worker.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.chairs import DEFAULT_FRIENDS
from sim.dynamics import ordered_sum
from sim.scenario import Scenario

#: Working precision of the dynamics. float32 halves memory traffic and doubles SIMD width; utilities on [0, 1]
#: keep about seven significant digits, far finer than any input of a scenario (see the README's performance notes).
FLOAT = np.float32
#: The master seed every command uses unless told otherwise (conf/config.yaml says the same; a test checks).
DEFAULT_SEED = 20240809


@dataclass(frozen=True)
class ScenarioArrays:
    """A scenario compiled to arrays. Shapes: N delegations, K issues, B coordinated blocs."""

    delegation_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: np.ndarray  # (N, K) ideal points on [0, 1]
    salience: np.ndarray  # (N, K) non-negative, rows sum to 1
    power: np.ndarray  # (N,) > 0
    reservation: np.ndarray  # (N,) utility demanded in the first round
    outside_option: np.ndarray  # (N,) utility of no agreement: what is demanded at the deadline
    beta: np.ndarray  # (N,) concession exponents
    can_block: np.ndarray  # (N,) bool
    votes: np.ndarray  # (N,) votes cast in a fallback vote
    bloc_index: np.ndarray  # (N,) index of the delegation's coordinated bloc, -1 for none
    n_blocs: int
    deciders: tuple[str, ...]  # (N,) who decides for each delegation: its coordinated bloc's id, else its own id
    draft: np.ndarray | None  # (K,) the chair's opening text, or None for the compromise text
    rounds: int
    vote_fallback: bool
    vote_threshold: float
    abstention_band: float
    credibility: float
    strategy: str
    step: float
    noise_position: float
    noise_salience: float
    noise_reservation: float
    dtype: np.dtype
    noise_group_position: float = 0.0  # sd of the shift of a bloc's positions shared by its members (per issue)
    group_of: np.ndarray | None = None  # (N,) index of the delegation's bloc (any kind), -1 for none; None: no blocs
    status_quo: np.ndarray | None = None  # (K,) where the issues stand without agreement, if the scenario says
    from_status_quo: np.ndarray | None = None  # (N,) bool: outside option = utility of the status quo
    sessions: int = 1
    resumable: bool = False
    resumed_credibility: float = 0.8
    isolation_cost: float = 0.0
    temperature: float = 0.0
    agreement_cost: float = 0.0
    friends: int = DEFAULT_FRIENDS  # seats of the friends-of-the-chair group (the ``friends`` chair)
    ratification: tuple[int, int, float] | None = None  # (threshold states, lag days, horizon years)
    difficulty: np.ndarray | None = None  # (N,) ratification difficulty at home
    provision_ids: tuple[str, ...] = ()
    provision_shift: np.ndarray | None = None  # (P, K) how deleting each provision moves the text
    provision_threshold: float = 0.5
    provision_voting: str = "sophisticated"  # or "sincere" (sim.steps.provision_worth)
    reopening_cost: float = 0.02  # counted against changing the chair's text in a provision vote (sim.steps)
    cohesive_index: np.ndarray | None = None  # (N,) index of the delegation's cohesive (0 < c < 1) bloc, -1 for none
    cohesion: tuple[float, ...] = ()  # (C,) each cohesive bloc's cohesion
    lead: np.ndarray | None = None  # (N,) the index of the member that speaks for its bloc, -1 for none
    stakeholders: tuple[Lobby, ...] = ()

    @property
    def followed(self) -> tuple[bool, ...]:
        """Per session: is it followed by another (an earlier one of ``sessions``, or any when ``resumable``)?

        A session that another may follow has a doubted deadline and ends, without consensus, in suspension rather
        than a vote; only a final session's deadline is as credible as ``procedure.deadline_credibility`` says.
        """
        return tuple(s < self.sessions - 1 or self.resumable for s in range(self.sessions))

    @property
    def draws_credibility(self) -> bool:
        """Whether a replicate draws a credibility for each session (some session is followed by another)."""
        return any(self.followed)

    @property
    def draws_group_positions(self) -> bool:
        """Whether a replicate draws a shared shift of each bloc's positions (``uncertainty.group_position`` > 0)."""
        return self.noise_group_position > 0.0 and self.group_of is not None and bool((self.group_of >= 0).any())

    @property
    def stochastic(self) -> bool:
        """Whether choices are random-utility draws (temperature above 0) rather than the deterministic rule."""
        return self.temperature > 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return self.position.shape  # type: ignore[return-value]


@dataclass(frozen=True)
class Lobby:
    """A stakeholder compiled: its position on the issues it cares about (``cares`` marks them), its budget per
    round, its channel and its targets (None: its allies, found each round)."""

    id: str
    position: np.ndarray  # (K,) its position (0 on issues it does not care about)
    cares: np.ndarray  # (K,) bool
    budget: float
    channel: str
    targets: np.ndarray | None  # (N,) bool, or None for its allies


def compile_lobbies(scenario: Scenario, dtype: type) -> tuple[Lobby, ...]:
    """The scenario's stakeholders with a budget (one without changes nothing, so it is left out), targets resolved:
    a bloc's id stands for its members."""
    issues, ids = scenario.issue_ids, scenario.delegation_ids
    bloc_of = scenario.bloc_of()
    out = []
    for s in scenario.stakeholders:
        if s.budget <= 0.0:
            continue
        targets = None
        if s.targets:
            named = set(s.targets)
            targets = np.array([d in named or bloc_of.get(d) in named for d in ids], dtype=bool)
        out.append(
            Lobby(
                s.id,
                np.array([s.position.get(k, 0.0) for k in issues], dtype=dtype),
                np.array([k in s.position for k in issues], dtype=bool),
                s.budget,
                s.channel,
                targets,
            )
        )
    return tuple(out)


def group_index(groups: list[str], bloc_of: dict[str, str], delegation_ids: tuple[str, ...]) -> np.ndarray:
    """Each delegation's position in ``groups`` (bloc ids) by the bloc it belongs to, −1 for none of them. (N,)"""
    return np.array([groups.index(bloc_of[d]) if bloc_of.get(d) in groups else -1 for d in delegation_ids], np.int64)


def compile_arrays(scenario: Scenario, dtype: type = FLOAT) -> ScenarioArrays:
    """Turn a :class:`Scenario` into a :class:`ScenarioArrays`: arrays in scenario order, floats in ``dtype``."""
    issues = scenario.issue_ids
    ds = scenario.delegations
    bloc_of = scenario.bloc_of()
    coordinated = [b.id for b in scenario.blocs if b.pull == 1.0 and b.id in bloc_of.values()]
    bloc_index = group_index(coordinated, bloc_of, scenario.delegation_ids)
    cohesive = [b for b in scenario.blocs if 0.0 < b.pull < 1.0 and b.id in bloc_of.values()]
    cohesive_index = group_index([b.id for b in cohesive], bloc_of, scenario.delegation_ids)
    index_of = {d.id: i for i, d in enumerate(ds)}
    leads = {b.id: index_of[b.lead] for b in scenario.blocs if b.lead is not None}
    lead = np.array([leads.get(bloc_of.get(d.id), -1) for d in ds], dtype=np.int64)
    chair, proc, unc, how = scenario.chair, scenario.procedure, scenario.uncertainty, scenario.behaviour
    sq = scenario.status_quo
    fallback_floor = how.default_outside_option
    from_sq = np.array([d.outside_option is None and sq is not None for d in ds], dtype=bool)
    return ScenarioArrays(
        delegation_ids=scenario.delegation_ids,
        issue_ids=issues,
        position=np.array([[d.position[k] for k in issues] for d in ds], dtype=dtype),
        salience=np.array([[d.salience[k] for k in issues] for d in ds], dtype=dtype),
        power=np.array([d.power for d in ds], dtype=dtype),
        reservation=np.array([d.reservation for d in ds], dtype=dtype),
        outside_option=np.array(
            [fallback_floor if d.outside_option is None else d.outside_option for d in ds], dtype=dtype
        ),
        beta=np.array([d.beta for d in ds], dtype=dtype),
        can_block=np.array([d.can_block for d in ds], dtype=bool),
        votes=np.array([d.votes for d in ds], dtype=np.int64),
        bloc_index=bloc_index,
        n_blocs=len(coordinated),
        deciders=tuple(coordinated[b] if b >= 0 else d.id for b, d in zip(bloc_index, ds)),
        draft=None if chair.draft is None else np.array([chair.draft[k] for k in issues], dtype=dtype),
        rounds=proc.rounds,
        vote_fallback=proc.fallback == "vote",
        vote_threshold=proc.vote_threshold,
        abstention_band=proc.abstention_band,
        credibility=proc.deadline_credibility,
        strategy=chair.strategy,
        step=chair.step,
        friends=DEFAULT_FRIENDS if chair.friends is None else chair.friends,
        noise_position=unc.position,
        noise_salience=unc.salience,
        noise_reservation=unc.reservation,
        dtype=np.dtype(dtype),
        noise_group_position=unc.group_position,
        group_of=group_index([b.id for b in scenario.blocs], bloc_of, scenario.delegation_ids)
        if scenario.blocs
        else None,
        status_quo=None if sq is None else np.array([sq[k] for k in issues], dtype=dtype),
        from_status_quo=from_sq if from_sq.any() else None,
        sessions=proc.sessions,
        resumable=proc.resumable,
        resumed_credibility=how.resumed_credibility,
        isolation_cost=how.isolation_cost,
        temperature=how.temperature,
        agreement_cost=how.agreement_cost,
        ratification=None
        if scenario.ratification is None
        else (scenario.ratification.threshold, scenario.ratification.lag_days, scenario.ratification.horizon_years),
        difficulty=np.array([d.ratification_difficulty for d in ds], dtype=dtype),
        provision_ids=tuple(p.id for p in scenario.provisions),
        provision_shift=np.array(
            [[p.shift if p.issue == k else 0.0 for k in issues] for p in scenario.provisions], dtype=dtype
        ).reshape(len(scenario.provisions), len(issues)),
        provision_threshold=proc.provision_threshold,
        provision_voting=proc.provision_voting,
        reopening_cost=how.reopening_cost,
        cohesive_index=cohesive_index if cohesive else None,
        cohesion=tuple(b.pull for b in cohesive),
        lead=lead if (lead >= 0).any() else None,
        stakeholders=compile_lobbies(scenario, dtype),
    )


def replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    """Replicate ``replicate``'s own generator: child ``replicate`` of ``SeedSequence(seed)``.

    Identical to ``SeedSequence(seed).spawn(n)[replicate]`` for any ``n > replicate``.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate,)))


@dataclass(frozen=True)
class Draw:
    """One draw of the uncertain inputs: the perturbed inputs of one replicate, or of a batch (leading axis R)."""

    position: np.ndarray  # (..., N, K)
    salience: np.ndarray  # (..., N, K)
    reservation: np.ndarray  # (..., N)
    outside_option: np.ndarray  # (..., N)
    credibility: np.ndarray | None = None  # (..., S) each session's deadline credibility, if any is doubted
    choice: np.ndarray | None = None  # (..., S, T + 1, N) uniforms of random-utility choice (round T + 1: ballots)
    ratify: np.ndarray | None = None  # (..., 2, N) uniforms of signature and ratification, if the scenario has a rule
    provision: np.ndarray | None = None  # (..., P, N) uniforms of random-utility provision ballots

    def take(self, rows: np.ndarray) -> Draw:
        """The draws of the replicates ``rows`` (an index or a boolean mask on the leading axis)."""
        return Draw(
            **{f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[rows] for f in fields(self)}
        )


#: Concentration κ of the Beta distribution of a doubted deadline's credibility: Beta(κμ, κ(1 − μ)) has mean μ and
#: standard deviation √(μ(1 − μ)/(κ + 1)) — about 0.09 at μ = 0.8.
CREDIBILITY_CONCENTRATION = 20.0


def noise_length(arrays: ScenarioArrays) -> int:
    """How many numbers one replicate draws (:func:`draw_noise`)."""
    n, k = arrays.shape
    length = 2 * n * k + n
    if arrays.draws_credibility:
        length += arrays.sessions
    if arrays.stochastic:
        length += arrays.sessions * (arrays.rounds + 1) * n
    if arrays.ratification is not None:
        length += 2 * n
    if arrays.stochastic and arrays.provision_ids:
        length += len(arrays.provision_ids) * n
    if arrays.draws_group_positions:
        length += group_count(arrays) * k
    return length


def group_count(arrays: ScenarioArrays) -> int:
    """The number of blocs whose members share a position shift (:func:`draw_noise`)."""
    return 0 if arrays.group_of is None else int(arrays.group_of.max()) + 1


#: The largest uniform draw: the largest float32 below 1. A float64 draw above it would round to exactly 1.0 in float32,
#: where a choice of probability 1 is not made (U < 1 fails) and a ratification never comes (−ln(1 − U) is infinite):
#: about one draw in 3·10⁷ (docs/mutation_after_gavel.md). Capped in float64, before the cast, so both precisions
#: see the same draw.
LARGEST_UNIFORM = float(np.nextafter(np.float32(1.0), np.float32(0.0)))


def uniforms(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` uniforms on [0, 1), none above :data:`LARGEST_UNIFORM` (so none is 1 at any working precision)."""
    return np.minimum(rng.random(size), LARGEST_UNIFORM)


def draw_noise(arrays: ScenarioArrays, rng: np.random.Generator) -> np.ndarray:
    """One replicate's draws, in a fixed layout: standard normals for positions, saliences and reservation shifts;
    then, only where the scenario needs them, a Beta credibility per session (a doubted deadline) and uniforms for
    random-utility choice (each session's rounds and its ballots), uniforms of ratification and of provision ballots,
    and a standard normal per bloc and issue for a shared error in the group's positions. A scenario that needs none
    of these draws exactly what it drew before they existed, so its numbers do not change."""
    n, k = arrays.shape
    parts = [rng.standard_normal(2 * n * k + n)]
    if arrays.draws_credibility:
        mu, kappa = arrays.resumed_credibility, CREDIBILITY_CONCENTRATION
        parts.append(np.ones(arrays.sessions) if mu >= 1.0 else rng.beta(kappa * mu, kappa * (1 - mu), arrays.sessions))
    if arrays.stochastic:
        parts.append(uniforms(rng, arrays.sessions * (arrays.rounds + 1) * n))
    if arrays.ratification is not None:
        parts.append(uniforms(rng, 2 * n))
    if arrays.stochastic and arrays.provision_ids:
        parts.append(uniforms(rng, len(arrays.provision_ids) * n))
    if arrays.draws_group_positions:
        parts.append(rng.standard_normal(group_count(arrays) * k))
    noise = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return noise.astype(arrays.dtype)  # the same draws at any working precision


def perturb(arrays: ScenarioArrays, noise: np.ndarray) -> Draw:
    """Apply standard-normal ``noise`` of shape (..., 2NK + N) to the scenario's inputs (vectorised over ...).

    Positions get additive normal noise (clipped to [0, 1]); saliences multiplicative log-normal noise
    (renormalised); reservation and outside option one common additive shift (clipped to [0, 1]).
    """
    n, k = arrays.shape
    lead = noise.shape[:-1]
    z_pos = noise[..., : n * k].reshape(*lead, n, k)
    z_sal = noise[..., n * k : 2 * n * k].reshape(*lead, n, k)
    z_res = noise[..., 2 * n * k : 2 * n * k + n]
    position = arrays.position + arrays.noise_position * z_pos
    if arrays.draws_group_positions:  # the last G·K numbers: one shift per bloc and issue, shared by its members
        groups = group_count(arrays)
        z_group = noise[..., noise.shape[-1] - groups * k :].reshape(*lead, groups, k)
        member = arrays.group_of >= 0
        shared = np.zeros_like(position)
        shared[..., member, :] = z_group[..., arrays.group_of[member], :]
        position = position + arrays.dtype.type(arrays.noise_group_position) * shared
    position = np.clip(position, 0.0, 1.0)
    weights = arrays.salience * np.exp(arrays.noise_salience * z_sal)
    salience = weights / ordered_sum(weights)[..., None]
    shift = arrays.noise_reservation * z_res
    reservation = np.clip(arrays.reservation + shift, 0.0, 1.0)
    base = arrays.outside_option
    if arrays.from_status_quo is not None:  # the utility of the status quo to each (perturbed) delegation
        from sim.dynamics import utility

        base = np.where(arrays.from_status_quo, utility(arrays.status_quo, position, salience), base)
    outside_option = np.clip(base + shift, 0.0, 1.0)
    if arrays.agreement_cost > 0.0:  # a text must beat no agreement by this much (above 1: nothing will do)
        outside_option = outside_option + arrays.dtype.type(arrays.agreement_cost)
    # nobody demands less at the start than no deal gives it (a status quo near its ideal point: a veto player)
    reservation = np.maximum(reservation, outside_option)
    end = 2 * n * k + n
    credibility = choice = ratify = provision = None
    if arrays.draws_credibility:
        credibility, end = noise[..., end : end + arrays.sessions], end + arrays.sessions
    if arrays.stochastic:
        size = arrays.sessions * (arrays.rounds + 1) * n
        choice = noise[..., end : end + size].reshape(*lead, arrays.sessions, arrays.rounds + 1, n)
        choice, end = coordinate_blocs(arrays, choice), end + size
    if arrays.ratification is not None:
        ratify, end = coordinate_blocs(arrays, noise[..., end : end + 2 * n].reshape(*lead, 2, n)), end + 2 * n
    if arrays.stochastic and arrays.provision_ids:
        size = len(arrays.provision_ids) * n
        provision = coordinate_blocs(arrays, noise[..., end : end + size].reshape(*lead, len(arrays.provision_ids), n))
    return Draw(position, salience, reservation, outside_option, credibility, choice, ratify, provision)


def coordinate_blocs(arrays: ScenarioArrays, uniforms: np.ndarray) -> np.ndarray:
    """A coordinated bloc decides as one: its members share the draw of its first member."""
    if arrays.n_blocs == 0:
        return uniforms
    out = uniforms.copy()
    for bloc in range(arrays.n_blocs):
        members = np.flatnonzero(arrays.bloc_index == bloc)
        out[..., members] = uniforms[..., members[:1]]
    return out


def draw_inputs(arrays: ScenarioArrays, rng: np.random.Generator) -> Draw:
    """One replicate's perturbed inputs, drawn from its own generator."""
    return perturb(arrays, draw_noise(arrays, rng))


def draw_batch(arrays: ScenarioArrays, seed: int, replicates: range) -> Draw:
    """The inputs of several replicates at once; replicate k's row equals ``draw_inputs(arrays, replicate_rng(seed, k))``."""
    noise = np.empty((len(replicates), noise_length(arrays)), dtype=arrays.dtype)
    for row, replicate in enumerate(replicates):
        noise[row] = draw_noise(arrays, replicate_rng(seed, replicate))
    return perturb(arrays, noise)
