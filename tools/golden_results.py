"""Write (or check) the golden results tables: every bundled scenario's ``results.csv`` at a few hundred replicates.

``tests/test_golden.py`` compares the engine's output against these files byte for byte, so a restructuring that
changes any number a user sees is caught. Regenerate them only with a change that is *meant* to change numbers, and
say so in its commit message::

    python tools/golden_results.py            # rewrite tests/golden/*.golden
    python tools/golden_results.py --check    # exit 1 and name the tables that differ
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
REPLICATES, SEED = 300, 20240809
#: Beside every bundled scenario as it is: the other chair strategies and no fallback, on the classroom scenario.
VARIANTS = {
    "classroom__compromise": ("classroom", {"chair": {"strategy": "compromise", "step": 0.5}}),
    "classroom__hold_novote": ("classroom", {"chair": {"strategy": "hold"}, "procedure": {"fallback": "none"}}),
    # the Nash chair's search is redundant, so a change in its schedule moves texts in the 6th digit and no test of
    # its precision can notice (docs/mutation_chairs.md): this table does
    "classroom__nash": ("classroom", {"chair": {"strategy": "nash", "step": 0.5}}),
}


def cases() -> dict[str, tuple[str, dict]]:
    from sim.loading import available_scenarios

    return {**{name: (name, {}) for name in available_scenarios()}, **VARIANTS}


def table(name: str, overrides: dict) -> str:
    """The results table of one case, as ``treatysim`` writes it, then its summary (``summary.json``'s numbers)."""
    from sim.analysis.stats import summarize
    from sim.engine import simulate
    from sim.loading import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(name), overrides, source="golden variant")
    results = simulate(scenario, REPLICATES, SEED)
    buffer = io.StringIO()
    results.to_frame().to_csv(buffer, index=False, float_format="%.6g")
    summary = json.dumps(summarize(results, scenario.display_names()), indent=1, sort_keys=True)
    return buffer.getvalue() + "\n# summary\n" + summary + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    differ = []
    for case, (name, overrides) in cases().items():
        path = GOLDEN / f"{case}.golden"
        text = table(name, overrides)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                differ.append(case)
        else:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if differ:
        print("differ from the golden tables: " + ", ".join(differ))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
