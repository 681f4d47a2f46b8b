"""A small mutation runner for the model's core (issue 18): does any test notice when the model changes?

Each mutant is one small change to one of the core modules (``sim/dynamics.py``, ``sim/steps.py``,
``sim/stages.py``, ``sim/inputs.py``, ``sim/outcomes.py``, ``sim/ratification.py``):

- comparisons ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``
- arithmetic ``+`` ↔ ``-``, ``*`` ↔ ``/`` (and ``+=`` ↔ ``-=``)
- constants ``0`` ↔ ``1`` (``0.0`` ↔ ``1.0``), other numbers nudged (an integer n → n + 1, a float x → 2x, and a
  tolerance below 1e-3 widened a million-fold: 1e-9 → 1e-3)
- ``np.minimum`` ↔ ``np.maximum``
- ``&`` ↔ ``|``
- a ``not`` removed

Operators inside strings, comments and annotations are left alone (annotations are never evaluated here:
``from __future__ import annotations``). A mutant that does not compile is dropped.

The working tree is never touched: the repository is copied (without ``.git``, ``.venv`` and outputs) into one
temporary directory per worker, each mutant is written into that copy, the fast test subset runs there with ``-x``
under a per-mutant timeout, and the original file is put back. The copy is imported ahead of the editable install
(``PYTHONPATH``), without bytecode caches (a mutant of the same size written within the same second would otherwise
run stale bytecode). A mutant is *killed* when pytest fails (or times out), and *survives* when every test passes.
Survivors listed in :data:`EQUIVALENT` (with the reason the change cannot alter behaviour) are left out of the score.

    python tools/mutation.py                     # every mutant, 2 workers, results in docs/mutation.md
    python tools/mutation.py --sample 200        # a random sample (reproducible: --seed)
    python tools/mutation.py --list              # only list the mutants
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = (
    "sim/dynamics.py",
    "sim/steps.py",
    "sim/stages.py",
    "sim/inputs.py",
    "sim/outcomes.py",
    "sim/ratification.py",
)
#: The fast subset, in two stages: the documented-behaviour tests first (a second or two), then, only for a mutant
#: that survives them, the rest (``-x`` stops each stage at its first failure).
FIRST = ("tests/test_documented_behaviour.py",)
TESTS = (
    "tests/test_mechanisms.py",
    "tests/test_degenerate.py",
    "tests/test_behaviour.py",
    "tests/test_dynamics.py",
    "tests/test_runners_agree.py",
    "tests/test_defaults.py",
    "tests/test_provisions.py",
    "tests/test_ratification.py",
    "tests/test_tally.py",
    "tests/test_golden.py",
    "tests/test_mutation_gaps.py",
)
IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "outputs",
    "multirun",
    ".hypothesis",
    "__pycache__",
    ".ruff_cache",
    "*.egg-info",
    ".pytest_cache",
    "*.pyc",
)

SWAPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "+": "-",
    "-": "+",
    "*": "/",
    "/": "*",
    "&": "|",
    "|": "&",
    "+=": "-=",
    "-=": "+=",
}

#: Surviving mutants that cannot change what the model does, keyed by (file, the line's text stripped, the change
#: as "original -> replacement", its column in the stripped line), each with its reason. Keyed by text, not line
#: number, so edits elsewhere keep them; a mutant not listed here that survives counts against the score.
_COMPROMISE = "return np.where(total > 0.0, weighted / np.where(total > 0.0, total, 1.0), by_power)"
_COMPANIONS = "return np.where(others > 0.0, joined / np.where(others > 0.0, others, 1.0), 0.0).astype(power.dtype)"
_LOGISTIC = "return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))"
_TOP = "top = np.maximum(np.maximum(yes_score, no_score), 0.0)"
_ADOPTED = 'ADOPTED = Outcome(-1, "adopted", "adopted", "adopted (either way)", "#333333", adopted=True)'
_COST = "if arrays.agreement_cost > 0.0:  # a text must beat no agreement by this much (above 1: nothing will do)"
_DEFAULTS = "a ScenarioArrays default: compile_arrays, its only constructor, always passes this field"
_LAST_SESSION = (
    "carrying the concessions after the last session changes a draw that is never used again (those "
    "replicates are suspended)"
)
_CLIP = "widening the test only adds values at exactly 0 or 1, or inside [0, 1], which clipping leaves as they are"
_LOG_SLOPE = "return np.where(surplus >= eps, 1.0 / safe, (2.0 * eps - surplus) / (eps * eps))"
_BEND = "bend = w * np.where(surplus >= eps, 1.0 / np.square(np.maximum(surplus, eps)), 1.0 / (eps * eps))"
_CONTINUED_LOG = (
    "surplus >= eps, np.log(np.maximum(surplus, eps)), np.log(eps) + below / eps - below * below / (2.0 * eps * eps)"
)
_BOX_START = "lo, hi = np.full(p.shape[:-1], -np.inf, dtype=p.dtype), np.full(p.shape[:-1], np.inf, dtype=p.dtype)"
_BRACKET_START = "lo, hi = np.zeros(p.shape[:-1], dtype=p.dtype), np.ones(p.shape[:-1], dtype=p.dtype)"
_RIDGE = "ridge = 64 * np.finfo(trace.dtype).eps * trace + np.finfo(trace.dtype).tiny"
_SCALAR_START = (
    "p.shape[:-0] is (): each bound starts as one scalar of the same value and dtype, which the loop's np.where "
    "broadcasts to the replicates' shape; the values are the same, and the caller broadcasts them against p alike"
)
_READY = "return np.where(gain > 0.0, (1.0 - difficulty) * positive / (positive + HALF_GAIN), 0.0)"
_NEVER = "return np.where(hazard > 0.0, -np.log1p(-uniform) / np.where(hazard > 0.0, hazard, 1.0), np.inf)"
EQUIVALENT: dict[tuple[str, str, str, int], str] = {
    ("sim/dynamics.py", _COMPROMISE, "> -> >=", 55): "the inner guard only changes the quotient where total = 0, a "
    "branch the outer np.where discards (a 0/0 RuntimeWarning at most)",
    ("sim/dynamics.py", _LOGISTIC, ">= -> >", 18): "at x = 0 both branches give 1/2",
    ("sim/dynamics.py", _COMPANIONS, "> -> >=", 23): "others = 0 only for the only delegation, whose joined power is "
    "0 as well: 0/1 = 0, as the else branch says",
    ("sim/dynamics.py", _COMPANIONS, "> -> >=", 55): "the inner guard only changes the quotient where others = 0, a "
    "branch the outer np.where discards",
    ("sim/dynamics.py", _COMPANIONS, "1.0 -> 0.0", 70): "the divisor for others = 0 only feeds the branch the outer "
    "np.where discards",
    ("sim/dynamics.py", _TOP, "0.0 -> 1.0", 50): "the softmax is invariant to the common shift `top`, which only "
    "guards against overflow; shifting by 1 instead of 0 overflows no sooner",
    ("sim/dynamics.py", "if cohesion >= 1.0:", ">= -> >", 12): "at cohesion 1 the other branch computes "
    "0 · v + 1 · line, which is the line exactly for the finite values the model holds",
    ("sim/dynamics.py", "leads = position[..., np.where(has_lead, lead, 0), :]", "0 -> 1", 47): "the placeholder "
    "index of a delegation without a lead is read only where `spoken` is false, and a scenario with a lead has at "
    "least two rows whenever one is without one",
    ("sim/steps.py", "if arrays.isolation_cost > 0.0 and blocking.any():", "> -> >=", 25): "with a zero cost the "
    "relief is 0 and the second decision repeats the first on the same (re-pooled) demands",
    (
        "sim/stages.py",
        'Column("text", "issue", "float", 0.0, "the final text per issue (the adopted text, or the last '
        'on the table)"),',
        "0.0 -> 1.0",
        33,
    ): "every replicate's text is written (at consensus or at the deadline), so the fill value never shows",
    ("sim/inputs.py", "sessions: int = 1", "1 -> 0", 16): _DEFAULTS,
    ("sim/inputs.py", "resumed_credibility: float = 0.8", "0.8 -> 1.6", 29): _DEFAULTS,
    ("sim/inputs.py", "isolation_cost: float = 0.0", "0.0 -> 1.0", 24): _DEFAULTS,
    ("sim/inputs.py", "temperature: float = 0.0", "0.0 -> 1.0", 21): _DEFAULTS,
    ("sim/inputs.py", "agreement_cost: float = 0.0", "0.0 -> 1.0", 24): _DEFAULTS,
    ("sim/inputs.py", _COST, "> -> >=", 25): "at a zero cost the floor is raised by 0",
    ("sim/outcomes.py", _ADOPTED, "- -> +", 18): "ADOPTED's code is never stored, counted or looked up (the "
    "aggregate row is found by name and key)",
    ("sim/outcomes.py", _ADOPTED, "1 -> 0", 19): "ADOPTED's code is never stored, counted or looked up",
    ("sim/stages.py", "if session + 1 < arrays.sessions:", "+ -> -", 11): _LAST_SESSION,
    ("sim/stages.py", "if session + 1 < arrays.sessions:", "1 -> 0", 13): _LAST_SESSION,
    ("sim/stages.py", "if session + 1 < arrays.sessions:", "< -> <=", 15): _LAST_SESSION,
    ("sim/stages.py", "outside = (text < 0.0) | (text > 1.0)", "< -> <=", 16): _CLIP,
    ("sim/stages.py", "outside = (text < 0.0) | (text > 1.0)", "0.0 -> 1.0", 18): _CLIP,
    ("sim/stages.py", "outside = (text < 0.0) | (text > 1.0)", "> -> >=", 31): _CLIP,
    ("sim/stages.py", "outside = (text < 0.0) | (text > 1.0)", "1.0 -> 0.0", 33): _CLIP,
    ("sim/inputs.py", "provision_threshold: float = 0.5", "0.5 -> 1.0", 29): _DEFAULTS,
    ("sim/inputs.py", "noise = parts[0] if len(parts) == 1 else np.concatenate(parts)", "1 -> 0", 34): "concatenating "
    "one array gives the same numbers as the array itself",
    ("sim/ratification.py", _READY, "> -> >=", 21): "at a gain of exactly 0 the formula gives (1 − d) · 0 / G = 0, "
    "the readiness the else branch gives",
    ("sim/ratification.py", _NEVER, "> -> >=", 68): "the inner guard only changes the divisor where the hazard is 0, a "
    "branch the outer np.where discards (a 0/0 RuntimeWarning at most)",
    ("sim/ratification.py", _NEVER, "1.0 -> 0.0", 83): "the divisor for a hazard of 0 only feeds the branch the outer "
    "np.where discards",
    ("sim/chairs.py", _LOG_SLOPE, ">= -> >", 24): "the branches differ only at z = ε, where both give 1/ε exactly (in "
    "float32 and float64: the continuation has log's slope there, tests/test_nash_search.py checks it is continuous)",
    ("sim/chairs.py", _BEND, ">= -> >", 28): "the branches differ only at z = ε, where both give 1/ε² (exactly in "
    "float64; in float32 one unit in the last place apart, at the one float32 value of a continuous surplus)",
    ("sim/chairs.py", _CONTINUED_LOG, ">= -> >", 8): "the branches differ only at z = ε, where both give log ε (the "
    "quadratic's terms in z − ε vanish there)",
    ("sim/chairs.py", _BOX_START, "1 -> 0", 27): _SCALAR_START,
    ("sim/chairs.py", _BOX_START, "1 -> 0", 74): _SCALAR_START,
    ("sim/chairs.py", _BRACKET_START, "1 -> 0", 28): _SCALAR_START,
    ("sim/chairs.py", _BRACKET_START, "1 -> 0", 66): _SCALAR_START,
    ("sim/chairs.py", _RIDGE, "+ -> -", 47): "the smallest normal number (2e-308) counts only when the trace is 0, "
    "where every issue's gradient is 0 too and Newton's direction is 0/±tiny = ±0, a direction with no box (t = 0)",
}


@dataclass
class Mutant:
    file: str
    line: int
    col: int
    original: str
    replacement: str
    source_line: str
    number: int = 0
    status: str = ""  # killed, survived, timeout
    seconds: float = 0.0
    failed_test: str = ""
    reason: str = field(default="")  # why it is equivalent, if it is

    @property
    def change(self) -> str:
        return f"{self.original} -> {self.replacement}"

    @property
    def key(self) -> tuple[str, str, str, int]:
        indent = len(self.source_line) - len(self.source_line.lstrip())
        return (self.file, self.source_line.strip(), self.change, self.col - indent)

    def describe(self) -> str:
        return f"{self.file}:{self.line} `{self.change}` in `{self.source_line.strip()}`"


def annotation_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every annotation (never evaluated: ``from __future__ import annotations``)."""
    spans = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for a in annotations:
            spans.append(((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)))
    return spans


def nudged(number: str) -> str | None:
    """The numeric tweak of a literal: 0 ↔ 1, n → n + 1, a tolerance ×1e6, another float ×2."""
    swaps = {"0": "1", "1": "0", "0.0": "1.0", "1.0": "0.0"}
    if number in swaps:
        return swaps[number]
    try:
        value = int(number, 0)
        return str(value + 1)
    except ValueError:
        pass
    try:
        value = float(number)
    except ValueError:
        return None
    return repr(value * 1e6) if 0 < abs(value) < 1e-3 else repr(value * 2)


def mutants_of(relative: str, source: str) -> list[Mutant]:
    """Every mutant of one module's ``source``."""
    tree = ast.parse(source)
    spans = annotation_spans(tree)
    lines = source.splitlines()

    def in_annotation(pos: tuple[int, int]) -> bool:
        return any(start <= pos < end for start, end in spans)

    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    found = []
    for i, tok in enumerate(tokens):
        if (
            tok.start[0] > len(lines)
            or in_annotation(tok.start)
            or lines[tok.start[0] - 1].lstrip().startswith("from __future__")
        ):
            continue
        replacement = None
        if tok.type == tokenize.OP and tok.string in SWAPS:
            replacement = SWAPS[tok.string]
        elif tok.type == tokenize.NUMBER:
            replacement = nudged(tok.string)
        elif (
            tok.type == tokenize.NAME
            and tok.string in ("minimum", "maximum")
            and i >= 2
            and tokens[i - 1].string == "."
            and tokens[i - 2].string == "np"
        ):
            replacement = "maximum" if tok.string == "minimum" else "minimum"
        elif tok.type == tokenize.NAME and tok.string == "not":
            replacement = ""
        if replacement is None:
            continue
        found.append(Mutant(relative, tok.start[0], tok.start[1], tok.string, replacement, lines[tok.start[0] - 1]))
    valid = []
    for m in found:
        try:
            compile(apply(source, m), relative, "exec")
        except SyntaxError:
            continue
        valid.append(m)
    return valid


def apply(source: str, m: Mutant) -> str:
    lines = source.splitlines(keepends=True)
    line = lines[m.line - 1]
    assert line[m.col : m.col + len(m.original)] == m.original, (m.describe(), line)
    replacement = m.replacement
    end = m.col + len(m.original)
    if replacement == "" and line[end : end + 1] == " ":  # `not x` -> `x`
        end += 1
    lines[m.line - 1] = line[: m.col] + replacement + line[end:]
    return "".join(lines)


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def pytest_command(tests: tuple[str, ...]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not e2e",
        "--hypothesis-seed=0",
        "--no-header",
        "-rN",
        "--tb=line",
        *tests,
    ]


def run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float, str]:
    """Run the subset in ``copy``: ("passed" | "failed" | "timeout", seconds, first failing test)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            pytest_command(tests), cwd=copy, env=environment(copy), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start, ""
    seconds = time.perf_counter() - start
    failed = ""
    for line in done.stdout.splitlines():
        if line.startswith(("FAILED", "ERROR")) or "::" in line and "Error" in line:
            failed = line.split(" - ")[0].replace("FAILED ", "").replace("ERROR ", "")
            break
    if not failed and done.returncode != 0:
        failed = next((ln for ln in done.stdout.splitlines() if ln.startswith("/") or "tests/" in ln), "")[:120]
    return ("passed" if done.returncode == 0 else "failed"), seconds, failed


def make_copy(base: Path, into: Path) -> Path:
    shutil.copytree(base, into, ignore=IGNORE)
    return into


def check_imports_copy(copy: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sim.dynamics; print(sim.dynamics.__file__)"],
        cwd=copy,
        env=environment(copy),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(out).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"the copy imports sim from {out}, not from {copy}: mutants would not be tested")


def git(*args: str) -> str:
    """A read-only git query of the working tree."""
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", default=list(FILES))
    parser.add_argument("--first", nargs="*", default=list(FIRST), help="tests run first on every mutant")
    parser.add_argument("--tests", nargs="+", default=list(TESTS), help="tests run on a mutant the first survive")
    parser.add_argument("--sample", type=int, default=0, help="test a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant before it counts as killed")
    parser.add_argument("--out", default="docs/mutation.md")
    parser.add_argument("--command", default="", help="with --from-log: the command of the run, for the report")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument(
        "--only",
        nargs="+",
        type=int,
        default=[],
        metavar="N",
        help="run only these mutants (numbers as --list shows them), e.g. an earlier run's survivors",
    )
    parser.add_argument(
        "--from-log",
        metavar="LOG",
        help="re-render the report from a run's printed log (with the "
        "current EQUIVALENT table; the mutated files must be unchanged since the run)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the temporary copies are still removed
    tests = tuple(args.tests)
    first = tuple(args.first)

    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    commit, dirty = git("rev-parse", "HEAD"), git("status", "--porcelain", "--untracked-files=no", "--", *args.files)
    with tempfile.TemporaryDirectory(prefix="treatysim-mutation-") as tmp:
        snapshot = make_copy(ROOT, Path(tmp) / "snapshot")  # one consistent tree, whatever happens to the original
        mutants: list[Mutant] = []
        for relative in args.files:
            mutants += mutants_of(relative, (snapshot / relative).read_text())
        for number, m in enumerate(mutants, 1):
            m.number = number
        total = len(mutants)
        if args.from_log:
            return rerender(Path(args.from_log), mutants, total, args, commit, dirty)
        if args.list:
            for m in mutants:
                print(f"{m.number:4d} {m.describe()}")
            print(f"{total} mutants")
            return 0
        chosen = [m for m in mutants if m.number in set(args.only)] if args.only else mutants
        if args.sample and args.sample < total:
            chosen = sorted(random.Random(args.seed).sample(mutants, args.sample), key=lambda m: m.number)

        workers = max(1, min(args.workers, len(chosen)))
        copies = [make_copy(snapshot, Path(tmp) / f"worker{w}") for w in range(workers)]
        check_imports_copy(copies[0])
        status, baseline, failed = run_tests(copies[0], first + tests, args.timeout * 3)
        if status != "passed":
            raise SystemExit(f"the test subset fails without any mutant ({status}: {failed}); fix that first")
        print(
            f"baseline: the subset passes in {baseline:.1f} s; {len(chosen)} of {total} mutants, {workers} workers",
            flush=True,
        )

        originals = {f: (snapshot / f).read_text() for f in args.files}
        slots: list[Path] = list(copies)
        import threading

        lock = threading.Lock()

        def run_one(m: Mutant) -> Mutant:
            with lock:
                copy = slots.pop()
            target = copy / m.file
            try:
                target.write_text(apply(originals[m.file], m))
                result, m.seconds, m.failed_test = run_tests(copy, first, args.timeout) if first else ("passed", 0, "")
                if result == "passed":
                    result, seconds, m.failed_test = run_tests(copy, tests, args.timeout)
                    m.seconds += seconds
                m.status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[result]
            finally:
                target.write_text(originals[m.file])
                with lock:
                    slots.append(copy)
            if m.status == "survived" and m.key in EQUIVALENT:
                m.status, m.reason = "equivalent", EQUIVALENT[m.key]
            failed = f" [{m.failed_test}]" if m.failed_test else ""
            print(f"{m.number:4d} {m.status:10s} {m.seconds:5.1f}s {m.describe()}{failed}", flush=True)
            return m

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run_one, chosen))
    elapsed = time.perf_counter() - started
    command = "python tools/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = render(results, total, args, when, commit, dirty, elapsed, baseline, command.strip())
    out = ROOT / args.out
    out.write_text(report)
    counts = Counter(m.status for m in results)
    killed = counts["killed"] + counts["timeout"]
    scored = len(results) - counts["equivalent"]
    print(
        f"killed {killed} of {scored} non-equivalent mutants ({100 * killed / max(scored, 1):.1f}%), "
        f"{counts['equivalent']} equivalent, {counts['survived']} survived; {elapsed / 60:.1f} min; report: {out}"
    )
    return 0


def rerender(log: Path, mutants: list[Mutant], total: int, args: argparse.Namespace, commit: str, dirty: str) -> int:
    """The report of an earlier run, from the lines it printed, reclassified with the current EQUIVALENT table."""
    import re

    text = log.read_text().splitlines()
    baseline = float(re.search(r"passes in ([\d.]+) s", text[0]).group(1))
    by_number = {m.number: m for m in mutants}
    results = []
    for line in text[1:]:
        found = re.match(r"^\s*(\d+) (\w+)\s+([\d.]+)s (.*)$", line)
        if not found:
            continue
        m = by_number[int(found.group(1))]
        rest = found.group(4)
        if not rest.startswith(m.describe()):  # the description itself may hold " [" (a list in the line)
            raise SystemExit(f"the mutated files changed since the run: {m.describe()} != {rest}")
        m.status, m.seconds = found.group(2), float(found.group(3))
        failed = rest[len(m.describe()) :]
        m.failed_test = failed[2:].removesuffix("]") if failed.startswith(" [") else ""
        if m.status in ("survived", "equivalent") and m.key in EQUIVALENT:
            m.status, m.reason = "equivalent", EQUIVALENT[m.key]
        elif m.status == "equivalent":
            m.status = "survived"
        results.append(m)
    minutes = re.search(r"; ([\d.]+) min;", text[-1])
    elapsed = 60 * float(minutes.group(1)) if minutes else sum(m.seconds for m in results) / max(args.workers, 1)
    when = dt.datetime.fromtimestamp(log.stat().st_mtime, dt.UTC).replace(microsecond=0)
    command = args.command or "python tools/mutation.py"
    (ROOT / args.out).write_text(render(results, total, args, when, commit, dirty, elapsed, baseline, command))
    print(f"report re-rendered from {log}: {ROOT / args.out}")
    return 0


def render(
    results: list[Mutant],
    total: int,
    args: argparse.Namespace,
    when: dt.datetime,
    commit: str,
    dirty: str,
    elapsed: float,
    baseline: float,
    command: str,
) -> str:
    counts = Counter(m.status for m in results)
    killed = counts["killed"] + counts["timeout"]
    scored = len(results) - counts["equivalent"]
    score = 100 * killed / max(scored, 1)
    sampled = len(results) < total and bool(args.sample)
    chosen = len(results) < total and not args.sample
    lines = [
        "# Mutation testing of the model's core",
        "",
        "Written by `tools/mutation.py` (issue 18): each mutant is one small change to one of "
        + ", ".join(f"`{f}`" for f in args.files)
        + "; it is *killed* when the fast test subset fails on it. Equivalent mutants (the change cannot alter what "
        "the model does) are listed with their reason and left out of the score.",
        "",
        f"**Score: {killed} killed of {scored} non-equivalent mutants — {score:.1f}%**"
        + (
            f" (a random sample of {len(results)} of the {total} mutants, seed {args.seed})"
            if sampled
            else f" (the {len(results)} of the {total} mutants chosen with --only)"
            if chosen
            else f" (all {total} mutants)"
        ),
        "",
        "| | |",
        "|---|---|",
        f"| date | {when.isoformat()} |",
        f"| commit | `{commit}`" + (" (with uncommitted changes to the mutated files)" if dirty else "") + " |",
        f"| run time | {elapsed / 60:.1f} min ({args.workers} workers; the unmutated subset takes {baseline:.1f} s) |",
        f"| command | `{command}` |",
        f"| tests | `pytest -x` on {', '.join(f'`{t}`' for t in args.first)}, then, if it passes, on "
        f"{', '.join(f'`{t}`' for t in args.tests)}; per-stage timeout {args.timeout:.0f} s |",
        f"| mutants | {len(results)} run: {counts['killed']} killed, {counts['timeout']} timed out (killed), "
        f"{counts['survived']} survived, {counts['equivalent']} equivalent |",
        "",
        "## By file",
        "",
        "| file | run | killed | survived | equivalent | score |",
        "|---|---|---|---|---|---|",
    ]
    for f in args.files:
        mine = [m for m in results if m.file == f]
        c = Counter(m.status for m in mine)
        k = c["killed"] + c["timeout"]
        s = len(mine) - c["equivalent"]
        lines.append(
            f"| `{f}` | {len(mine)} | {k} | {c['survived']} | {c['equivalent']} | {100 * k / max(s, 1):.0f}% |"
        )
    lines += ["", "## Surviving mutants (not equivalent: a test should notice them)", ""]
    survivors = [m for m in results if m.status == "survived"]
    lines += [f"- {m.describe()}" for m in survivors] or ["None."]
    lines += ["", "## Equivalent mutants", ""]
    equivalent = [m for m in results if m.status == "equivalent"]
    lines += [f"- {m.describe()}: {m.reason}" for m in equivalent] or ["None."]
    lines += ["", "## Killed, by the first test that failed", ""]
    by_test = Counter(
        (m.failed_test.split("::")[0] or "(timeout or collection)")
        for m in results
        if m.status in ("killed", "timeout")
    )
    lines += (
        [f"- `{t}`: {n}" for t, n in by_test.most_common()]
        if any(m.failed_test for m in results)
        else ["(not recorded for this run)"]
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
