"""Choose ``behaviour.reopening_cost`` on recorded amendment votes, leaving one session out (docs/model.md §15).

The plan was written before any run (docs/model.md section 15, "A cost of reopening the chair's text"): every
recorded vote on changing a chair's text whose content and outcome are sourced in
``docs/backtest/amendment_votes.md`` and whose change falls on an issue its case encodes is a provision of a what-if
file extending the case; each setting c of the grid is scored on each vote by the Brier score of the recorded
outcome plus the squared error of the share voting for the change; one session is left out at a time. The recorded
votes are the table ``RECORDED`` below, each row citing the addendum. Nothing in ``sim`` changes::

    python tools/reopening_check.py                 # 2,000 replicates, seed 1 (the plan's)
    python tools/reopening_check.py --replicates 200
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass, replace

import numpy as np

from sim import simulate
from sim.loading import load_scenario, with_overrides
from sim.results import Record

#: The plan's grid of c.
GRID = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10)


@dataclass(frozen=True)
class Recorded:
    """One recorded vote on changing the chair's text: its session (a scenario name), its provision id there,
    whether the text was kept, and the counts for the change / against it / abstaining (None: not sourced)."""

    session: str
    provision: str
    kept: bool
    counts: tuple[int, int, int] | None
    source: str

    @property
    def share_for_change(self) -> float | None:
        """d*: the recorded share voting for the change among those voting for, against or abstaining."""
        if self.counts is None:
            return None
        return self.counts[0] / sum(self.counts)


#: The votes the plan uses, from docs/backtest/amendment_votes.md: counts for the change / against / abstaining.
#: The cybercrime deletions of 8 Aug 2024 are not among them: which provisions were put to a vote, and the counts,
#: are unsourced there ([U]), so under the plan (point 1) they are predicted, never used to choose.
TAX = "un_tax_tor2024_amendments"
RECORDED: tuple[Recorded, ...] = (
    Recorded(TAX, "uk", True, (50, 103, 10), "addendum 1, UK amendment [V a][V-2nd b]"),
    Recorded(TAX, "canada", True, (46, 103, 15), "addendum 1, Canada amendment [V a][V-2nd b]"),
    Recorded(TAX, "eu_commitments", True, (48, 106, 10), "addendum 1, EU amendment 2 [V a][V-2nd b]"),
    Recorded(TAX, "eu_protocols", True, (49, 103, 12), "addendum 1, EU amendment 3 [V a][V-2nd b]"),
    Recorded("rome1998_amendments", "us_consent", True, (17, 113, 25), "addendum 2, US amendment, no action [V b]"),
)
#: Predicted only (point 5 of the plan): the cybercrime deletions, every one of which failed [V-2nd].
PREDICTED: tuple[Recorded, ...] = (
    Recorded("uncc2024", "art6_2", True, None, "addendum 3 (outcome [V-2nd b]; the list of votes [U])"),
    Recorded("uncc2024", "art24", True, None, "addendum 3 (outcome [V-2nd b]; the list of votes [U])"),
)


@dataclass(frozen=True)
class Fit:
    """What a setting gives on one vote: P(kept), the mean share for the change where called, and the score."""

    p_kept: float
    share: float
    p_called: float
    score: float


#: The ballots of a recorded vote.
BALLOTS = ("keep", "delete", "abstain")


@functools.cache
def run(session: str, cost: float, replicates: int, seed: int, changed: tuple[str, float] | None = None) -> Record:
    """The results of ``session`` at cost ``cost``, once per setting (both provisions of a session share a run).
    ``changed``: a provision encoded otherwise, ``(id, shift)`` (a sensitivity)."""
    scenario = load_scenario(session)
    patch: dict[str, object] = {"behaviour": {"reopening_cost": cost}}
    if changed is not None:
        pid, shift = changed
        patch["provisions"] = [p.model_dump() | ({"shift": shift} if p.id == pid else {}) for p in scenario.provisions]
    return simulate(with_overrides(scenario, patch), replicates, seed).record


def fit(vote: Recorded, cost: float, replicates: int, seed: int, shift: float | None = None) -> Fit:
    """The plan's score of cost ``cost`` on ``vote``: (kept − P(kept))² + (d − d*)² (the second term only with
    sourced counts; d = 0 where the vote is never called). ``shift``: another encoding of the change (a
    sensitivity)."""
    pid = vote.provision
    record = run(vote.session, cost, replicates, seed, None if shift is None else (pid, shift))
    state = record[f"provision_{pid}"]
    called = state >= 0
    p_kept = float((state != 0).mean())
    share = 0.0
    if called.any():
        cast = sum(record[f"{name}_{pid}"] for name in BALLOTS)[called]
        share = float((record[f"delete_{pid}"][called] / np.maximum(cast, 1)).mean())
    score = (float(vote.kept) - p_kept) ** 2
    if vote.share_for_change is not None:
        score += (share - vote.share_for_change) ** 2
    return Fit(p_kept, share, float(called.mean()), score)


def session_scores(fits: dict[tuple[int, float], Fit]) -> dict[str, dict[float, float]]:
    """Each session's score per c: the mean over its votes."""
    out: dict[str, dict[float, float]] = {}
    for session in dict.fromkeys(v.session for v in RECORDED):
        rows = [i for i, v in enumerate(RECORDED) if v.session == session]
        out[session] = {c: float(np.mean([fits[i, c].score for i in rows])) for c in GRID}
    return out


def best(scores: dict[str, dict[float, float]], sessions: list[str]) -> float:
    """The c with the lowest mean score over ``sessions`` (ties: the smaller c)."""
    return min(GRID, key=lambda c: (round(float(np.mean([scores[s][c] for s in sessions])), 12), c))


def choose(fits: dict[tuple[int, float], Fit], verdict: str = "default") -> tuple[float, list[str]]:
    """The plan's point 4: the default c, and the lines that show how it was chosen (session scores, leave one
    session out). ``verdict`` names the result ("would choose" for a check that chooses nothing)."""
    scores = session_scores(fits)
    sessions = list(scores)
    lines = ["session scores (lower is better): " + "  ".join(f"c={c:g}" for c in GRID)]
    lines += [f"  {s}: " + "  ".join(f"{scores[s][c]:.3f}" for c in GRID) for s in sessions]
    lines.append("leave one session out: chosen c on the others, held-out score at it and at c=0")
    held, zero = [], []
    for s in sessions:
        c = best(scores, [o for o in sessions if o != s])
        held.append(scores[s][c])
        zero.append(scores[s][0.0])
        lines.append(f"  {s}: c={c:g}  held-out {scores[s][c]:.3f}  at c=0 {scores[s][0.0]:.3f}")
    overall = best(scores, sessions)
    chosen = overall if float(np.mean(held)) < float(np.mean(zero)) else 0.0
    lines.append(
        f"mean held-out score {np.mean(held):.3f} against {np.mean(zero):.3f} at c=0; "
        f"c on all sessions {overall:g}; {verdict}: {chosen:g}"
    )
    return chosen, lines


def counting_calls(fits: dict[tuple[int, float], Fit]) -> dict[tuple[int, float], Fit]:
    """The fits scored as the plan did plus (1 − P(vote called))²: every recorded vote here was called, and the
    plan's score did not count a model that would not call it (a check made after the plan, never used to choose)."""
    return {key: replace(f, score=f.score + (1.0 - f.p_called) ** 2) for key, f in fits.items()}


def prediction(vote: Recorded, cost: float, replicates: int, seed: int) -> str:
    """P(kept), P(vote called) and the mean votes to keep / delete / abstain where called, at cost ``cost``."""
    record = run(vote.session, cost, replicates, seed)
    state = record[f"provision_{vote.provision}"]
    called = state >= 0
    split = " / ".join(
        f"{record[f'{name}_{vote.provision}'][called].mean():.0f}" if called.any() else "-" for name in BALLOTS
    )
    return f"c={cost:g}: kept {(state != 0).mean():.2f}, called {called.mean():.2f}, keep / delete / abstain {split}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    n, seed = args.replicates, args.seed
    fits = {(i, c): fit(v, c, n, seed) for i, v in enumerate(RECORDED) for c in GRID}
    print("per vote: P(kept) / share for the change where called / P(vote called) at each c (recorded in parentheses)")
    for i, v in enumerate(RECORDED):
        recorded = "n/a" if v.share_for_change is None else f"{v.share_for_change:.2f}"
        cells = "  ".join(
            f"{c:g}: {fits[i, c].p_kept:.2f}/{fits[i, c].share:.2f}/{fits[i, c].p_called:.2f}" for c in GRID
        )
        print(f"  {v.session}:{v.provision} (kept {v.kept}, share {recorded}, called)  {cells}")
    chosen, lines = choose(fits)
    print("\n".join(lines))
    print("predicted, never used to choose:")
    for v in PREDICTED:
        print(
            f"  {v.session}:{v.provision}  "
            + "; ".join(prediction(v, c, n, seed) for c in dict.fromkeys((0.0, chosen)))
        )
    print("check after the plan, never used to choose: the score also counting whether each vote is called")
    _, lines = choose(counting_calls(fits), "would choose")
    print("\n".join(lines))
    rome = len(RECORDED) - 1
    print("sensitivity, never used to choose: the US amendment at Rome encoded as replacing the rule (shift -0.25)")
    other = fits | {(rome, c): fit(RECORDED[rome], c, n, seed, -0.25) for c in GRID}
    alternative, lines = choose(other, "would choose")
    print("\n".join(lines[2:]))
    for v in PREDICTED:
        print(f"  {v.session}:{v.provision}  " + prediction(v, alternative, n, seed))


if __name__ == "__main__":
    main()
