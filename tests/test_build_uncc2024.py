"""The generator of scenarios/uncc2024.yaml: it reproduces the committed file, and its parts do what they say."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load_build_module():
    spec = importlib.util.spec_from_file_location("build_uncc2024", ROOT / "tools" / "build_uncc2024.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build_module()


@pytest.fixture(scope="module")
def table() -> dict:
    return yaml.safe_load(build.GROUPS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def members() -> list:
    return build.read_csv(build.MEMBERS_FILE)


def test_the_build_script_reproduces_the_committed_scenario_exactly():
    assert build.generate() == (ROOT / "scenarios" / "uncc2024.yaml").read_text(encoding="utf-8")
    assert build.main(["--check"]) == 0


def test_every_un_member_is_one_delegation_in_exactly_one_group(table, members):
    scenario = build.build_scenario(table, members, build.read_csv(build.IDEAL_POINTS_FILE))
    ids = [d["id"] for d in scenario["delegations"]]
    assert len(ids) == 193 == len(set(ids)) == len(members)
    grouped = [m for b in scenario["blocs"] for m in b["members"]]
    assert sorted(grouped) == sorted(ids)
    eu = [b for b in scenario["blocs"] if b["coordinated"]]
    assert len(eu) == 1 and len(eu[0]["members"]) == 27 and "DEU" in eu[0]["members"]


def test_the_data_subset_covers_the_193_members_once(members):
    rows = build.read_csv(build.IDEAL_POINTS_FILE)
    assert sorted(r["iso3"] for r in rows) == sorted(m["iso3"] for m in members)


def test_a_state_in_two_groups_or_in_none_is_refused(table, members):
    doubled = copy.deepcopy(table)
    doubled["groups"][0]["members"].append("USA")
    with pytest.raises(ValueError, match="more than one group"):
        build.check_table(doubled, members)
    missing = copy.deepcopy(table)
    missing["groups"][0]["members"].remove("RUS")
    with pytest.raises(ValueError, match="in no group: \\['RUS'\\]"):
        build.check_table(missing, members)


def test_the_posterior_lies_between_prior_and_evidence_and_leans_to_the_surer():
    assert build.posterior_mean(0.2, 0.1, 0.6, 0.1) == pytest.approx(0.4)
    leaning = build.posterior_mean(0.2, 0.3, 0.6, 0.1)
    assert 0.4 < leaning < 0.6
    assert build.posterior_mean(0.9, 1e6, 0.5, 0.1) == pytest.approx(0.5, abs=1e-6)


def test_priors_keep_the_order_of_the_ideal_points():
    priors = build.ideal_point_priors({"a": -2.0, "b": 0.0, "c": 0.5, "d": 2.5})
    assert priors["a"] < priors["b"] < priors["c"] < priors["d"]
    assert all(0.0 < p < 1.0 for p in priors.values())


def test_power_is_equality_plus_capacity(table):
    assert build.power_of("TUV", table) == table["power"]["equality"]
    assert build.power_of("IND", table) == table["power"]["equality"] + table["power"]["g20"]
    assert build.power_of("USA", table) == sum(table["power"][k] for k in ("equality", "g20", "p5"))


def test_budapest_parties_get_the_better_outside_option(table):
    group = next(g for g in table["groups"] if g["id"] == "african_group")
    party = build.delegation("NGA", "Nigeria", group, 0.5, table)
    other = build.delegation("KEN", "Kenya", group, 0.5, table)
    assert "NGA" in table["budapest_parties"] and "KEN" not in table["budapest_parties"]
    assert party["outside_option"] == pytest.approx(other["outside_option"] + table["budapest_bonus"])
    assert party["position"] == other["position"]


def test_a_higher_ideal_point_means_more_safeguards_within_a_group(table):
    group = table["groups"][0]
    low = build.delegation("RUS", "x", group, 0.2, table)["position"]["safeguards"]
    high = build.delegation("RUS", "x", group, 0.8, table)["position"]["safeguards"]
    middle = sum(group["safeguards"]) / 2
    assert low < high
    assert min(0.2, middle) < low < max(0.2, middle) and min(0.8, middle) < high < max(0.8, middle)


def test_extract_relabels_the_duplicated_code_and_maps_to_iso(tmp_path: Path):
    source = tmp_path / "unvoting.csv"
    source.write_text(
        "Year,CountryAbb,CountryName,idealpoint,PctAgreeUS,PctAgreeRUSSIA\n"
        "2011,NAU,Nauru,9,0,0\n"
        "2012,SOL,Solomon Islands,-0.4,0.2,0.7\n"
        "2012,NAU,Nauru,0.5,0,1\n"
        "2012,TUV,Tuvalu,-0.5,0.17,0.73\n"
        "2012,NAU,Nauru,1.5,0.6,0.5\n",
        encoding="utf-8",
    )
    members = [
        {"cow": c, "iso3": i, "name": n}
        for c, i, n in [
            ("SOL", "SLB", "Solomon Islands"),
            ("KIR", "KIR", "Kiribati"),
            ("TUV", "TUV", "Tuvalu"),
            ("NAU", "NRU", "Nauru"),
        ]
    ]
    rows = build.extract_ideal_points(source, members, 2012)
    assert [(r["iso3"], r["idealpoint"]) for r in rows] == [
        ("SLB", "-0.4"),
        ("KIR", "0.5"),
        ("TUV", "-0.5"),
        ("NRU", "1.5"),
    ]
    with pytest.raises(ValueError, match="missing \\['XXX'\\]"):
        build.extract_ideal_points(source, members + [{"cow": "XXX", "iso3": "XXX", "name": "X"}], 2012)
