"""The dashboard shows the provision votes in its round log and the entry into force in its Monte Carlo panel."""

from __future__ import annotations

from sim import load_scenario
from sim.ui.narrate import monte_carlo_lines, round_log
from sim.ui.state import Game, monte_carlo


def test_the_round_log_tells_the_recorded_votes_on_provisions():
    game = Game(load_scenario("uncc2024_provisions"), seed=1)
    game.run_to_deadline()
    log = "\n".join(round_log(game))
    assert "a recorded vote on deleting Art. 6(2)" in log and "keep" in log and "abstain" in log
    assert sum(r.provisions is not None for r in game.history) == 1  # once per run


def test_the_round_log_tells_provision_votes_that_open_an_early_consensus_in_their_round():
    """Everyone accepts the held text in round 1 of 5; the votes on its provision come first, in round 1."""
    from tests.builders import early_consensus

    game = Game(early_consensus(), seed=3)
    game.run_to_deadline()
    voted = [r.round for r in game.history if r.provisions is not None]
    assert voted == [1] and game.model.outcome == "consensus"
    assert "a recorded vote on deleting p: deleted" in "\n".join(round_log(game))


def test_the_monte_carlo_panel_gives_entry_into_force_and_provisions():
    summary = monte_carlo(load_scenario("uncc2024_provisions"), replicates=60, seed=2)
    lines = "\n".join(monte_carlo_lines(summary))
    assert "In force within the horizon:" in lines
    assert "Provision Art. 6(2): the general human-rights clause: kept" in lines  # by its label, as the report
    assert "Provision Art. 24: conditions and safeguards: kept" in lines and "put to a vote in every replicate" in lines


def test_the_monte_carlo_panel_says_when_a_provision_was_never_put_to_a_vote():
    """A provision 'kept' only because no one called a vote on it is not read as a vote won."""
    from tests.builders import build, delegation

    agree = build(
        [delegation(f"D{i}", 0.5, 0.9) for i in range(4)],
        provisions=[{"id": "p", "issue": "safeguards", "shift": -0.2}],
        procedure={"rounds": 5},
        uncertainty={"position": 0.0},
    )
    lines = "\n".join(monte_carlo_lines(monte_carlo(agree, replicates=20, seed=1)))
    assert "Provision p: kept" in lines and "never put to a vote (no delegation gained enough from deleting it" in lines
