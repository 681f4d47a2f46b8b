"""The shared classroom's pages (Solara): the lobby, the teacher's console and a student's seat.

The rooms themselves are :mod:`sim.ui.rooms` (plain Python, one :class:`~sim.ui.rooms.Registry` per server, shared
by every browser session); this module only lays them out. The page's address says who is looking:
``/?classroom`` the lobby (open a room, or join one with its code), ``/?room=CODE`` the lobby with the code filled
in (the link the teacher shows), ``/?teacher=TOKEN`` the console, ``/?room=CODE&seat=TOKEN`` a student's seat (a
reload keeps it). Every page polls its room twice a second and re-renders when the room changed, and the poll also
plays a round whose timer ran out (:meth:`~sim.ui.rooms.Registry.tick`).
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.errors import ScenarioError
from sim.ui import debrief as db
from sim.ui.launch import ROOMS_DIR_VARIABLE, default_rooms_dir
from sim.ui.narrate import format_text, round_log
from sim.ui.rooms import FINISHED, PAUSED, RUNNING, Registry, Room, RoomError, room_scenarios
from sim.ui.state import Decision, map_data
from sim.ui.widgets import DelegationPicker, Lines, Message, OtherAgents, PolicyMap

POLL_SECONDS = 0.4

_registry: Registry | None = None
_registry_lock = threading.Lock()


def rooms_dir() -> Path:
    """Where rooms are saved (``treatysim-ui --rooms-dir``); without it, a folder in the user's state directory."""
    folder = os.environ.get(ROOMS_DIR_VARIABLE)
    if folder:
        return Path(folder)
    return default_rooms_dir()


def registry() -> Registry:
    """The server's rooms (created, and the saved rooms loaded, on first use)."""
    global _registry
    with _registry_lock:
        if _registry is None:
            _registry = Registry(folder=rooms_dir())
            _registry.load()
        return _registry


def clock_key(room: Room | None, token: str | None) -> tuple[Any, ...]:
    """What the page shows of ``room`` (:meth:`~sim.ui.rooms.Room.view`) and the timer's whole seconds."""
    if room is None:
        return (None,)
    left = room.seconds_left(time.time())
    return (*room.view(token), None if left is None else int(left))


def use_room_clock(room: Room | None, token: str | None = None) -> tuple[Any, ...]:
    """Re-render when what this page shows of ``room`` changes (or the timer's second ticks); also plays the
    rounds whose timer ran out. ``token``: the student's seat (``None`` for the teacher's console)."""
    state, set_state = solara.use_state(clock_key(room, token))

    def poll(cancel: threading.Event) -> None:
        last = clock_key(room, token)
        while not cancel.wait(POLL_SECONDS):
            registry().tick()
            now = clock_key(room, token)
            if now != last:
                last = now
                set_state(now)

    solara.use_thread(poll, dependencies=[id(room), token], intrusive_cancel=False)
    return state


@solara.component
def Lobby(code: str = "", problem: str = "", scenario_name: str = ""):
    """Join a room with its code, or (a teacher) open one (on ``scenario_name`` unless the teacher picks another)."""
    push = solara.use_router().push
    code_value, set_code = solara.use_state(code)
    name, set_name = solara.use_state("")
    names = room_scenarios()
    first = scenario_name if scenario_name in names else "classroom" if "classroom" in names else names[0]
    scenario, set_scenario = solara.use_state(first)
    timer, set_timer = solara.use_state(0)
    error, set_error = solara.use_state(problem)

    def join() -> None:
        try:
            room, member = registry().join(code_value, name, client=solara.get_session_id())
        except RoomError as exc:
            set_error(str(exc))
            return
        push(f"/?room={room.code}&seat={member.token}")

    def open_room() -> None:
        try:
            room = registry().open_room(scenario, timer=float(timer))
        except (RoomError, ScenarioError) as exc:
            set_error(exc.format() if isinstance(exc, ScenarioError) else str(exc))
            return
        push(f"/?teacher={room.teacher}")

    solara.Text("treatysim classroom", style={"font-size": "1.4em", "font-weight": "bold"})
    if error:
        Message(error, "error")
    with solara.ColumnsResponsive(12, medium=[6, 6]):
        with solara.Card("Join a room", classes=["join-card"]):
            solara.InputText("Room code", value=code_value, on_value=set_code)
            solara.InputText("Your name", value=name, on_value=set_name)
            solara.Button("Join", on_click=join, color="primary")
        with solara.Card("Open a room (teacher)", classes=["open-card"]):
            solara.Select("Scenario", values=names, value=scenario, on_value=set_scenario)
            solara.InputInt("Seconds per round (0: no timer)", value=timer, on_value=set_timer)
            solara.Button("Open a room", on_click=open_room)
    solara.Button("Play alone instead", on_click=lambda: push("/"), text=True)


@solara.component
def RoomHeader(room: Room, clock: tuple[Any, ...]):
    m = room.game.model
    left = room.seconds_left(time.time())
    status = {RUNNING: "running", PAUSED: "paused", FINISHED: f"over: {m.outcome}"}.get(room.status, room.status)
    countdown = f" · {left:.0f} s left" if left is not None else ""
    solara.Text(room.scenario.title, style={"font-size": "1.2em", "font-weight": "bold", "display": "block"})
    solara.Text(
        f"Room {room.code} · round {m.round} of {m.arrays.rounds} · {status}{countdown}",
        classes=["room-status"],
        style={"display": "block"},
    )
    text = format_text(m.text, m.arrays.issue_ids)
    solara.Text(f"The chair's text on the table: {text}", classes=["room-text"], style={"display": "block"})


@solara.component
def PublicLog(room: Room, version: int):
    solara.Text("Round log", style={"font-weight": "bold"})
    Lines(round_log(room.game) or ["No round played yet."], classes=["round-log"])


@solara.component
def RoomMap(room: Room, version: int):
    data = map_data(room.game)
    played = tuple(d in room.claimed for d in data.ids)
    data = type(data)(**{**data.__dict__, "played": played})
    PolicyMap(data, dependencies=[id(room.game), version, played])


_debriefs: dict[tuple[Any, ...], tuple[db.Debrief, Any]] = {}
_debriefs_lock = threading.Lock()


def shared_debrief(room: Room, key: tuple[Any, ...]) -> tuple[db.Debrief, Any]:
    """The room's debrief and the model's replicates, computed once for every page of the room (the last few kept)."""
    from sim.engine import simulate

    with _debriefs_lock:
        if key not in _debriefs:
            results = simulate(room.scenario, db.DEBRIEF_REPLICATES, room.seed)
            _debriefs[key] = (db.debrief(room, results=results), results)
            while len(_debriefs) > 2 * MAX_ROOMS_KEPT:
                _debriefs.pop(next(iter(_debriefs)))
        return _debriefs[key]


#: Debriefs kept in memory: a few per open room's page is plenty (each holds one run of the model's replicates).
MAX_ROOMS_KEPT = 20


@solara.component
def DebriefPanel(room: Room, version: int):
    """The debrief (once the talks are over): the class against the model, and the downloads."""
    key = (room.code, id(room.game), len(room.played), len(room.members))
    report, results = solara.use_memo(lambda: shared_debrief(room, key), [key])
    with solara.Card("Debrief", classes=["debrief"]):
        Lines(db.debrief_lines(report, room.game.names), classes=["debrief-lines"])
        solara.FigureMatplotlib(db.debrief_figure(report, db.adopted_texts(results)), format="png", dependencies=[key])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(
                lambda: db.round_log_csv(room), filename=f"rounds-{room.code}.csv", label="Round log (CSV)"
            )
            solara.FileDownload(
                lambda: db.debrief_png(report, results), filename=f"debrief-{room.code}.png", label="Debrief (PNG)"
            )
            solara.FileDownload(
                lambda: db.debrief_pdf(report, results), filename=f"debrief-{room.code}.pdf", label="Debrief (PDF)"
            )
            solara.FileDownload(
                lambda: db.scenario_yaml(room.scenario), filename=f"{room.scenario.name}.yaml", label="Scenario (YAML)"
            )


def _guard(set_error: Callable[[str], None], action: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            action()
            set_error("")
        except RoomError as exc:
            set_error(str(exc))

    return run


def join_address(headers: Mapping[str, Sequence[str]] | None, code: str) -> str | None:
    """The address students open to join room ``code``: this server as the teacher's browser reached it (the
    request's Host header, and the scheme a proxy in front of it reports); ``None`` without a request."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    host = next(iter(lower.get("host") or ()), "")
    if not host:
        return None
    scheme = next(iter(lower.get("x-forwarded-proto") or ()), "http")
    return f"{scheme}://{host}/?room={code}"


def is_loopback(address: str) -> bool:
    """Whether ``address`` names this machine only (127.0.0.1, ::1, localhost): no student's device can open it."""
    host = urllib.parse.urlsplit(address).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def qr_data_uri(address: str) -> str:
    """A QR code of ``address`` as an SVG data URI (``segno``: pure Python, no image library needed)."""
    import segno

    return segno.make(address, error="m").svg_data_uri(scale=6, border=2)


@solara.component
def JoinQR(code: str):
    """The join address as a QR code, for students to scan from the projected console; a loopback address gets a
    warning instead of a code that no phone could open."""
    address = join_address(solara.lab.headers.value, code)
    if address is None:
        return
    if is_loopback(address):
        solara.Text(
            f"This console is open at {address.split('/?')[0]}, this machine only: for a QR code students can scan, "
            "start treatysim-ui --host 0.0.0.0 and open the console by this machine's network address.",
            classes=["join-loopback"],
            style={"display": "block"},
        )
        return
    with solara.Div(classes=["join-qr"], style={"display": "flex", "gap": "12px", "align-items": "center"}):
        image = {"src": qr_data_uri(address), "alt": f"QR code of {address}", "width": "180", "height": "180"}
        solara.v.Html(tag="img", attributes=image)
        solara.Text(f"Scan to join: {address}", classes=["join-address"])


@solara.component
def TeacherConsole(token: str):
    room = registry().teacher_room(token)
    clock = use_room_clock(room)
    push = solara.use_router().push
    error, set_error = solara.use_state("")
    timer, set_timer = solara.use_state(int(room.timer) if room else 0)
    assign_to, set_assign_to = solara.use_state("")
    if room is None:
        Lobby(problem="This console's room is closed or unknown, or its teacher link was replaced: open a new room.")
        return
    version = room.version
    now = time.time

    def close() -> None:
        registry().close(room.code)
        push("/?classroom")

    def new_link() -> None:  # the old address (if it was seen) stops opening the console
        push(f"/?teacher={registry().new_teacher_token(room)}")

    with solara.Div(classes=["teacher-console"]):
        solara.Text("Teacher's console", style={"font-weight": "bold", "display": "block"})
        solara.Text(
            f"Join code: {room.code}",
            classes=["join-code"],
            style={"font-size": "2em", "letter-spacing": "0.1em", "display": "block"},
        )
        solara.Text(
            f"Students open this server's address followed by /?room={room.code} (or /?classroom and the code) "
            "and type their name.",
            style={"display": "block"},
        )
        JoinQR(room.code)
        RoomHeader(room, clock)
        if room.save_problem:
            Message(room.save_problem, "error")
        if error:
            Message(error, "error")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Start", on_click=_guard(set_error, lambda: room.start(now())), color="primary",
                          disabled=room.status in (RUNNING, FINISHED))  # fmt: skip
            solara.Button("Pause", on_click=room.pause, disabled=room.status != RUNNING)
            solara.Button("Step", on_click=_guard(set_error, lambda: room.advance(now(), force=True)),
                          disabled=room.status == FINISHED)  # fmt: skip
            solara.Button(
                "Hide positions" if room.revealed else "Reveal positions",
                on_click=lambda: room.reveal(not room.revealed),
            )
            solara.Button("Reset", on_click=_guard(set_error, room.reset))
            solara.Button("Close room", on_click=close)
            solara.Button("New teacher link", on_click=new_link)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.InputInt("Seconds per round (0: none)", value=timer, on_value=set_timer)
            solara.Button("Set timer", on_click=_guard(set_error, lambda: room.set_timer(float(timer), now())))
        with solara.ColumnsResponsive(12, large=[5, 7]):
            with solara.Column():
                solara.Text(f"Students ({len(room.members)})", style={"font-weight": "bold"})
                undecided = set(room.undecided())
                for member in list(room.members.values()):
                    with solara.Row(classes=["member"], style={"flex-wrap": "wrap", "align-items": "center"}):
                        plays = ", ".join(room.game.names[d] for d in member.delegations) or "no delegation yet"
                        decided = "" if not member.delegations or room.status != RUNNING else (
                            " · waiting" if set(member.delegations) & undecided else " · decided"
                        )  # fmt: skip
                        solara.Text(f"{member.name}: {plays}{decided}")
                        for d in member.delegations:
                            solara.Button(f"Free {d}", on_click=lambda d=d: room.free(d), small=True, text=True)
                        solara.Button(
                            "Assign…", on_click=lambda m=member: set_assign_to(m.token), small=True, text=True
                        )
                if assign_to and assign_to in room.members:
                    solara.Text(f"Assign a delegation to {room.members[assign_to].name}:")
                    DelegationPicker(
                        room.scenario,
                        list(room.claimed),
                        on_pick=lambda d: _guard(set_error, lambda: room.claim(assign_to, [*room.members[assign_to].delegations, d]))(),
                        label="Assign",
                    )  # fmt: skip
                PublicLog(room, version)
            with solara.Column():
                RoomMap(room, version)
                OtherAgents(room.game, version)
                if room.status == FINISHED:
                    DebriefPanel(room, version)


@solara.component
def BriefCard(room: Room, token: str, version: int):
    """A student's own brief and decision: what the text is worth to their delegation, what its instructions
    demand, what no deal is worth (only theirs: the page never holds another student's numbers)."""
    choice, set_choice = solara.use_state("accept")
    counter, set_counter = solara.use_state(False)
    briefs = room.brief(token)
    issues = room.game.model.arrays.issue_ids
    text, set_text = solara.use_state(dict(briefs[0].ideal) if briefs else {})
    error, set_error = solara.use_state("")
    for brief in briefs:
        with solara.Card(f"You play {brief.name}", classes=["private-brief"]):
            solara.Text(
                f"Your ideal is {format_text(brief.ideal.values(), issues)}. The text on the table is worth "
                f"{brief.utility:.2f} to you; your instructions demand {brief.threshold:.2f} this round (the model "
                f"would {brief.advice}). No deal is worth {brief.outside_option:.2f}."
            )
    if room.status == FINISHED:
        return
    mine = room.members[token].delegations
    if room.status != RUNNING:
        solara.Text("Waiting for the teacher to start the round.", classes=["waiting"])
        return
    if all(d in room.pending for d in mine):
        sent = room.pending[mine[0]]
        words = "object" if sent.objecting else "accept"
        solara.Text(
            f"Your decision for round {room.game.model.round + 1}: {words}. Waiting for the others "
            f"({len(room.undecided())} still deciding).",
            classes=["decided"],
        )
        return

    def send() -> None:
        values = tuple(float(text.get(k, 0.5)) for k in issues) if choice == "object" and counter else None
        _guard(set_error, lambda: room.decide(token, Decision(objecting=choice == "object", counter_text=values)))()

    if error:
        Message(error, "error")
    solara.ToggleButtonsSingle(value=choice, values=["accept", "object"], on_value=set_choice)
    if choice == "object":
        solara.Checkbox(label="propose a counter-text", value=counter, on_value=set_counter)
        if counter:
            for issue in issues:
                solara.SliderFloat(issue, value=text.get(issue, 0.5), min=0.0, max=1.0, step=0.01,
                                   on_value=lambda v, k=issue: set_text({**text, k: v}))  # fmt: skip
    solara.Button(f"Send my decision for round {room.game.model.round + 1}", on_click=send, color="primary")


@solara.component
def StudentSeat(code: str, token: str):
    found = registry().seat(code, token)
    room = found[0] if found else None
    clock = use_room_clock(room, token)
    error, set_error = solara.use_state("")
    if found is None:
        Lobby(code=code, problem="This seat is not in an open room any more: join again with the code.")
        return
    member = found[1]
    version = room.version
    with solara.Div(classes=["student-seat"]):
        solara.Text(f"{member.name}, room {room.code}", classes=["seat-name"], style={"display": "block"})
        RoomHeader(room, clock)
        if error:
            Message(error, "error")
        if not member.delegations:
            solara.Text("Choose the delegation you will play (the agents play the others):")
            DelegationPicker(
                room.scenario,
                list(room.claimed),
                on_pick=lambda d: _guard(set_error, lambda: room.claim(token, [d]))(),
                on_pick_bloc=lambda b: _guard(set_error, lambda: room.claim(token, room.free_members(b)))(),
            )
        else:
            BriefCard(room, token, version).key(f"brief-{len(room.played)}")  # a fresh choice each round
        if room.revealed or room.status == FINISHED:
            RoomMap(room, version)
        OtherAgents(room.game, version)  # public: groups' lines and stakeholders' pressure are announced
        PublicLog(room, version)
        if room.status == FINISHED:
            DebriefPanel(room, version)


@solara.component
def ClassroomPage(params: dict[str, str]):
    """The classroom page the address asks for (see the module docstring)."""
    if params.get("teacher"):
        TeacherConsole(params["teacher"])
    elif params.get("room") and params.get("seat"):
        StudentSeat(params["room"], params["seat"])
    else:
        Lobby(code=params.get("room", ""), scenario_name=params.get("scenario", ""))
