"""The scenario schema: bundled files load; every kind of invalid input is rejected with its field named."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.inputs import compile_arrays
from sim.loading import available_scenarios, load_scenario, validate_scenario
from tests.builders import build, delegation, scenario_dict


@pytest.mark.parametrize("name", available_scenarios())
def test_every_bundled_scenario_loads(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    for d in scenario.delegations:
        assert set(d.position) == set(scenario.issue_ids)
        assert math.isclose(sum(d.salience.values()), 1.0)


def test_default_and_classroom_scenarios_are_bundled():
    assert {"uncc2024", "classroom"} <= set(available_scenarios())
    assert 6 <= len(load_scenario("classroom").delegations) <= 10


def test_minimal_scenario_gets_documented_defaults():
    s = build([delegation("A", 0.2, 0.3)])
    d = s.delegations[0]
    assert (d.reservation, d.outside_option, d.style, d.bloc, d.can_block) == (0.8, None, "linear", None, True)
    # no outside option and no status quo: the documented default utility of no deal
    assert s.status_quo is None and compile_arrays(s).outside_option[0] == s.behaviour.default_outside_option == 0.5
    assert s.procedure.fallback == "vote" and s.procedure.rounds >= 1
    assert s.uncertainty.position > 0 and s.uncertainty.salience > 0 and s.uncertainty.reservation > 0


def test_salience_is_normalised_per_delegation():
    s = build([delegation("A", 0.2, 0.3, salience={"scope": 3.0, "safeguards": 1.0})])
    assert s.delegations[0].salience == {"scope": 0.75, "safeguards": 0.25}


def test_scenario_is_frozen():
    s = build([delegation("A", 0.2, 0.3)])
    with pytest.raises(ValidationError, match="frozen"):
        s.name = "other"  # type: ignore[misc]


def problems_of(doc) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        validate_scenario(doc, "x.yaml")
    assert info.value.source == "x.yaml"
    return info.value.problems


BAD = {
    "position out of range": (
        lambda d: d["delegations"][1]["position"].update(scope=1.4),
        "delegations[1].position.scope",
        "at most 1",
    ),
    "negative salience": (
        lambda d: d["delegations"][0]["salience"].update(scope=-1),
        "delegations[0].salience.scope",
        "at least 0",
    ),
    "zero power": (lambda d: d["delegations"][0].update(power=0), "delegations[0].power", "at least 1e-06"),
    "unknown key": (lambda d: d["delegations"][0].update(powr=2), "delegations[0].powr", "unknown field"),
    "missing name": (lambda d: d["delegations"][0].pop("name"), "delegations[0].name", "missing"),
    "bad style": (lambda d: d["delegations"][0].update(style="stubborn"), "delegations[0].style", "boulware"),
    "negative rounds": (lambda d: d.update(procedure={"rounds": -1}), "procedure.rounds", "at least 0"),
    "bad fallback": (lambda d: d.update(procedure={"fallback": "coin"}), "procedure.fallback", "vote"),
    "nan power": (lambda d: d["delegations"][0].update(power=float("nan")), "delegations[0].power", "finite"),
    "floor above reservation": (
        lambda d: d["delegations"][0].update(reservation=0.5, outside_option=0.7),
        "delegations[0]",
        "must not exceed reservation",
    ),
    "salience keys": (
        lambda d: d["delegations"][1].update(salience={"scope": 1.0, "privacy": 1.0}),
        "delegations[1].salience",
        "unknown issue",
    ),
    "missing position key": (
        lambda d: d["delegations"][0].update(position={"scope": 0.5}),
        "delegations[0].position",
        "missing issue",
    ),
    "duplicate delegation": (
        lambda d: d["delegations"][1].update(id="A"),
        "delegations",
        "duplicate delegation id 'A'",
    ),
    "duplicate issue": (lambda d: d["issues"][1].update(id="scope"), "issues", "duplicate issue id"),
    "no delegations": (lambda d: d.update(delegations=[]), "delegations", "at least 1"),
    "unknown bloc member": (
        lambda d: d.update(blocs=[{"id": "eu", "members": ["A", "ZZ"]}]),
        "blocs[0].members",
        "'ZZ' is not a delegation",
    ),
    "draft keys": (lambda d: d.update(chair={"draft": {"scope": 0.5}}), "chair.draft", "missing issue"),
    "string for number": (lambda d: d["delegations"][0].update(power="high"), "delegations[0].power", "number"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_input_is_rejected_with_its_field_named(case):
    mutate, location, words = BAD[case]
    doc = scenario_dict([delegation("A", 0.2, 0.3), delegation("B", 0.7, 0.6)])
    mutate(doc)
    problems = problems_of(doc)
    assert any(loc == location and words in msg for loc, msg in problems), problems


def test_error_message_names_file_field_and_value(tmp_path: Path):
    doc = scenario_dict([delegation("A", 0.2, 0.3), delegation("B", 0.7, 0.6)] * 1)
    doc["delegations"].append(delegation("C", 1.4, 0.5))
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = info.value.format()
    assert str(path) in line and "delegations[2].position.scope" in line and "1.4" in line


def test_unknown_scenario_name_lists_the_bundled_ones():
    with pytest.raises(ScenarioError) as info:
        load_scenario("no_such_scenario")
    assert "classroom" in info.value.format()


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"procedure": {"rounds": True}}, "procedure.rounds"),
        ({"chair": {"step": True}}, "chair.step"),
        ({"uncertainty": {"position": False}}, "uncertainty.position"),
        ({"delegations": {"USA": {"power": True}}}, "power"),
        ({"delegations": {"USA": {"position": {"scope": True}}}}, "position"),
    ],
)
def test_a_yes_or_no_is_never_read_as_a_number(patch, field):
    """YAML reads `true`/`yes` as a bool, which pydantic would take for 1: a silent wrong number."""
    from sim import load_scenario
    from sim.errors import ScenarioError
    from sim.loading import with_overrides

    with pytest.raises(ScenarioError) as error:
        with_overrides(load_scenario("classroom"), patch)
    assert field in str(error.value) and re.search("expected (a number|numbers), got (true|false)", str(error.value))


def test_run_settings_refuse_a_yes_for_a_count():
    from sim.config import parse_run_config
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="replicates: expected a number, got true"):
        parse_run_config({"scenario": "classroom", "replicates": True})
