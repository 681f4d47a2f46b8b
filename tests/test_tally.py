"""The streaming tally counts what its definition says, chunk by chunk, whatever the number of delegations."""

from __future__ import annotations

import numpy as np

from sim import simulate
from sim.tally import Tally
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
    assert np.array_equal(streamed.outcome, direct.outcome) and np.array_equal(streamed.text, direct.text)
