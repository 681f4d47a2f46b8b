"""Statistics of a sweep, from the tables of :mod:`sim.analysis.sweep_tables`: adoption (or entry into force, or a
provision kept) against a swept parameter, the outcome shares per scenario, when consensus comes, and who blocks.

Probabilities are pooled over jobs as counts (successes out of replicates), and every interval is the Wilson score
interval of :func:`sim.analysis.stats.wilson_interval` (Wilson 1927; Brown, Cai & DasGupta 2001), which keeps its
coverage near 0 and 1, where adoption likelihoods often sit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import outcomes
from sim.analysis.stats import wilson_interval

if TYPE_CHECKING:
    import pandas as pd


def adoption_by(table: pd.DataFrame, parameter: str, statistic: str = "p_adopted") -> pd.DataFrame:
    """P(``statistic``) per scenario and value of ``parameter``, pooled over the other swept parameters, with a
    Wilson 95% interval on the pooled counts: ``scenario``, ``parameter``, ``successes``, ``trials``, ``p``, ``low``,
    ``high``."""
    import pandas as pd

    rows = table[table["statistic"] == statistic].copy()
    rows["successes"] = (rows["value"] * rows["replicates"]).round().astype(int)
    rows[parameter] = rows[parameter].astype(str)  # None, numbers and names alike group and sort as labels
    pooled = rows.groupby(["scenario", parameter], sort=False)[["successes", "replicates"]].sum().reset_index()
    pooled = pooled.rename(columns={"replicates": "trials"})
    bounds = [wilson_interval(s, n) for s, n in zip(pooled["successes"], pooled["trials"])]
    pooled["p"] = pooled["successes"] / pooled["trials"]
    pooled[["low", "high"]] = pd.DataFrame(bounds, index=pooled.index)
    return _sorted_by_value(pooled, parameter)


def _sorted_by_value(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    numeric = frame[column].map(_as_number)
    order = numeric if numeric.notna().all() else frame[column]
    return frame.assign(_order=order).sort_values(["scenario", "_order"]).drop(columns="_order").reset_index(drop=True)


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def provision_ids(table: pd.DataFrame) -> list[str]:
    """The provisions put to recorded votes in the jobs of ``table`` (rows of one scenario, or all), in order of
    first appearance: the ``<id>`` of its ``p_kept.<id>`` statistics
    (:func:`sim.analysis.sweep_tables.stage_statistics`)."""
    prefix = "p_kept."
    names = table.loc[table["statistic"].str.startswith(prefix), "statistic"]
    return [name.removeprefix(prefix) for name in dict.fromkeys(names)]


def outcome_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, the pooled share of each outcome (:data:`sim.outcomes.OUTCOMES`) over all its jobs, with
    Wilson intervals: the rows of :func:`adoption_by` with a ``statistic`` column naming the outcome's key."""
    import pandas as pd

    pooled = table.assign(_all="all")
    frames = [adoption_by(pooled, "_all", o.key).assign(statistic=o.key) for o in outcomes.OUTCOMES]
    return pd.concat(frames, ignore_index=True).drop(columns="_all")


def agreement_rounds(replicates: pd.DataFrame) -> pd.DataFrame:
    """How many rounds before the deadline consensus came: ``scenario``, ``rounds`` (the deadline), ``rounds_left``
    (0 = in the deadline round) and ``share`` of the consensus replicates of that scenario and deadline."""
    consensus = replicates[replicates["outcome"] == outcomes.CONSENSUS.name]
    left = consensus.assign(rounds_left=consensus["rounds"] - consensus["round"])
    counts = left.groupby(["scenario", "rounds", "rounds_left"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby(["scenario", "rounds"])["count"].transform("sum")
    return counts


def blocking_shares(replicates: pd.DataFrame) -> pd.DataFrame:
    """How often each delegation still blocks consensus at the deadline, per scenario, with Wilson intervals:
    ``scenario``, ``delegation``, ``blocks``, ``trials``, ``share``, ``low``, ``high`` (most frequent first)."""
    import pandas as pd

    rows = []
    for scenario, part in replicates.groupby("scenario", sort=True):
        ids = part["blockers"].str.split(";").explode()
        counts = ids[ids != ""].value_counts()
        trials = len(part)
        for delegation, blocks in counts.items():
            rows.append(
                {
                    "scenario": scenario,
                    "delegation": delegation,
                    "blocks": int(blocks),
                    "trials": trials,
                    **dict(zip(("low", "high"), wilson_interval(int(blocks), trials))),
                    "share": blocks / trials,
                }
            )
    columns = ["scenario", "delegation", "blocks", "trials", "share", "low", "high"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["scenario", "share", "delegation"], ascending=[True, False, True], ignore_index=True)
