"""Every kind of bad input gets a clear error: the file, the field path or line, what was expected; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.loading import MAX_SCENARIO_BYTES, load_scenario
from tests.builders import delegation, scenario_dict
from tests.test_cli import treatysim

GOOD = scenario_dict([delegation("A", 0.2, 0.3), delegation("B", 0.7, 0.6)])


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = info.value.format()
    assert message.startswith(str(path)), message
    return message


def doc_with(change) -> str:
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    change(doc)
    return yaml.safe_dump(doc, sort_keys=False)


FILE_CASES = {
    "yaml syntax": ("name: x\nissues: [a, b\n", ["line 3", "YAML syntax error"]),
    "empty file": ("", ["empty"]),
    "comment only": ("# nothing here\n", ["empty"]),
    "a list": ("- a\n- b\n", ["expected a mapping", "list"]),
    "list for a mapping": (
        doc_with(lambda d: d.update(procedure=[{"rounds": 3}])),
        ["procedure: expected a mapping (indented 'key: value' lines), got a list"],
    ),
    "unknown key": (doc_with(lambda d: d.update(titel="x")), ["titel: unknown field (did you mean 'title'?)"]),
    "wrong type": (doc_with(lambda d: d["delegations"][0].update(power="lots")), ["delegations[0].power", "'lots'"]),
    "out of range": (
        doc_with(lambda d: d["delegations"][1]["position"].update(safeguards=-0.2)),
        ["delegations[1].position.safeguards: must be at least 0"],
    ),
    "nan": (
        doc_with(lambda d: d["delegations"][0].update(power=".nan")).replace("'.nan'", ".nan"),
        ["delegations[0].power: must be a finite number"],
    ),
    "inf": (
        doc_with(lambda d: d["delegations"][0].update(reservation=".inf")).replace("'.inf'", ".inf"),
        ["delegations[0].reservation"],
    ),
    "salience keys": (
        doc_with(lambda d: d["delegations"][0].update(salience={"scope": 1, "privacy": 1})),
        ["delegations[0].salience: unknown issue(s) ['privacy']"],
    ),
    "duplicate delegation": (doc_with(lambda d: d["delegations"][1].update(id="A")), ["duplicate delegation id 'A'"]),
    "duplicate issue": (doc_with(lambda d: d["issues"][1].update(id="scope")), ["duplicate issue id 'scope'"]),
    "bloc member missing": (
        doc_with(lambda d: d.update(blocs=[{"id": "eu", "members": ["A", "FRA"]}])),
        ["blocs[0].members: 'FRA' is not a delegation"],
    ),
    "bloc typo": (
        doc_with(
            lambda d: (d.update(blocs=[{"id": "hac", "coordinated": True}]), d["delegations"][1].update(bloc="hca"))
        ),
        ["delegations[1].bloc: unknown bloc 'hca' (did you mean 'hac'?)", "[delegation B]"],
    ),
    "undeclared bloc": (
        doc_with(lambda d: d["delegations"][0].update(bloc="nato")),
        ["delegations[0].bloc: unknown bloc 'nato'", "declare it under blocs"],
    ),
    "name with a dash": (
        doc_with(lambda d: d.update(name="my-treaty")),
        ["name: must be letters, digits and _, not starting with a digit, got 'my-treaty'"],
    ),
    "shortened field": (
        doc_with(lambda d: d.update(ratification={"threshold": 2, "lag": 30})),
        ["ratification.lag: unknown field (did you mean 'lag_days'?)"],
    ),
    "misspelt extends": (
        doc_with(lambda d: d.update(extnds="uncc2024")),
        ["extnds: unknown field (did you mean 'extends'?)"],
    ),
    "no delegations": (doc_with(lambda d: d.update(delegations=[])), ["delegations: must have at least 1"]),
    "python object tag": ("!!python/object/apply:os.system ['echo hacked']\n", ["YAML error", "line 1"]),
    "duplicate key": (
        "name: x\ntitle: t\nprocedure: {rounds: 3}\nprocedure: {rounds: 5}\n",
        ["line 4, column 1: YAML error: the key 'procedure' appears twice"],
    ),
    "deep nesting": ("[" * 5000 + "]" * 5000 + "\n", ["nested too deeply"]),
    "huge power": (
        doc_with(lambda d: d["delegations"][0].update(power=1e39)),
        ["delegations[0].power: must be at most"],
    ),
    "tiny power": (
        doc_with(lambda d: d["delegations"][0].update(power=1e-46)),
        ["delegations[0].power: must be at least"],
    ),
    "huge salience": (
        doc_with(lambda d: d["delegations"][0].update(salience={"scope": 1e308, "safeguards": 1e308})),
        ["delegations[0].salience.scope: must be at most"],
    ),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_bad_scenario_files_are_reported_with_file_and_field(tmp_path, case):
    text, expected = FILE_CASES[case]
    message = load_error(write(tmp_path, text))
    for words in expected:
        assert words in message, message
    assert "Traceback" not in message


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, "# " + "x" * MAX_SCENARIO_BYTES + "\n")
    assert "limit" in load_error(path)


def test_safe_loading_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, f"!!python/object/apply:os.system ['touch {marker}']\n")
    load_error(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "name, words",
    [
        ("", "no scenario given"),
        ("nonexistent", "the bundled scenarios are: "),
        ("clasroom", "did you mean 'classroom'?"),
        ("../../etc/passwd", "not a bundled scenario name"),
        ("..", "not a bundled scenario name"),
        ("missing/file.yaml", "no such scenario file"),
    ],
)
def test_bad_scenario_names(name, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    assert words in info.value.format()


CLI_CASES = {
    "unknown scenario": (["scenario=nope"], "the bundled scenarios are: "),
    "path traversal": (["scenario=../../../etc/passwd"], "not a bundled scenario name"),
    "unknown override key": (["scenario=classroom", "procedur.rounds=3"], "did you mean 'procedure.rounds'?"),
    "wrong override type": (
        ["scenario=classroom", "replicates=many"],
        "replicates: expected a whole number, got 'many'",
    ),
    "negative replicates": (["scenario=classroom", "replicates=-5"], "replicates: must be at least 1, got -5"),
    "out-of-range scenario override": (
        ["scenario=classroom", "procedure.vote_threshold=1.5"],
        "procedure.vote_threshold: must be at most 1",
    ),
    "bad chair strategy": (["scenario=classroom", "chair.strategy=bribe"], "chair.strategy: must be one of"),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_the_cli_exits_2_with_a_clear_message_and_no_traceback(tmp_path, case):
    args, words = CLI_CASES[case]
    out = tmp_path / "run"
    proc = treatysim(*args, f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert words in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "summary.json").exists()


def test_the_cli_reports_a_bad_file_by_path_and_line(tmp_path):
    bad = write(tmp_path, "name: x\ntitle: [unclosed\n")
    proc = treatysim(f"scenario={bad}", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}: line 3, column 1: YAML syntax error" in proc.stderr, proc.stderr


def test_debug_switch_shows_the_traceback(tmp_path):
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("treatysim")
    env = {**os.environ, "TREATYSIM_DEBUG": "1", "HYDRA_FULL_ERROR": "1"}
    proc = subprocess.run(
        [str(exe), "scenario=nope", f"hydra.run.dir={tmp_path}"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "ScenarioError" in proc.stderr


def test_duplicate_issue_ids_are_reported_once_not_per_delegation(tmp_path):
    text = doc_with(lambda d: d["issues"][1].update(id="scope"))
    message = load_error(write(tmp_path, text))
    assert message.count("\n") == 0 and "duplicate issue id 'scope'" in message, message


def test_field_errors_say_that_the_checks_across_fields_come_next(tmp_path, capsys):
    """A wrong power (a field) and a provision on an unknown issue (a check across fields): pydantic stops before the
    second, so ``treatysim validate`` says more checks follow (a run keeps to one line per problem); once the field
    is right, the second is reported, alone."""
    from sim.cli import validate

    def both(d):
        d["delegations"][0].update(power="one")
        d["provisions"] = [{"id": "x", "issue": "inspection", "shift": -0.1}]

    assert validate([str(write(tmp_path, doc_with(both)))]) == 2
    said = capsys.readouterr().err
    assert "delegations[0].power" in said and "run once these are fixed" in said, said
    assert "\n" not in load_error(write(tmp_path, doc_with(both)))  # a run says its one problem in one line
    only = doc_with(lambda d: d.update(provisions=[{"id": "x", "issue": "inspection", "shift": -0.1}]))
    assert validate([str(write(tmp_path, only))]) == 2
    second = capsys.readouterr().err
    assert "unknown issue 'inspection'" in second and "run once these are fixed" not in second, second


def test_a_bundled_scenarios_name_must_be_its_file_name(tmp_path, monkeypatch):
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["name"] = "plastics"
    (tmp_path / "plastic.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.setenv("TREATYSIM_SCENARIOS", str(tmp_path))
    with pytest.raises(ScenarioError) as info:
        load_scenario("plastic")
    assert "name: a bundled scenario's name must be its file name 'plastic', got 'plastics'" in info.value.format()


def test_an_unknown_setting_is_one_line_before_hydra_starts(tmp_path):
    proc = treatysim("replicate=100", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "treatysim: unknown setting 'replicate' (did you mean 'replicates'?); "
        "the settings and their defaults are in conf/config.yaml"
    ]
    appended = treatysim("+replicate=100", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert appended.returncode == 2 and "did you mean 'replicates'?" in appended.stderr


def test_an_override_hydra_cannot_read_is_one_line(tmp_path):
    proc = treatysim("scenario=classroom", "procedure.rounds=[1,2", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("treatysim: cannot read 'procedure.rounds=[1,2'"), lines


# --- schema errors carry the line of the file that set the field (issue 15) --------------------------------------


ROOT = Path(__file__).resolve().parent.parent


def _line_with(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _problems(path) -> list[str]:
    from sim.loading import load_scenario

    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    return caught.value.format().splitlines()


def test_a_schema_error_names_the_line_that_set_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "scenarios" / "classroom.yaml").read_text()
    bad.write_text(
        text.replace("power: 3.0, reservation: 0.80", "power: -3.0, reservation: 0.80", 1).replace(
            "rounds: 10", "rounds: -1", 1
        )
    )
    lines = _problems(bad)
    power = _line_with(bad, "power: -3.0")
    rounds = _line_with(bad, "rounds: -1")
    assert f"{bad}: line {power}: delegations[1].power: must be at least" in lines[0]
    assert any(line.startswith(f"{bad}: line {rounds}: procedure.rounds: must be at least 0") for line in lines)


def test_a_missing_field_names_the_line_of_its_entry_and_an_unknown_one_its_own(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: t\nissues:\n  - {id: x, label: X, low: a, high: b}\ndelegations:\n"
        "  - id: A\n    position: {x: 0.5}\n    salience: {x: 1}\n    powr: 2\n"
    )
    lines = _problems(bad)
    assert any(line.startswith(f"{bad}: line 6: delegations[0].power: required field is missing") for line in lines)
    assert any(line.startswith(f"{bad}: line 9: delegations[0].powr: unknown field") for line in lines)


def test_a_what_ifs_error_has_the_line_of_its_patch_and_none_for_what_it_inherited(tmp_path):
    """A patch keyed by id is found by the delegation's id; a field the child did not set has no line (the parent's
    line under the child's name would be a wrong line), and a list appended to the parent's has none either."""
    child = tmp_path / "what_if.yaml"
    child.write_text(
        "name: what_if\ntitle: t\nextends: classroom\n"
        "sources:\n  - {title: a, url: 'x', year: 1}\n  - 7\n"
        "delegations:\n  USA:\n    outside_option: 7\n  RUS: {power: -1}\n"
        "issues:\n  - {id: scope, label: S, low: a, high: b}\n"  # the parent's positions now name an unknown issue
    )
    lines = _problems(child)
    usa = next(line for line in lines if "outside_option" in line)
    rus = next(line for line in lines if ".power" in line)
    assert usa.startswith(f"{child}: line 9: delegations[") and "[delegation USA]" in usa
    assert rus.startswith(f"{child}: line 10: delegations[") and "[delegation RUS]" in rus
    inherited = [line for line in lines if "safeguards" in line or "sources[" in line]
    assert inherited and all(": line " not in line for line in inherited), lines


def test_a_parents_own_error_names_the_parents_line(tmp_path):
    parent = tmp_path / "parent.yaml"
    text = (ROOT / "scenarios" / "classroom.yaml").read_text().replace("name: classroom", "name: parent", 1)
    parent.write_text(text.replace("rounds: 10", "rounds: -4", 1))
    child = tmp_path / "child.yaml"
    child.write_text("name: child\ntitle: t\nextends: parent.yaml\n")
    (line,) = [p for p in _problems(child) if "rounds" in p]
    assert f"parent.yaml: line {_line_with(parent, 'rounds: -4')}: procedure.rounds" in line, line
