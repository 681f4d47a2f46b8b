"""The shared classroom: rooms where a class negotiates one game together (no Solara here, so it is unit-tested).

A teacher opens a :class:`Room` for a bundled scenario and gets a join code; students join with it, each claims a
delegation (or a whole bloc), and the model's agents play the rest. The game is the Mesa model stepped round by
round (:class:`~sim.ui.state.Game` over :class:`~sim.model.NegotiationModel`), so the class plays by the model's
rules: a round is played when every student has decided, when the teacher's timer runs out, or when the teacher
steps; a student who has not decided is not seated for that round, so the model's agent decides for them, by the
same rule as for every other delegation.

Join codes are :data:`CODE_LENGTH` characters of :data:`CODE_ALPHABET` drawn with :mod:`secrets` (31**8, about
8.5e11 codes). A code is looked up first (a dict lookup: its time does not depend on how much of a code is right),
and only wrong codes count against the limits: :data:`WRONG_CODES_BEFORE_LOCKOUT` in a row lock a client (a browser
session) out for :data:`LOCKOUT_SECONDS`, and while the whole server has seen more than
:data:`WRONG_CODES_PER_MINUTE`, a single wrong code locks its client out. So a correct code from a client that is not
locked out always gets in (one student guessing cannot lock the class out), and a guesser needs a fresh browser
session for every guess under attack. A student's seat is a separate secret token (it goes in the page's address, so
a reload keeps the delegation); the teacher's console has its own token, which the teacher can replace
(:meth:`Registry.new_teacher_token`) if the console's address was seen.

A room is saved as JSON (:func:`sim.io.atomic_write_json`: a temporary file, then ``os.replace``) after every
change and reloaded on restart: what is saved is the scenario's name, the seed, the members, the pending decisions
and the decisions of every round played, and the game is rebuilt by replaying them (the model is deterministic
given its seed and the decisions, so the replayed game is the game that was played).
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.inputs import DEFAULT_SEED
from sim.io import atomic_write_json
from sim.loading import HISTORY, SCENARIO_NAME, available_scenarios, historical_sessions, load_scenario
from sim.scenario import Scenario
from sim.ui.state import Decision, Game, PlayerBrief, player_brief

#: Join codes: no 0/O, 1/I/L (read aloud and typed on a phone without confusion).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
#: Caps: rooms open at once on one server, and students in one room.
MAX_ROOMS = 50
MAX_MEMBERS = 60
#: Wrong codes one client may try in a row before it must wait :data:`LOCKOUT_SECONDS`.
WRONG_CODES_BEFORE_LOCKOUT = 5
LOCKOUT_SECONDS = 60.0
#: Wrong codes the whole server sees per minute (from all clients together) before it counts as under attack: then
#: one wrong code locks its client out. A correct code is never refused by this limit.
WRONG_CODES_PER_MINUTE = 120
MAX_NAME = 40
#: Timer bounds, seconds per round (0 = no timer).
MAX_TIMER = 3600

LOBBY, RUNNING, PAUSED, FINISHED, CLOSED = "lobby", "running", "paused", "finished", "closed"
STUDENT, AGENT = "student", "agent"


class RoomError(Exception):
    """A request the room refuses, in one sentence the page shows as is."""


@dataclass
class Member:
    """A student in a room: a secret token (their seat), a name, and the delegations they play."""

    token: str
    name: str
    delegations: tuple[str, ...] = ()


@dataclass
class Played:
    """One round as the class played it: the students' decisions and who the agents decided for."""

    round: int
    decisions: dict[str, Decision]
    agents: tuple[str, ...]  # claimed delegations whose student had not decided (the agent decided)
    at: float


def room_scenarios() -> list[str]:
    """What a room can be opened on: the bundled scenarios, then the backtest's historical sessions
    (``history/NAME``, whose debrief says what really happened)."""
    return available_scenarios() + [HISTORY + name for name in historical_sessions()]


def load_room_scenario(name: str) -> Scenario:
    """The scenario of :func:`room_scenarios` called ``name`` (never a path elsewhere on the server): a bundled name
    or ``history/NAME``, as :func:`sim.loading.load_scenario` resolves them."""
    bare = name.removeprefix(HISTORY)
    if not SCENARIO_NAME.match(bare):
        raise RoomError(f"no scenario {name!r}: a room plays a bundled scenario")
    return load_scenario(name)


def new_code() -> str:
    """A fresh join code: :data:`CODE_LENGTH` characters of :data:`CODE_ALPHABET` from the OS's random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed (spaces, dashes, lower case) in the form it was issued."""
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def _decision_data(decision: Decision) -> dict[str, Any]:
    return {"objecting": decision.objecting, "counter_text": decision.counter_text}


def _decision(data: Mapping[str, Any]) -> Decision:
    counter = data.get("counter_text")
    return Decision(objecting=bool(data["objecting"]), counter_text=None if counter is None else tuple(counter))


class Room:
    """One class's game. Methods that change it take the room's lock, bump :attr:`version` and save it."""

    def __init__(
        self,
        code: str,
        teacher: str,
        scenario_name: str,
        seed: int = DEFAULT_SEED,
        replicate: int = 0,
        timer: float = 0.0,
        on_change: Callable[[Room], None] | None = None,
        loader: Callable[[str], Scenario] = load_room_scenario,
    ) -> None:
        self.code, self.teacher, self.scenario_name = code, teacher, scenario_name
        self.seed, self.replicate = seed, replicate
        self.scenario = loader(scenario_name)
        self.timer = float(timer)
        self.members: dict[str, Member] = {}
        self.pending: dict[str, Decision] = {}
        self.played: list[Played] = []
        self.status = LOBBY
        self.revealed = False
        self.deadline: float | None = None
        self.version = 0
        #: Why the last save failed (``None`` once a save succeeds): the room goes on in memory, the console says it.
        self.save_problem: str | None = None
        self.lock = threading.RLock()
        self._on_change = on_change
        self.game = Game(self.scenario, seed=seed, replicate=replicate)

    # --- reading ------------------------------------------------------------------------------------------------

    @property
    def claimed(self) -> dict[str, str]:
        """Each claimed delegation → the token of the student who plays it."""
        return {d: m.token for m in self.members.values() for d in m.delegations}

    def member(self, token: str) -> Member | None:
        return self.members.get(token)

    def brief(self, token: str) -> list[PlayerBrief]:
        """The private briefs of the student with ``token`` (only their own delegations'), for the coming round."""
        member = self.members.get(token)
        if member is None:
            return []
        with self.lock:
            return [player_brief(self.game, d) for d in member.delegations]

    def undecided(self) -> list[str]:
        """Claimed delegations whose student has not decided this round."""
        return [d for d in self.claimed if d not in self.pending]

    def view(self, token: str | None = None) -> tuple[Any, ...]:
        """What the page of the student with ``token`` shows, as a key (``None``: the teacher, who sees it all). A
        page re-renders only when its key changes: a student's page does not redraw when another student decides
        (a redraw under a student's click can swallow the click)."""
        if token is None:
            return (self.version,)
        member = self.members.get(token)
        if member is None:
            return (None,)
        decided = bool(member.delegations) and all(d in self.pending for d in member.delegations)
        return (
            self.status,
            len(self.played),
            self.revealed,
            member.delegations,
            None if member.delegations else tuple(sorted(self.claimed)),
            len(self.undecided()) if decided else None,
            decided,
        )

    def seconds_left(self, now: float) -> float | None:
        return None if self.deadline is None or self.status != RUNNING else max(0.0, self.deadline - now)

    # --- changing -------------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        if self._on_change is not None:
            self._on_change(self)

    def _open(self) -> None:
        if self.status == CLOSED:
            raise RoomError(f"room {self.code} is closed")

    def add_member(self, name: str) -> Member:
        with self.lock:
            self._open()
            if len(self.members) >= MAX_MEMBERS:
                raise RoomError(f"room {self.code} is full ({MAX_MEMBERS} students)")
            name = " ".join(str(name).split())[:MAX_NAME] or f"student {len(self.members) + 1}"
            member = Member(token=secrets.token_urlsafe(16), name=name)
            self.members[member.token] = member
            self._changed()
            return member

    def claim(self, token: str, delegations: Iterable[str]) -> Member:
        """The student with ``token`` plays ``delegations`` from now on (in place of any they played before)."""
        with self.lock:
            self._open()
            member = self.members.get(token)
            if member is None:
                raise RoomError("this seat is not in the room (join again with the code)")
            wanted = tuple(dict.fromkeys(delegations))
            unknown = [d for d in wanted if d not in self.scenario.delegation_ids]
            if unknown:
                raise RoomError(f"no delegation {', '.join(unknown)} in this scenario")
            taken = [d for d in wanted if self.claimed.get(d, token) != token]
            if taken:
                names = self.game.names
                raise RoomError(f"{', '.join(names[d] for d in taken)} is already played by another student")
            for d in member.delegations:
                self.pending.pop(d, None)
            member.delegations = wanted
            self._changed()
            return member

    def bloc_members(self, bloc_id: str) -> tuple[str, ...]:
        """The delegations of bloc ``bloc_id`` (what claiming a bloc claims)."""
        return tuple(d for d, b in self.scenario.bloc_of().items() if b == bloc_id)

    def free_members(self, bloc_id: str) -> tuple[str, ...]:
        """The delegations of bloc ``bloc_id`` that no student plays yet (what *Play the whole bloc* claims)."""
        claimed = self.claimed
        return tuple(d for d in self.bloc_members(bloc_id) if d not in claimed)

    def free(self, delegation: str) -> None:
        """The teacher hands ``delegation`` back to its agent."""
        with self.lock:
            for member in self.members.values():
                if delegation in member.delegations:
                    member.delegations = tuple(d for d in member.delegations if d != delegation)
            self.pending.pop(delegation, None)
            self._changed()

    def remove_member(self, token: str) -> None:
        with self.lock:
            member = self.members.pop(token, None)
            for d in member.delegations if member else ():
                self.pending.pop(d, None)
            self._changed()

    def decide(self, token: str, decision: Decision, now: float | None = None) -> None:
        """The student's decision for this round, for every delegation they play; may complete the round."""
        with self.lock:
            self._open()
            member = self.members.get(token)
            if member is None or not member.delegations:
                raise RoomError("claim a delegation before deciding")
            if self.status != RUNNING:
                raise RoomError(
                    "the teacher has not started the round yet" if self.status != FINISHED else "the talks are over"
                )
            if decision.counter_text is not None and len(decision.counter_text) != len(self.scenario.issues):
                raise RoomError(f"a counter-text has one value per issue ({len(self.scenario.issues)})")
            for d in member.delegations:
                self.pending[d] = decision
            self._changed()
            self.advance(time.time() if now is None else now)

    def start(self, now: float) -> None:
        with self.lock:
            self._open()
            if self.game.finished:
                raise RoomError("the talks are over: reset the room to play again")
            self.status = RUNNING
            self.deadline = now + self.timer if self.timer > 0 else None
            self._changed()

    def pause(self) -> None:
        with self.lock:
            if self.status == RUNNING:
                self.status = PAUSED
                self.deadline = None
                self._changed()

    def set_timer(self, seconds: float, now: float) -> None:
        with self.lock:
            if not 0 <= seconds <= MAX_TIMER:
                raise RoomError(f"the timer takes 0 (none) to {MAX_TIMER} seconds per round")
            self.timer = float(seconds)
            self.deadline = now + self.timer if self.timer > 0 and self.status == RUNNING else None
            self._changed()

    def reveal(self, revealed: bool = True) -> None:
        with self.lock:
            self.revealed = revealed
            self._changed()

    def close(self) -> None:
        with self.lock:
            self.status = CLOSED
            self.deadline = None
            self._changed()

    def reset(self) -> None:
        """A new game of the same scenario: members keep their delegations; the rounds and decisions are cleared."""
        with self.lock:
            self._open()
            self.game = Game(self.scenario, seed=self.seed, replicate=self.replicate)
            self.pending, self.played = {}, []
            self.status, self.deadline, self.revealed = LOBBY, None, False
            self._changed()

    def due(self, now: float) -> bool:
        """Whether the round should be played now: every student has decided, or the timer ran out."""
        if self.status != RUNNING or self.game.finished:
            return False
        claimed = self.claimed
        if claimed and all(d in self.pending for d in claimed):
            return True
        return self.deadline is not None and now >= self.deadline

    def advance(self, now: float, force: bool = False) -> bool:
        """Play the round if it is due (or ``force``: the teacher's *step*); returns whether a round was played."""
        with self.lock:
            if not (force and not self.game.finished and self.status != CLOSED) and not self.due(now):
                return False
            claimed = self.claimed
            decisions = {d: self.pending[d] for d in claimed if d in self.pending}
            self._play(decisions, tuple(d for d in claimed if d not in decisions), now)
            self.pending = {}
            if self.game.finished:
                self.status, self.deadline = FINISHED, None
            elif self.status == RUNNING:
                self.deadline = now + self.timer if self.timer > 0 else None
            self._changed()
            return True

    def _play(self, decisions: dict[str, Decision], agents: tuple[str, ...], now: float) -> None:
        self.game.seat(list(decisions))  # only those who decided: the agents decide for the rest
        record = self.game.step(decisions)
        self.played.append(Played(round=record.round, decisions=decisions, agents=agents, at=now))

    # --- saving -------------------------------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        with self.lock:
            return {
                "code": self.code,
                "teacher": self.teacher,
                "scenario": self.scenario_name,
                "seed": self.seed,
                "replicate": self.replicate,
                "timer": self.timer,
                "status": self.status,
                "revealed": self.revealed,
                "members": [
                    {"token": m.token, "name": m.name, "delegations": list(m.delegations)}
                    for m in self.members.values()
                ],
                "pending": {d: _decision_data(x) for d, x in self.pending.items()},
                "played": [
                    {
                        "round": p.round,
                        "decisions": {d: _decision_data(x) for d, x in p.decisions.items()},
                        "agents": list(p.agents),
                        "at": p.at,
                    }
                    for p in self.played
                ],
            }

    @classmethod
    def from_data(
        cls, data: Mapping[str, Any], on_change: Callable[[Room], None] | None = None, now: float | None = None
    ) -> Room:
        """A room as saved, its game rebuilt by replaying the saved rounds (a running timer starts afresh)."""
        room = cls(
            data["code"],
            data["teacher"],
            data["scenario"],
            int(data["seed"]),
            int(data["replicate"]),
            float(data["timer"]),
        )
        for row in data["members"]:
            room.members[row["token"]] = Member(row["token"], row["name"], tuple(row["delegations"]))
        for row in data["played"]:
            decisions = {d: _decision(x) for d, x in row["decisions"].items()}
            room._play(decisions, tuple(row["agents"]), float(row["at"]))
        room.pending = {d: _decision(x) for d, x in data["pending"].items()}
        room.status, room.revealed = data["status"], bool(data["revealed"])
        if room.status == RUNNING and room.timer > 0:
            room.deadline = (time.time() if now is None else now) + room.timer
        room._on_change = on_change
        return room


def save_problem(path: Path, exc: OSError) -> str:
    """A failed save in words: which room, where, why, and that the lesson goes on."""
    why = exc.strerror or str(exc)
    return (
        f"room {path.stem.removeprefix('room-')} could not be saved in {path.parent}: {why}. "
        "The lesson goes on, but a restart of the server would lose the room; it is saved again at its next change."
    )


@dataclass
class _Attempts:
    wrong: int = 0
    locked_until: float = 0.0


@dataclass
class Registry:
    """Every open room on this server, by code; thread-safe (one lock for the registry, one per room).

    ``folder``, if given, is where rooms are saved (one ``room-CODE.json`` each) and loaded from.
    """

    folder: Path | None = None
    max_rooms: int = MAX_ROOMS
    rooms: dict[str, Room] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _attempts: dict[str, _Attempts] = field(default_factory=dict)
    _wrong: deque = field(default_factory=deque)  # times of recent wrong codes, server-wide

    def open_room(
        self, scenario_name: str, now: float | None = None, seed: int = DEFAULT_SEED, timer: float = 0.0
    ) -> Room:
        """A new room for bundled scenario ``scenario_name`` (a :class:`~sim.errors.ScenarioError` if it fails to
        load); its :attr:`Room.teacher` token opens the console."""
        with self._lock:
            live = [r for r in self.rooms.values() if r.status != CLOSED]
            if len(live) >= self.max_rooms:
                raise RoomError(f"this server has {self.max_rooms} rooms open already: close one first")
            code = new_code()
            while code in self.rooms:
                code = new_code()
            room = Room(code, secrets.token_urlsafe(16), scenario_name, seed=seed, timer=timer, on_change=self.save)
            self.rooms[code] = room
            self.save(room)
            return room

    def teacher_room(self, token: str) -> Room | None:
        """The room whose console ``token`` opens (compared in constant time)."""
        with self._lock:
            for room in self.rooms.values():
                if secrets.compare_digest(room.teacher, str(token)):
                    return room
        return None

    def seat(self, code: str, token: str) -> tuple[Room, Member] | None:
        """The room and the student of a seat token (a page reloaded with its address), if both still exist."""
        room = self.rooms.get(normalise_code(code))
        member = room.member(str(token)) if room is not None else None
        return (room, member) if member is not None else None

    def join(self, code: str, name: str, client: str, now: float | None = None) -> tuple[Room, Member]:
        """A new student in the room with ``code``. The code is looked up first; only a wrong code counts, against
        ``client`` (a browser session) and the whole server: a client locked out is refused, any code; otherwise a
        correct code always gets in, whatever other clients guessed."""
        now = time.time() if now is None else now
        with self._lock:
            attempts = self._attempts.setdefault(client, _Attempts())
            if attempts.locked_until > now:
                raise RoomError(f"too many wrong codes: try again in {attempts.locked_until - now:.0f} s")
            room = self.rooms.get(normalise_code(code))
            if room is not None and room.status != CLOSED:
                self._attempts.pop(client, None)
            else:
                while self._wrong and self._wrong[0] <= now - 60:
                    self._wrong.popleft()
                under_attack = len(self._wrong) >= WRONG_CODES_PER_MINUTE
                if not under_attack:
                    self._wrong.append(now)
                attempts.wrong += 1
                if attempts.wrong >= WRONG_CODES_BEFORE_LOCKOUT or under_attack:
                    attempts.wrong, attempts.locked_until = 0, now + LOCKOUT_SECONDS
                raise RoomError("no open room has this code: check it with your teacher")
        return room, room.add_member(name)

    def new_teacher_token(self, room: Room) -> str:
        """A new console token for ``room`` (its old console address stops working at once); returns it."""
        with room.lock:
            room._open()
            room.teacher = secrets.token_urlsafe(16)
            room._changed()
            return room.teacher

    def close(self, code: str) -> None:
        """Close the room and forget it (its file is removed)."""
        with self._lock:
            room = self.rooms.pop(code, None)
        if room is not None:
            room.close()
            if self.folder is not None:
                try:
                    self.path(code).unlink(missing_ok=True)
                except OSError as exc:  # the room is closed all the same; its file would reload as a room
                    print(f"treatysim-ui: could not remove {self.path(code)}: {exc.strerror or exc}", file=sys.stderr)

    def tick(self, now: float | None = None) -> list[str]:
        """Play every round whose timer ran out; returns the codes of the rooms that moved on."""
        now = time.time() if now is None else now
        with self._lock:
            rooms = list(self.rooms.values())
        return [room.code for room in rooms if room.advance(now)]

    # --- saving -------------------------------------------------------------------------------------------------

    def path(self, code: str) -> Path:
        assert self.folder is not None
        return Path(self.folder) / f"room-{code}.json"

    def save(self, room: Room) -> None:
        """Save ``room``; if that fails (a full disk, the folder removed or read-only) the room goes on in memory and
        :attr:`Room.save_problem` says why (the console shows it; the next change tries again)."""
        if self.folder is None or room.status == CLOSED:
            return
        try:
            atomic_write_json(self.path(room.code), room.to_data())
        except OSError as exc:
            problem = save_problem(self.path(room.code), exc)
            if problem != room.save_problem:
                print(f"treatysim-ui: {problem}", file=sys.stderr)
            room.save_problem = problem
        else:
            room.save_problem = None

    def load(self) -> list[str]:
        """Load every saved room from :attr:`folder`; a file that does not load is skipped (and said)."""
        loaded = []
        if self.folder is None or not Path(self.folder).is_dir():
            return loaded
        for path in sorted(Path(self.folder).glob("room-*.json")):
            try:
                room = Room.from_data(json.loads(path.read_text(encoding="utf-8")), on_change=self.save)
            except (OSError, ValueError, KeyError, TypeError, ScenarioError, RoomError) as exc:  # say which, go on
                print(f"treatysim-ui: skipped {path.name}: {type(exc).__name__}: {exc}")
                continue
            with self._lock:
                self.rooms[room.code] = room
            loaded.append(room.code)
        return loaded
