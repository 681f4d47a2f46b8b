"""The results of a Monte Carlo run: one row per replicate, with its seed and the rules that made it.

A run's stages (:mod:`sim.stages`) each declare the :class:`Column` s they write; a :class:`Record` holds those
columns for a batch of replicates, and :class:`Results` adds what identifies the run. The tidy table
(:meth:`Results.to_frame`), the join of chunks (:func:`concatenate`) and the streaming tally
(:class:`sim.tally.Tally`) are derived from the declared columns, so a stage that adds a column adds it everywhere.

Columns of the table (also documented in the README), in this order:

==================  ============================================================================================
``replicate``       replicate index k (its generator is child k of ``SeedSequence(seed)``)
``seed``            the master seed
``scenario``        scenario name
rules               every rule in force that changes a number (:func:`run_rules`): ``rounds``, ``fallback``, ...
then each stage's columns, in stage order: a per-replicate column as it is (``outcome`` by its name), a per-issue
column as ``<name>_<issue>``, and last, each per-delegation column as ``n_<name>`` (how many) and ``<name>`` (their
ids, separated by ``;``). See :data:`sim.stages.PIPELINE` for what each column means.
==================  ============================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from sim.inputs import ScenarioArrays
    from sim.scenario import Scenario


@dataclass(frozen=True)
class Column:
    """One per-replicate field of a run's record: its shape (one value, one per issue or one per delegation), its
    dtype, its value before a stage writes it, and how the table names its values."""

    name: str
    per: Literal["replicate", "issue", "delegation"]
    dtype: Any
    fill: Any = 0  # a value, or a function of the scenario's arrays
    doc: str = ""
    labels: Callable[[np.ndarray], np.ndarray] | None = None  # codes → names in the table (the outcome)

    def empty(self, arrays: ScenarioArrays, replicates: int) -> np.ndarray:
        """The column for ``replicates`` replicates, every cell at its fill value."""
        n, k = arrays.shape
        shape = {"replicate": (replicates,), "issue": (replicates, k), "delegation": (replicates, n)}[self.per]
        fill = self.fill(arrays) if callable(self.fill) else self.fill
        return np.full(shape, fill, dtype=self.dtype)


class Record:
    """The columns of a batch of replicates, by name (``record["outcome"]`` or ``record.outcome``)."""

    def __init__(self, columns: Sequence[Column], data: dict[str, np.ndarray]) -> None:
        self.columns = tuple(columns)
        self.data = data

    @classmethod
    def empty(cls, columns: Sequence[Column], arrays: ScenarioArrays, replicates: int) -> Record:
        return cls(columns, {c.name: c.empty(arrays, replicates) for c in columns})

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    def __getattr__(self, name: str) -> np.ndarray:
        if name in ("columns", "data"):
            raise AttributeError(name)
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(f"no column {name!r} in this record") from None

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)


def run_rules(scenario: Scenario) -> dict[str, object]:
    """Every rule in force that changes a number, from the schema: the procedure's fields, then the chair's as
    ``chair_<field>`` (its draft, a text, is in the scenario's content hash instead). Written into every row."""
    rules: dict[str, object] = {}
    for key, value in scenario.procedure.model_dump().items():
        rules[key] = value
    for key, value in scenario.chair.model_dump().items():
        if not isinstance(value, dict) and value is not None:
            rules[f"chair_{key}"] = value
    return rules


def rule_names() -> tuple[str, ...]:
    """The names :func:`run_rules` gives the rules, from the schema (for readers of tables and summaries)."""
    from sim.scenario import Chair, Procedure

    chair = [f"chair_{name}" for name, f in Chair.model_fields.items() if name != "draft"]
    return (*Procedure.model_fields, *chair)


@dataclass(frozen=True)
class Results:
    """Per-replicate results of :func:`sim.engine.simulate`: a :class:`Record` and what identifies the run.

    Columns are attributes too: ``results.outcome``, ``results.text``, ``results.blockers``.
    """

    scenario: str
    seed: int
    delegation_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    rules: dict[str, object]  # the rules in force (run_rules)
    replicate: np.ndarray  # (R,) replicate indices
    record: Record
    deciders: tuple[str, ...] = field(default=())  # per delegation: its coordinated bloc's id, else its own id

    def __getattr__(self, name: str) -> np.ndarray:
        if name == "record":
            raise AttributeError(name)
        try:
            return self.record[name]
        except KeyError:
            raise AttributeError(f"'Results' has no attribute or column {name!r}") from None

    @property
    def replicates(self) -> int:
        return int(self.replicate.shape[0])

    def outcome_labels(self) -> np.ndarray:
        """Outcome names per replicate (see :mod:`sim.outcomes`)."""
        from sim import outcomes

        return outcomes.names(self.record["outcome"])

    def ids_of(self, name: str) -> list[str]:
        """Per replicate, the ids of the delegations marked in per-delegation column ``name``, joined by ``;``."""
        ids = np.asarray(self.delegation_ids, dtype=object)
        return [";".join(ids[row]) for row in self.record[name]]

    def to_frame(self) -> pd.DataFrame:
        """The tidy results table: one row per replicate (columns in the module docstring)."""
        import pandas as pd

        columns: dict[str, object] = {
            "replicate": self.replicate,
            "seed": np.full(self.replicates, self.seed, dtype=np.int64),
            "scenario": self.scenario,
        }
        columns.update(self.rules)
        last: dict[str, object] = {}
        for column in self.record:
            values = self.record[column.name]
            if column.per == "replicate":
                columns[column.name] = column.labels(values) if column.labels else values
            elif column.per == "issue":
                for k, issue in enumerate(self.issue_ids):
                    columns[f"{column.name}_{issue}"] = values[:, k]
            else:
                last[f"n_{column.name}"] = values.sum(axis=1)
                last[column.name] = self.ids_of(column.name)
        columns.update(last)
        return pd.DataFrame(columns)


def concatenate(parts: list[Results]) -> Results:
    """Join the results of consecutive chunks of replicates into one :class:`Results`."""
    first = parts[0]
    if len(parts) == 1:
        return first
    columns = first.record.columns
    data = {c.name: np.concatenate([p.record[c.name] for p in parts]) for c in columns}
    return Results(
        first.scenario,
        first.seed,
        first.delegation_ids,
        first.issue_ids,
        first.rules,
        np.concatenate([p.replicate for p in parts]),
        Record(columns, data),
        first.deciders,
    )
