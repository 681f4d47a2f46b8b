"""What a dashboard page shows, read from its rendered widget tree (import from ``tests.rendered``)."""

from __future__ import annotations


def texts(widget) -> list[str]:
    """Every string a rendered widget tree shows (children, labels, values), depth first."""
    out: list[str] = []

    def walk(w) -> None:
        for child in getattr(w, "children", None) or ():
            out.append(child) if isinstance(child, str) else walk(child)
        for attr in ("label", "value", "description"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                out.append(value)

    walk(widget)
    return out


def solo_page():
    """The solo dashboard page freshly rendered on the classroom scenario, the module-level reactive state reset
    first; returns the render context (close it when done)."""
    import solara

    from sim.ui import app

    app.scenario_name.set("classroom")
    app.uploaded.set(None)
    app.players.set([])
    app.edited.set("")
    app.error.set("")
    app.game.set(None)
    app.adopt_scenario(app.base_scenario())
    return solara.render(app.Page(), handle_error=False)[1]
