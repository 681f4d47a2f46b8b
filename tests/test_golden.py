"""Every bundled scenario's results table is byte-identical to the golden table committed for it.

A restructuring must not change a number a user sees; a change meant to change numbers regenerates the tables with
``python tools/golden_results.py`` and says why in its commit.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("golden_results", ROOT / "tools" / "golden_results.py")
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)


@pytest.mark.parametrize("case", sorted(golden.cases()))
def test_results_table_is_byte_identical_to_the_golden_one(case: str) -> None:
    name, overrides = golden.cases()[case]
    expected = (golden.GOLDEN / f"{case}.golden").read_text(encoding="utf-8")
    assert golden.table(name, overrides) == expected, f"{case}: the results table changed"


def test_every_bundled_scenario_has_a_golden_table() -> None:
    committed = {p.stem for p in golden.GOLDEN.glob("*.golden")}
    assert set(golden.cases()) == committed
