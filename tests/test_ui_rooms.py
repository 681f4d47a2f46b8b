"""The shared classroom's rooms (issue 16), without a browser: join codes, caps, lockouts, claims, private briefs,
reloads, rounds that advance when everyone decided or the timer ran out, and saving (round trip and atomic)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from sim.ui import rooms
from sim.ui.rooms import CLOSED, FINISHED, Registry, RoomError
from sim.ui.state import Decision, Game

OBJECT, ACCEPT = Decision(objecting=True), Decision(objecting=False)


@pytest.fixture
def registry(tmp_path):
    return Registry(folder=tmp_path / "rooms")


@pytest.fixture
def room(registry):
    return registry.open_room("classroom", now=0.0)


def join(registry, room, name, client=None):
    return registry.join(room.code, name, client=client or name, now=0.0)[1]


# --- codes -------------------------------------------------------------------------------------------------------


def test_join_codes_are_long_readable_and_not_enumerable_in_a_lesson():
    codes = {rooms.new_code() for _ in range(2000)}
    assert len(codes) == 2000  # no repeats among 2,000 draws of a space of ~8.5e11
    for code in codes:
        assert len(code) >= 8 and set(code) <= set(rooms.CODE_ALPHABET)
    assert not set("0O1IL") & set(rooms.CODE_ALPHABET)
    space = len(rooms.CODE_ALPHABET) ** rooms.CODE_LENGTH
    # at the server-wide limit of wrong codes, the expected time to hit one of MAX_ROOMS open rooms, in minutes:
    minutes = space / rooms.MAX_ROOMS / 2 / rooms.WRONG_CODES_PER_MINUTE
    assert minutes > 60 * 24 * 365  # more than a year, against a lesson's hour


def test_a_code_typed_with_spaces_dashes_or_lower_case_still_joins(registry, room):
    typed = f" {room.code[:4].lower()}-{room.code[4:]} "
    joined_room, member = registry.join(typed, "Ann", client="a", now=0.0)
    assert joined_room is room and member.token in room.members


# --- caps and wrong codes ----------------------------------------------------------------------------------------


def test_the_server_caps_its_open_rooms(tmp_path):
    registry = Registry(folder=tmp_path, max_rooms=2)
    first = registry.open_room("classroom")
    registry.open_room("classroom")
    with pytest.raises(RoomError, match="2 rooms open"):
        registry.open_room("classroom")
    registry.close(first.code)
    registry.open_room("classroom")  # closing one frees a place


def test_a_room_caps_its_students(registry, room, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_MEMBERS", 3)
    for n in range(3):
        join(registry, room, f"s{n}")
    with pytest.raises(RoomError, match="full"):
        join(registry, room, "one too many")
    assert len(room.members) == 3


def test_wrong_codes_lock_out_the_client_then_let_it_try_again(registry, room):
    for _ in range(rooms.WRONG_CODES_BEFORE_LOCKOUT):
        with pytest.raises(RoomError, match="no open room"):
            registry.join("AAAAAAAA", "x", client="guesser", now=10.0)
    with pytest.raises(RoomError, match="too many wrong codes"):  # even the right code is refused while locked
        registry.join(room.code, "x", client="guesser", now=11.0)
    join(registry, room, "someone else")  # other clients are not locked out
    later = 10.0 + rooms.LOCKOUT_SECONDS + 1
    assert registry.join(room.code, "x", client="guesser", now=later)[0] is room


def test_wrong_codes_past_the_server_wide_limit_lock_their_client_out_at_once(registry, room, monkeypatch):
    monkeypatch.setattr(rooms, "WRONG_CODES_PER_MINUTE", 3)
    for n in range(3):  # three clients, one wrong code each: the server is at its limit
        with pytest.raises(RoomError, match="no open room"):
            registry.join("AAAAAAAA", "x", client=f"c{n}", now=100.0)
    with pytest.raises(RoomError, match="no open room"):  # a fresh client's first wrong code now locks it out
        registry.join("BBBBBBBB", "x", client="guesser", now=101.0)
    with pytest.raises(RoomError, match="too many wrong codes"):
        registry.join(room.code, "x", client="guesser", now=102.0)
    with pytest.raises(RoomError, match="no open room"):  # a minute later, one wrong code is one of five again
        registry.join("BBBBBBBB", "x", client="later", now=161.0)
    assert registry.join(room.code, "x", client="later", now=162.0)[0] is room


def test_one_guessing_student_cannot_lock_the_class_out(registry, room):
    """The server-wide limit refused every join past 120 wrong codes a minute, correct codes included: one student
    (or a script) typing wrong codes kept the whole class from joining."""
    for n in range(3 * rooms.WRONG_CODES_PER_MINUTE):  # far past the limit, from many sessions, within the minute
        with pytest.raises(RoomError):
            registry.join("AAAAAAAA", "x", client=f"guess{n}", now=100.0 + n / 1000)
    students = [registry.join(room.code, f"s{n}", client=f"student{n}", now=101.0)[1] for n in range(30)]
    assert len(room.members) == 30 and all(s.token in room.members for s in students)
    with pytest.raises(RoomError, match="no open room"):  # a student's typo under attack: only they wait
        registry.join("AAAAAAAA", "x", client="student0", now=101.0)
    assert registry.join(room.code, "y", client="student1", now=101.0)[0] is room


def test_guessing_under_attack_takes_a_fresh_session_per_guess(registry, room):
    """What keeps enumeration infeasible once the server-wide limit is passed: every session gets one guess a
    minute, so a guesser must open a browser session per guess; at an (unrealistically fast) thousand sessions a
    second, the expected time to hit one of the open rooms is still months, against a lesson's hour."""
    for n in range(rooms.WRONG_CODES_PER_MINUTE):
        with pytest.raises(RoomError):
            registry.join("AAAAAAAA", "x", client=f"c{n}", now=0.0)
    checked = 0
    for attempt in range(20):  # one session, many guesses: only the first is looked at
        try:
            registry.join(f"ZZZZZZ{attempt:02d}", "x", client="one session", now=1.0)
        except RoomError as exc:
            checked += "no open room" in str(exc)
    assert checked == 1
    space = len(rooms.CODE_ALPHABET) ** rooms.CODE_LENGTH
    seconds = space / rooms.MAX_ROOMS / 2 / 1000
    assert seconds > 90 * 24 * 3600


def test_a_closed_room_cannot_be_joined_and_its_file_is_gone(registry, room):
    assert registry.path(room.code).exists()
    registry.close(room.code)
    assert not registry.path(room.code).exists() and room.status == CLOSED
    with pytest.raises(RoomError, match="no open room"):
        join(registry, room, "late")


# --- claims, briefs and reloads ----------------------------------------------------------------------------------


def test_two_students_cannot_claim_the_same_delegation(registry, room):
    ann, ben = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(ann.token, ["EU"])
    with pytest.raises(RoomError, match="already played"):
        room.claim(ben.token, ["EU"])
    with pytest.raises(RoomError, match="no delegation"):
        room.claim(ben.token, ["ATLANTIS"])
    room.claim(ben.token, ["USA"])
    assert room.claimed == {"EU": ann.token, "USA": ben.token}
    room.claim(ann.token, ["RUS"])  # a new claim replaces the old one, which is free again
    room.claim(ben.token, ["EU"])
    assert room.claimed == {"RUS": ann.token, "EU": ben.token}
    room.free("EU")
    assert room.claimed == {"RUS": ann.token}


def test_a_student_may_play_a_whole_bloc(registry):
    room = registry.open_room("uncc2024")
    eu = room.bloc_members("eu")
    assert len(eu) > 1 and set(eu) <= set(room.scenario.delegation_ids)
    student, other = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(other.token, [eu[0]])
    assert room.free_members("eu") == eu[1:]  # the whole bloc, but for the member another student plays
    room.claim(student.token, room.free_members("eu"))
    assert set(room.claimed) == set(eu)
    room.free(eu[0])  # Ben hands his member back to its agent
    room.start(0.0)
    room.decide(student.token, OBJECT, now=1.0)  # one decision for the whole bloc, and the round is played
    assert room.game.model.round == 1 and room.game.history[-1].played == dict.fromkeys(eu[1:], OBJECT)


def test_each_student_sees_only_their_own_brief(registry, room):
    ann, ben = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    assert [b.delegation for b in room.brief(ann.token)] == ["EU"]
    assert [b.delegation for b in room.brief(ben.token)] == ["USA"]
    assert room.brief("not a token") == []


def test_a_reloaded_page_gets_its_seat_back_and_a_forged_one_does_not(registry, room):
    ann = join(registry, room, "Ann")
    room.claim(ann.token, ["EU"])
    found_room, member = registry.seat(room.code.lower(), ann.token)
    assert found_room is room and member.delegations == ("EU",)
    assert registry.seat(room.code, "forged") is None
    assert registry.seat("AAAAAAAA", ann.token) is None
    assert registry.teacher_room(room.teacher) is room and registry.teacher_room(ann.token) is None


# --- rounds ------------------------------------------------------------------------------------------------------


def test_the_round_waits_for_every_student_then_plays_their_decisions(registry, room):
    ann, ben = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    with pytest.raises(RoomError, match="not started"):
        room.decide(ann.token, OBJECT, now=0.0)
    room.start(0.0)
    room.decide(ann.token, OBJECT, now=1.0)
    assert room.game.model.round == 0 and room.undecided() == ["USA"]
    room.decide(ben.token, ACCEPT, now=2.0)
    assert room.game.model.round == 1 and room.pending == {}
    record = room.game.history[-1]
    assert record.played == {"EU": OBJECT, "USA": ACCEPT}
    assert "EU" in record.objecting and "USA" not in record.objecting
    assert room.played[-1].agents == ()


def test_when_the_timer_runs_out_the_agents_decide_for_absent_students(registry, room):
    ann, ben = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    room.set_timer(30, now=0.0)
    room.start(0.0)
    room.decide(ann.token, ACCEPT, now=5.0)
    assert registry.tick(now=29.0) == [] and room.game.model.round == 0
    assert registry.tick(now=30.0) == [room.code] and room.game.model.round == 1
    assert room.played[-1].decisions == {"EU": ACCEPT} and room.played[-1].agents == ("USA",)
    assert room.seconds_left(40.0) == pytest.approx(20.0)  # the next round's timer started when this one ended


def test_a_room_of_absent_students_plays_exactly_the_models_game(registry, room):
    student = join(registry, room, "Ann")
    room.claim(student.token, ["EU"])
    room.start(0.0)
    while room.status != FINISHED:
        assert room.advance(1.0, force=True)  # the teacher steps; the agent decides for the student each time
    alone = Game(room.scenario, seed=room.seed)
    alone.run_to_deadline()
    assert [r.objecting for r in room.game.history] == [r.objecting for r in alone.history]
    assert np.array_equal(room.game.model.text, alone.model.text)
    assert room.game.model.outcome == alone.model.outcome
    with pytest.raises(RoomError, match="over"):
        room.start(2.0)


def test_pause_stops_the_timer_and_reset_keeps_the_students(registry, room):
    ann = join(registry, room, "Ann")
    room.claim(ann.token, ["EU"])
    room.set_timer(10, now=0.0)
    room.start(0.0)
    room.pause()
    assert registry.tick(now=100.0) == [] and room.seconds_left(100.0) is None
    room.start(100.0)
    room.decide(ann.token, OBJECT, now=101.0)
    assert room.game.model.round == 1
    room.reset()
    assert room.game.model.round == 0 and room.played == [] and room.claimed == {"EU": ann.token}


# --- saving ------------------------------------------------------------------------------------------------------


def test_a_saved_room_reloads_as_it_was_and_plays_on_identically(registry, room):
    ann, ben = join(registry, room, "Ann"), join(registry, room, "Ben")
    room.claim(ann.token, ["EU"])
    room.claim(ben.token, ["USA"])
    room.start(0.0)
    for _ in range(3):
        room.decide(ann.token, Decision(objecting=True, counter_text=(0.2, 0.9)), now=1.0)
        room.decide(ben.token, ACCEPT, now=1.0)
    room.decide(ann.token, ACCEPT, now=2.0)  # pending when the server stops
    room.reveal()

    restarted = Registry(folder=registry.folder)
    assert restarted.load() == [room.code]
    again = restarted.rooms[room.code]
    assert again.teacher == room.teacher and again.claimed == room.claimed and again.revealed
    assert again.pending == room.pending and again.status == room.status
    assert [r.text.tolist() for r in again.game.history] == [r.text.tolist() for r in room.game.history]
    assert restarted.seat(room.code, ben.token)[1].delegations == ("USA",)
    for r in (room, again):  # both go on the same way
        r.decide(ben.token, OBJECT, now=3.0)
    assert np.array_equal(again.game.model.text, room.game.model.text)
    assert again.game.history[-1].objecting == room.game.history[-1].objecting


def test_saving_is_atomic_a_failed_save_leaves_the_last_whole_file(registry, room, monkeypatch):
    path = registry.path(room.code)
    before = path.read_text()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    ann = join(registry, room, "Ann")  # the lesson goes on in memory ...
    monkeypatch.undo()
    assert ann.token in room.members
    assert path.read_text() == before and json.loads(before)["members"] == []
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_a_failed_save_is_said_and_the_room_goes_on(tmp_path, capsys):
    """A rooms folder that cannot take files (here: a file in its place) raised FileExistsError out of *Open a
    room*; a full disk or a removed folder raised out of any click. The room now lives on, and says why it is not
    saved, until a save succeeds."""
    folder = tmp_path / "rooms"
    folder.write_text("a file where the folder should be")
    registry = Registry(folder=folder)
    room = registry.open_room("classroom", now=0.0)
    assert registry.rooms[room.code] is room
    assert room.save_problem and f"room {room.code} could not be saved" in room.save_problem
    assert str(folder) in room.save_problem and "lesson goes on" in room.save_problem
    assert f"room {room.code} could not be saved" in capsys.readouterr().err
    ann = join(registry, room, "Ann")
    room.claim(ann.token, ["EU"])
    room.start(0.0)
    room.decide(ann.token, OBJECT, now=1.0)  # the round is still played after the failed save
    assert room.game.model.round == 1 and room.save_problem
    folder.unlink()  # the folder can be made: the next change saves the room and clears the problem
    room.reveal()
    assert room.save_problem is None and registry.path(room.code).exists()
    assert Registry(folder=folder).load() == [room.code]


def test_a_damaged_room_file_is_skipped_not_fatal(registry, room, capsys):
    (registry.folder / "room-BROKEN.json").write_text("{ not json")
    restarted = Registry(folder=registry.folder)
    assert restarted.load() == [room.code]
    assert "skipped room-BROKEN.json" in capsys.readouterr().out


def test_a_room_opens_on_a_historical_session_but_never_on_a_path(registry):
    names = rooms.room_scenarios()
    assert "classroom" in names and any(n.startswith(rooms.HISTORY) for n in names)
    past = next(n for n in names if n.startswith(rooms.HISTORY))
    assert registry.open_room(past).scenario.history is not None
    with pytest.raises(RoomError, match="bundled scenario"):
        registry.open_room("../../etc/passwd")


def test_a_new_teacher_link_replaces_the_old_one_and_is_saved(registry, room):
    old = room.teacher
    new = registry.new_teacher_token(room)
    assert new != old and len(new) >= 22  # 128 bits, as the old one
    assert registry.teacher_room(old) is None and registry.teacher_room(new) is room
    assert Registry(folder=registry.folder).load() == [room.code]
    restarted = Registry(folder=registry.folder)
    restarted.load()
    assert restarted.teacher_room(new) is not None and restarted.teacher_room(old) is None
    registry.close(room.code)
    with pytest.raises(RoomError, match="closed"):
        registry.new_teacher_token(room)
