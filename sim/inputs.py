"""From a validated scenario to arrays, and the per-replicate draw of uncertain inputs.

:class:`Setting` holds a scenario as arrays (delegations × issues) plus its rules. :func:`draw_inputs` perturbs
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


@dataclass(frozen=True)
class Setting:
    """A scenario compiled to arrays. Shapes: N delegations, K issues, B coordinated blocs."""

    delegation_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: np.ndarray  # (N, K) ideal points on [0, 1]
    salience: np.ndarray  # (N, K) non-negative, rows sum to 1
    power: np.ndarray  # (N,) > 0
    reservation: np.ndarray  # (N,) utility demanded in the first round
    floor: np.ndarray  # (N,) outside option: utility demanded at the deadline
    beta: np.ndarray  # (N,) concession exponents
    can_block: np.ndarray  # (N,) bool
    votes: np.ndarray  # (N,) votes cast in a fallback vote
    bloc_index: np.ndarray  # (N,) index of the delegation's coordinated bloc, -1 for none
    n_blocs: int
    units: tuple[str, ...]  # (N,) who decides for each delegation: its coordinated bloc's id, else its own id
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


def compile_setting(scenario: Scenario, dtype: type = FLOAT) -> Setting:
    """Turn a :class:`Scenario` into a :class:`Setting`: arrays in scenario order, floats in ``dtype``."""
    issues = scenario.issue_ids
    ds = scenario.delegations
    bloc_of = scenario.bloc_of()
    coordinated = [b.id for b in scenario.blocs if b.coordinated and b.id in bloc_of.values()]
    bloc_index = np.array([coordinated.index(bloc_of[d.id]) if bloc_of.get(d.id) in coordinated else -1 for d in ds])
    chair, proc, unc = scenario.chair, scenario.procedure, scenario.uncertainty
    return Setting(
        delegation_ids=scenario.delegation_ids,
        issue_ids=issues,
        position=np.array([[d.position[k] for k in issues] for d in ds], dtype=dtype),
        salience=np.array([[d.salience[k] for k in issues] for d in ds], dtype=dtype),
        power=np.array([d.power for d in ds], dtype=dtype),
        reservation=np.array([d.reservation for d in ds], dtype=dtype),
        floor=np.array([d.outside_option for d in ds], dtype=dtype),
        beta=np.array([d.beta for d in ds], dtype=dtype),
        can_block=np.array([d.can_block for d in ds], dtype=bool),
        votes=np.array([d.votes for d in ds], dtype=np.int64),
        bloc_index=bloc_index.astype(np.int64),
        n_blocs=len(coordinated),
        units=tuple(coordinated[b] if b >= 0 else d.id for b, d in zip(bloc_index, ds)),
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
class Inputs:
    """The perturbed inputs of one or many replicates (leading axis R when batched)."""

    position: np.ndarray  # (..., N, K)
    salience: np.ndarray  # (..., N, K)
    reservation: np.ndarray  # (..., N)
    floor: np.ndarray  # (..., N)


def draw_noise(setting: Setting, rng: np.random.Generator) -> np.ndarray:
    """One replicate's standard-normal draws, in a fixed layout: positions, saliences, reservation shifts."""
    n, k = setting.shape
    return rng.standard_normal(2 * n * k + n).astype(setting.dtype)  # the same draws at any working precision


def perturb(setting: Setting, noise: np.ndarray) -> Inputs:
    """Apply standard-normal ``noise`` of shape (..., 2NK + N) to the scenario's inputs (vectorised over ...).

    Positions get additive normal noise (clipped to [0, 1]); saliences multiplicative log-normal noise
    (renormalised); reservation and outside option one common additive shift (clipped to [0, 1]).
    """
    n, k = setting.shape
    lead = noise.shape[:-1]
    z_pos = noise[..., : n * k].reshape(*lead, n, k)
    z_sal = noise[..., n * k : 2 * n * k].reshape(*lead, n, k)
    z_res = noise[..., 2 * n * k :]
    position = np.clip(setting.position + setting.noise_position * z_pos, 0.0, 1.0)
    weights = setting.salience * np.exp(setting.noise_salience * z_sal)
    salience = weights / ordered_sum(weights)[..., None]
    shift = setting.noise_reservation * z_res
    reservation = np.clip(setting.reservation + shift, 0.0, 1.0)
    floor = np.clip(setting.floor + shift, 0.0, 1.0)
    return Inputs(position, salience, reservation, floor)


def draw_inputs(setting: Setting, rng: np.random.Generator) -> Inputs:
    """One replicate's perturbed inputs, drawn from its own generator."""
    return perturb(setting, draw_noise(setting, rng))


def draw_batch(setting: Setting, seed: int, replicates: range) -> Inputs:
    """The inputs of several replicates at once; replicate k's row equals ``draw_inputs(setting, replicate_rng(seed, k))``."""
    n, k = setting.shape
    noise = np.empty((len(replicates), 2 * n * k + n), dtype=setting.dtype)
    for row, replicate in enumerate(replicates):
        noise[row] = draw_noise(setting, replicate_rng(seed, replicate))
    return perturb(setting, noise)
