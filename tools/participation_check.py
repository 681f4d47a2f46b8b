"""A candidate mechanism checked against the uncc2024_provisions miss and *not* shipped (docs/model.md section 15).

Sophisticated provision votes (``sim.steps.provision_worth``) value a text that would be adopted at its utility. The
candidate values it by who will join it as well: an adopted treaty is worth its gain over the outside option scaled by
the power share of the states that gain from it — those the ratification stage (section 14) lets ratify, a club good
whose value grows with its members (Barrett 2003, *Environment and Statecraft*):

    V_i(p) = o_i + m(p) (u_i(p) − o_i),   m(p) = Σ_j w_j [g_j(p) > 0] / Σ_j w_j,   g_j = u_j(p) − o_j (blocs pooled)

This script runs ``uncc2024_provisions`` (no cost of reopening, c = 0) with the shipped ``provision_worth`` and with
the candidate, and prints what the docs quote:
P(kept), the mean split of the Art. 6(2) vote, P(consensus), and how often each state that wants strong safeguards
would still gain from the text without Art. 6(2). The candidate is patched in for this run only; nothing in ``sim``
changes::

    python tools/participation_check.py              # 2,000 replicates, seed 1
"""

from __future__ import annotations

import argparse
from unittest import mock

import numpy as np

from sim import dynamics as dyn
from sim import simulate, steps
from sim.inputs import Draw, ScenarioArrays
from sim.loading import load_scenario
from sim.results import Results
from sim.scenario import Scenario

SHIPPED_VOTES = steps.provision_votes


def participation(arrays: ScenarioArrays, util: np.ndarray, draw: Draw) -> np.ndarray:
    """m(p): the power share of the states whose (pooled) gain from the text is positive. (..., N) → (...)."""
    gain = steps.pooled(arrays, util - draw.outside_option)
    return ((gain > 0.0) @ arrays.power) / arrays.power.sum()


def worth_by_who_joins(
    arrays: ScenarioArrays,
    text: np.ndarray,
    without: np.ndarray,
    draw: Draw,
    belief: object = None,
    t: int | None = None,
) -> np.ndarray:
    """The candidate's provision_worth: V_i(p) − V_i(p without it), V as in the module docstring."""
    values = []
    for candidate in (text, without):
        util = dyn.utility(candidate, draw.position, draw.salience)
        joined = participation(arrays, util, draw)[..., None]
        value = draw.outside_option + joined * (util - draw.outside_option)
        adopted = steps.foreseen_adoption(arrays, candidate, draw, belief, t)[..., None]
        values.append(np.where(adopted, value, draw.outside_option))
    return steps.pooled(arrays, values[0] - values[1])


def summary(results: Results) -> str:
    """P(kept) per provision, the Art. 6(2) split and P(consensus), as docs/model.md section 15 quotes them."""
    record = results.record
    kept = ", ".join(f"{p} kept {(record[f'provision_{p}'] != 0).mean():.2f}" for p in ("art6_2", "art24"))
    voted = record["provision_art6_2"] >= 0
    split = " / ".join(f"{record[f'{k}_art6_2'][voted].mean():.0f}" for k in ("keep", "delete", "abstain"))
    return f"{kept}; Art. 6(2) votes keep / delete / abstain {split}; P(consensus) " + (
        f"{(results.outcome_labels() == 'consensus').mean():.2f}"
    )


def still_gaining(scenario: Scenario, replicates: int, seed: int) -> float:
    """For the states that want strong safeguards (ideal ≥ 0.85): how often the text at the vote, without Art. 6(2),
    still gives them more than their outside option — i.e. they would not stay out of the treaty for it."""
    gains: list[np.ndarray] = []
    strong: list[np.ndarray] = []

    def spy(
        arrays: ScenarioArrays, text: np.ndarray, draw: Draw, belief: object = None, t: int | None = None
    ) -> steps.ProvisionVotes:
        without = np.clip(text + arrays.provision_shift[0], 0.0, 1.0)
        gains.append(steps.pooled(arrays, dyn.utility(without, draw.position, draw.salience) - draw.outside_option))
        strong.append(arrays.position[:, arrays.issue_ids.index("safeguards")] >= 0.85)
        return SHIPPED_VOTES(arrays, text, draw, belief, t)

    with mock.patch.object(steps, "provision_votes", spy):  # each round's votes (replicates vote in their round)
        simulate(scenario, replicates, seed, workers=1, chunk_size=replicates)
    values = np.concatenate([g[:, s].ravel() for g, s in zip(gains, strong, strict=True)])
    return float((values > 0.0).mean())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    scenario = load_scenario("uncc2024_provisions")
    print("shipped rule, c = 0:       ", summary(simulate(scenario, args.replicates, args.seed)))
    with mock.patch.object(steps, "provision_worth", worth_by_who_joins):
        print("candidate (who joins):    ", summary(simulate(scenario, args.replicates, args.seed)))
    share = still_gaining(scenario, args.replicates, args.seed)
    print(f"states wanting strong safeguards (ideal >= 0.85) still gaining without Art. 6(2): {share:.0%}")


if __name__ == "__main__":
    main()
