"""One rounding rule for every printed probability: the terminal report, the dashboard's Monte Carlo panel and
``treatysim-compare`` (``sim.analysis.report.format_probability``). An estimate is never printed outside its own printed
interval, and nothing that is not exactly 0 or 1 prints as a rounded 0 or 1 (issue 15)."""

from __future__ import annotations

import re

import pytest

from sim import outcomes
from sim.analysis.compare import comparison_rows, format_table
from sim.analysis.report import format_probability, format_summary
from sim.analysis.stats import wilson_interval

N = 100_000


def big_summary() -> dict:
    """A 100,000-replicate summary: adoption in all but 2 replicates (both failed), blockers in a handful (the report
    printed ``adopted (either way) >0.999 [1.000, 1.000]``, ``failed <0.001 [0.000, 0.000]`` and ``Syria (0.0%)``)."""
    counts = {"p_consensus": 80_000, "p_vote": N - 80_000 - 2, "p_suspended": 0, "p_failed": 2}
    summary = {
        "scenario": "uncc2024",
        "title": "a big run",
        "replicates": N,
        "seed": 1,
        "rounds": 7,
        "fallback": "vote",
        "rounds_median": 7.0,
        "final_text_mean": {"scope": 0.52, "safeguards": 0.6},
    }
    counts["p_adopted"] = counts["p_consensus"] + counts["p_vote"]
    summary.update({key: count / N for key, count in counts.items()})
    summary["ci95"] = {key: list(wilson_interval(count, N)) for key, count in counts.items()}
    summary["top_blockers"] = [
        {"id": "SYR", "name": "Syria", "share": 3 / N},
        {"id": "IRN", "name": "Iran", "share": 0.0012},
    ]
    summary["pivotal"] = [{"id": "SYR", "name": "Syria", "share": 2 / N}]
    return summary


ORDER = re.compile(r"(<|>)?(\d\.\d{3})")


def rank(text: str) -> float:
    """A printed probability as a number that keeps the printed order (``<0.001`` between 0.000 and 0.001)."""
    sign, digits = ORDER.fullmatch(text).groups()
    return float(digits) + {"<": -0.0005, ">": 0.0005, None: 0.0}[sign]


def estimates(text: str) -> list[tuple[str, str, str]]:
    return re.findall(r"([<>]?\d\.\d{3}) \[([<>]?\d\.\d{3}), ([<>]?\d\.\d{3})\]", text)


def test_the_report_of_a_100000_replicate_run_keeps_each_estimate_inside_its_interval():
    report = format_summary(big_summary(), "a big run")
    assert "adopted (either way)     >0.999   [>0.999, >0.999]" in report
    assert "failed                   <0.001   [<0.001, <0.001]" in report
    assert "[1.000, 1.000]" not in report and "[0.000, 0.000]" not in report
    assert "Syria (<0.1%), Iran (0.1%)" in report and "(0.0%)" not in report
    lines = [line for line in report.splitlines() if "[" in line]
    assert len(lines) == len(outcomes.SUMMARY_ROWS)
    for line in lines:
        estimate, low, high = re.search(r"([<>]?\d\.\d{3})\s+\[([<>]?\d\.\d{3}), ([<>]?\d\.\d{3})\]", line).groups()
        assert rank(low) <= rank(estimate) <= rank(high), line


def test_the_dashboard_and_compare_round_as_the_report_does():
    from sim.ui.narrate import monte_carlo_lines

    summary = big_summary()
    lines = monte_carlo_lines(summary)
    assert lines[0].startswith("P(adopted) = >0.999 (95% interval >0.999–>0.999)")
    assert "failed <0.001 [<0.001, <0.001]" in lines[1]
    assert any("Syria (<0.1%)" in line for line in lines) and not any("(0.0%)" in line for line in lines)
    table = format_table(comparison_rows([summary]))
    assert ">0.999 [>0.999, >0.999]" in table and "<0.001 [<0.001, <0.001]" in table
    for text in ("\n".join(lines), table):
        for estimate, low, high in estimates(text):
            assert rank(low) <= rank(estimate) <= rank(high)


@pytest.mark.parametrize("successes", [0, 1, 2, 5, 49, 50, 51, 99, 100, 150, 500, 99_850, 99_900, 99_950, 99_999, N])
def test_an_estimate_is_never_printed_outside_its_interval(successes):
    from sim.analysis.report import format_interval

    p = successes / N
    low, high = wilson_interval(successes, N)
    printed = [format_probability(x) for x in (low, p, high)]
    assert rank(printed[0]) <= rank(printed[1]) <= rank(printed[2]), printed
    assert format_interval(low, high) == f"{printed[0]}, {printed[2]}"


def test_shares_never_round_to_zero_or_a_hundred_percent():
    from sim.analysis.report import format_share

    assert format_share(0.0) == "0.0%" and format_share(1.0) == "100.0%"
    assert format_share(0.00002) == "<0.1%" and format_share(0.0009) == "<0.1%" and format_share(0.001) == "0.1%"
    assert format_share(0.9995) == ">99.9%" and format_share(0.25) == "25.0%"
