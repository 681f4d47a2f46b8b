"""The classroom dashboard page (Solara): pick a scenario, set the knobs, watch or play the negotiation.

All logic is in :mod:`sim.ui.state` and :mod:`sim.ui.narrate`; this module only lays out components and wires
buttons to those functions. Every browser tab is its own Solara session with its own game (``solara.reactive``
values are per session), and one page can seat several players (hot seat): each picks a delegation to play.
Start it with ``treatysim-ui`` (see :mod:`sim.ui.launch`). The address ``/?classroom`` (or one with a room
code, a seat or a console token) opens the shared classroom instead (:mod:`sim.ui.classroom`); ``/?scenario=NAME``
opens the page on a bundled scenario.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import solara

from sim.analysis.plots import plot_outcome_shares, plot_ratification_curve
from sim.errors import ScenarioError
from sim.inputs import DEFAULT_SEED
from sim.loading import available_scenarios, load_scenario
from sim.scenario import Scenario
from sim.ui.figures import new_axes
from sim.ui.narrate import explain, format_text, monte_carlo_lines, round_log
from sim.ui.state import Controls, Decision, Game, map_data, monte_carlo, new_game, player_brief, scenario_from_upload
from sim.ui.widgets import DelegationPicker, Lines, OtherAgents, PolicyMap

STRATEGIES = ["accommodate", "compromise", "hold", "nash", "package", "friends"]
ACCEPT, OBJECT = "accept", "object"
UPLOADED = "uploaded: "
ERROR_STYLE = {
    "color": "#b00020",
    "border": "1px solid #b00020",
    "border-radius": "4px",
    "padding": "8px 12px",
    "margin-bottom": "8px",
    "white-space": "pre-wrap",
}


def _default_scenario() -> str:
    names = available_scenarios()
    return "classroom" if "classroom" in names else (names[0] if names else "")


# Per-session state (Solara scopes reactive values to the browser session).
scenario_name = solara.reactive(_default_scenario())
uploaded: solara.Reactive[Scenario | None] = solara.reactive(None)
rounds = solara.reactive(10)
strategy = solara.reactive("accommodate")
vote_threshold = solara.reactive(2 / 3)
uncertainty = solara.reactive(1.0)
edited = solara.reactive("")  # the delegation whose position and salience the sliders set ("" for none)
position: solara.Reactive[dict[str, float]] = solara.reactive({})
salience: solara.Reactive[dict[str, float]] = solara.reactive({})
seed = solara.reactive(DEFAULT_SEED)  # the command line's default seed
replicate = solara.reactive(0)
players: solara.Reactive[list[str]] = solara.reactive([])
game: solara.Reactive[Game | None] = solara.reactive(None)
tick = solara.reactive(0)  # bumped after the game object changes in place
error = solara.reactive("")
decisions: solara.Reactive[dict[str, dict[str, Any]]] = solara.reactive({})
mc_summary: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
mc_replicates = solara.reactive(2000)
mc_seconds = solara.reactive(0.0)


def base_scenario() -> Scenario:
    """The scenario picked (bundled or uploaded), before the controls."""
    if uploaded.value is not None and scenario_name.value.startswith(UPLOADED):
        return uploaded.value
    return load_scenario(scenario_name.value)


def current_controls() -> Controls:
    return Controls(
        rounds=rounds.value,
        chair_strategy=strategy.value,
        vote_threshold=vote_threshold.value,
        uncertainty=uncertainty.value,
        delegation=edited.value or None,
        position=position.value or None,
        salience=salience.value or None,
    )


def rebuild() -> None:
    """A fresh game from the scenario, the controls and the players; a bad input shows its error instead."""
    try:
        game.set(new_game(base_scenario(), current_controls(), seed.value, replicate.value, players.value))
        error.set("")
    except ScenarioError as exc:
        game.set(None)
        error.set(exc.format())
    decisions.set({})
    mc_summary.set(None)
    tick.set(tick.value + 1)


def adopt_scenario(scenario: Scenario) -> None:
    """Set every control to ``scenario``'s own values, then rebuild."""
    rounds.set(scenario.procedure.rounds)
    strategy.set(scenario.chair.strategy)
    vote_threshold.set(scenario.procedure.vote_threshold)
    uncertainty.set(1.0)
    edited.set("")
    position.set({})
    salience.set({})
    players.set([p for p in players.value if p in scenario.delegation_ids])
    rebuild()


def pick_scenario(name: str) -> None:
    scenario_name.set(name)
    try:
        adopt_scenario(base_scenario())
    except ScenarioError as exc:
        error.set(exc.format())


def on_upload(file: dict[str, Any]) -> None:
    try:
        scenario = scenario_from_upload(file["name"], file["data"])
    except ScenarioError as exc:
        error.set(exc.format())
        return
    uploaded.set(scenario)
    pick_scenario(UPLOADED + file["name"])


def setter(variable: solara.Reactive) -> Any:
    """An ``on_value`` callback: set ``variable``, then rebuild the game."""

    def update(value: Any) -> None:
        variable.set(value)
        rebuild()

    return update


def edit_delegation(delegation_id: str) -> None:
    edited.set(delegation_id)
    row = next((d for d in base_scenario().delegations if d.id == delegation_id), None)
    position.set(dict(row.position) if row else {})
    salience.set(dict(row.salience) if row else {})
    rebuild()


def edit_issue(variable: solara.Reactive, issue: str) -> Any:
    def update(value: float) -> None:
        variable.set({**variable.value, issue: value})
        rebuild()

    return update


def on_browse(files: Any) -> None:
    """The click-to-browse button's files (ipywidgets' ``FileUpload``: name and content per file)."""
    for file in files or ():
        on_upload({"name": file["name"], "data": bytes(file["content"])})


@solara.component
def ScenarioPanel():
    import ipywidgets

    names = available_scenarios() + ([scenario_name.value] if scenario_name.value.startswith(UPLOADED) else [])
    solara.Select("Scenario", values=names, value=scenario_name.value, on_value=pick_scenario)
    solara.FileDrop(label="…or drop a scenario YAML file here", on_file=on_upload, lazy=False)
    ipywidgets.FileUpload.element(
        accept=".yaml,.yml", multiple=False, description="Browse…", on_value=on_browse, layout={"max_width": "100%"}
    )


@solara.component
def ControlsPanel(scenario: Scenario):
    solara.SliderInt(f"Rounds: {rounds.value}", value=rounds.value, min=0, max=30, on_value=setter(rounds))
    solara.Select("Chair strategy", values=STRATEGIES, value=strategy.value, on_value=setter(strategy))
    solara.SliderFloat(
        f"Vote threshold: {vote_threshold.value:.2f}",
        value=vote_threshold.value,
        min=0.5,
        max=1.0,
        step=0.01,
        on_value=setter(vote_threshold),
    )
    solara.SliderFloat(
        f"Uncertainty: ×{uncertainty.value:.1f}",
        value=uncertainty.value,
        min=0.0,
        max=3.0,
        step=0.1,
        on_value=setter(uncertainty),
    )
    with solara.Row():
        solara.InputInt("Seed", value=seed.value, on_value=setter(seed))
        solara.InputInt("Replicate", value=replicate.value, on_value=setter(replicate))
    solara.Select(
        "Edit a delegation", values=[""] + list(scenario.delegation_ids), value=edited.value, on_value=edit_delegation
    )
    if edited.value:
        for issue in scenario.issue_ids:
            solara.SliderFloat(
                f"position {issue}",
                value=position.value.get(issue, 0.5),
                min=0.0,
                max=1.0,
                step=0.01,
                on_value=edit_issue(position, issue),
            )
        for issue in scenario.issue_ids:
            solara.SliderFloat(
                f"salience {issue}",
                value=salience.value.get(issue, 0.5),
                min=0.0,
                max=1.0,
                step=0.01,
                on_value=edit_issue(salience, issue),
            )


def step_round() -> None:
    g = game.value
    chosen = {}
    for p in g.waiting_for():
        d = decisions.value.get(p, {})
        counter = tuple(d["text"][k] for k in g.model.arrays.issue_ids) if d.get("counter") else None
        chosen[p] = Decision(objecting=d.get("choice") == OBJECT, counter_text=counter)
    g.step(chosen)
    decisions.set({})
    tick.set(tick.value + 1)


def run_to_deadline() -> None:
    game.value.run_to_deadline()
    tick.set(tick.value + 1)


def seat_players(chosen: list[str]) -> None:
    """Students take over (or hand back) delegations; the game goes on."""
    players.set(list(chosen))
    game.value.seat(chosen)
    tick.set(tick.value + 1)


def set_decision(player: str, **change: Any) -> None:
    decisions.set({**decisions.value, player: {**decisions.value.get(player, {}), **change}})


@solara.component
def PlayerCard(g: Game, player: str, version: int):
    brief = player_brief(g, player)
    d = decisions.value.get(player, {})
    issues = g.model.arrays.issue_ids
    with solara.Card(f"You play {brief.name}", classes=["player-card"]):
        solara.Text(
            f"Round {g.model.round + 1}: the text on the table is {format_text(brief.text.values(), issues)}; "
            f"your ideal is {format_text(brief.ideal.values(), issues)}. The text is worth {brief.utility:.2f} "
            f"to you; your delegation's instructions demand {brief.threshold:.2f} this round (the model would "
            f"{brief.advice}). No deal is worth {brief.outside_option:.2f}."
        )
        solara.ToggleButtonsSingle(
            value=d.get("choice"),
            values=[ACCEPT, OBJECT],
            mandatory=False,
            on_value=lambda v: set_decision(player, choice=v),
        )
        if d.get("choice") == OBJECT:
            solara.Checkbox(
                label="propose a counter-text",
                value=bool(d.get("counter")),
                on_value=lambda v: set_decision(player, counter=v, text=d.get("text") or brief.ideal),
            )
            if d.get("counter"):
                text = d.get("text") or brief.ideal
                for issue in issues:
                    solara.SliderFloat(
                        f"{issue}",
                        value=text[issue],
                        min=0.0,
                        max=1.0,
                        step=0.01,
                        on_value=lambda v, k=issue: set_decision(player, text={**text, k: v}),
                    )


#: Up to this many delegations, each is a button to play it; past it (193 in uncc2024) the page searches instead.
MAX_BUTTONS = 12


@solara.component
def PlayPanel(g: Game, version: int):
    solara.Text("Play a delegation:", classes=["play-label"])
    if len(g.scenario.delegations) <= MAX_BUTTONS:
        solara.ToggleButtonsMultiple(
            value=players.value, values=list(g.scenario.delegation_ids), dense=True, on_value=seat_players
        )
    else:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "4px"}):
            for p in players.value:
                solara.Button(f"Hand back {g.names[p]}", small=True,
                              on_click=lambda p=p: seat_players([q for q in players.value if q != p]))  # fmt: skip
        DelegationPicker(g.scenario, players.value, on_pick=lambda d: seat_players([*players.value, d]))
    waiting = [p for p in g.waiting_for() if decisions.value.get(p, {}).get("choice") is None]
    with solara.Row():
        solara.Button("Step", on_click=step_round, disabled=g.finished or bool(waiting), color="primary")
        solara.Button("Run to deadline", on_click=run_to_deadline, disabled=g.finished or bool(g.players))
        solara.Button("Reset", on_click=rebuild)
    if waiting:
        solara.Text(f"Waiting for: {', '.join(g.names[p] for p in waiting)}", classes=["waiting"])
    for player in g.waiting_for():
        PlayerCard(g, player, version)


@solara.component
def RoundLog(g: Game, version: int):
    solara.Text("Round log", style={"font-weight": "bold"})
    Lines(round_log(g) or ["No round played yet."], classes=["round-log"])
    notes = explain(g)
    if notes:
        solara.Text("Why it ended this way", style={"font-weight": "bold"})
        Lines(notes, classes=["explanation"])


def run_monte_carlo() -> None:
    """Run the Monte Carlo panel; a count or seed out of range shows its sentence above the map, not a traceback."""
    start = time.perf_counter()
    try:
        summary = monte_carlo(game.value.scenario, mc_replicates.value, seed.value)
    except ScenarioError as exc:
        mc_summary.set(None)
        error.set(exc.format())
        return
    error.set("")
    mc_summary.set(summary)
    mc_seconds.set(time.perf_counter() - start)


@solara.component
def MonteCarloPanel(g: Game, version: int):
    with solara.Card("Monte Carlo", classes=["monte-carlo"]):
        with solara.Row():
            solara.InputInt("Replicates", value=mc_replicates.value, on_value=mc_replicates.set)
            solara.Button("Run Monte Carlo", on_click=run_monte_carlo)
        summary = mc_summary.value
        if summary is not None:
            Lines(monte_carlo_lines(summary) + [f"Computed in {mc_seconds.value:.2f} s."], classes=["mc-lines"])
            solara.FigureMatplotlib(
                plot_outcome_shares(summary, ax=new_axes(5.0, 3.0)).figure, format="png", dependencies=[id(summary)]
            )
            if summary.get("ratification_curve"):  # the ratification panel: the curve after adoption
                threshold = g.scenario.ratification.threshold if g is not None and g.scenario.ratification else None
                solara.FigureMatplotlib(
                    plot_ratification_curve(summary["ratification_curve"], threshold, ax=new_axes(5.0, 3.0)).figure,
                    format="png",
                    dependencies=[id(summary)],
                )


#: The page's style: images shrink to the column, long words wrap, so nothing is wider than a phone's screen.
PAGE_STYLE = """
.treatysim-page { padding: 8px 12px; max-width: 100%; overflow-wrap: anywhere; }
.treatysim-page ul { padding-left: 1.2em; }
.treatysim-page img { max-width: 100%; height: auto; }
.treatysim-page .policy-map img { margin: 0; }
.treatysim-page .v-input { max-width: 100%; }
.treatysim-page .v-btn { max-width: 100%; white-space: normal; height: auto !important; min-height: 28px; }
.treatysim-page .v-btn__content { white-space: normal; flex-shrink: 1; }
.treatysim-page .v-btn-toggle { flex-wrap: wrap; }
"""

CLASSROOM_KEYS = ("classroom", "room", "seat", "teacher")


def query(search: str | None) -> dict[str, str]:
    """The address's query parameters (the last value of each; ``?classroom`` alone counts as given)."""
    pairs = urllib.parse.parse_qsl(search or "", keep_blank_values=True)
    return dict(pairs)


@solara.component
def Page():
    """The page the address asks for: the shared classroom, or a game of one's own."""
    from sim.ui.classroom import ClassroomPage

    solara.Title("treatysim classroom")
    solara.Style(PAGE_STYLE)
    params = query(solara.use_router().search)
    with solara.Div(classes=["treatysim-page"]):
        if any(key in params for key in CLASSROOM_KEYS):
            ClassroomPage(params)
        else:
            SoloPage(params.get("scenario", ""))


@solara.component
def SoloPage(initial: str = ""):
    """A game of one's own: the scenario, the knobs, the map, the players and the round log."""
    push = solara.use_router().push

    def start() -> None:
        if initial and initial in available_scenarios() and initial != scenario_name.value:
            pick_scenario(initial)
        elif game.value is None and not error.value:
            rebuild()

    solara.use_effect(start, [initial])
    version = tick.value  # passed down: children re-render after the game changes in place
    g = game.value
    solara.Button("Classroom: open or join a room", on_click=lambda: push("/?classroom"), text=True)
    with solara.ColumnsResponsive(12, large=[3, 5, 4]):
        with solara.Column(classes=["controls"]):
            ScenarioPanel()
            ControlsPanel(g.scenario if g is not None else base_scenario())  # shown with an error, to fix it
        with solara.Column():
            if error.value:  # not solara.Error: its Alert fails under ipyvuetify 3 with solara 1.58
                with solara.Div(classes=["scenario-error"], style=ERROR_STYLE):
                    for line in error.value.splitlines():
                        solara.Text(line, style={"display": "block"})
            if g is not None:
                solara.Text(g.scenario.title, style={"font-size": "1.3em", "font-weight": "bold"})
                PolicyMap(map_data(g), dependencies=[id(g), version, tuple(players.value)])
                OtherAgents(g, version)
                MonteCarloPanel(g, version)
        with solara.Column():
            if g is not None:
                PlayPanel(g, version)
                RoundLog(g, version)
