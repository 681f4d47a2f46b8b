"""The model's other agents on the dashboard (issue 14): the Groups and Stakeholders panels, the stakeholders on the
policy map, the round log's lines when a member breaks ranks or a stakeholder presses; and the classroom's join QR
code and PDF debrief (issue 16). In-process: no browser or server."""

from __future__ import annotations

import numpy as np
import pytest

from sim.loading import load_scenario
from sim.ui.narrate import round_log
from sim.ui.rooms import Registry
from sim.ui.state import Decision, Game, groups_now, map_data, pressures_now

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
v = pytest.importorskip("ipyvuetify")

from sim.ui import app, classroom, figures
from sim.ui.widgets import OtherAgents
from tests.rendered import solo_page, texts


def panel_lines(rc, class_: str) -> list[str]:
    """The sentences of the panel list ``class_`` (none if the page has no such panel)."""
    found = rc.find(v.Html, class_=class_)
    if not found.widgets:
        return []
    return [str(li.children[0]) for li in found.widget.children]


def cards(rc, class_: str) -> list:
    """The cards of class ``class_`` on the page."""
    return [w for w in rc.find(v.Card).widgets if class_ in (w.class_ or "").split()]


def rendered(game: Game):
    _, rc = solara.render(OtherAgents(game, len(game.history)), handle_error=False)
    return rc


@pytest.fixture(scope="module")
def lobbying_groups():
    """uncc2024_groups_lobbying played to the deadline."""
    game = Game(load_scenario("uncc2024_groups_lobbying"))
    game.run_to_deadline()
    return game


def test_the_groups_panel_lists_each_group_with_its_line_and_who_broke_ranks(lobbying_groups):
    game = lobbying_groups
    rc = rendered(game)
    try:
        lines = panel_lines(rc, "group-lines")
        assert [line.split(": ")[0] for line in lines] == [c.name for c in game.model.coalitions]
        eu = next(line for line in lines if line.startswith("European Union"))
        assert "27 members · a coordinated bloc · line" in eu  # no lead named
        like_minded = next(line for line in lines if line.startswith("Like-minded"))
        assert "9 members · cohesion 0.70 · led by Russian Federation" in like_minded
        for group, line in zip(groups_now(game), lines):  # the line and the defectors of the last round played
            assert f"line: {'accept' if group.accepts else 'object'}" in line
            objecting = set(game.history[-1].objecting)
            assert set(group.defectors) == {d for d in group.members if (d in objecting) == group.accepts}
            assert ("nobody broke ranks" in line) == (not group.defectors)
        assert panel_lines(rc, "stakeholder-lines")  # and the stakeholders beside them
    finally:
        rc.close()


def test_the_stakeholders_panel_says_what_each_wants_whom_it_pressed_and_how_hard(lobbying_groups):
    game = lobbying_groups
    rc = rendered(game)
    try:
        lines = panel_lines(rc, "stakeholder-lines")
        assert len(lines) == len(game.model.stakeholders) == 3
        civil, industry, ohchr = lines
        assert civil.startswith("Civil society") and ": NGO · through salience, budget 6 ·" in civil
        assert ": industry · through outside option, budget 2 ·" in industry
        assert ": UN body · through position, budget 1 ·" in ohchr
        for s, line in zip(game.model.stakeholders, lines):
            assert f"pressed {len(s.targets)} delegations" in line and f"pressure {s.pressure:.2f}" in line
        labels = [i.label for i in game.scenario.issues]
        assert f"wants {labels[0]} 0.05, {labels[1]} 1.00 ·" in civil  # its position, by the issues' labels
    finally:
        rc.close()


def test_before_the_first_round_no_line_and_no_pressure_is_claimed():
    game = Game(load_scenario("uncc2024_groups_lobbying"))
    assert all(g.accepts is None and not g.defectors for g in groups_now(game))
    assert all(p.pressure == 0.0 and not p.targets for p in pressures_now(game))
    rc = rendered(game)
    try:
        assert all("line: no line yet" in line for line in panel_lines(rc, "group-lines"))
        assert all("pressed nobody yet" in line for line in panel_lines(rc, "stakeholder-lines"))
    finally:
        rc.close()


@pytest.mark.parametrize("name, groups, stakeholders", [("uncc2024_groups", 7, 0), ("uncc2024_lobbying", 1, 3)])
def test_each_panel_appears_only_for_a_scenario_with_such_agents(name, groups, stakeholders):
    game = Game(load_scenario(name))
    game.step()
    rc = rendered(game)
    try:
        assert len(panel_lines(rc, "group-lines")) == groups
        assert len(panel_lines(rc, "stakeholder-lines")) == stakeholders
        assert bool(cards(rc, "stakeholders-panel")) == bool(stakeholders)
    finally:
        rc.close()


def test_the_solo_page_on_the_classroom_scenario_shows_neither_panel():
    rc = solo_page()
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert not cards(rc, "groups-panel") and not cards(rc, "stakeholders-panel")
        assert not rc.find(v.Html, class_="group-lines").widgets
        app.pick_scenario("uncc2024_groups_lobbying")  # the same page on a scenario with both
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert len(panel_lines(rc, "group-lines")) == 7 and len(panel_lines(rc, "stakeholder-lines")) == 3
    finally:
        rc.close()
        app.pick_scenario("classroom")


def test_the_round_log_says_who_broke_ranks_and_who_pressed_whom(lobbying_groups):
    game = lobbying_groups
    log = round_log(game)
    for record, line in zip(game.history, log):
        for group in record.groups:
            for d in group.defectors[:8]:
                assert game.names[d] in line.split(f"ranks with {group.name}")[0]
            assert (f"ranks with {group.name}" in line) == bool(group.defectors)
        for p in record.pressures:
            channel = p.channel.replace("_", " ")  # "outside option", as the Stakeholders panel says it
            assert f"{p.name} presses {len(p.targets)} delegations ({channel}, {p.pressure:.2f})" in line
    assert any("breaks ranks" in line for line in log)
    quiet = Game(load_scenario("classroom"))
    quiet.run_to_deadline()
    assert not any("ranks" in line or "presses" in line for line in round_log(quiet))


def test_a_played_delegation_against_its_groups_line_is_counted_as_breaking_ranks():
    game = Game(load_scenario("uncc2024_groups"), players=["FRA"])
    game.step({"FRA": Decision(objecting=False)})
    eu = next(g for g in game.history[-1].groups if g.bloc_id == "eu")
    assert eu.accepts is False  # the EU objects to the opening text, as it does unplayed (see the first test)
    assert "FRA" in eu.defectors
    assert "France" in round_log(game)[0].split("breaks ranks with European Union")[0]


def test_the_map_marks_each_stakeholder_where_it_wants_the_text(lobbying_groups):
    game = lobbying_groups
    data = map_data(game)
    assert data.stakeholders == ("civil_society", "industry", "ohchr")
    assert np.allclose(data.stakeholder_points, [[0.05, 1.0], [0.1, 0.9], [0.2, 1.0]])
    ax = figures.plot_round_map(data)
    labels = [t.get_text() for t in ax.texts]
    assert {"civil_society", "industry", "ohchr"} <= set(labels)
    assert "stakeholder (no vote)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plain = map_data(Game(load_scenario("classroom")))
    assert plain.stakeholders == () and plain.stakeholder_points.shape == (0, 2)
    assert "stakeholder (no vote)" not in [t.get_text() for t in figures.plot_round_map(plain).get_legend().get_texts()]


# --- the classroom: the pages, the QR code, the PDF ----------------------------------------------------------------


@pytest.fixture
def shared(tmp_path, monkeypatch):
    registry = Registry(folder=tmp_path)
    monkeypatch.setattr(classroom, "_registry", registry)
    return registry


def test_the_console_and_a_students_seat_show_the_groups_and_the_stakeholders(shared):
    room = shared.open_room("uncc2024_groups_lobbying")
    ann = shared.join(room.code, "Ann", "a")[1]
    room.claim(ann.token, ["FRA"])
    room.advance(0.0, force=True)
    for params in ({"teacher": room.teacher}, {"room": room.code, "seat": ann.token}):
        _, rc = solara.render(classroom.ClassroomPage(params), handle_error=False)
        try:
            assert len(panel_lines(rc, "group-lines")) == 7 and len(panel_lines(rc, "stakeholder-lines")) == 3
        finally:
            rc.close()
    plain = shared.open_room("classroom")
    _, rc = solara.render(classroom.ClassroomPage({"teacher": plain.teacher}), handle_error=False)
    try:
        assert not cards(rc, "groups-panel") and not cards(rc, "stakeholders-panel")
    finally:
        rc.close()


def test_the_join_address_is_the_server_as_the_teachers_browser_reached_it():
    assert classroom.join_address({"host": ["192.168.1.20:8765"]}, "AB12CD") == "http://192.168.1.20:8765/?room=AB12CD"
    behind_proxy = {"Host": ["class.example.org"], "X-Forwarded-Proto": ["https"]}
    assert classroom.join_address(behind_proxy, "X") == "https://class.example.org/?room=X"
    assert classroom.join_address(None, "X") is None and classroom.join_address({}, "X") is None
    assert classroom.is_loopback("http://127.0.0.1:8765/?room=X") and classroom.is_loopback("http://localhost:1/")
    assert classroom.is_loopback("http://[::1]:8765/") and not classroom.is_loopback("http://10.0.0.5:8765/")


def console_with_headers(room, headers):
    solara.lab.headers.set(headers)
    box, rc = solara.render(classroom.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    return box, rc


def test_the_console_shows_a_qr_code_of_the_join_address(shared):
    segno = pytest.importorskip("segno")
    room = shared.open_room("classroom")
    try:
        box, rc = console_with_headers(room, {"host": ["192.168.1.20:8765"]})
        address = f"http://192.168.1.20:8765/?room={room.code}"
        img = rc.find(v.Html, tag="img").widget
        expected = segno.make(address, error="m")
        assert img.attributes["src"] == expected.svg_data_uri(scale=6, border=2)
        assert img.attributes["src"].startswith("data:image/svg+xml") and expected.designator.endswith("M")
        assert f"Scan to join: {address}" in texts(box)
        rc.close()
        box, rc = console_with_headers(room, {"host": ["127.0.0.1:8765"]})  # loopback: a warning, not a code
        assert not rc.find(v.Html, tag="img").widgets
        assert any("this machine only" in t for t in texts(box))
        rc.close()
    finally:
        solara.lab.headers.set(None)


def test_the_debrief_downloads_as_a_pdf_too(shared):
    from sim.engine import simulate
    from sim.ui import debrief as db

    room = shared.open_room("classroom")
    while room.status != "finished":
        room.advance(0.0, force=True)
    results = simulate(room.scenario, 50, room.seed)
    report = db.debrief(room, results=results)
    pdf = db.debrief_pdf(report, results)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert db.debrief_png(report, results).startswith(b"\x89PNG")
    box, rc = solara.render(classroom.ClassroomPage({"teacher": room.teacher}), handle_error=False)
    try:
        assert "Debrief (PDF)" in texts(box) and "Debrief (PNG)" in texts(box)
    finally:
        rc.close()


# --- the ui extra declares what the dashboard imports ---------------------------------------------------------------


def _requirement_names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_ui_extra_declares_every_package_the_dashboard_imports_itself():
    """A package the dashboard imports by name must be installed by ``pip install treatysim[ui]`` (and ``[dev]``),
    not merely arrive with another one (ipywidgets with solara, today; not necessarily tomorrow)."""
    import ast
    import importlib.metadata
    import sys
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    core = _requirement_names(project["dependencies"])
    extras = project["optional-dependencies"]
    imported = set()
    for path in (root / "sim" / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"sim", "__future__"}
    distributions = importlib.metadata.packages_distributions()
    names = {m: {m.lower(), *(d.lower() for d in distributions.get(m, []))} for m in third_party}  # module or its dist
    assert {"solara", "ipywidgets", "segno"} <= set(names)  # the test sees what it is meant to see
    for extra in ("ui", "dev"):
        declared = core | _requirement_names(extras[extra])
        missing = sorted(m for m, candidates in names.items() if not candidates & declared)
        assert not missing, f"the {extra} extra does not declare {missing}"


def test_the_readmes_layout_table_names_every_dashboard_module():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    layout = readme.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in layout.splitlines() if line.startswith("| `sim/` (application)"))
    modules = sorted(p.name for p in (root / "sim" / "ui").glob("*.py") if p.name != "__init__.py")
    assert {"rooms.py", "debrief.py", "classroom.py", "widgets.py"} <= set(modules)
    missing = [m for m in modules if f"`{m}`" not in row]
    assert not missing, f"the README's layout table does not name {missing}"


# --- the map's tooltips --------------------------------------------------------------------------------------------


def test_each_unlabelled_delegation_has_a_tooltip_over_its_circle():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    game = Game(load_scenario("uncc2024"))
    game.step()
    data = map_data(game)
    ax = figures.plot_round_map(data)
    spots = figures.hover_spots(data, ax)
    named = set(figures.labelled(data))
    assert len(spots) == len(data.ids) - len(named) > 150
    by_title = {s.title.rsplit(" (", 1)[0]: s for s in spots}  # "name (ID): status"
    assert all(data.names[i] not in by_title for i in named)  # the labelled ones need none
    canvas = FigureCanvasAgg(ax.figure)  # the saved image: each spot's centre lies on its delegation's circle
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    height, width = image.shape[:2]
    colours = {name: np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)]) for name, c in figures.STATUS_COLOURS.items()}
    i = next(i for i in range(len(data.ids)) if i not in named and data.status[i] == "accepts")
    spot = by_title[data.names[i]]
    assert spot.title == f"{data.names[i]} ({data.ids[i]}): accepts"
    pixel = image[round(spot.top * height), round(spot.left * width)]
    assert np.abs(pixel - colours["accepts"]).max() < 90  # drawn in the accepting colour (alpha 0.75 on white)
    unnamed = [i for i in range(len(data.ids)) if i not in named]  # left to right on the map and on the page
    west, east = min(unnamed, key=lambda i: data.ideal[i, 0]), max(unnamed, key=lambda i: data.ideal[i, 0])
    assert by_title[data.names[west]].left < by_title[data.names[east]].left
    assert all(
        0 < s.left < 1 and 0 < s.top < 1 and s.size * width >= figures.MIN_SPOT * ax.figure.dpi / 72 - 1e-6
        for s in spots
    )


def test_the_page_lays_the_tooltips_over_the_map():
    rc = solo_page()
    try:
        assert not rc.find(v.Html, class_="map-spot").widgets  # 8 delegations: every one is labelled
        app.pick_scenario("uncc2024")
        data = map_data(app.game.value)
        titles = [w.attributes["title"] for w in rc.find(v.Html, class_="map-spot").widgets]
        assert len(titles) == len(data.ids) - figures.MAX_LABELS
        assert "Brazil (BRA): not yet asked" in titles or "BRA" in {data.ids[i] for i in figures.labelled(data)}
    finally:
        rc.close()
        app.pick_scenario("classroom")
