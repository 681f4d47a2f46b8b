"""The dashboard's logic, tested directly on models (no browser): games, the play hook, words, map data, inputs."""

from __future__ import annotations

import numpy as np
import pytest

from sim import NegotiationModel, ScenarioError, load_scenario, outcomes, simulate, with_overrides
from sim.loading import scenario_path, validate_scenario
from sim.ui.narrate import explain, format_text, monte_carlo_lines, round_log
from sim.ui.state import (
    ACCEPTS,
    OBJECTS,
    UNDECIDED,
    Controls,
    Decision,
    Game,
    apply_controls,
    map_data,
    monte_carlo,
    player_brief,
    scenario_from_upload,
)
from tests.builders import build, delegation
from tests.pivotal_bloc import BLOC_NAME, pivotal_bloc_dict

NO_NOISE = {"position": 0.0, "salience": 0.0, "reservation": 0.0}


def like_minded(step: float = 1.0, strategy: str = "accommodate", rounds: int = 5):
    """Five identical delegations at (0.5, 0.5) that accept the opening text: only a played objector can block."""
    crowd = [delegation(f"D{i}", 0.5, 0.5, reservation=0.6, outside_option=0.3) for i in range(5)]
    return build(
        crowd,
        uncertainty=NO_NOISE,
        chair={"strategy": strategy, "step": step},
        procedure={"rounds": rounds, "fallback": "vote"},
    )


@pytest.fixture(scope="module")
def classroom():
    return load_scenario("classroom")


# --- the game and the model's play hook ---------------------------------------------------------------------------


@pytest.mark.parametrize("replicate", [0, 3, 7])
def test_an_unplayed_game_is_the_mesa_model_and_replicate_k_of_the_engine(classroom, replicate):
    game = Game(classroom, seed=11, replicate=replicate)
    records = game.run_to_deadline()
    model = NegotiationModel(classroom, seed=11, replicate=replicate).run()
    batch = simulate(classroom, replicate + 1, 11)
    assert game.model.outcome == model.outcome == outcomes.names(batch.outcome)[replicate]
    assert np.array_equal(game.model.text, model.text) and np.array_equal(game.model.text, batch.text[replicate])
    assert [r.round for r in records] == list(range(1, model.round + 1))
    assert records[-1].outcome == model.outcome and all(r.outcome is None for r in records[:-1])


def test_accepting_for_every_blocker_gives_consensus_at_once(classroom):
    probe = Game(classroom, seed=5)
    first = probe.step()
    assert first.blocking, "the classroom's opening text should meet objections"
    game = Game(classroom, seed=5, players=first.blocking)
    record = game.step({d: Decision(objecting=False) for d in first.blocking})
    assert record.outcome == "consensus" and record.round == 1 and not record.blocking
    assert np.array_equal(game.model.text, first.text)


def test_a_played_objection_blocks_consensus_and_counts_as_a_no_vote():
    game = Game(like_minded(), players=["D0"])
    while not game.finished:
        record = game.step({"D0": Decision(objecting=True)})
        assert record.blocking == ("D0",)
    assert game.model.outcome == "vote"  # four yes against one no
    assert record.votes == {"yes": 4, "no": 1, "abstain": 0}
    assert game.model.blockers == ["D0"]


def test_the_chair_moves_to_a_lone_objectors_counter_text():
    game = Game(like_minded(step=1.0), players=["D0"])
    game.step({"D0": Decision(objecting=True, counter_text=(0.9, 0.1))})
    assert np.allclose(game.model.text, [0.9, 0.1])
    half = Game(like_minded(step=0.5), players=["D0"])
    half.step({"D0": Decision(objecting=True, counter_text=(0.9, 0.1))})
    assert np.allclose(half.model.text, [0.7, 0.3])


def test_a_holding_chair_ignores_counter_texts_and_an_accepting_player_does_not_pull():
    hold = Game(like_minded(strategy="hold"), players=["D0"])
    hold.step({"D0": Decision(objecting=True, counter_text=(0.9, 0.1))})
    assert np.allclose(hold.model.text, [0.5, 0.5])
    accepting = Game(like_minded(), players=["D0"])
    record = accepting.step({"D0": Decision(objecting=False, counter_text=(0.9, 0.1))})
    assert record.outcome == "consensus" and np.allclose(accepting.model.text, [0.5, 0.5])


def test_the_game_waits_for_its_players_and_forgets_decisions_after_a_round(classroom):
    game = Game(classroom, seed=2, players=["EU", "RUS"])
    assert game.waiting_for() == ("EU", "RUS")
    with pytest.raises(ValueError, match="RUS"):
        game.step({"EU": Decision(objecting=False)})
    with pytest.raises(ValueError):
        game.run_to_deadline()
    game.step({"EU": Decision(objecting=True), "RUS": Decision(objecting=True)})
    assert game.model.played == {}
    game.seat([])  # the students hand back their delegations; the model plays on
    assert game.waiting_for() == ()
    game.run_to_deadline()
    assert game.finished and game.waiting_for() == ()
    with pytest.raises(ScenarioError):
        game.seat(["XX"])


def test_the_player_brief_predicts_the_models_own_decision(classroom):
    game = Game(classroom, seed=4)
    while not game.finished:
        briefs = {d: player_brief(game, d) for d in classroom.delegation_ids}
        record = game.step()
        for d, brief in briefs.items():
            assert (brief.advice == "object") == (d in record.objecting), (record.round, d)
            assert brief.utility == pytest.approx(record.utility[classroom.delegation_ids.index(d)])


# --- words ---------------------------------------------------------------------------------------------------------


def test_the_round_log_has_one_sentence_per_round_with_the_texts_and_objectors(classroom):
    game = Game(classroom, seed=1, players=["EU"])
    assert round_log(game) == []
    for _ in range(3):
        game.step({"EU": Decision(objecting=True, counter_text=(0.2, 0.9))})
    log = round_log(game)
    assert len(log) == 3
    issues = classroom.issue_ids
    for line, record in zip(log, game.history):
        assert line.startswith(f"Round {record.round}: ")
        assert f"{len(record.objecting)} delegation" in line
        assert format_text(record.text, issues) in line
        assert f"the chair moves the text to {format_text(record.next_text, issues)}" in line
        assert "European Union (played) objects and proposes scope 0.20, safeguards 0.90" in line
        for d in record.objecting:
            assert game.names[d] in line


def test_the_last_sentence_and_the_explanation_name_the_ending(classroom):
    game = Game(classroom, seed=1)
    assert explain(game) == []
    game.run_to_deadline()
    last, notes = round_log(game)[-1], explain(game)
    if game.model.outcome == "consensus":
        assert "consensus" in last and notes[0].startswith(f"Consensus in round {game.model.round}")
    else:
        assert "the vote" in last and notes[0].startswith("No consensus by the deadline")


def test_the_explanation_says_who_was_pivotal_and_what_the_player_could_have_done():
    game = Game(like_minded(), players=["D0"])
    while not game.finished:
        game.step({"D0": Decision(objecting=True)})
    notes = " ".join(explain(game))
    assert "Delegation D0 alone stood between the text and consensus: it was pivotal." in notes
    assert "Had Delegation D0 accepted in the last round, the talks would have ended in consensus." in notes
    assert "The fallback vote adopted the text: 4 yes, 1 no" in notes


def test_the_explanation_of_consensus_names_who_stopped_blocking_and_why(classroom):
    unlocked = None
    for seed in range(40):
        game = Game(classroom, seed=seed)
        game.run_to_deadline()
        if game.model.outcome == "consensus" and len(game.history) > 1:
            unlocked = game
            break
    assert unlocked is not None, "some seed should reach consensus after round 1"
    notes = explain(unlocked)
    for d in unlocked.history[-2].blocking:
        assert any(line.startswith(f"{unlocked.names[d]} stopped blocking") for line in notes)
    assert notes[-1].startswith("What unlocked consensus: mostly ")


# --- the policy map ------------------------------------------------------------------------------------------------


def test_map_data_follows_the_rounds(classroom):
    game = Game(classroom, seed=3, players=["USA"])
    before = map_data(game)
    assert before.status == (UNDECIDED,) * 8 and before.path.shape == (1, 2)
    assert before.played == tuple(d == "USA" for d in classroom.delegation_ids)
    assert np.allclose(before.power, [d.power for d in classroom.delegations])
    record = game.step({"USA": Decision(objecting=True)})
    after = map_data(game)
    assert after.status == tuple(OBJECTS if d in record.objecting else ACCEPTS for d in classroom.delegation_ids)
    assert np.array_equal(after.text, game.model.text) and after.path.shape == (2, 2)
    assert np.array_equal(after.path[-1], record.next_text)
    assert np.array_equal(after.ideal, np.array([d.position for d in game.model.delegations]))


def test_the_policy_map_figure_draws_the_text_and_every_delegation(classroom):
    from sim.ui.figures import plot_round_map

    game = Game(classroom, seed=3)
    game.step()
    ax = plot_round_map(map_data(game))
    labels = {t.get_text() for t in ax.texts}
    assert set(classroom.delegation_ids) <= labels
    star = next(c for c in ax.collections if c.get_label() == "text on the table")
    assert np.allclose(star.get_offsets()[0], game.model.text)
    drawn = sum(len(c.get_offsets()) for c in ax.collections if c.get_label() in (ACCEPTS, OBJECTS))
    assert drawn == len(classroom.delegations)


# --- inputs: controls and uploads ----------------------------------------------------------------------------------


def test_controls_override_the_rules_and_one_delegation(classroom):
    controls = Controls(
        rounds=4,
        chair_strategy="hold",
        vote_threshold=0.75,
        uncertainty=2.0,
        delegation="EU",
        position={"scope": 0.6},
        salience={"scope": 3.0, "safeguards": 1.0},
    )
    changed = apply_controls(classroom, controls)
    assert changed.procedure.rounds == 4 and changed.chair.strategy == "hold"
    assert changed.procedure.vote_threshold == 0.75
    assert changed.uncertainty.position == pytest.approx(2 * classroom.uncertainty.position)
    eu = next(d for d in changed.delegations if d.id == "EU")
    assert eu.position == {"scope": 0.6, "safeguards": classroom.delegations[6].position["safeguards"]}
    assert eu.salience == pytest.approx({"scope": 0.75, "safeguards": 0.25})
    others = [d for d in changed.delegations if d.id != "EU"]
    assert others == [d for d in classroom.delegations if d.id != "EU"]
    assert apply_controls(classroom, Controls()) == classroom


def test_the_uncertainty_scale_is_capped_at_the_schemas_bounds(classroom):
    noisy = with_overrides(
        classroom, {"uncertainty": {"position": 0.5, "salience": 2.0, "reservation": 0.5, "group_position": 0.4}}
    )
    capped = apply_controls(noisy, Controls(uncertainty=3.0))
    assert (capped.uncertainty.position, capped.uncertainty.salience, capped.uncertainty.reservation) == (1.0, 3.0, 1.0)
    assert capped.uncertainty.group_position == 1.0  # every noise level is scaled and capped, the newest included


def test_bad_controls_are_scenario_errors_with_a_field_path(classroom):
    with pytest.raises(ScenarioError) as bad_threshold:
        apply_controls(classroom, Controls(vote_threshold=0.0))
    assert "dashboard controls: procedure.vote_threshold: must be greater than 0" in bad_threshold.value.format()
    with pytest.raises(ScenarioError, match="no delegation 'XX'"):
        apply_controls(classroom, Controls(delegation="XX"))
    with pytest.raises(ScenarioError, match="salience must have at least one positive weight"):
        apply_controls(classroom, Controls(delegation="EU", salience={"scope": 0.0, "safeguards": 0.0}))


def test_an_uploaded_file_loads_like_the_file_on_disk(classroom):
    content = scenario_path("classroom").read_bytes()
    assert scenario_from_upload("mine.yaml", content) == classroom


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name: [unclosed\n", "mine.yaml: line 2, column 1: YAML syntax error"),
        (b"", "mine.yaml: the file is empty"),
        (b"- a\n- b\n", "mine.yaml: expected a mapping at the top level, got a list"),
        (b"name: x\ntitle: t\nissues: []\ndelegations: []\n", "mine.yaml: issues: "),
        (b"\xff\xfe\x00", "mine.yaml: not UTF-8 text"),
    ],
)
def test_a_bad_upload_is_a_scenario_error_naming_the_uploaded_file(content, expected):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_upload("mine.yaml", content)
    assert expected in caught.value.format()
    assert "upload.yaml" not in caught.value.format()


def test_an_oversized_upload_is_refused_before_parsing():
    with pytest.raises(ScenarioError, match="the limit is"):
        scenario_from_upload("big.yaml", b"#" * 2_000_001)


@pytest.mark.parametrize("name", ["uncc2024_us_exit", "uncc2024_eu_split"])
def test_an_uploaded_what_if_with_extends_loads_like_the_file_on_disk(name):
    """Uploading a bundled what-if (``extends: uncc2024``) used to fail with "extends: unknown field"."""
    content = scenario_path(name).read_bytes()
    assert b"extends:" in content
    assert scenario_from_upload(f"{name}.yaml", content) == load_scenario(name)


def test_an_upload_extends_a_bundled_name_or_a_path_inside_the_bundled_folder(classroom):
    by_name = scenario_from_upload("mine.yaml", b"extends: classroom\ntitle: mine\n")
    by_path = scenario_from_upload("mine.yaml", b"extends: ./classroom.yaml\ntitle: mine\n")
    assert by_name == by_path == classroom.model_copy(update={"title": "mine"})
    # named like its parent, an upload is still no cycle: it is not the bundled file
    assert scenario_from_upload("classroom.yaml", b"extends: classroom\n") == classroom


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("../pyproject.yaml", "outside the bundled scenarios folder"),
        ("/etc/passwd.yaml", "outside the bundled scenarios folder"),
        ("nosuch.yaml", "no such file in the bundled scenarios folder"),
        ("nosuch", "unknown scenario name"),
    ],
)
def test_an_upload_cannot_extend_a_file_outside_the_bundled_folder(reference, expected):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_upload("mine.yaml", f"extends: {reference}\n".encode())
    text = caught.value.format()
    assert text.startswith(f"mine.yaml: extends: unknown parent '{reference}'") and expected in text


# --- the Monte Carlo panel -----------------------------------------------------------------------------------------


def test_the_monte_carlo_panel_reports_the_batched_engine(classroom):
    summary = monte_carlo(classroom, replicates=400, seed=9)
    results = simulate(classroom, 400, 9)
    adopted = float(np.mean(outcomes.is_adopted(results.outcome)))
    assert summary["replicates"] == 400 and summary["p_adopted"] == pytest.approx(adopted)
    low, high = summary["ci95"]["p_adopted"]
    lines = monte_carlo_lines(summary)
    assert lines[0] == f"P(adopted) = {adopted:.3f} (95% interval {low:.3f}–{high:.3f}) over 400 replicates, seed 9."
    assert lines[1].startswith(f"Outcome shares: consensus {summary['p_consensus']:.3f}")
    pivotal = summary["pivotal"][0]
    assert any(line.startswith("Pivotal") and f"{pivotal['name']} ({pivotal['share']:.1%})" in line for line in lines)


def test_the_monte_carlo_panel_names_a_pivotal_bloc_as_the_command_line_does():
    """A coordinated bloc was named by its id ("eu") on the page, by its name in the command line's report."""
    scenario = validate_scenario(pivotal_bloc_dict(), "test.yaml")
    summary = monte_carlo(scenario, replicates=20, seed=1)
    assert summary["pivotal"] == [{"id": "eu", "name": f"{BLOC_NAME} (bloc)", "share": 1.0}]
    assert scenario.display_names()["eu"] == f"{BLOC_NAME} (bloc)"
    pivotal = next(line for line in monte_carlo_lines(summary) if line.startswith("Pivotal"))
    assert pivotal.endswith(f": {BLOC_NAME} (bloc) (100.0%).")
    assert Game(scenario).names == scenario.display_names()


def test_an_objection_without_a_counter_text_pulls_the_text_toward_the_player():
    """A player objecting to a text its delegation would accept asks for its own ideal point, never pushes away."""
    crowd = [delegation("D0", 0.3, 0.3, reservation=0.6, outside_option=0.3)]
    crowd += [delegation(f"D{i}", 0.5, 0.5, reservation=0.6, outside_option=0.3) for i in range(1, 5)]
    game = Game(build(crowd, uncertainty=NO_NOISE, chair={"step": 0.5}, procedure={"rounds": 5}), players=["D0"])
    assert player_brief(game, "D0").advice == "accept"
    ideal = game.model.delegations[0].position.copy()
    before = np.abs(game.model.text - ideal).sum()
    record = game.step({"D0": Decision(objecting=True)})
    assert record.blocking == ("D0",)
    assert np.abs(game.model.text - ideal).sum() < before - 0.05


@pytest.mark.parametrize("name", ["uncc2024_groups", "uncc2024_lobbying", "uncc2024"])
def test_the_briefs_advice_is_what_the_model_then_decides(name):
    """The advice a player reads ("the model would accept") is the model's own decision of the coming round, with
    groups' pull, coordinated blocs, stakeholders' pressure and isolation all weighed — checked for every delegation
    in every round of a run."""
    from sim import load_scenario
    from sim.ui.state import Game, player_brief

    game = Game(load_scenario(name), seed=3)
    m = game.model
    while m.running:
        advised = {d.delegation_id: player_brief(game, d.delegation_id).advice.split(":")[0] for d in m.delegations}
        m.step()
        decided = {d.delegation_id: "object" if d.objecting else "accept" for d in m.delegations}
        assert advised == decided, (name, m.round)
