"""Stakeholders without a vote: how NGOs, industry and UN offices press delegations each round (docs/model.md §17).

A stakeholder has a position on the issues it cares about, a budget it spends each round over its targets, and one
channel of influence. Each round, before the delegations weigh the chair's text, every stakeholder in the scenario's
order presses its targets (:func:`press`): target i receives the intensity δ_i = min(1, b / n), the budget b shared
over the n targets of that round, and

- ``salience``: raises the weight of the issues the stakeholder cares about by the factor (1 + δ_i), the target's
  saliences renormalised — a *legislative subsidy* that makes allies work harder on the lobby's issue
  (Hall & Deardorff 2006);
- ``position``: moves the target's ideal point δ_i of the way toward the stakeholder's on those issues —
  informational lobbying and persuasion by advocacy networks (Austen-Smith 1993; Keck & Sikkink 1998);
- ``outside_option``: raises what no deal is worth to the target by δ_i g, where g is the mean distance of the text
  from the stakeholder's position on its issues — "no deal rather than a bad deal": the further the text is from what
  the lobby wants, the more credible its threat to campaign against ratification (Dür 2008 on measuring interest
  group influence; the demand never falls below the new outside option).

Without named targets a stakeholder presses its *allies* of the round: the delegations whose ideal points are nearer
its own than the text is (city-block distance on its issues) — lobbyists work through friends (Hall & Deardorff
2006). The pressure accumulates over the rounds. Functions broadcast over a leading replicate axis, like
:mod:`sim.dynamics`, and sum issue by issue, so a replicate gives the same numbers alone or in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.dynamics import ordered_sum


def distance(point: np.ndarray, target: np.ndarray, cares: np.ndarray) -> np.ndarray:
    """City-block distance on the issues ``cares`` marks, issue by issue: Σ_k∈cares |point_k − target_k|.
    ``point`` (..., K) or (..., N, K) against ``target`` (K,)."""
    issues = np.flatnonzero(cares)
    total = np.abs(point[..., issues[0]] - target[issues[0]])
    for k in issues[1:]:
        total = total + np.abs(point[..., k] - target[k])
    return total


def allies(position: np.ndarray, text: np.ndarray, stance: np.ndarray, cares: np.ndarray) -> np.ndarray:
    """The delegations nearer the stakeholder's ``stance`` than the text is, on the issues it cares about.
    (..., N, K), (..., K) → (..., N) bool."""
    return distance(position, stance, cares) < distance(text, stance, cares)[..., None]


def intensity(targets: np.ndarray, budget: float, dtype: np.dtype) -> np.ndarray:
    """δ_i = min(1, b / n) for each of the n targets (0 for the others): the budget shared over the round's
    targets. (..., N) bool → (..., N)."""
    count = targets.sum(axis=-1, keepdims=True)
    share = np.minimum(1.0, budget / np.maximum(count, 1))
    return np.where(targets, share, 0.0).astype(dtype)


@dataclass(frozen=True)
class Pressed:
    """The delegations' inputs after one stakeholder's pressure, and what it did: whom it pressed and how hard."""

    position: np.ndarray
    salience: np.ndarray
    reservation: np.ndarray
    outside_option: np.ndarray
    targets: np.ndarray  # (..., N) bool
    intensity: np.ndarray  # (..., N)


def press(
    channel: str,
    budget: float,
    stance: np.ndarray,
    cares: np.ndarray,
    named: np.ndarray | None,
    text: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    reservation: np.ndarray,
    outside_option: np.ndarray,
) -> Pressed:
    """One stakeholder's pressure in one round through its ``channel`` (see the module's docstring); ``named`` (N,)
    marks its targets, None for its allies of the round. Arrays (..., N, K), (..., N) and the text (..., K)."""
    targets = allies(position, text, stance, cares) if named is None else np.broadcast_to(named, position.shape[:-1])
    delta = intensity(targets, budget, position.dtype)
    if channel == "salience":
        raised = np.where(cares, salience * (1.0 + delta[..., None]), salience).astype(salience.dtype)
        salience = np.where(targets[..., None], raised / ordered_sum(raised)[..., None], salience)
    elif channel == "position":
        moved = position + delta[..., None] * (stance - position)
        position = np.where(targets[..., None] & cares, moved, position).astype(position.dtype)
    else:  # outside_option
        gap = distance(text, stance, cares) / cares.sum()
        raised = np.minimum(outside_option + delta * gap[..., None], 1.0).astype(outside_option.dtype)
        outside_option = np.where(targets, raised, outside_option)
        reservation = np.maximum(reservation, outside_option)
    return Pressed(position, salience, reservation, outside_option, targets, delta)
