"""A sweep's ``jobs.csv``: which numbered job folder holds which overrides (issue 15), written as the sweep runs,
kept through a resumed sweep and rewritten by ``treatysim-aggregate``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sim.analysis.sweep_jobs import JOB_MAP, write_job_map
from tests.test_sweep_resume import run_sweep, skipped_jobs


def read_map(sweep: Path) -> list[dict[str, str]]:
    with open(sweep / JOB_MAP, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_sweep_maps_each_job_folder_to_its_overrides_and_a_resume_keeps_it(tmp_path: Path):
    sweep = tmp_path / "sweep"
    run_sweep(sweep, "chair.strategy=hold,compromise", rounds="2,4")
    rows = read_map(sweep)
    assert [row["job"] for row in rows] == ["0", "1", "2", "3"]
    assert {(row["procedure.rounds"], row["chair.strategy"]) for row in rows} == {
        (r, s) for r in ("2", "4") for s in ("hold", "compromise")
    }
    for row in rows:  # the map says what the job folder itself recorded
        run = json.loads((sweep / row["job"] / "config.json").read_text())["run"]
        assert str(run["procedure"]["rounds"]) == row["procedure.rounds"]
        assert run["chair"]["strategy"] == row["chair.strategy"]
        assert row["finished"] == "true" and f"chair.strategy={row['chair.strategy']}" in row["overrides"]
    before = (sweep / JOB_MAP).read_text()
    again = run_sweep(sweep, "chair.strategy=hold,compromise", rounds="2,4")
    assert skipped_jobs(again) == {"0", "1", "2", "3"}  # the map is beside the jobs, not in them: resume unchanged
    assert (sweep / JOB_MAP).read_text() == before


def test_the_map_marks_an_unfinished_job_and_survives_an_unreadable_overrides_file(tmp_path: Path):
    for job, overrides in (("0", "- procedure.rounds=3\n- +experiment=x\n"), ("1", "- [broken"), ("10", "[]")):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / ".hydra" / "overrides.yaml").write_text(overrides)
    (tmp_path / "0" / "summary.json").write_text("{}")
    write_job_map(tmp_path)
    rows = read_map(tmp_path)
    assert [row["job"] for row in rows] == ["0", "1", "10"]  # in job order, not text order
    assert rows[0] == {
        "job": "0",
        "finished": "true",
        "procedure.rounds": "3",
        "experiment": "x",
        "overrides": "procedure.rounds=3 +experiment=x",
    }
    assert rows[1]["finished"] == "false" and rows[1]["overrides"] == ""
    assert not list(tmp_path.glob(".jobs.csv.*"))  # written atomically: no temporary file left


def test_aggregate_writes_the_map(tmp_path: Path, capsys):
    from sim.analysis.sweep import main as aggregate_main
    from tests.test_reliability import make_sweep

    sweep = tmp_path / "sweep"
    make_sweep(sweep)
    (sweep / JOB_MAP).unlink(missing_ok=True)
    aggregate_main([str(sweep), "--no-figures"])
    assert [row["job"] for row in read_map(sweep)] == ["0", "1", "2"]
    assert f"wrote {sweep / JOB_MAP}" in capsys.readouterr().out
