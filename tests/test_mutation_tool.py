"""tools/mutation.py's report says how its mutants were chosen: all of them, a random sample, or a list (--only)."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "mutation", Path(__file__).resolve().parent.parent / "tools" / "mutation.py"
)
mutation = importlib.util.module_from_spec(spec)
sys.modules.setdefault("mutation", mutation)  # its dataclasses look their module up
spec.loader.exec_module(mutation)


def headline(ran: int, total: int, sample: int = 0, only: tuple[int, ...] = ()) -> str:
    """The score line of the report of a run in which ``ran`` of ``total`` mutants were run and killed."""
    args = argparse.Namespace(
        files=["sim/chairs.py"], first=[], tests=["tests/test_chairs.py"], sample=sample, only=list(only), seed=18,
        workers=1, timeout=120.0,
    )  # fmt: skip
    results = [mutation.Mutant("sim/chairs.py", 1, 0, "1", "0", "x = 1", number=n, status="killed") for n in range(ran)]
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report = mutation.render(results, total, args, when, "abc", "", 60.0, 1.0, "python tools/mutation.py")
    return next(line for line in report.splitlines() if line.startswith("**Score"))


def test_the_report_says_whether_it_ran_all_mutants_a_sample_or_those_chosen_with_only():
    assert headline(194, 194).endswith("(all 194 mutants)")
    assert "a random sample of 40 of the 194 mutants, seed 18" in headline(40, 194, sample=40)
    chosen = headline(42, 194, only=tuple(range(1, 43)))  # an earlier run's survivors, say: no random sample
    assert "random" not in chosen and "the 42 of the 194 mutants chosen with --only" in chosen
