"""The Solara page rendered in-process (no browser or server), the launcher, and the core's import hygiene."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
v = pytest.importorskip("ipyvuetify")

from sim import simulate
from sim.analysis.stats import summarize
from sim.config import RunConfig
from sim.ui import (
    app,
    launch,
)
from sim.ui.launch import OFFLINE_ENVIRONMENT, parse_args, solara_arguments
from tests.rendered import solo_page


@pytest.fixture
def page():
    """A freshly rendered page on the classroom scenario (module-level reactive state reset first)."""
    rc = solo_page()
    yield rc
    rc.close()


def log_lines(rc) -> list[str]:
    return [
        item.widget.children[0]
        for item in rc.find(v.Html, tag="li")
        if item.widget.children and str(item.widget.children[0]).startswith(("Round", "No round"))
    ]


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def test_stepping_fills_the_round_log_and_reset_clears_it(page):
    assert log_lines(page) == ["No round played yet."]
    for _ in range(3):
        button(page, "Step").click()
    lines = log_lines(page)
    assert [line.split(":")[0] for line in lines] == ["Round 1", "Round 2", "Round 3"]
    button(page, "Run to deadline").click()
    assert app.game.value.finished and button(page, "Step").disabled
    assert page.find(v.Html, class_="explanation").widget.children
    button(page, "Reset").click()
    assert log_lines(page) == ["No round played yet."]


def test_a_played_delegation_holds_the_round_until_it_decides(page):
    page.find(v.BtnToggle, multiple=True).widget.v_model = [app.game.value.scenario.delegation_ids.index("EU")]
    assert button(page, "Step").disabled and button(page, "Run to deadline").disabled
    page.find(v.BtnToggle, multiple=False).widget.v_model = 1  # object
    assert not button(page, "Step").disabled
    button(page, "Step").click()
    assert "European Union (played) objects" in log_lines(page)[0]
    assert button(page, "Step").disabled  # waiting again for the next round's decision


def test_a_bad_control_shows_the_scenario_error_on_the_page(page):
    app.setter(app.vote_threshold)(0.0)
    shown = page.find(v.Html, class_="scenario-error")
    assert "dashboard controls: procedure.vote_threshold: must be greater than 0" in str(shown.widget.children)
    assert app.game.value is None
    page.find(v.Slider, label="Vote threshold: 0.00").assert_single()  # the controls stay, to fix the value
    app.setter(app.vote_threshold)(0.7)
    assert not page.find(v.Html, class_="scenario-error").widgets and app.game.value is not None


def test_the_monte_carlo_panel_shows_p_adopted(page):
    app.mc_replicates.set(300)
    button(page, "Run Monte Carlo").click()
    lines = [item.widget.children[0] for item in page.find(v.Html, tag="li")]
    assert any(line.startswith("P(adopted) = ") and "over 300 replicates" in line for line in lines)


def descendants(widget):
    """Every widget under ``widget`` that has children (the finder stops descending at a match)."""
    for child in getattr(widget, "children", None) or ():
        if hasattr(child, "children"):
            yield child
            yield from descendants(child)


def test_the_delegation_buttons_have_a_label(page):
    label = page.find(v.Html, class_="play-label").widget
    assert label.children == ["Play a delegation:"]
    row = page.find(v.BtnToggle, multiple=True).widget
    column = next(c for c in descendants(page.container) if label in c.children and row in c.children)
    assert column.children.index(label) == column.children.index(row) - 1  # just before the buttons


def test_the_page_uses_the_command_lines_default_seed(page):
    default = RunConfig.model_fields["seed"].default
    config = yaml.safe_load((Path(__file__).resolve().parent.parent / "conf" / "config.yaml").read_text())
    assert app.seed.value == default == config["seed"] and app.game.value.seed == default
    app.mc_replicates.set(200)
    button(page, "Run Monte Carlo").click()
    expected = summarize(simulate(app.game.value.scenario, 200, default))
    assert app.mc_summary.value["seed"] == default
    assert app.mc_summary.value["p_adopted"] == expected["p_adopted"]


def solara_cookie_warning() -> None:
    """The warning as Solara's server raises it on a page load over http (solara/server/starlette.py)."""
    warnings.warn(
        "Cookies with samesite=none require https, but according to the asgi framework, the scheme is "
        "'http'\nand the x-forwarded-proto header is 'http'. We will fallback to samesite=lax.",
        UserWarning,
    )


def test_the_launcher_silences_only_solaras_http_cookie_warning(monkeypatch):
    for key in OFFLINE_ENVIRONMENT:  # restored after the test: main() sets them if unset
        monkeypatch.setenv(key, OFFLINE_ENVIRONMENT[key])
    monkeypatch.setattr(sys, "argv", sys.argv)

    def serve() -> None:  # stands in for `solara run`: one page load
        solara_cookie_warning()
        warnings.warn("some other problem", UserWarning)

    monkeypatch.setattr("solara.__main__.main", serve)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        launch.main(["--port", "0"])
    assert [str(w.message) for w in seen] == ["some other problem"]


def test_the_launcher_listens_on_loopback_offline_by_default():
    args = parse_args([])
    assert (args.host, args.port, args.open) == ("127.0.0.1", 8765, False)
    command = solara_arguments(parse_args(["--host", "0.0.0.0", "--port", "9000"]))
    assert command[:2] == ["run", "sim.ui.app"]
    assert {"--production", "--no-check-version", "--no-open"} <= set(command)
    assert command[command.index("--host") + 1] == "0.0.0.0" and command[command.index("--port") + 1] == "9000"
    assert OFFLINE_ENVIRONMENT["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert OFFLINE_ENVIRONMENT["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")


def test_treatysim_ui_is_a_console_script():
    scripts = {e.name: e.value for e in importlib.metadata.entry_points(group="console_scripts")}
    assert scripts.get("treatysim-ui") == "sim.ui.launch:main"


def test_solara_assets_match_the_solara_version():
    assert importlib.metadata.version("solara-assets") == importlib.metadata.version("solara")


def test_the_core_and_the_cli_import_neither_solara_nor_mesa():
    code = (
        "import sys, sim, sim.cli, sim.runner, sim.engine, sim.analysis.stats, sim.analysis.report\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'solara', 'mesa', 'reacton', 'ipyvuetify'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_monte_carlo_panel_shows_entry_into_force_for_a_treaty_with_a_rule(page):
    """The ratification panel: a scenario with an entry-into-force rule adds its line and the curve's figure."""
    app.scenario_name.set("uncc2024")
    app.adopt_scenario(app.base_scenario())
    app.mc_replicates.set(50)
    button(page, "Run Monte Carlo").click()
    lines = [item.widget.children[0] for item in page.find(v.Html, tag="li")]
    assert any(str(line).startswith("In force within the horizon:") for line in lines)


def test_a_scenario_file_chosen_with_browse_is_played(page):
    """Click-to-browse (issue 16): the file the browser's file dialog returns becomes the page's scenario."""
    import datetime

    import ipywidgets

    text = (Path(__file__).resolve().parent.parent / "scenarios" / "classroom.yaml").read_text(encoding="utf-8")
    data = text.replace("name: classroom", "name: browsed", 1).encode()
    browse = page.find(ipywidgets.FileUpload).widget
    chosen = {"name": "mine.yaml", "type": "", "size": len(data), "content": memoryview(data)}
    browse.value = ({**chosen, "last_modified": datetime.datetime.now(datetime.UTC)},)
    assert app.scenario_name.value == "uploaded: mine.yaml"
    assert app.error.value == "" and app.game.value.scenario.name == "browsed"


def test_a_large_scenario_offers_a_search_not_a_button_per_delegation(page):
    app.pick_scenario("uncc2024")
    assert len(app.game.value.scenario.delegations) == 193
    labels = [str(b.children[-1]) for b in page.find(v.Btn).widgets if b.children]
    assert sum(label.startswith("Play ") for label in labels) <= 12
    assert not page.find(v.BtnToggle).widgets  # no toggle of 193 buttons
    assert page.find(v.TextField, label="Search delegations").widgets
