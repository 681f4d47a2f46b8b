"""The dashboard's small shared components (Solara): a list of sentences, a message box, the delegation picker.

Used by the page of one's own (:mod:`sim.ui.app`) and the classroom (:mod:`sim.ui.classroom`) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import solara

from sim.scenario import Scenario

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
