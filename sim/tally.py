"""The streaming tally of a run: what its summary needs, gathered chunk by chunk in memory bounded by a block.

A :class:`Tally` keeps no column of every replicate. It reduces what it is given, block by block of
:data:`BLOCK` replicates, to what the summary (:func:`sim.analysis.stats.summary`) asks of it:

- each per-delegation column (R × N) to two counts: how often each delegation is marked, and how often each
  decider — a delegation, or a coordinated bloc counted as one — is the *only* one marked;
- each whole-number per-replicate column to counts of its values beside each *coded* column (an ``int8`` code:
  the outcome, a provision's result), from which a :class:`Histogram` gives medians, percentiles and means of
  counts (the round of adoption, the votes on a provision) exactly as numpy would on the values themselves;
- each float column (the final texts) to exact sums over every replicate and over the adopted ones: numpy's sum
  within a block, the blocks added without rounding (Shewchuk 1997), so no number depends on the chunk size, and a
  run of at most one block gets numpy's own mean of the whole column;
- a float per-replicate column (the years to entry into force) also keeps its finite values for their median: in
  memory up to :data:`IN_MEMORY` values, beyond that in a temporary file, from which the median is selected
  exactly by the values' bits in a few passes (holding at most :data:`IN_MEMORY` values at once).

Its memory is a block's, the counts' (bounded by the range of each count, not by the replicates) and the first
:data:`HEAD` replicates' texts and outcomes (the policy map draws those), whatever the number of replicates. The
columns come from the record (:mod:`sim.results`), so a stage's new column is tallied without a change here.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO

import numpy as np

from sim import outcomes
from sim.results import Results

#: Replicates reduced together: a float column's sum is numpy's over a block, and the blocks are added exactly.
BLOCK = 1 << 16
#: The first replicates whose per-replicate and per-issue values are kept as they are (for the policy map).
HEAD = 20_000
#: Finite values of a float per-replicate column kept in memory for its median; beyond, they go to a file.
IN_MEMORY = 1 << 20


class Histogram:
    """Counts of whole-number values: the order statistics, the median, numpy's ``linear`` percentiles and the mean
    of the values they stand for, exactly as numpy computes them on the values themselves."""

    def __init__(self, counter: Counter[int]) -> None:
        items = sorted((v, c) for v, c in counter.items() if c > 0)
        self.values = np.array([v for v, _ in items], dtype=np.int64)
        self.counts = np.array([c for _, c in items], dtype=np.int64)
        self._cumulative = np.cumsum(self.counts)

    @property
    def total(self) -> int:
        return int(self._cumulative[-1]) if len(self._cumulative) else 0

    def count(self, value: int) -> int:
        """How many times ``value`` occurs."""
        return int(self.counts[self.values == value].sum())

    def order_statistic(self, k: int) -> int:
        """The ``k``-th smallest value (from 0)."""
        return int(self.values[np.searchsorted(self._cumulative, k, side="right")])

    def mean(self) -> float:
        """``np.mean`` of the values: their sum is a whole number, exact in float64 below 2**53."""
        return float(int((self.values * self.counts).sum()) / self.total)

    def median(self) -> float:
        """``np.median`` of the values: the middle one, or the mean of the two middle ones."""
        n = self.total
        middle = [self.order_statistic((n - 1) // 2), self.order_statistic(n // 2)]
        return float(np.median(np.array(middle[: 2 - n % 2], dtype=np.int64)))

    def percentile(self, q: float) -> float:
        """``np.percentile(values, q)`` (numpy's default, ``linear``: Hyndman & Fan's method 7)."""
        n = self.total
        virtual = (n - 1) * np.true_divide(q, 100)
        if virtual >= n - 1:
            return float(self.order_statistic(n - 1))
        below = math.floor(virtual)
        a, b = self.order_statistic(below), self.order_statistic(below + 1)
        gamma, step = virtual - below, float(b - a)
        return float(b - step * (1 - gamma)) if gamma >= 0.5 else float(a + step * gamma)


class ExactSum:
    """A sum of floats without rounding until it is read (Shewchuk's partials, as in :func:`math.fsum`)."""

    def __init__(self) -> None:
        self.partials: list[float] = []
        self.special = 0.0  # infinities and NaN, added plainly

    def add(self, x: float) -> None:
        if not math.isfinite(x):
            self.special += x
            return
        i = 0
        for y in self.partials:
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low:
                self.partials[i] = low
                i += 1
            x = high
        self.partials[i:] = [x]

    def value(self) -> float:
        return self.special if self.special else math.fsum(self.partials)


class FiniteValues:
    """The finite values of a float column, in memory up to ``limit`` of them, then in a temporary file; their
    median exactly as ``np.median`` gives it on them all."""

    def __init__(self, limit: int = IN_MEMORY) -> None:
        self.limit, self.count = limit, 0
        self._parts: list[np.ndarray] = []
        self._file: IO[bytes] | None = None

    def add(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values[np.isfinite(values)], dtype=np.float64)
        self.count += len(values)
        if self._file is None and self.count <= self.limit:
            self._parts.append(values)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="treatysim-tally-")  # noqa: SIM115 (lives as the tally does)
            for part in self._parts:
                self._file.write(part.tobytes())
            self._parts = []
        self._file.write(values.tobytes())

    def median(self) -> float:
        if self._file is None:
            return float(np.median(np.concatenate(self._parts)))
        n = self.count
        middle = [self._select((n - 1) // 2), self._select(n // 2)]
        return float(np.median(np.array(middle[: 2 - n % 2], dtype=np.float64)))

    def _keys(self) -> Iterator[np.ndarray]:
        """The values in the file, at most ``limit`` at a time, as sortable keys."""
        assert self._file is not None
        self._file.seek(0)
        while data := self._file.read(8 * self.limit):
            yield _sortable(np.frombuffer(data, dtype=np.float64))

    def _select(self, k: int) -> float:
        """The ``k``-th smallest value (from 0): its key narrowed 16 bits at a time (a count per 16-bit digit
        among the keys that share the digits found so far), until the keys left fit in memory."""
        prefix, shift = 0, 64
        while True:
            shift -= 16
            counts = np.zeros(1 << 16, dtype=np.int64)
            for keys in self._keys():
                keys = keys[(keys >> np.uint64(shift + 16)) == np.uint64(prefix)] if shift < 48 else keys
                digits = (keys >> np.uint64(shift)) & np.uint64(0xFFFF)
                counts += np.bincount(digits.astype(np.int64), minlength=1 << 16)
            digit = int(np.searchsorted(np.cumsum(counts), k, side="right"))
            k -= int(counts[:digit].sum())
            prefix = (prefix << 16) | digit
            if counts[digit] <= self.limit or shift == 0:
                found = [keys[(keys >> np.uint64(shift)) == np.uint64(prefix)] for keys in self._keys()]
                return float(_from_sortable(np.sort(np.concatenate(found))[k : k + 1])[0])


def _sortable(values: np.ndarray) -> np.ndarray:
    """float64 values as uint64 keys in the same order (negatives' bits flipped, the others' sign bit set)."""
    bits = values.view(np.uint64)
    return np.where(bits >> np.uint64(63), ~bits, bits | np.uint64(1 << 63))


def _from_sortable(keys: np.ndarray) -> np.ndarray:
    bits = np.where(keys >> np.uint64(63), keys & ~np.uint64(1 << 63), ~keys)
    return bits.view(np.float64)


class Tally:
    """Chunks of one run's results, added in order (``Tally(first).add(first).add(second)...``); read (its
    histograms, means, medians) once every chunk is in."""

    def __init__(self, first: Results, head: int | None = None) -> None:
        self.scenario, self.seed, self.rules = first.scenario, first.seed, first.rules
        self.delegation_ids, self.issue_ids = first.delegation_ids, first.issue_ids
        self.columns = first.record.columns
        deciders = first.deciders or first.delegation_ids
        self.decider_ids = tuple(dict.fromkeys(deciders))  # each coordinated bloc once, then single delegations
        number = {d: i for i, d in enumerate(self.decider_ids)}
        self._decider_of = np.array([number[u] for u in deciders], dtype=np.int64)  # (N,) each delegation's decider
        per_delegation = [c.name for c in self.columns if c.per == "delegation"]
        #: per per-delegation column: replicates in which each delegation is marked
        self.marked = {name: np.zeros(len(self.delegation_ids), dtype=np.int64) for name in per_delegation}
        #: per per-delegation column: replicates in which each decider is the only one marked
        self.alone = {name: np.zeros(len(self.decider_ids), dtype=np.int64) for name in per_delegation}
        kinds = {c.name: np.dtype(c.dtype) for c in self.columns if c.per != "delegation"}
        self._kept = list(kinds)
        codes = [n for n, kind in kinds.items() if kind == np.int8]  # the coded columns (outcome, provisions)
        whole = [n for n, kind in kinds.items() if kind.kind in "iub"]
        self._floats = [n for n, kind in kinds.items() if kind.kind == "f"]
        per_replicate = {c.name for c in self.columns if c.per == "replicate"}
        #: per (whole-number column, coded column): replicates per (code, value)
        self._pairs: dict[tuple[str, str], Counter[tuple[int, int]]] = {
            (name, by): Counter() for name in whole for by in codes
        }
        #: per (float column, adopted only?): per value index (issue), the exact sum
        self._sums: dict[tuple[str, bool], list[ExactSum]] = {}
        self._float_kind: dict[str, type[np.floating]] = {}  # each float column's working precision
        self._finite = {name: FiniteValues() for name in self._floats if name in per_replicate}
        self._head_size, self._head = HEAD if head is None else head, []
        self._head_rows = 0
        self._pending: list[dict[str, np.ndarray]] = []
        self._pending_rows = 0
        self.replicates = 0
        self._closed = False

    @classmethod
    def of(cls, results: Results) -> Tally:
        """The tally of one :class:`Results`."""
        return cls(results).add(results)

    def add(self, results: Results) -> Tally:
        """Count one more chunk of replicates (chunks in order)."""
        if self._closed:
            raise RuntimeError("a tally is read once every chunk is in; this one was read already")
        for column in self.columns:
            if column.per != "delegation":
                continue
            values = results.record[column.name]
            self.marked[column.name] += values.sum(axis=0)
            # one decider alone: the lowest and the highest decider marked in a row are the same (linear in N)
            lowest = np.where(values, self._decider_of, len(self.decider_ids)).min(axis=1)
            highest = np.where(values, self._decider_of, -1).max(axis=1)
            alone = lowest[(lowest == highest)]
            self.alone[column.name] += np.bincount(alone, minlength=len(self.decider_ids))
        part = {name: results.record[name] for name in self._kept}
        rows = len(part["outcome"])
        if self._head_rows < self._head_size:
            room = self._head_size - self._head_rows
            self._head.append({name: values[:room].copy() for name, values in part.items()})
            self._head_rows += min(room, rows)
        self._pending.append(part)
        self._pending_rows += rows
        self.replicates += rows
        while self._pending_rows >= BLOCK:
            self._reduce(self._take(BLOCK))
        return self

    def _take(self, rows: int) -> dict[str, np.ndarray]:
        """The first ``rows`` pending replicates as one block (the rest stay pending)."""
        joined = {name: np.concatenate([p[name] for p in self._pending]) for name in self._kept}
        rest = {name: values[rows:] for name, values in joined.items()}
        self._pending = [rest] if len(rest["outcome"]) else []
        self._pending_rows -= rows
        return {name: values[:rows] for name, values in joined.items()}

    def _reduce(self, block: dict[str, np.ndarray]) -> None:
        """Fold one block into the counts, the exact sums and the finite values."""
        for (name, by), counter in self._pairs.items():
            counter.update(_pair_counts(block[by], block[name]))
        adopted = outcomes.is_adopted(block["outcome"])
        for name in self._floats:
            values = block[name].reshape(len(adopted), -1)
            self._float_kind[name] = values.dtype.type
            for only_adopted in (False, True):
                sums = self._sums.setdefault((name, only_adopted), [ExactSum() for _ in range(values.shape[1])])
                for i, total in enumerate(sums):  # numpy's mean on the block is this sum over the count
                    total.add(float(np.add.reduce(values[adopted, i] if only_adopted else values[:, i])))
            if name in self._finite:
                self._finite[name].add(block[name])

    def _close(self) -> None:
        if not self._closed:
            if self._pending_rows:
                self._reduce(self._take(self._pending_rows))
            self._closed = True

    def histogram(
        self, name: str, by: str = "outcome", where: Callable[[np.ndarray], np.ndarray] | None = None
    ) -> Histogram:
        """The values of whole-number column ``name`` in the replicates whose code in column ``by`` passes
        ``where`` (every replicate by default), as a :class:`Histogram`."""
        self._close()
        pairs = self._pairs[(name, by)]
        codes = np.array(sorted({code for code, _ in pairs}), dtype=np.int64)
        chosen = set((codes[where(codes)] if where is not None else codes).tolist())
        counter: Counter[int] = Counter()
        for (code, value), count in pairs.items():
            if code in chosen:
                counter[value] += count
        return Histogram(counter)

    def outcome_counts(self) -> dict[str, int]:
        """Replicates per outcome and adopted either way, keyed as :func:`sim.outcomes.counts` keys them."""
        per_code = self.histogram("outcome")
        out = {o.key: per_code.count(o.code) for o in outcomes.OUTCOMES}
        out[outcomes.ADOPTED.key] = sum(out[o.key] for o in outcomes.OUTCOMES if o.adopted)
        return out

    def mean(self, name: str, index: int = 0, adopted: bool = False) -> float | None:
        """The mean of float column ``name`` (its ``index``-th value per replicate, e.g. an issue's), over every
        replicate or over the adopted ones; ``None`` when there are none."""
        self._close()
        count = self.outcome_counts()[outcomes.ADOPTED.key] if adopted else self.replicates
        if not count:
            return None
        kind = self._float_kind[name]  # as np.mean: the sum in the column's precision, over the count (an intp)
        return float(kind(np.divide(kind(self._sums[(name, adopted)][index].value()), np.intp(count))))

    def finite_count(self, name: str) -> int:
        """How many replicates have a finite value in float per-replicate column ``name``."""
        self._close()
        return self._finite[name].count

    def finite_median(self, name: str) -> float | None:
        """``np.median`` of the finite values of float per-replicate column ``name``; ``None`` when there are none."""
        self._close()
        return self._finite[name].median() if self._finite[name].count else None

    def head(self, name: str) -> np.ndarray:
        """Column ``name`` of the first :data:`HEAD` replicates (per replicate or per issue)."""
        return np.concatenate([h[name] for h in self._head])

    def outcome_labels(self) -> np.ndarray:
        """Outcome names of the first :data:`HEAD` replicates (see :mod:`sim.outcomes`)."""
        return outcomes.names(self.head("outcome"))


def _pair_counts(codes: np.ndarray, values: np.ndarray) -> Counter[tuple[int, int]]:
    """How often each (code, value) pair occurs (a bincount over the pairs' index when the values are compact)."""
    codes, values = codes.astype(np.int64), values.astype(np.int64)
    if not len(values):
        return Counter()
    low_code, low_value = int(codes.min()), int(values.min())
    span_codes, span_values = int(codes.max()) - low_code + 1, int(values.max()) - low_value + 1
    if span_codes * span_values <= 4 * len(values) + 1024:
        counts = np.bincount((codes - low_code) * span_values + (values - low_value))
        return Counter(
            {
                (i // span_values + low_code, i % span_values + low_value): int(counts[i])
                for i in np.flatnonzero(counts).tolist()
            }
        )
    pairs, counts = np.unique(np.stack([codes, values], axis=1), axis=0, return_counts=True)
    return Counter({(int(c), int(v)): int(n) for (c, v), n in zip(pairs.tolist(), counts.tolist())})
