"""From a validated scenario to arrays, and the per-replicate draw of uncertain inputs.

:class:`ScenarioArrays` holds a scenario as arrays (delegations × issues) plus its rules. :func:`draw_inputs` perturbs
it for one replicate with that replicate's own generator; :func:`replicate_rng` derives that generator from the
master seed with ``SeedSequence``, so replicate *k* depends only on ``(seed, k)`` — never on how many replicates
run, in which chunk, or on which worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    @property
    def shape(self) -> tuple[int, int]:
        return self.position.shape  # type: ignore[return-value]


def compile_arrays(scenario: Scenario, dtype: type = FLOAT) -> ScenarioArrays:
    """Turn a :class:`Scenario` into a :class:`ScenarioArrays`: arrays in scenario order, floats in ``dtype``."""
    issues = scenario.issue_ids
    ds = scenario.delegations
    bloc_of = scenario.bloc_of()
    coordinated = [b.id for b in scenario.blocs if b.coordinated and b.id in bloc_of.values()]
    bloc_index = np.array([coordinated.index(bloc_of[d.id]) if bloc_of.get(d.id) in coordinated else -1 for d in ds])
    chair, proc, unc = scenario.chair, scenario.procedure, scenario.uncertainty
    return ScenarioArrays(
        delegation_ids=scenario.delegation_ids,
        issue_ids=issues,
        position=np.array([[d.position[k] for k in issues] for d in ds], dtype=dtype),
        salience=np.array([[d.salience[k] for k in issues] for d in ds], dtype=dtype),
        power=np.array([d.power for d in ds], dtype=dtype),
        reservation=np.array([d.reservation for d in ds], dtype=dtype),
        outside_option=np.array([d.outside_option for d in ds], dtype=dtype),
        beta=np.array([d.beta for d in ds], dtype=dtype),
        can_block=np.array([d.can_block for d in ds], dtype=bool),
        votes=np.array([d.votes for d in ds], dtype=np.int64),
        bloc_index=bloc_index.astype(np.int64),
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
        noise_position=unc.position,
        noise_salience=unc.salience,
        noise_reservation=unc.reservation,
        dtype=np.dtype(dtype),
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


def draw_noise(arrays: ScenarioArrays, rng: np.random.Generator) -> np.ndarray:
    """One replicate's standard-normal draws, in a fixed layout: positions, saliences, reservation shifts."""
    n, k = arrays.shape
    return rng.standard_normal(2 * n * k + n).astype(arrays.dtype)  # the same draws at any working precision


def perturb(arrays: ScenarioArrays, noise: np.ndarray) -> Draw:
    """Apply standard-normal ``noise`` of shape (..., 2NK + N) to the scenario's inputs (vectorised over ...).

    Positions get additive normal noise (clipped to [0, 1]); saliences multiplicative log-normal noise
    (renormalised); reservation and outside option one common additive shift (clipped to [0, 1]).
    """
    n, k = arrays.shape
    lead = noise.shape[:-1]
    z_pos = noise[..., : n * k].reshape(*lead, n, k)
    z_sal = noise[..., n * k : 2 * n * k].reshape(*lead, n, k)
    z_res = noise[..., 2 * n * k :]
    position = np.clip(arrays.position + arrays.noise_position * z_pos, 0.0, 1.0)
    weights = arrays.salience * np.exp(arrays.noise_salience * z_sal)
    salience = weights / ordered_sum(weights)[..., None]
    shift = arrays.noise_reservation * z_res
    reservation = np.clip(arrays.reservation + shift, 0.0, 1.0)
    outside_option = np.clip(arrays.outside_option + shift, 0.0, 1.0)
    return Draw(position, salience, reservation, outside_option)


def draw_inputs(arrays: ScenarioArrays, rng: np.random.Generator) -> Draw:
    """One replicate's perturbed inputs, drawn from its own generator."""
    return perturb(arrays, draw_noise(arrays, rng))


def draw_batch(arrays: ScenarioArrays, seed: int, replicates: range) -> Draw:
    """The inputs of several replicates at once; replicate k's row equals ``draw_inputs(arrays, replicate_rng(seed, k))``."""
    n, k = arrays.shape
    noise = np.empty((len(replicates), 2 * n * k + n), dtype=arrays.dtype)
    for row, replicate in enumerate(replicates):
        noise[row] = draw_noise(arrays, replicate_rng(seed, replicate))
    return perturb(arrays, noise)
