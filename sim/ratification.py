"""After the gavel: signature, ratification and entry into force of an adopted text, as pure functions over arrays.

A two-level game (Putnam 1988): a government that gained from the text at the table must still carry it at home.
Delegation i's gain is g_i = u_i(text) − r_i^min, the final text's utility over what no agreement is worth to it (its
outside option, the cost of agreement included). With ``d_i`` its ``ratification_difficulty`` (0: the executive
ratifies alone; 1: ratification is practically impossible at home):

- it **signs at the opening** with probability π_i = (1 − d_i) · g_i / (g_i + G) if g_i > 0, never otherwise;
- it **ratifies** after a time T_i ~ Exponential with the yearly hazard h_i = H · π_i (never when g_i ≤ 0);
- the treaty **enters into force** ``lag_days`` after the ratifications reach ``threshold`` states, each delegation
  counting the states it stands for (``votes``). A coordinated bloc's members decide as one (one draw, the bloc's
  pooled gain), and a regional organisation's own instrument adds nothing on top of its members'.

G = 0.1 (a gain of a tenth of the utility scale makes signing an even chance for an easy ratifier) and H = 1 per
year are illustrative constants, not calibrated: the repository holds no library of ratification histories yet.
"""

from __future__ import annotations

import numpy as np

#: Gain at which an easy ratifier signs at the opening with even chance.
HALF_GAIN = 0.1
#: Yearly ratification hazard of a delegation certain to sign.
HAZARD = 1.0
DAYS_PER_YEAR = 365.25


def readiness(gain: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
    """π_i = (1 − d_i) g_i / (g_i + G) for a positive gain, 0 otherwise: how ready a government is to commit."""
    positive = np.maximum(gain, 0.0)
    return np.where(gain > 0.0, (1.0 - difficulty) * positive / (positive + HALF_GAIN), 0.0)


def signs(ready: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who signs at the opening: a draw below its readiness."""
    return uniform < ready


def ratification_years(ready: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Years from adoption to ratification, T = −ln(1 − U)/(H π); infinite for a delegation that will not."""
    hazard = HAZARD * ready
    with np.errstate(divide="ignore"):
        return np.where(hazard > 0.0, -np.log1p(-uniform) / np.where(hazard > 0.0, hazard, 1.0), np.inf)


def entry_into_force(years: np.ndarray, states: np.ndarray, threshold: int, lag_days: int) -> np.ndarray:
    """Years from adoption to entry into force: ``lag_days`` after the ratifications reach ``threshold`` states.

    ``years`` (..., N) per delegation, ``states`` (N,) the states each stands for. Infinite where the threshold is
    never reached (more states needed than will ratify, or than there are).
    """
    order = np.argsort(years, axis=-1, kind="stable")
    sorted_years = np.take_along_axis(years, order, axis=-1)
    counted = np.cumsum(states[order], axis=-1)
    reached = counted >= threshold
    first = np.argmax(reached, axis=-1)
    when = np.take_along_axis(sorted_years, first[..., None], axis=-1)[..., 0]
    return np.where(reached.any(axis=-1), when + lag_days / DAYS_PER_YEAR, np.inf)
