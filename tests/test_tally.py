"""The streaming tally counts what its definition says, chunk by chunk, whatever the number of delegations."""

from __future__ import annotations

import numpy as np

from sim import simulate
from sim.analysis.stats import summary
from sim.tally import Histogram, Tally
from tests.builders import build, delegation


def test_sole_blockers_are_counted_by_decider_as_the_definition_says():
    """Brute force over each replicate: the deciders (a coordinated bloc counted once) among its blockers; a
    replicate counts for a decider when it is the only one. The tally, fed in chunks, must agree."""
    crowd = [delegation(f"D{i}", 0.1 * i, 1 - 0.1 * i, reservation=0.9, outside_option=0.65) for i in range(10)]
    scenario = build(
        crowd,
        blocs=[{"id": "b", "members": ["D0", "D1", "D2"], "coordinated": True}],
        procedure={"rounds": 2, "fallback": "none"},
    )
    results = simulate(scenario, 300, 3, chunk_size=64)
    tally = Tally.of(results)
    deciders = [d if d not in ("D0", "D1", "D2") else "b" for d in results.delegation_ids]
    expected = {d: 0 for d in dict.fromkeys(deciders)}
    for row in results.blockers:
        who = {deciders[i] for i in np.flatnonzero(row)}
        if len(who) == 1:
            expected[who.pop()] += 1
    assert dict(zip(tally.decider_ids, tally.alone["blockers"].tolist())) == expected
    assert sum(expected.values()) > 0 and tally.marked["blockers"].sum() == results.blockers.sum()


def test_the_tally_of_chunks_equals_the_tally_of_the_whole():
    scenario = build(
        [delegation(f"D{i}", 0.1 * i, 0.5, outside_option=0.8, reservation=0.9) for i in range(8)],
        procedure={"rounds": 3},
    )
    whole = simulate(scenario, 200, 5)
    from sim.engine import simulate_chunks

    chunks = list(simulate_chunks(scenario, 200, 5, chunk_size=37))
    streamed = Tally(chunks[0])
    for part in chunks:
        streamed.add(part)
    direct = Tally.of(whole)
    assert np.array_equal(streamed.alone["blockers"], direct.alone["blockers"])
    assert streamed.outcome_counts() == direct.outcome_counts() and streamed.replicates == 200
    assert np.array_equal(streamed.head("text"), whole.text) and np.array_equal(streamed.head("outcome"), whole.outcome)
    assert summary(streamed) == summary(direct)


def test_counted_values_give_numpys_median_percentiles_and_mean():
    """The summary's medians, percentiles and means of counts come from counts of values: they must be numpy's on
    the values themselves, to the last bit (the golden tables hold them so)."""
    from collections import Counter

    rng = np.random.default_rng(0)
    for n in [1, 2, 3, 7, 20, 101, 1000]:
        for high in (1, 3, 40, 500):
            values = rng.integers(0, high + 1, size=n)
            counts = Histogram(Counter(values.tolist()))
            assert counts.median() == float(np.median(values))
            assert counts.mean() == float(values.mean())
            for q in (0, 5, 37.5, 50, 95, 100):
                assert counts.percentile(q) == float(np.percentile(values, q)), (n, high, q)


def test_a_median_of_more_values_than_memory_holds_is_numpys(monkeypatch):
    """Beyond the values it keeps in memory, the tally selects a median from a file: the same number as numpy's."""
    from sim.tally import FiniteValues

    rng = np.random.default_rng(1)
    for n in (999, 1000, 4096):
        values = np.concatenate([rng.gamma(2.0, 3.0, size=n), [np.nan, np.inf], np.full(50, 2.5), -rng.random(9)])
        kept = FiniteValues(limit=64)  # a file after 64 values; at most 64 held while selecting
        for part in np.array_split(values, 7):
            kept.add(part)
        assert kept._file is not None and kept.count == n + 59
        assert kept.median() == float(np.median(values[np.isfinite(values)]))


def test_the_summary_does_not_depend_on_the_chunking_across_blocks(monkeypatch):
    """Float sums are numpy's within a block and exact across blocks: the summary of many blocks is the same
    number whatever the chunks; with one block, numpy's mean of the whole column."""
    import sim.tally as tally_module
    from sim.engine import simulate_chunks

    monkeypatch.setattr(tally_module, "BLOCK", 16)
    scenario = build(
        [delegation(f"D{i}", 0.1 * i, 0.5, outside_option=0.8, reservation=0.9) for i in range(6)],
        procedure={"rounds": 3},
    )
    summaries = []
    for size in (5, 64, 200):
        chunks = list(simulate_chunks(scenario, 200, 9, chunk_size=size))
        streamed = Tally(chunks[0])
        for part in chunks:
            streamed.add(part)
        summaries.append(summary(streamed))
    assert summaries[0] == summaries[1] == summaries[2]
    monkeypatch.setattr(tally_module, "BLOCK", 1 << 16)
    whole = simulate(scenario, 200, 9)
    text = whole.text
    assert summary(Tally.of(whole))["final_text_mean"] == {
        k: float(text[:, i].mean()) for i, k in enumerate(whole.issue_ids)
    }
