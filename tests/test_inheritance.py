"""Scenario inheritance (``extends``): overrides change only what they name; bad parents and cycles are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.loading import load_scenario, with_overrides
from tests.builders import delegation, scenario_dict


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    doc = scenario_dict(
        [
            delegation("A", 0.2, 0.8, bloc="west"),
            delegation("B", 0.3, 0.7, bloc="west"),
            delegation("C", 0.8, 0.2),
            delegation("D", 0.6, 0.5),
        ],
        name="parent",
        sources=["parent evidence"],
        blocs=[{"id": "west", "members": ["A", "B"], "coordinated": True}, {"id": "east", "members": ["C"]}],
        procedure={"rounds": 9, "fallback": "vote"},
        chair={"strategy": "accommodate", "draft": {"scope": 0.5, "safeguards": 0.5}},
    )
    return write(tmp_path / "parent.yaml", doc)


def child(tmp_path: Path, name: str = "child.yaml", **overrides) -> Path:
    return write(tmp_path / name, {"extends": "parent.yaml", "name": "child", **overrides})


def dump(scenario) -> dict:
    return scenario.model_dump()


def test_a_procedure_override_changes_only_that_key(parent: Path, tmp_path: Path):
    base = load_scenario(parent)
    derived = load_scenario(child(tmp_path, procedure={"rounds": 3}))
    assert derived.procedure.rounds == 3 and derived.procedure.fallback == "vote"
    expected = with_overrides(base, {"name": "child", "procedure": {"rounds": 3}})
    assert dump(derived) == dump(expected)


def test_nested_mappings_merge_key_by_key(parent: Path, tmp_path: Path):
    derived = load_scenario(child(tmp_path, chair={"draft": {"scope": 0.9}}))
    assert derived.chair.draft == {"scope": 0.9, "safeguards": 0.5}
    assert derived.chair.strategy == "accommodate"


def test_a_delegation_patch_touches_only_the_named_delegation(parent: Path, tmp_path: Path):
    base = load_scenario(parent)
    derived = load_scenario(child(tmp_path, delegations={"C": {"outside_option": 0.3, "position": {"scope": 0.95}}}))
    before, after = {d.id: d for d in base.delegations}, {d.id: d for d in derived.delegations}
    assert after["C"].outside_option == 0.3 and after["C"].position == {"scope": 0.95, "safeguards": 0.2}
    assert after["C"].salience == before["C"].salience
    assert [after[k] for k in "ABD"] == [before[k] for k in "ABD"]
    assert derived.delegation_ids == base.delegation_ids


def test_a_bloc_patch_reaches_every_member_and_a_single_patch_wins(parent: Path, tmp_path: Path):
    derived = load_scenario(child(tmp_path, delegations={"B": {"reservation": 0.95}, "@west": {"reservation": 0.9}}))
    res = {d.id: d.reservation for d in derived.delegations}
    assert res["A"] == 0.9 and res["B"] == 0.95 and res["C"] == 0.8 and res["D"] == 0.8


def test_null_removes_a_delegation_and_its_bloc_membership(parent: Path, tmp_path: Path):
    derived = load_scenario(child(tmp_path, delegations={"A": None}))
    assert derived.delegation_ids == ("B", "C", "D")
    assert {b.id: b.members for b in derived.blocs}["west"] == ("B",)


def test_a_bloc_patch_by_id_and_sources_appended(parent: Path, tmp_path: Path):
    derived = load_scenario(child(tmp_path, blocs={"west": {"coordinated": False}}, sources=["what-if"]))
    assert {b.id: b.coordinated for b in derived.blocs} == {"west": False, "east": False}
    assert {b.id: b.members for b in derived.blocs}["west"] == ("A", "B")
    assert derived.sources == ("parent evidence", "what-if")


def test_a_list_replaces_the_parents_list_whole(parent: Path, tmp_path: Path):
    derived = load_scenario(
        child(tmp_path, blocs=[], delegations=[delegation("X", 0.1, 0.1), delegation("Y", 0.9, 0.9)])
    )
    assert derived.delegation_ids == ("X", "Y") and derived.blocs == ()


def test_extends_chains_through_grandparents(parent: Path, tmp_path: Path):
    child(tmp_path, procedure={"rounds": 4})
    grandchild = write(
        tmp_path / "grandchild.yaml", {"extends": "child.yaml", "name": "grandchild", "procedure": {"fallback": "none"}}
    )
    derived = load_scenario(grandchild)
    assert (derived.name, derived.procedure.rounds, derived.procedure.fallback) == ("grandchild", 4, "none")


def test_the_result_is_validated_like_any_scenario(parent: Path, tmp_path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(child(tmp_path, delegations={"C": {"outside_option": 1.5}}))
    assert "child.yaml" in info.value.format() and "outside_option" in info.value.format()


@pytest.mark.parametrize("reference", ["no_such_bundled_scenario", "missing.yaml", "sub/missing.yaml"])
def test_an_unknown_parent_is_a_clear_error_naming_the_file(tmp_path: Path, reference: str):
    path = write(tmp_path / "orphan.yaml", {"extends": reference, "name": "orphan"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = info.value.format()
    assert "orphan.yaml" in text and "extends" in text and reference in text and "unknown parent" in text


def test_a_cycle_is_a_clear_error(tmp_path: Path):
    write(tmp_path / "a.yaml", {"extends": "b.yaml", "name": "a"})
    b = write(tmp_path / "b.yaml", {"extends": "a.yaml", "name": "b"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(b)
    text = info.value.format()
    assert "cycle" in text and "a.yaml" in text and "b.yaml" in text


def test_a_file_extending_itself_is_a_cycle(tmp_path: Path):
    path = write(tmp_path / "self.yaml", {"extends": "self.yaml", "name": "self"})
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(path)


@pytest.mark.parametrize(
    "patch, words",
    [
        ({"delegations": {"ZZZ": {"power": 2}}}, ["delegations.ZZZ", "no delegation 'ZZZ'"]),
        ({"delegations": {"@nobloc": {"power": 2}}}, ["delegations.@nobloc", "no bloc 'nobloc'"]),
        ({"blocs": {"nobloc": {"coordinated": True}}}, ["blocs.nobloc", "no bloc 'nobloc'"]),
        ({"delegations": {"A": 3}}, ["delegations.A", "expected a mapping"]),
    ],
)
def test_a_patch_naming_nothing_in_the_parent_is_an_error(parent: Path, tmp_path: Path, patch: dict, words: list):
    with pytest.raises(ScenarioError) as info:
        load_scenario(child(tmp_path, **patch))
    text = info.value.format()
    assert "child.yaml" in text and all(w in text for w in words)


def test_bad_extends_value_is_an_error(tmp_path: Path):
    path = write(tmp_path / "bad.yaml", {"extends": 7, "name": "bad"})
    with pytest.raises(ScenarioError, match="extends"):
        load_scenario(path)


def test_bundled_what_if_equals_its_parent_with_the_same_overrides():
    base = load_scenario("uncc2024")
    no_vote = load_scenario("uncc2024_no_vote")
    overrides = {
        "name": no_vote.name,
        "title": no_vote.title,
        "description": no_vote.description,
        "sources": list(no_vote.sources[len(base.sources) :]),
        "procedure": {"fallback": "none"},
    }
    assert dump(no_vote) == dump(with_overrides(base, overrides))


def test_a_what_if_file_and_a_command_line_override_mean_the_same(parent: Path, tmp_path: Path):
    """Both patch the parent as validated: a salience patch merges into the parent's rescaled weights."""
    patch = {"C": {"salience": {"scope": 1.0}}}
    derived = load_scenario(child(tmp_path, delegations=patch))
    overridden = with_overrides(load_scenario(parent), {"delegations": patch, "name": "child"})
    assert derived.model_dump() == overridden.model_dump()
