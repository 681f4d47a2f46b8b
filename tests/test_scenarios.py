"""Every bundled scenario validates and runs; the full-membership and what-if scenarios say what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.analysis.stats import summarize
from sim.engine import simulate
from sim.loading import available_scenarios, load_scenario, scenarios_dir

BUNDLED = available_scenarios()
WHAT_IFS = [
    "uncc2024_feb",
    "uncc2024_hardline",
    "uncc2024_no_vote",
    "uncc2024_lobbying",
    "uncc2024_us_exit",
    "uncc2024_eu_split",
    "uncc2024_groups",
]


def test_the_issue_3_scenarios_are_bundled():
    assert {"uncc2024", "bbnj2023", *WHAT_IFS} <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_validates_and_runs(name: str):
    scenario = load_scenario(name)
    assert scenario.name == name, "a scenario's name must be its file name"
    assert scenario.sources, "every bundled scenario cites its sources"
    results = simulate(scenario, replicates=16, seed=3)
    assert results.replicates == 16 and results.text.shape == (16, len(scenario.issues))
    summary = summarize(results)
    assert summary["p_adopted"] == pytest.approx(summary["p_consensus"] + summary["p_vote"])


def test_uncc2024_has_every_un_member_and_a_coordinated_eu():
    scenario = load_scenario("uncc2024")
    assert len(scenario.delegations) == 193 == len(set(scenario.delegation_ids))
    assert scenario.issue_ids == ("scope", "safeguards")
    coordinated = [b for b in scenario.blocs if b.coordinated]
    assert [b.id for b in coordinated] == ["eu"] and len(coordinated[0].members) == 27
    assert sum(d.votes for d in scenario.delegations) == 193


def test_eu_members_vote_together_in_uncc2024():
    scenario = load_scenario("uncc2024")
    results = simulate(scenario, replicates=200, seed=11)
    eu = [scenario.delegation_ids.index(m) for m in next(b for b in scenario.blocs if b.id == "eu").members]
    blocking = results.blockers[:, eu]
    assert (blocking.all(axis=1) | ~blocking.any(axis=1)).all()


def _differences(a: dict, b: dict, path: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return {p for k in a.keys() | b.keys() for p in _differences(a.get(k), b.get(k), f"{path}.{k}" if path else k)}
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return {p for n, (x, y) in enumerate(zip(a, b)) for p in _differences(x, y, f"{path}[{n}]")}
    return set() if a == b else {path}


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("uncc2024_no_vote", {"procedure.fallback"}),
        ("uncc2024_feb", {"procedure.rounds", "chair.draft.scope", "chair.draft.safeguards"}),
        ("uncc2024_eu_split", {"blocs[5].coordinated"}),
        ("uncc2024_lobbying", {"stakeholders"}),
        (
            "uncc2024_groups",
            {f"blocs[{n}].cohesion" for n in (0, 1, 2, 3, 4, 6)} | {"blocs[0].lead", "blocs[1].lead"},
        ),
    ],
)
def test_a_what_if_differs_from_uncc2024_only_where_it_says(name: str, allowed: set):
    base, what_if = load_scenario("uncc2024").model_dump(), load_scenario(name).model_dump()
    changed = _differences(base, what_if) - {"name", "title", "description"}
    changed = {c for c in changed if not c.startswith("sources")}
    assert changed == allowed


def test_hardline_patches_only_its_bloc():
    base = load_scenario("uncc2024")
    like_minded = {b.id: set(b.members) for b in base.blocs}["like_minded"]
    derived = load_scenario("uncc2024_hardline")
    changed = {a.id for a, b in zip(base.delegations, derived.delegations) if a != b}
    assert changed == like_minded


def test_lobbying_is_stakeholder_agents_with_sourced_positions_and_no_vote():
    scenario = load_scenario("uncc2024_lobbying")
    kinds = {s.id: s.kind for s in scenario.stakeholders}
    assert kinds == {"civil_society": "ngo", "industry": "industry", "ohchr": "un_body"}
    assert not set(kinds) & set(scenario.delegation_ids)  # they press delegations, they are none
    assert all(s.position["safeguards"] >= 0.9 and s.budget > 0 for s in scenario.stakeholders)


def test_us_exit_removes_only_the_us():
    base, exit_ = load_scenario("uncc2024"), load_scenario("uncc2024_us_exit")
    assert set(base.delegation_ids) - set(exit_.delegation_ids) == {"USA"} and len(exit_.delegations) == 192
    assert all("USA" not in b.members for b in exit_.blocs)


def test_what_ifs_are_short_files_that_extend_uncc2024():
    for name in WHAT_IFS:
        text = (scenarios_dir() / f"{name}.yaml").read_text(encoding="utf-8")
        assert yaml.safe_load(text)["extends"] == "uncc2024" and len(text.splitlines()) < 30, name


def test_the_template_is_a_valid_scenario_once_copied(tmp_path: Path):
    template = scenarios_dir() / "template.yaml.example"
    copy = tmp_path / "my_first.yaml"
    copy.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
    scenario = load_scenario(copy)
    assert simulate(scenario, replicates=8, seed=1).replicates == 8


def test_the_templates_commented_examples_are_valid_once_uncommented():
    """The template shows optional sections (stakeholders, status_quo, provisions, ratification) and fields (cohesion,
    lead, ratification_difficulty ...) as comments; switched on, they must validate and run."""
    import re

    from sim.loading import validate_scenario

    lines, out, block = (scenarios_dir() / "template.yaml.example").read_text(encoding="utf-8").splitlines(), [], False
    for line in lines:
        if re.match(r"# [a-z_]+:", line) or (block and line.startswith("#   ")):  # a commented top-level section
            block = True
            out.append(line[2:])
            continue
        block = False
        out.append(re.sub(r"^(\s+)# ([a-z_]+:)", r"\1\2", line))  # a commented field
    scenario = validate_scenario(yaml.safe_load("\n".join(out)), "template.yaml")
    assert scenario.stakeholders and scenario.blocs[0].cohesion == 0.5 and scenario.blocs[0].lead == "LOW"
    assert scenario.status_quo is not None and scenario.uncertainty.group_position > 0
    assert [p.issue for p in scenario.provisions] == ["monitoring"] and scenario.procedure.provision_voting
    assert scenario.ratification is not None and scenario.delegations[0].ratification_difficulty == 0.7
    summary = summarize(simulate(scenario, replicates=8, seed=1))
    assert set(summary["provisions"]) == {"upstream_pays"} and "p_in_force" in summary


def test_a_historical_session_is_named_history_slash_name():
    from sim.errors import ScenarioError
    from sim.loading import scenario_path

    assert scenario_path("history/bbnj2023") == scenarios_dir() / "history" / "bbnj2023.yaml"
    assert load_scenario("history/bbnj2023").history is not None
    with pytest.raises(ScenarioError, match="did you mean 'history/bbnj2023'"):
        scenario_path("history/bbnj2030")
    with pytest.raises(ScenarioError, match="not a bundled scenario name"):
        scenario_path("history/../classroom")  # a name never reaches outside scenarios/history


def test_a_name_that_is_a_file_in_this_folder_without_its_ending_says_so(tmp_path, monkeypatch):
    """``scenario=good`` with ``good.yaml`` here: the error points at ``scenario=good.yaml``."""
    from sim.errors import ScenarioError
    from sim.loading import scenario_path

    (tmp_path / "good.yaml").write_text("name: good\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match=r"there is \./good\.yaml here: use scenario=good\.yaml"):
        scenario_path("good")
    with pytest.raises(ScenarioError, match="unknown scenario name; the bundled"):
        scenario_path("other")
