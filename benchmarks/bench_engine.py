"""Speed of the batched Monte Carlo engine, side by side with the Mesa model in the same run.

    python benchmarks/bench_engine.py            # everything (a few minutes on 2 cores)
    python benchmarks/bench_engine.py --quick    # skips 100,000 and 1,000,000 replicates

Prints, for ``uncc2024`` at full membership and 30 rounds: replicates and delegation-rounds per second at 1,000,
10,000 and 100,000 replicates; the project's own Mesa model (``NegotiationModel``) on the same scenario; the ratio
batched / Mesa; float64 against float32 and one thread against several; peak memory of one million replicates
streamed in chunks; and scaling tables over delegations and rounds. Machines are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from sim import load_scenario, with_overrides
from sim.engine import DEFAULT_CHUNK, default_workers, simulate, simulate_chunk, simulate_chunks
from sim.inputs import compile_arrays
from sim.scenario import Scenario

SEED = 20240809


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeats`` timings, in seconds (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def deadline(scenario: Scenario, rounds: int) -> Scenario:
    return with_overrides(scenario, {"procedure": {"rounds": rounds}})


def synthetic(n: int, rounds: int) -> Scenario:
    """``n`` delegations spread over two issues in two camps and a middle, as in the cybercrime talks."""
    rng = np.random.default_rng(n)
    camp = rng.integers(0, 3, n)
    centre = np.array([[0.85, 0.15], [0.6, 0.5], [0.25, 0.85]])[camp]
    position = np.clip(centre + rng.normal(0, 0.05, (n, 2)), 0, 1)
    delegations = [
        {
            "id": f"D{i}",
            "name": f"Delegation {i}",
            "power": float(rng.uniform(0.5, 3)),
            "position": {"scope": float(position[i, 0]), "safeguards": float(position[i, 1])},
            "salience": {"scope": float(rng.uniform(0.3, 0.7)), "safeguards": 0.5},
            "style": ["boulware", "linear", "conceder"][int(rng.integers(0, 3))],
        }
        for i in range(n)
    ]
    return Scenario.model_validate(
        {
            "name": f"synthetic_{n}",
            "title": "synthetic",
            "procedure": {"rounds": rounds},
            "issues": [{"id": "scope", "label": "scope"}, {"id": "safeguards", "label": "safeguards"}],
            "delegations": delegations,
        }
    )


def delegation_rounds(scenario: Scenario, replicates: int) -> float:
    """Delegation-rounds actually simulated: replicates leave the batch when they reach consensus."""
    results = simulate(scenario, replicates, SEED)
    return float(results.round.sum()) * len(scenario.delegations)


def mesa_rate(scenario: Scenario, replicates: int) -> float:
    from sim.model import NegotiationModel

    def run() -> None:
        for k in range(replicates):
            NegotiationModel(scenario, seed=SEED, replicate=k).run()

    return replicates / best_of(1, run)


def headline(scenario: Scenario, sizes: list[int], mesa_replicates: int) -> None:
    n = len(scenario.delegations)
    print(
        f"\n## {scenario.name}: {n} delegations, {scenario.procedure.rounds} rounds, "
        f"{default_workers()} threads, chunks of {DEFAULT_CHUNK}, {os.cpu_count()} cores\n"
    )
    print(f"{'replicates':>12} {'seconds':>9} {'replicates/s':>14} {'delegation-rounds/s':>21}")
    rates = {}
    for size in sizes:
        seconds = best_of(3 if size <= 10_000 else 1, lambda: simulate(scenario, size, SEED))
        work = delegation_rounds(scenario, min(size, 10_000)) * size / min(size, 10_000)
        rates[size] = size / seconds
        print(f"{size:>12,} {seconds:>9.3f} {size / seconds:>14,.0f} {work / seconds:>21,.3g}")
    mesa = mesa_rate(scenario, mesa_replicates)
    print(
        f"\nMesa model (NegotiationModel, one agent per delegation), {mesa_replicates} replicates: "
        f"{mesa:,.1f} replicates/s"
    )
    for size, rate in rates.items():
        print(f"  ratio batched / Mesa at {size:,} replicates: {rate / mesa:,.0f}x")


def precision_and_threads(scenario: Scenario, replicates: int) -> None:
    print(f"\n## Working precision and threads ({replicates:,} replicates; one chunk per thread job)\n")
    timings = {}
    for dtype in (np.float64, np.float32):
        arrays = compile_arrays(scenario, dtype)
        timings[dtype] = best_of(3, lambda: simulate_chunk(arrays, scenario, SEED, range(replicates)))
        print(f"  {np.dtype(dtype).name}, one thread, one chunk: {timings[dtype]:.3f} s")
    print(f"  ratio float64 / float32: {timings[np.float64] / timings[np.float32]:.2f}x")
    one = best_of(3, lambda: simulate(scenario, replicates, SEED, workers=1))
    many = best_of(3, lambda: simulate(scenario, replicates, SEED))
    print(
        f"  chunks of {DEFAULT_CHUNK}: 1 thread {one:.3f} s, {default_workers()} threads {many:.3f} s "
        f"(ratio {one / many:.2f}x)"
    )


def million(scenario: Scenario, total: int = 1_000_000) -> None:
    print(f"\n## {total:,} replicates streamed in chunks of {DEFAULT_CHUNK} (outcome counts only)\n")
    tracemalloc.start()
    start = time.perf_counter()
    counts = np.zeros(3, dtype=np.int64)
    first = None
    for part in simulate_chunks(scenario, total, SEED):
        counts += np.bincount(part.outcome, minlength=3)
        first = part.outcome if first is None else first
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    whole = simulate_chunk(compile_arrays(scenario), scenario, SEED, range(DEFAULT_CHUNK)).outcome
    print(f"  {seconds:.1f} s, {total / seconds:,.0f} replicates/s, peak traced memory {peak / 2**20:,.0f} MiB")
    print(f"  outcome shares (consensus, vote, failed): {np.round(counts / total, 4).tolist()}")
    print(f"  first chunk identical to an unchunked run of it: {bool(np.array_equal(first, whole))}")


def scaling(title: str, column: str, cases: dict[int, Scenario], replicates: int) -> None:
    """Seconds and nanoseconds per delegation-round for each case: flat columns mean cost grows linearly."""
    print(f"\n## Scaling over {title} ({replicates:,} replicates, synthetic scenarios)\n")
    print(f"{column:>12} {'seconds':>9} {'ns per delegation-round':>25}")
    for value, scenario in cases.items():
        seconds = best_of(3, lambda: simulate(scenario, replicates, SEED))
        print(f"{value:>12,} {seconds:>9.3f} {1e9 * seconds / delegation_rounds(scenario, replicates):>25.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip 100,000 and 1,000,000 replicates")
    args = parser.parse_args()
    scenario = deadline(load_scenario("uncc2024"), 30)
    headline(scenario, [1_000, 10_000] + ([] if args.quick else [100_000]), mesa_replicates=20)
    precision_and_threads(scenario, 10_000)
    if not args.quick:
        million(scenario)
    scaling("delegations (30 rounds)", "delegations", {n: synthetic(n, 30) for n in (10, 50, 193, 1000)}, 2_000)
    scaling("rounds (193 delegations)", "rounds", {t: synthetic(193, t) for t in (10, 30, 100)}, 2_000)


if __name__ == "__main__":
    main()
