"""treatysim-import: KTAB SMP actor CSVs and plain actor tables become scenarios that validate and run; malformed
files are refused with the file, the line, the column and what was expected (exit 2, no traceback).

The KTAB files below are written to the format of KTAB's SMP reader, ``SMPModel::csvRead`` in
``examples/smp/libsrc/smpread.cpp`` of https://github.com/KAPSARC/KTAB (MIT licence; read from the public copy
lsyaseen/KTAB), and mimic the quirks of its example files ``examples/smp/doc/SOE-Policy.csv`` and
``dummyData_3Dim-no-final-comma.csv``: a scenario line (name, description, number of actors, number of dimensions),
a header ``Actor,Description,Influence|Power,<Pos>,<Sal>,...``, a trailing comma (or none), padded cells,
semicolons inside the scenario name. The actors and numbers are made up (a cybercrime treaty), not KTAB's data.
The plain actor table is treatysim's own format (``docs/importers.md``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.analysis.importers import (
    detect_scale,
    import_text,
    main,
    parse_ktab,
    parse_status_quo,
    parse_table,
    scenario_name,
    slug,
)
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]

# KTAB SMP: line 1 scenario, line 2 header (position column titles name the dimensions), then one line per actor:
# name, description, capability, position (0-100) and salience (0-100) per dimension; trailing commas as in
# KTAB's SOE-Policy.csv, padding as in its SOE-Pol-Comp.csv.
KTAB = """\
Cyber treaty; scen 0,Scenario-000; Scope and safeguards of a cybercrime convention, 5, 2, 
Actor,Description,Influence,Scope Position,Scope Salience,Safeguards Position,Safeguards Salience, 
RUS,Russia,                 80,90,60,15,40, 
CHN,China,                  80,85,50,20,50, 
EU,European Union,          80,25,40,88,60, 
USA,United States,          90,20,35,90,50, 
BRA,Brazil,                 40,45,40,75,60, 
"""

# the same without the trailing commas (KTAB's dummyData_3Dim-no-final-comma.csv), with "Power" and "Pstn1" titles
KTAB_NO_FINAL_COMMA = """\
Dummy ,"A dummy scenario, to test the reading format",3,1,
Actor,Description,Power,Pstn1,Sal1
A-1, Random Spatial Actor, 102.5, 75.79, 49.53
A-2, Random Spatial Actor,  53.4, 82.72, 30.33
A-3, Random Spatial Actor, 129.6, 82.45, 48.47
"""

TABLE_100 = """\
id,name,power,scope_position,scope_salience,safeguards_position,safeguards_salience
RUS,Russia,3,90,6,15,4
CHN,China,3,85,5,20,5
EU,European Union,3,25,4,88,6
USA,United States,3,20,4,90,6
IND,India,2,70,5,40,5
"""

TABLE_1 = """\
id,name,power,scope_position,scope_salience
A,Alpha,1,0.2,1
B,Beta,2,0.8,1
C,,1.5,1,1
"""


def problems_of(fn, *args) -> str:
    with pytest.raises(ScenarioError) as info:
        fn(*args)
    return info.value.format()


# --------------------------------------------------------------------------------------------------- KTAB format


def test_ktab_maps_capability_to_power_positions_to_0_1_and_normalises_salience():
    table = parse_ktab(KTAB, "cyber.csv")
    assert [i["id"] for i in table.issues] == ["scope", "safeguards"]
    assert [i["label"] for i in table.issues] == ["Scope", "Safeguards"]  # "Position" dropped
    assert table.title == "Cyber treaty; scen 0"
    assert table.description == "Scenario-000; Scope and safeguards of a cybercrime convention"
    rus = table.delegations[0]
    assert rus == {
        "id": "RUS",
        "name": "Russia",
        "position": {"scope": 0.9, "safeguards": 0.15},
        "salience": {"scope": 0.6, "safeguards": 0.4},
        "power": 80,
    }
    usa = table.delegations[3]
    assert usa["salience"] == {"scope": round(35 / 85, 6), "safeguards": round(50 / 85, 6)}
    assert table.lines["USA"] == 6


def test_ktab_without_final_commas_and_with_shared_descriptions():
    table = parse_ktab(KTAB_NO_FINAL_COMMA, "dummy.csv")
    assert table.issues == [{"id": "pstn1", "label": "Pstn1"}]
    assert [d["id"] for d in table.delegations] == ["A-1", "A-2", "A-3"]
    # three actors share the description: their names stay their KTAB names, so reports can tell them apart
    assert [d["name"] for d in table.delegations] == ["A-1", "A-2", "A-3"]
    assert table.delegations[0]["position"] == {"pstn1": 0.7579} and table.delegations[2]["power"] == 129.6
    assert table.description == "A dummy scenario, to test the reading format"


def test_ktab_actor_names_outside_the_id_pattern_become_ids_and_are_noted():
    text = KTAB.replace("BRA,Brazil", "US Chamber,US Chamber of Commerce")
    table = parse_ktab(text, "cyber.csv")
    assert table.delegations[-1]["id"] == "US_Chamber" and table.delegations[-1]["name"] == "US Chamber of Commerce"
    assert any("US_Chamber" in note for note in table.notes)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # a salience above KTAB's 100 (KTAB's own dummyData_3Dim.csv has one, 105.91, which its reader refuses)
        (("60,15,40,", "60,15,140,"), "line 3, column 7 (Safeguards Salience): a salience must be between 0 and 100"),
        (
            ("90,20,35,90,50,", "90,20,60,90,50,"),
            "line 6: the saliences of actor 'USA' sum to 110; KTAB allows at most 100",
        ),
        (
            ("RUS,Russia,                 80,90", "RUS,Russia,                 80,190"),
            "line 3, column 4 (Scope Position): a position must be between 0 and 100, got 190",
        ),
        (
            ("CHN,China,                  80", "CHN,China,                  eighty"),
            "line 4, column 3 (Influence): expected the capability (a number), got 'eighty'",
        ),
        (
            ("CHN,China,                  80", "CHN,China,                  0"),
            "line 4, column 3 (Influence): capability must be greater than 0",
        ),
        (
            ("EU,European Union", "RUS,European Union"),
            "line 5, column 1 (Actor): duplicate actor 'RUS': already on line 3",
        ),
        (("BRA,Brazil,                 40,45,40,75,60", "BRA,Brazil,40,45,40"), "line 7: expected 7 values"),
        ((", 5, 2,", ", 6, 2,"), "line 1, column 3: line 1 declares 6 actor(s), but the file has 5"),
        ((", 5, 2,", ", five, 2,"), "line 1, column 3: expected the number of actors (a whole number), got 'five'"),
        (("Safeguards Position,Safeguards Salience, ", ""), "line 2: expected 7 column titles"),
        (
            ("BRA,Brazil,                 40,45,40,75,60", "BRA,Brazil,40,45,0,75,0"),
            "actor 'BRA' has no positive salience",
        ),
        (("USA,United States,          90,20", "USA,United States,          90,nan"), "a finite number"),
    ],
)
def test_malformed_ktab_files_name_the_line_column_and_expectation(edit, expected):
    old, new = edit
    assert old in KTAB
    message = problems_of(parse_ktab, KTAB.replace(old, new), "cyber.csv")
    assert message.startswith("cyber.csv: ") and expected in message, message


def test_ktab_lists_every_problem_at_once():
    text = KTAB.replace("80,90,60", "x,190,60").replace("EU,European Union", "RUS,European Union")
    lines = problems_of(parse_ktab, text, "cyber.csv").splitlines()
    assert len(lines) == 3 and all(line.startswith("cyber.csv: line ") for line in lines)


def test_ktab_file_without_its_scenario_line_says_so():
    message = problems_of(parse_ktab, KTAB.split("\n", 1)[1], "cyber.csv")
    assert "starts with the scenario line" in message and "column header" in message


# -------------------------------------------------------------------------------------------------- table format


def test_table_detects_a_0_100_scale_and_normalises_salience():
    table = parse_table(TABLE_100, "actors.csv")
    assert table.scale == 100 and table.scale_detected
    assert [i["id"] for i in table.issues] == ["scope", "safeguards"]
    assert table.delegations[0] == {
        "id": "RUS",
        "name": "Russia",
        "position": {"scope": 0.9, "safeguards": 0.15},
        "salience": {"scope": 0.6, "safeguards": 0.4},
        "power": 3,
    }


def test_table_on_0_1_keeps_positions_and_an_empty_name_becomes_the_id():
    table = parse_table(TABLE_1, "actors.csv")
    assert table.scale == 1 and [d["position"]["scope"] for d in table.delegations] == [0.2, 0.8, 1.0]
    assert table.delegations[2]["name"] == "C" and table.delegations[2]["power"] == 1.5


def test_a_given_scale_wins_over_detection():
    # positions all <= 1 read as 0-100 because the user says so: 1 on 0-100 is 0.01
    table = parse_table(TABLE_1, "actors.csv", 100)
    assert not table.scale_detected and table.delegations[2]["position"] == {"scope": 0.01}
    assert detect_scale([(2, ["A", "a", "1", "0.5"])], [3]) == 1 and detect_scale([(2, ["1", "50"])], [1]) == 100


def test_table_columns_may_come_in_any_order():
    text = "scope_salience,power,scope_position,name,id\n1,2,0.5,Alpha,A\n1,1,0.1,Beta,B\n"
    table = parse_table(text, "actors.csv")
    assert table.delegations[0] == {
        "id": "A",
        "name": "Alpha",
        "position": {"scope": 0.5},
        "salience": {"scope": 1.0},
        "power": 2,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,name,scope_position,scope_salience\nA,a,0.5,1\n", "line 1: missing column 'power'"),
        ("id,name,power,scope_position\nA,a,1,0.5\n", "line 1: missing column 'scope_salience'"),
        (
            "id,name,power,scope_position,scope_salience,notes\nA,a,1,0.5,1,x\n",
            "line 1, column 6 (notes): unknown column 'notes'",
        ),
        ("id,name,power\nA,a,1\n", "no issue columns"),
        (
            "id,name,power,scope_position,scope_salience\nA,a,one,0.5,1\n",
            "line 2, column 3 (power): expected the power (a number), got 'one'",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,1,,1\n",
            "line 2, column 4 (scope_position): expected a position, got nothing",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,1,0.5,1\nB,b,1,120,1\n",
            "line 3, column 4 (scope_position): a position must be between 0 and 100, got 120",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,1,0.5,-1\n",
            "line 2, column 5 (scope_salience): a salience must be between 0 and 1e+06, got -1",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,0,0.5,1\n",
            "line 2, column 3 (power): power must be between 1e-06 and 1e+06, got 0",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,1,0.5,1\nA,b,1,0.2,1\n",
            "line 3, column 1 (id): duplicate id 'A': already on line 2",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA B,a,1,0.5,1\n",
            "line 2, column 1 (id): an id must be letters",
        ),
        (
            "id,name,power,scope_position,scope_salience\nA,a,1,0.5,0\n",
            "line 2: delegation 'A' has no positive salience",
        ),
        ("id,name,power,scope_position,scope_salience\nA,a,1,0.5,1,9\n", "line 2: expected at most 5 values"),
        ("id,name,power,1st_position,1st_salience\nA,a,1,0.5,1\n", "the issue id '1st' must be letters"),
        ("id,name,power,scope_position,scope_salience\n", "no delegations"),
        ("id;name;power;scope_position;scope_salience\nA;a;1;0.5;1\n", "separated by commas"),
        ("", "the file is empty"),
        ("\n\n  \n", "the file is empty"),
    ],
)
def test_malformed_tables_name_the_line_column_and_expectation(text, expected):
    message = problems_of(parse_table, text, "actors.csv")
    assert message.startswith("actors.csv: ") and expected in message, message


def test_a_ktab_file_read_as_a_table_points_to_the_ktab_format():
    assert "use --format ktab" in problems_of(parse_table, KTAB, "cyber.csv")


# ------------------------------------------------------------------------------------------ scenario and status quo


def test_status_quo_is_on_the_files_scale_and_must_name_every_issue():
    assert parse_status_quo("scope=0, safeguards=100", ["scope", "safeguards"], 100) == {
        "scope": 0.0,
        "safeguards": 1.0,
    }
    assert "unknown issue" in problems_of(parse_status_quo, "scope=0,scop=1", ["scope"], 1)
    assert "missing issue(s): safeguards" in problems_of(parse_status_quo, "scope=0", ["scope", "safeguards"], 1)
    assert "between 0 and 1" in problems_of(parse_status_quo, "scope=2", ["scope"], 1)
    assert "expected ISSUE=VALUE" in problems_of(parse_status_quo, "scope", ["scope"], 1)


def test_names_and_slugs():
    assert scenario_name("my-treaty.v2") == "my_treaty_v2" and scenario_name("2024 talks") == "d_2024_talks"
    assert slug("Policy Position", "x") == "policy" and slug("  ", "dim1") == "dim1"


def test_imported_mapping_validates_and_its_yaml_says_what_is_default():
    _table, data, rendered = import_text(KTAB, "cyber.csv", "ktab", "cyber", status_quo="scope=0,safeguards=100")
    scenario = validate_scenario(yaml.safe_load(rendered), "rendered")
    assert scenario.name == "cyber" and scenario.title == "Cyber treaty; scen 0"
    assert scenario.status_quo == {"scope": 0.0, "safeguards": 1.0}
    assert yaml.safe_load(rendered) == data
    header = [line for line in rendered.splitlines() if line.startswith("#")]
    text = "\n".join(header)
    for word in ("KTAB SMP", "reservation 0.8", "style linear", "outside option", "status_quo"):
        assert word in text
    assert all(d.outside_option is None and d.style == "linear" for d in scenario.delegations)


def test_a_bad_scenario_name_is_refused():
    assert "--name" in problems_of(import_text, TABLE_1, "a.csv", "table", "1bad")


# ---------------------------------------------------------------------------------------------------- command


@pytest.mark.parametrize(("fmt", "text"), [("ktab", KTAB), ("table", TABLE_100), ("table", TABLE_1)])
def test_round_trip_import_load_and_simulate(tmp_path: Path, fmt: str, text: str, capsys):
    source = tmp_path / "input.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "imported.yaml"
    assert main([str(source), "--format", fmt, "-o", str(out)]) == 0
    assert "written:" in capsys.readouterr().out
    scenario = load_scenario(str(out))
    assert scenario.name == "imported" and len(scenario.delegations) == text.count("\n") - (2 if fmt == "ktab" else 1)
    results = simulate(scenario, 50, 7)
    assert len(results.replicate) == 50


def test_yaml_goes_to_stdout_without_an_output_file(tmp_path: Path, capsys):
    source = tmp_path / "actors.csv"
    source.write_text(TABLE_1, encoding="utf-8")
    assert main([str(source), "--format", "table", "--name", "abc", "--title", "A B C"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["name"] == "abc" and data["title"] == "A B C"


def test_a_spreadsheets_byte_order_mark_is_fine(tmp_path: Path, capsys):
    source = tmp_path / "actors.csv"
    source.write_bytes(TABLE_1.encode("utf-8-sig"))
    assert main([str(source), "--format", "table"]) == 0


def test_never_overwrites_without_force(tmp_path: Path, capsys):
    source = tmp_path / "actors.csv"
    source.write_text(TABLE_1, encoding="utf-8")
    out = tmp_path / "s.yaml"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main([str(source), "--format", "table", "-o", str(out)])
    assert info.value.code == 2 and out.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err
    assert main([str(source), "--format", "table", "-o", str(out), "--force"]) == 0
    assert load_scenario(str(out)).name == "s"
    assert not list(tmp_path.glob(".s.yaml.*")), "no temporary file is left behind"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "table", "-o", "out.txt"], "must be a .yaml file"),
        (["--format", "ktab"], "actors.csv: line 1"),
        (["--format", "table", "--status-quo", "nope=1"], "--status-quo: nope: unknown issue"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args, expected, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "actors.csv").write_text(TABLE_1, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["actors.csv", *args])
    assert info.value.code == 2 and expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"id,name,power,scope_position,scope_salience\nA,\xe9,1,0.5,1\n", "not UTF-8 text"),
        (b"id,name,power,scope_position,scope_salience\nA,a,1,abc,1\n", "line 2, column 4 (scope_position)"),
    ],
)
def test_the_command_exits_2_in_one_line_per_problem_without_a_traceback(tmp_path: Path, content, expected):
    source = tmp_path / "actors.csv"
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "s.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.analysis.importers", str(source), "--format", "table", "-o", str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_version(capsys):
    from sim import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out == f"treatysim-import {__version__}\n"


def test_the_examples_in_docs_importers_md_are_what_the_importer_writes():
    """docs/importers.md shows each format's example input and (an excerpt of) its output: they must stay true."""
    blocks = (ROOT / "docs" / "importers.md").read_text(encoding="utf-8").split("```")[1::2]
    ktab_in = next(b for b in blocks if b.startswith("\nCyber treaty"))
    table_in = next(b for b in blocks if b.startswith("\nid,name,power"))
    outputs = [b for b in blocks if b.startswith("yaml\n# Generated")]
    assert len(outputs) == 2
    for (text, fmt, name, quo), shown in zip(
        [(ktab_in, "ktab", "cyber", "scope=0,safeguards=100"), (table_in, "table", "my_treaty", None)], outputs
    ):
        _, _, rendered = import_text(
            text.lstrip("\n"), "x.csv", fmt, name, "My treaty" if fmt == "table" else None, None, quo
        )
        lines = [line for line in shown.splitlines() if line.startswith(("  - {", "name:", "title:", "status_quo:"))]
        assert len(lines) >= 7
        for line in lines:
            assert line in rendered.splitlines(), line
