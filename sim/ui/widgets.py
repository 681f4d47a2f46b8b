"""The dashboard's small shared components (Solara): a list of sentences, a message box, the delegation picker,
the policy map (with tooltips), and the panels of the model's other agents: its groups (coalitions) and its
stakeholders.

Used by the page of one's own (:mod:`sim.ui.app`) and the classroom (:mod:`sim.ui.classroom`) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import solara

from sim.scenario import Scenario
from sim.ui.figures import hover_spots, plot_round_map
from sim.ui.narrate import line_words, name_list
from sim.ui.state import Game, GroupLine, MapData, Pressure, groups_now, pressures_now

#: At most this many delegations are listed as buttons at once; the search and the bloc filter narrow the rest.
MAX_CHOICES = 12


@solara.component
def Lines(lines: list[str], classes: list[str]):
    """A bulleted list of plain sentences (no Markdown: it would load KaTeX, which solara-assets lacks)."""
    items = [solara.v.Html(tag="li", children=[line]) for line in lines]
    return solara.v.Html(tag="ul", class_=" ".join(classes), children=items)


@solara.component
def Message(text: str, kind: str = "info"):
    colour = "#b00020" if kind == "error" else "#1b5e20"
    style = {"color": colour, "border": f"1px solid {colour}", "border-radius": "4px", "padding": "6px 10px"}
    solara.Div(children=[solara.Text(text)], classes=[f"classroom-{kind}"], style=style)


@solara.component
def DelegationPicker(
    scenario: Scenario,
    taken: Sequence[str],
    on_pick: Callable[[str], None],
    on_pick_bloc: Callable[[str], None] | None = None,
    label: str = "Play",
):
    """Choose a delegation by searching its name or id and by bloc, never from a wall of buttons: at most
    :data:`MAX_CHOICES` matching free delegations are listed."""
    query, set_query = solara.use_state("")
    bloc, set_bloc = solara.use_state("all blocs")
    blocs = {f"{b.name or b.id}": b.id for b in scenario.blocs}
    bloc_of = scenario.bloc_of()
    words = query.strip().lower()
    chosen_bloc = blocs.get(bloc)
    matches = [
        d
        for d in scenario.delegations
        if d.id not in taken
        and (not words or words in d.name.lower() or words in d.id.lower())
        and (chosen_bloc is None or bloc_of.get(d.id) == chosen_bloc)
    ]
    with solara.Div(classes=["delegation-picker"]):
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.InputText("Search delegations", value=query, on_value=set_query, continuous_update=True)
            if blocs:
                solara.Select("Bloc", values=["all blocs", *blocs], value=bloc, on_value=set_bloc)
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "4px"}):
            for d in matches[:MAX_CHOICES]:
                solara.Button(f"{label} {d.name}", on_click=lambda d=d: on_pick(d.id), small=True, classes=["pick"])
        if len(matches) > MAX_CHOICES:
            solara.Text(f"…and {len(matches) - MAX_CHOICES} more: type part of a name, or choose a bloc.")
        elif not matches:
            solara.Text("No free delegation matches.")
        if chosen_bloc is not None and on_pick_bloc is not None and matches:
            solara.Button(f"{label} the whole bloc ({len(matches)} free)", on_click=lambda: on_pick_bloc(chosen_bloc))


def group_sentence(g: GroupLine, names: dict[str, str]) -> str:
    """One group in words: its size, cohesion and lead, its line this round and who broke ranks."""
    parts = [f"{len(g.members)} members", "a coordinated bloc" if g.cohesion >= 1.0 else f"cohesion {g.cohesion:.2f}"]
    if g.lead:
        parts.append(f"led by {names.get(g.lead, g.lead)}")
    parts.append(f"line: {line_words(g.accepts)}")
    if g.accepts is not None:
        parts.append(f"broke ranks: {name_list(g.defectors, names, 5)}" if g.defectors else "nobody broke ranks")
    return f"{g.name}: " + " · ".join(parts) + "."


def stakeholder_sentence(p: Pressure, names: dict[str, str], labels: dict[str, str]) -> str:
    """One stakeholder in words: its kind and channel, what it wants, whom it pressed this round and how hard."""
    wants = ", ".join(f"{labels.get(k, k)} {v:.2f}" for k, v in p.wants.items())
    if p.targets:
        n = len(p.targets)
        pressed = f"pressed {n} delegation{'s' if n != 1 else ''} ({name_list(p.targets, names, 5)}), pressure {p.pressure:.2f}"
    else:
        pressed = "pressed nobody yet" if not p.pressure else f"pressure {p.pressure:.2f}"
    kind = KINDS.get(p.kind, p.kind)
    channel = p.channel.replace("_", " ")
    return f"{p.name}: {kind} · through {channel}, budget {p.budget:g} · wants {wants} · {pressed}."


#: Stakeholder kinds in words.
KINDS = {"ngo": "NGO", "industry": "industry", "un_body": "UN body", "other": "other"}


@solara.component
def GroupsPanel(groups: Sequence[GroupLine], names: dict[str, str]):
    """The groups that pull their members (public: a group's line is announced); nothing without any."""
    if not groups:
        return
    with solara.Card("Groups", classes=["groups-panel"]):
        Lines([group_sentence(g, names) for g in groups], classes=["group-lines"])


@solara.component
def StakeholdersPanel(pressures: Sequence[Pressure], names: dict[str, str], labels: dict[str, str]):
    """The stakeholders (no vote) and their public pressure this round; nothing without any."""
    if not pressures:
        return
    with solara.Card("Stakeholders", classes=["stakeholders-panel"]):
        Lines([stakeholder_sentence(p, names, labels) for p in pressures], classes=["stakeholder-lines"])


@solara.component
def OtherAgents(game: Game, version: int):
    """The model's agents besides the delegations: the Groups and Stakeholders panels (each only if the scenario
    has any). ``version`` re-renders it after a round."""
    labels = {i.id: i.label or i.id for i in game.scenario.issues}
    GroupsPanel(groups_now(game), game.names)
    StakeholdersPanel(pressures_now(game), game.names, labels)


@solara.component
def PolicyMap(data: MapData, dependencies: list):
    """The policy map (:func:`~sim.ui.figures.plot_round_map`) as an image, with a tooltip over each delegation it
    leaves unlabelled (its name and decision, on hover): transparent spots laid over the image in percent, so they
    follow it when it shrinks to a phone's width."""
    ax = solara.use_memo(lambda: plot_round_map(data), dependencies)
    spots = solara.use_memo(lambda: hover_spots(data, ax), dependencies)
    with solara.Div(
        classes=["policy-map"],
        style={"position": "relative", "display": "inline-block", "max-width": "100%", "line-height": "0"},
    ):
        solara.FigureMatplotlib(ax.figure, format="png", dependencies=dependencies)
        for spot in spots:
            style = (
                f"position: absolute; left: {100 * spot.left:.2f}%; top: {100 * spot.top:.2f}%; "
                f"width: {100 * spot.size:.2f}%; aspect-ratio: 1; transform: translate(-50%, -50%); "
                "border-radius: 50%;"
            )
            solara.v.Html(tag="span", class_="map-spot", attributes={"title": spot.title}, style_=style)
