"""The results of a Monte Carlo run: one row per replicate, with its seed and the config that made it.

:class:`Results` keeps the raw arrays (for analysis) and turns them into a tidy table with :meth:`Results.to_frame`.
Columns of the table (also documented in the README):

==================  ============================================================================================
``replicate``       replicate index k (its generator is child k of ``SeedSequence(seed)``)
``seed``            the master seed
``scenario``        scenario name
``rounds``          the deadline T; ``fallback``, ``chair_strategy``, ``vote_threshold``: the rules in force
``outcome``         ``consensus``, ``vote`` (adopted by the fallback vote) or ``failed``
``round``           round of consensus (1..T); T for ``vote`` and ``failed`` (the talks ran to the deadline)
``text_<issue>``    the final text on each issue (the adopted text, or the last text on the table)
``yes``/``no``/``abstain``  votes cast in the fallback vote (0 when no vote was held)
``n_blockers``      how many delegations still blocked consensus at the end (0 after consensus)
``blockers``        their ids, separated by ``;``
==================  ============================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.dynamics import outcome_names

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Results:
    """Per-replicate outcomes of :func:`sim.engine.simulate` (R replicates, N delegations, K issues)."""

    scenario: str
    seed: int
    delegation_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    config: dict[str, object]  # the rules in force: rounds, fallback, chair_strategy, vote_threshold
    replicate: np.ndarray  # (R,) replicate indices
    outcome: np.ndarray  # (R,) codes into sim.dynamics.OUTCOMES
    round: np.ndarray  # (R,)
    text: np.ndarray  # (R, K)
    yes: np.ndarray  # (R,)
    no: np.ndarray  # (R,)
    abstain: np.ndarray  # (R,)
    blockers: np.ndarray  # (R, N) bool: blocking consensus at the end
    units: tuple[str, ...] = ()  # per delegation, who decides for it: its coordinated bloc's id, else its own id

    @property
    def replicates(self) -> int:
        return int(self.outcome.shape[0])

    def outcome_labels(self) -> np.ndarray:
        """Outcome names per replicate (``consensus``, ``vote``, ``failed``)."""
        return outcome_names(self.outcome)

    def blocker_ids(self) -> list[str]:
        """Per replicate, the ids of the delegations blocking at the end, joined by ``;``."""
        ids = np.asarray(self.delegation_ids, dtype=object)
        return [";".join(ids[row]) for row in self.blockers]

    def to_frame(self) -> pd.DataFrame:
        """The tidy results table: one row per replicate (columns in the module docstring)."""
        import pandas as pd

        columns: dict[str, object] = {
            "replicate": self.replicate,
            "seed": np.full(self.replicates, self.seed, dtype=np.int64),
            "scenario": self.scenario,
        }
        columns.update({key: value for key, value in self.config.items()})
        columns.update({"outcome": self.outcome_labels(), "round": self.round})
        for k, issue in enumerate(self.issue_ids):
            columns[f"text_{issue}"] = self.text[:, k]
        columns.update({"yes": self.yes, "no": self.no, "abstain": self.abstain})
        columns.update({"n_blockers": self.blockers.sum(axis=1), "blockers": self.blocker_ids()})
        return pd.DataFrame(columns)


def concatenate(parts: list[Results]) -> Results:
    """Join the results of consecutive chunks of replicates into one :class:`Results`."""
    first = parts[0]
    if len(parts) == 1:
        return first
    stacked = {
        name: np.concatenate([getattr(p, name) for p in parts])
        for name in ("replicate", "outcome", "round", "text", "yes", "no", "abstain", "blockers")
    }
    return Results(first.scenario, first.seed, first.delegation_ids, first.issue_ids, first.config, **stacked,
                   units=first.units)
