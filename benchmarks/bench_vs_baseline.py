"""The engine's speed now against an earlier commit's, in the same run: the ratio is what to read.

    python benchmarks/bench_vs_baseline.py                      # against the commit before the model-II work
    python benchmarks/bench_vs_baseline.py --baseline v0.1 -n 5000

Checks the earlier commit out into a temporary git worktree and times ``sim.simulate`` (the public API both share)
on ``uncc2024`` at 30 rounds in alternating runs of the two trees, best of several, each in its own process. Then
times this tree with the new mechanisms switched on (random-utility choice, the cost of blocking alone, three
resumable sessions), so their price is visible too. Machines are noisy: the ratios hold, absolute times do not.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The last commit before the status quo, sessions, isolation and random choice were added.
BASELINE = "e01592d"

TIMER = """
import sys, time
sys.path.insert(0, {tree!r})
import sim
from sim import load_scenario, simulate, with_overrides
assert sim.__file__.startswith({tree!r}), sim.__file__
scenario = with_overrides(load_scenario({scenario_file!r}), {{"procedure": {{"rounds": 30}}}})
extra = {extra!r}
if extra:
    scenario = with_overrides(scenario, extra)
simulate(scenario, 256, 1)  # warm up
best = min(
    (lambda t0: (simulate(scenario, {replicates}, 20240809, workers=1), time.perf_counter() - t0)[1])(
        time.perf_counter()) for _ in range({repeats}))
print(best)
"""


#: The coalition and stakeholder agents of uncc2024_groups and uncc2024_lobbying, as overrides of uncc2024.
COALITIONS_AND_STAKEHOLDERS = {
    "blocs": {
        "like_minded": {"cohesion": 0.7, "lead": "RUS"},
        "egypt_group": {"cohesion": 0.6, "lead": "EGY"},
        "african_group": {"cohesion": 0.4},
        "western": {"cohesion": 0.5},
    },
    "stakeholders": [
        {"id": "ngo", "position": {"safeguards": 1.0}, "budget": 6.0, "channel": "salience"},
        {
            "id": "industry",
            "position": {"scope": 0.1, "safeguards": 0.9},
            "budget": 2.0,
            "channel": "outside_option",
            "targets": ["eu", "western"],
        },
        {"id": "ohchr", "position": {"scope": 0.2, "safeguards": 1.0}, "budget": 1.0, "channel": "position"},
    ],
}


def time_tree(tree: Path, replicates: int, repeats: int, extra: dict | None = None) -> float:
    """The best time of ``repeats`` runs of ``replicates`` replicates in the tree at ``tree`` (its own process)."""
    code = TIMER.format(
        tree=str(tree),
        scenario_file=str(tree / "scenarios" / "uncc2024.yaml"),
        replicates=replicates,
        repeats=repeats,
        extra=extra or {},
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the earlier commit (default {BASELINE})")
    parser.add_argument("-n", "--replicates", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=3, help="alternating runs of the two trees")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.baseline], cwd=ROOT, check=True, capture_output=True
        )
        try:
            now, then = [], []
            for _ in range(args.pairs):
                then.append(time_tree(base, args.replicates, args.repeats))
                now.append(time_tree(ROOT, args.replicates, args.repeats))
            on = time_tree(
                ROOT,
                args.replicates,
                args.repeats,
                {
                    "behaviour": {"temperature": 0.03, "isolation_cost": 0.1},
                    "procedure": {"sessions": 3, "resumable": True},
                },
            )
            agents = time_tree(ROOT, args.replicates, args.repeats, COALITIONS_AND_STAKEHOLDERS)
            nash = time_tree(ROOT, args.replicates, args.repeats, {"chair": {"strategy": "nash"}})
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, capture_output=True)
    t_now, t_then = min(now), min(then)
    print(
        f"uncc2024, 193 delegations, 30 rounds, {args.replicates:,} replicates, one thread (best of "
        f"{args.pairs}×{args.repeats}):"
    )
    print(f"  baseline {args.baseline}:  {t_then:.3f} s  ({args.replicates / t_then:,.0f} replicates/s)")
    print(f"  this tree:             {t_now:.3f} s  ({args.replicates / t_now:,.0f} replicates/s)")
    print(f"  ratio now / baseline:  {t_now / t_then:.2f}  (the budget: at most 1.5)")
    print(
        f"  with random choice, isolation and 3 resumable sessions: {on:.3f} s, "
        f"{on / t_now:.2f}× the default mechanisms"
    )
    print(
        f"  with cohesive groups (leads) and three stakeholder agents (as uncc2024_groups, uncc2024_lobbying): "
        f"{agents:.3f} s, {agents / t_now:.2f}× the default mechanisms"
    )
    print(f"  with the nash chair (an optimisation every round): {nash:.3f} s, {nash / t_now:.2f}× the default chair")
    return 0


if __name__ == "__main__":
    sys.exit(main())
