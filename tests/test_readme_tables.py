"""The README's what-if tables are what the model gives: each row is rerun (2,000 replicates, the default seed) and
must match the README to the digits it prints, so the tables cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import load_scenario, simulate, with_overrides
from sim.analysis.report import format_estimate
from sim.analysis.stats import summarize
from sim.inputs import DEFAULT_SEED

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `(?P<scenario>\w+)` \([^|]*\) \| (?P<cells>.*) \|$")


def section(title: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    end = text.index("\n### ", start + 1)
    return text[start:end].splitlines()


def rows(title: str) -> dict[str, list[str]]:
    found = {}
    for line in section(title):
        match = ROW.match(line)
        if match:
            found[match["scenario"]] = [c.strip() for c in match["cells"].split("|")]
    return found


COALITIONS = rows("Coalitions and stakeholders: what they change")


def test_the_coalitions_table_lists_the_experiments_scenarios():
    experiment = (README.parent / "conf" / "experiment" / "coalitions.yaml").read_text(encoding="utf-8")
    swept = re.search(r"scenario: (\S+)", experiment)[1].split(",")
    assert list(COALITIONS) == swept


@pytest.mark.parametrize("scenario", sorted(COALITIONS))
def test_a_coalitions_row_is_what_the_model_gives(scenario):
    summary = summarize(simulate(load_scenario(scenario), 2000, DEFAULT_SEED))
    cells = COALITIONS[scenario]
    for cell, key in zip(cells[:3], ("p_consensus", "p_vote", "p_adopted")):
        assert cell == format_estimate(summary[key], summary["ci95"][key]), (scenario, key)  # the report's rounding
    text = summary["final_text_mean"]
    assert (float(cells[3]), float(cells[4])) == pytest.approx((text["scope"], text["safeguards"]), abs=5e-3)


CHAIRS = section("Chairs that bargain: what the strategy changes")
CHAIR_ROW = re.compile(r"^\| `(?P<strategy>\w+)` \([^|]*\) \| (?P<cells>.*) \|$")


def chair_rows() -> dict[str, list[str]]:
    found = {}
    for line in CHAIRS:
        match = CHAIR_ROW.match(line)
        if match:
            found[match["strategy"]] = [c.strip() for c in match["cells"].split("|")]
    return found


def test_the_chairs_table_lists_every_strategy_of_the_experiment():
    experiment = (README.parent / "conf" / "experiment" / "chair_strategy.yaml").read_text(encoding="utf-8")
    swept = re.search(r"chair.strategy: (\S+)", experiment)[1].split(",")
    assert list(chair_rows()) == swept


@pytest.mark.parametrize("strategy", sorted(chair_rows()))
def test_a_chairs_row_is_what_the_model_gives(strategy):
    cells = chair_rows()[strategy]
    for n, name in enumerate(("uncc2024", "classroom")):
        scenario = with_overrides(load_scenario(name), {"chair": {"strategy": strategy, "step": 0.5}})
        summary = summarize(simulate(scenario, 2000, DEFAULT_SEED))
        consensus, adopted, text = cells[3 * n : 3 * n + 3]
        assert consensus == format_estimate(summary["p_consensus"], summary["ci95"]["p_consensus"]), (name, strategy)
        assert adopted == format_estimate(summary["p_adopted"], summary["ci95"]["p_adopted"]), (name, strategy)
        mean = summary["final_text_mean"]
        assert text == f"{mean['scope']:.2f}, {mean['safeguards']:.2f}", (name, strategy)
