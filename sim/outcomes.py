"""The outcome registry: every way a run can end, in one table that every table, report, figure and page reads.

An :class:`Outcome` has a code (what the engine stores per replicate, an ``int8``), a name (what ``results.csv``
says), a ``p_*`` key (in ``summary.json``), a short label (figure ticks and legends), a long label (the report), a
colour, and whether it counts as adopted. :data:`ADOPTED` is the aggregate row "adopted either way" of the reports.

Adding an outcome means adding a row here and the dynamics that produce it (and tests); nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Outcome:
    """One way a run ends."""

    code: int
    name: str
    short: str
    label: str
    colour: str
    adopted: bool

    @property
    def key(self) -> str:
        """Its key in a summary: ``p_<name>``."""
        return f"p_{self.name}"


CONSENSUS = Outcome(0, "consensus", "consensus", "adopted by consensus", "#1b9e77", adopted=True)
VOTE = Outcome(1, "vote", "vote", "adopted by vote", "#7570b3", adopted=True)
FAILED = Outcome(2, "failed", "failed", "failed", "#d95f02", adopted=False)
SUSPENDED = Outcome(3, "suspended", "suspended", "suspended, to resume", "#e6ab02", adopted=False)

#: Every outcome, in the order reports and figures list them.
OUTCOMES: tuple[Outcome, ...] = (CONSENSUS, VOTE, SUSPENDED, FAILED)
#: The aggregate "adopted either way" (any outcome with ``adopted``): a row of its own in reports and figures.
ADOPTED = Outcome(-1, "adopted", "adopted", "adopted (either way)", "#333333", adopted=True)
#: Every probability a summary holds, outcomes first, then the aggregate.
SUMMARY_ROWS: tuple[Outcome, ...] = (*OUTCOMES, ADOPTED)
SUMMARY_KEYS: tuple[str, ...] = tuple(o.key for o in SUMMARY_ROWS)

_BY_CODE = {o.code: o for o in OUTCOMES}
_NAMES = np.array([_BY_CODE[c].name if c in _BY_CODE else "" for c in range(max(_BY_CODE) + 1)], dtype=object)
ADOPTED_CODES = np.array([o.code for o in OUTCOMES if o.adopted])


def by_name(name: str) -> Outcome:
    """The outcome (or the aggregate) called ``name``."""
    for outcome in SUMMARY_ROWS:
        if outcome.name == name:
            return outcome
    raise KeyError(f"no outcome named {name!r}; the outcomes are {', '.join(o.name for o in SUMMARY_ROWS)}")


def names(codes: np.ndarray) -> np.ndarray:
    """Outcome codes as names (``consensus``, ``vote``, ``failed``, ...)."""
    return _NAMES[codes]


def is_adopted(codes: np.ndarray) -> np.ndarray:
    """Which codes mean a text was adopted."""
    return np.isin(codes, ADOPTED_CODES)


def counts(codes: np.ndarray) -> dict[str, int]:
    """Replicates per outcome and adopted either way, keyed ``p_<name>`` in :data:`SUMMARY_KEYS` order."""
    per_code = np.bincount(np.asarray(codes, dtype=np.int64), minlength=len(_NAMES))
    out = {o.key: int(per_code[o.code]) for o in OUTCOMES}
    out[ADOPTED.key] = sum(out[o.key] for o in OUTCOMES if o.adopted)
    return out


def most_likely(summary: Mapping[str, float]) -> str:
    """The name of the outcome with the highest probability in ``summary`` (ties: registry order)."""
    return max(OUTCOMES, key=lambda o: summary.get(o.key, 0.0)).name
