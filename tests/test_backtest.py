"""The backtest: its scores are the textbook ones, its baselines and leave-one-out do what they say, every case of the
library names its sources and its record, and the model's forecasting does not get worse unnoticed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import backtest as bt
from sim.errors import ScenarioError
from sim.inputs import DEFAULT_SEED
from tests.builders import build, delegation

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "docs" / "backtest_record.json"


def test_brier_and_log_loss_are_the_textbook_scores():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.2, 0.5, 1.0])
    assert bt.brier(p, y) == pytest.approx((0.01 + 0.04 + 0.25 + 1.0) / 4)
    clipped = np.clip(p, bt.EPSILON, 1 - bt.EPSILON)
    expected = -(math.log(clipped[0]) + math.log(1 - clipped[1]) + math.log(clipped[2]) + math.log(1 - clipped[3])) / 4
    assert bt.log_loss(p, y) == pytest.approx(expected)


def test_the_class_brier_score_sees_how_a_text_is_adopted():
    # a sure forecast of consensus scores 0 on a consensus, 2 on a vote (wrong class), 2 on a failure
    sure_consensus = np.array([[1.0, 0.0, 0.0, 0.0]] * 3)
    assert list(bt.class_brier(sure_consensus, ["consensus", "vote", "failed"])) == [0.0, 2.0, 2.0]


def test_the_base_rate_leaves_each_case_out():
    y = np.array([1, 1, 0, 0, 1])
    assert list(bt.leave_one_out_base_rate(y)) == [0.5, 0.5, 0.75, 0.75, 0.5]


def test_leave_one_out_picks_the_setting_best_on_the_other_cases():
    # setting 0 is best on cases 1 and 2; setting 1 only on case 0, where it is extremely good
    losses = np.array([[0.9, 0.0, 0.0], [0.0, 0.5, 0.5]])
    assert list(bt.leave_one_out(losses)) == [0, 1, 1]


def test_the_structural_rule_adopts_iff_every_veto_player_gains_over_the_status_quo():
    crowd = [delegation(f"D{i}", 0.5 + 0.02 * i, 0.5) for i in range(4)]
    gains = build(crowd, status_quo={"scope": 0.0, "safeguards": 0.0}, procedure={"fallback": "none"})
    assert bt.structural_rule(gains) == 1.0
    veto = build(
        crowd + [delegation("V", 0.0, 0.0, power=0.1)],
        status_quo={"scope": 0.0, "safeguards": 0.0},
        procedure={"fallback": "none"},
        behaviour={"agreement_cost": 0.05},
    )
    assert bt.structural_rule(veto) == 0.0
    voted = build(
        crowd + [delegation("V", 0.0, 0.0, power=0.1)],
        status_quo={"scope": 0.0, "safeguards": 0.0},
        procedure={"fallback": "vote"},
        behaviour={"agreement_cost": 0.05},
    )
    assert bt.structural_rule(voted) == 1.0  # four of five prefer it: the vote carries it


def test_every_case_of_the_library_names_its_sources_and_record():
    cases = bt.read_library(bt.LIBRARY)
    assert len(cases) >= 20
    classes = {c.outcome for c in cases}
    assert {"consensus", "vote", "failed", "suspended"} <= classes  # failures as well as successes
    for case in cases:
        text = case.path.read_text(encoding="utf-8")
        assert case.scenario.history.sources, case.name
        assert case.scenario.sources or "extends:" in text, case.name
        # encoded before any run, or (the three older public scenarios) saying plainly that they predate the protocol
        assert "before the model was run" in text or "predates the encoding protocol" in text, case.name
        assert case.scenario.status_quo is not None, case.name


def test_a_case_without_a_record_is_refused_with_its_name(tmp_path):
    (tmp_path / "no_record.yaml").write_text("extends: classroom\nname: no_record\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        bt.read_library(tmp_path)
    assert "no_record.yaml" in info.value.format() and "history" in info.value.format()


def test_the_command_reports_a_missing_folder_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        bt.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "no such folder" in capsys.readouterr().err


def test_the_backtest_does_not_get_worse_than_recorded(tmp_path):
    """The library's scores at the recorded settings (few replicates, the grid, leave-one-out) against the values
    committed in docs/backtest_record.json: a model change that hurts forecasting by more than 0.02 fails here.
    Regenerate the record with `python -m sim.analysis.backtest --grid -n 50 --record` and say why in the commit."""
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    result = bt.run_backtest(bt.read_library(bt.LIBRARY), record["replicates"], record["seed"], grid=True)
    scores = result["scores"].set_index("forecaster")
    for forecaster in ("model (defaults)", "model (leave-one-out)"):
        assert scores.loc[forecaster, "brier"] <= record["brier"][forecaster] + 0.02, forecaster
        assert scores.loc[forecaster, "class_brier"] <= record["class_brier"][forecaster] + 0.02, forecaster
    written = bt.write_outputs(result, tmp_path)
    assert {p.name for p in written} >= {"backtest_cases.csv", "backtest_scores.csv", "reliability.png", "cases.png"}
    assert record["seed"] == DEFAULT_SEED
