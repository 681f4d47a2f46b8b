"""The batched Monte Carlo engine: many replicates of one scenario at once, vectorised.

A batch runs the stages of :mod:`sim.stages` (each round a handful of array operations over replicates ×
delegations × issues, through :mod:`sim.steps`); replicates that reach consensus leave the active set, so finished
replicates stop costing work. Replicates are processed in chunks (bounded memory); replicate k depends only on ``(seed, k)``, so results
are identical whatever the chunk size or the number of workers.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from sim.inputs import ScenarioArrays, compile_arrays, draw_batch
from sim.results import Results, concatenate, run_rules
from sim.scenario import Scenario
from sim.stages import run_pipeline

#: Replicates per chunk: keeps a chunk's arrays small (a few MB at 193 delegations) whatever the total.
DEFAULT_CHUNK = 1024


def default_workers() -> int:
    """Threads for chunks: one per core, at most 4 (NumPy releases the GIL inside its array operations)."""
    return max(1, min(4, os.cpu_count() or 1))


def simulate(
    scenario: Scenario, replicates: int, seed: int, chunk_size: int = DEFAULT_CHUNK, workers: int | None = None
) -> Results:
    """Run ``replicates`` replicates of ``scenario`` from master ``seed``; one row per replicate in the result.

    Chunks of ``chunk_size`` replicates run on ``workers`` threads; neither changes any number.
    """
    return concatenate(list(simulate_chunks(scenario, replicates, seed, chunk_size, workers)))


def simulate_chunks(
    scenario: Scenario, replicates: int, seed: int, chunk_size: int = DEFAULT_CHUNK, workers: int | None = None
) -> Iterator[Results]:
    """The results of consecutive chunks of replicates, in order, as they finish (for progress bars and streaming)."""
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    arrays = compile_arrays(scenario)
    # a generator, not a list: a billion replicates are a million chunks, and memory stays bounded by a few of them
    chunks = (range(start, min(start + chunk_size, replicates)) for start in range(0, replicates, chunk_size))
    workers = min(workers or default_workers(), -(-replicates // chunk_size))
    if workers == 1:
        yield from (simulate_chunk(arrays, scenario, seed, chunk) for chunk in chunks)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ahead: deque[Future[Results]] = deque()  # at most two chunks per thread in flight: memory stays bounded
        try:
            for chunk in chunks:
                ahead.append(pool.submit(simulate_chunk, arrays, scenario, seed, chunk))
                if len(ahead) > 2 * workers:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:  # stopped early (Ctrl-C, an error downstream): drop what has not started
            for future in ahead:
                future.cancel()


def simulate_chunk(arrays: ScenarioArrays, scenario: Scenario, seed: int, replicates: range) -> Results:
    """Simulate the replicates in ``replicates`` (a contiguous range of indices) as one batch."""
    draw = draw_batch(arrays, seed, replicates)
    return Results(
        scenario=scenario.name,
        seed=seed,
        delegation_ids=arrays.delegation_ids,
        issue_ids=arrays.issue_ids,
        rules=run_rules(scenario),
        replicate=np.arange(replicates.start, replicates.stop),
        record=run_pipeline(arrays, draw),
        deciders=arrays.deciders,
    )
