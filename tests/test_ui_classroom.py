"""The classroom's debrief, downloads and pages (issue 16), in-process: no browser or server."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from sim import outcomes
from sim.engine import simulate
from sim.ui import debrief as db
from sim.ui.figures import MAX_LABELS, labelled
from sim.ui.narrate import format_text
from sim.ui.rooms import FINISHED, Registry
from sim.ui.state import Decision, Game, map_data, scenario_from_upload
from sim.ui.widgets import MAX_CHOICES


@pytest.fixture
def registry(tmp_path):
    return Registry(folder=tmp_path)


def finished_room(registry, scenario="classroom"):
    """A room where Ann plays the EU (objecting with a counter-text in round 1) and Ben never decides."""
    room = registry.open_room(scenario, now=0.0)
    ann = registry.join(room.code, "Ann", "a", now=0.0)[1]
    ben = registry.join(room.code, "Ben", "b", now=0.0)[1]
    first, second = room.scenario.delegation_ids[-2:]
    room.claim(ann.token, [first])
    room.claim(ben.token, [second])
    room.start(0.0)
    room.decide(ann.token, Decision(objecting=True, counter_text=(0.3,) * len(room.scenario.issues)), now=1.0)
    while room.status != FINISHED:
        room.advance(2.0, force=True)
    return room, ann, ben


def test_the_debrief_sets_the_class_against_the_models_replicates(registry):
    room, _, _ = finished_room(registry)
    results = simulate(room.scenario, 400, room.seed)
    d = db.debrief(room, results=results)
    names = outcomes.names(results.outcome)
    assert d.outcome == room.game.model.outcome and d.replicates == 400
    assert d.same_outcome == pytest.approx(np.mean(names == d.outcome))
    assert sum(d.model_shares.values()) == pytest.approx(1.0)
    if d.outcome in ("consensus", "vote"):
        assert set(d.text_rank) == set(room.scenario.issue_ids) and all(0 <= v <= 1 for v in d.text_rank.values())
    for delegation, rounds in d.blocked.items():  # who blocked when, as the rounds recorded it
        assert rounds == tuple(r.round for r in room.game.history if delegation in r.blocking)
    (a, b) = d.students
    assert (a.student, b.student) == ("Ann", "Ben")
    assert (a.decided, a.by_agent) == (1, d.rounds - 1) and (b.decided, b.by_agent) == (0, d.rounds)
    i = room.scenario.delegation_ids.index(a.delegation)
    ideal = room.game.model.delegations[i].position
    assert a.distance == pytest.approx(np.linalg.norm(room.game.model.text - ideal))
    assert d.history is None
    lines = db.debrief_lines(d, room.game.names)
    assert any(line.startswith("Ann played") for line in lines) and any(line.startswith("Ben played") for line in lines)


def test_a_historical_scenario_says_what_really_happened(registry):
    room = registry.open_room("history/kyoto1997")
    room.advance(0.0, force=True)
    d = db.debrief(room, results=simulate(room.scenario, 50, room.seed))
    assert d.history.startswith("What really happened (1997-12-11): adopted by consensus")
    assert d.outcome == "unfinished" and d.text_rank == {}


def test_the_round_log_csv_has_a_row_per_delegation_and_round_and_says_who_decided(registry):
    room, ann, ben = finished_room(registry)
    rows = list(csv.DictReader(io.StringIO(db.round_log_csv(room))))
    n = len(room.scenario.delegations)
    assert len(rows) == n * len(room.game.history)
    first = {r["delegation"]: r for r in rows if r["round"] == "1"}
    a, b = room.members[ann.token].delegations[0], room.members[ben.token].delegations[0]
    assert first[a]["decided_by"] == "student" and first[a]["objecting"] == "1" and first[a]["student"] == "Ann"
    assert first[a]["counter_text"] == " ".join(["0.300"] * len(room.scenario.issues))
    assert first[b]["decided_by"] == "agent (absent)"
    assert {r["decided_by"] for r in first.values()} == {"student", "agent (absent)", "model"}
    assert rows[-1]["outcome"] == room.game.model.outcome


def test_the_downloads_are_a_png_and_a_scenario_that_loads_back(registry):
    room, _, _ = finished_room(registry)
    results = simulate(room.scenario, 100, room.seed)
    png = db.debrief_png(db.debrief(room, results=results), results)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    text = db.scenario_yaml(room.scenario)
    assert scenario_from_upload(f"{room.scenario.name}.yaml", text.encode()) == room.scenario


def test_the_map_names_only_the_largest_and_the_played_delegations(registry):
    small = map_data(Game(registry.open_room("classroom").scenario))
    assert labelled(small) == list(range(len(small.ids)))  # eight delegations: all named
    game = Game(registry.open_room("uncc2024").scenario, players=["LUX"])
    data = map_data(game)
    chosen = labelled(data)
    lux = data.ids.index("LUX")
    assert len(chosen) == MAX_LABELS and lux in chosen
    others = [i for i in chosen if i != lux]
    weakest_named = min(data.power[i] for i in others)
    assert all(data.power[i] <= weakest_named for i in range(len(data.ids)) if i not in chosen)


def test_a_students_page_redraws_for_their_own_view_not_for_other_students_decisions(registry):
    room = registry.open_room("classroom")
    ann = registry.join(room.code, "Ann", "a")[1]
    ben = registry.join(room.code, "Ben", "b")[1]
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    room.start(0.0)
    before = room.view(ann.token), room.view(None)
    room.decide(ben.token, Decision(objecting=False), now=1.0)
    assert room.view(ann.token) == before[0] and room.view(None) != before[1]  # the teacher sees Ben decide
    room.decide(ann.token, Decision(objecting=False), now=2.0)
    assert room.view(ann.token) != before[0]  # a new round


# --- the pages, rendered in-process ------------------------------------------------------------------------------

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
v = pytest.importorskip("ipyvuetify")

from tests.rendered import texts


@pytest.fixture
def shared(registry, monkeypatch):
    from sim.ui import classroom

    monkeypatch.setattr(classroom, "_registry", registry)
    return classroom


def shared_brief(room, member) -> str:
    """What ``member``'s own page shows."""
    from sim.ui import classroom

    box, rc = solara.render(classroom.ClassroomPage({"room": room.code, "seat": member.token}), handle_error=False)
    try:
        return " ".join(texts(box))
    finally:
        rc.close()


def test_a_students_page_shows_their_own_brief_only(shared, registry):
    room = registry.open_room("classroom")
    ann = registry.join(room.code, "Ann", "a")[1]
    ben = registry.join(room.code, "Ben", "b")[1]
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    box, rc = solara.render(shared.ClassroomPage({"room": room.code, "seat": ann.token}), handle_error=False)
    try:
        shown = " ".join(texts(box))
        assert "You play European Union" in shown and "You play United States" not in shown
        (usa,) = room.brief(ben.token)
        assert f"Your ideal is {format_text(usa.ideal.values(), room.scenario.issue_ids)}" in shared_brief(room, ben)
        assert f"Your ideal is {format_text(usa.ideal.values(), room.scenario.issue_ids)}" not in shown
        assert "Policy map" not in shown  # positions stay private until the teacher reveals them
    finally:
        rc.close()


def test_the_console_starts_and_steps_the_room(shared, registry):
    room = registry.open_room("classroom")
    box, rc = solara.render(shared.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    try:
        assert f"Join code: {room.code}" in texts(box)
        rc.find(v.Btn, children=["Start"]).widget.click()
        assert room.status == "running"
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert room.game.model.round == 1
        rc.find(v.Btn, children=["Reveal positions"]).widget.click()
        assert room.revealed
    finally:
        rc.close()


def test_a_wrong_console_token_shows_the_lobby_not_a_room(shared, registry):
    registry.open_room("classroom")
    box, rc = solara.render(shared.ClassroomPage({"teacher": "guess"}), handle_error=False)
    try:
        shown = texts(box)
        assert any("closed or unknown" in t for t in shown) and not any(t.startswith("Join code") for t in shown)
    finally:
        rc.close()


def picks(rc) -> list:
    """The picker's buttons: "Play <delegation>"."""
    return [b for b in rc.find(v.Btn).widgets if str(b.children[-1]).startswith("Play ")]


def test_choosing_among_193_delegations_lists_a_dozen_buttons_at_most(shared, registry):
    room = registry.open_room("uncc2024")
    member = registry.join(room.code, "Ann", "a")[1]
    _, rc = solara.render(shared.ClassroomPage({"room": room.code, "seat": member.token}), handle_error=False)
    try:
        assert 0 < len(picks(rc)) <= MAX_CHOICES
        rc.find(v.TextField, label="Search delegations").widget.v_model = "luxem"
        (only,) = picks(rc)
        only.click()
        assert room.members[member.token].delegations == ("LUX",)
    finally:
        rc.close()


def test_a_students_page_follows_the_room_and_starts_each_round_afresh(shared, registry):
    """The page redraws from its poll when the round is played elsewhere (here: the teacher's step), and the
    student's choice of the last round is not carried into the next."""
    import time

    room = registry.open_room("classroom")
    ann = registry.join(room.code, "Ann", "a")[1]
    room.claim(ann.token, ["EU"])
    room.start(0.0)
    _, rc = solara.render(shared.ClassroomPage({"room": room.code, "seat": ann.token}), handle_error=False)
    try:
        rc.find(v.BtnToggle).widget.v_model = 1  # object
        assert rc.find(v.Checkbox, label="propose a counter-text").widgets
        room.advance(1.0, force=True)
        deadline = time.monotonic() + 5
        while not rc.find(v.Btn, children=["Send my decision for round 2"]).widgets:
            assert time.monotonic() < deadline, "the page did not follow the room to round 2"
            time.sleep(0.1)
        assert rc.find(v.BtnToggle).widget.v_model == 0 and not rc.find(v.Checkbox).widgets  # accept, afresh
    finally:
        rc.close()


def pages_pushed(monkeypatch) -> list[str]:
    """The addresses a page navigates to (a page rendered without a browser has nowhere to go)."""
    pushed: list[str] = []
    monkeypatch.setattr(solara.routing.Router, "push", lambda self, path: pushed.append(path))
    return pushed


def test_a_room_that_cannot_be_saved_opens_and_the_console_says_why(tmp_path, monkeypatch):
    """*Open a room* with a file where the rooms folder should be raised FileExistsError out of the click (the
    console's guard caught only RoomError); the room now opens, and its console says it is not saved, and why."""
    from sim.ui import classroom

    folder = tmp_path / "rooms"
    folder.write_text("a file")
    registry = Registry(folder=folder)
    monkeypatch.setattr(classroom, "_registry", registry)
    pushed = pages_pushed(monkeypatch)
    _, rc = solara.render(classroom.ClassroomPage({"classroom": ""}), handle_error=False)
    try:
        rc.find(v.Btn, children=["Open a room"]).widget.click()
    finally:
        rc.close()
    (room,) = registry.rooms.values()
    assert pushed == [f"/?teacher={room.teacher}"]  # on to the console
    box, rc = solara.render(classroom.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    try:
        shown = " ".join(texts(box))
        assert f"Join code: {room.code}" in shown
        assert f"room {room.code} could not be saved in {folder}" in shown and "lesson goes on" in shown
        rc.find(v.Btn, children=["Start"]).widget.click()  # the lesson goes on
        assert room.status == "running"
    finally:
        rc.close()


def test_a_new_teacher_link_takes_the_console_from_the_old_address(shared, registry, monkeypatch):
    room = registry.open_room("classroom")
    old = room.teacher
    pushed = pages_pushed(monkeypatch)
    _, rc = solara.render(shared.ClassroomPage({"teacher": old}), handle_error=False)
    try:
        rc.find(v.Btn, children=["New teacher link"]).widget.click()
    finally:
        rc.close()
    assert room.teacher != old and registry.teacher_room(room.teacher) is room
    assert pushed == [f"/?teacher={room.teacher}"]  # the teacher's own tab moves to the new address
    box, rc = solara.render(shared.ClassroomPage({"teacher": old}), handle_error=False)
    try:
        shown = texts(box)
        assert any("teacher link was replaced" in t for t in shown) and not any(
            t.startswith("Join code") for t in shown
        )
    finally:
        rc.close()
    box, rc = solara.render(shared.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    try:
        assert f"Join code: {room.code}" in texts(box)
    finally:
        rc.close()


def test_a_console_left_open_on_the_old_address_loses_the_room(shared, registry):
    """docs/classroom.md: an open console tab on the old address shows the lobby at its next poll."""
    import time

    room = registry.open_room("classroom")
    box, rc = solara.render(shared.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    try:
        assert rc.find(v.Btn, children=["Start"]).widgets
        registry.new_teacher_token(room)  # pressed in another tab
        deadline = time.monotonic() + 3.0  # the page polls every 0.4 s; slack for a busy machine
        while rc.find(v.Btn, children=["Start"]).widgets:
            assert time.monotonic() < deadline, "the old console still controls the room"
            time.sleep(0.05)
        assert any("teacher link was replaced" in t for t in texts(box))
    finally:
        rc.close()
