"""Figures a researcher can put in a paper (issue 15): readable labels instead of setting names and ids, whole-number
round ticks, legends outside the data, no degenerate panels, a one-issue policy map drawn along its one issue, the
formats asked for (``figures.format``, ``--format``) and one style across the commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sim.analysis import plots, sweep_plots
from sim.analysis.labels import issue_axis_label, setting_label
from sim.analysis.plots import figure_formats, plot_policy_map, save_figure
from sim.config import parse_run_config
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\b")  # a dotted setting name such as procedure.rounds

ONE_ISSUE = {
    "name": "fund",
    "title": "A one-issue fund",
    "issues": [{"id": "money", "label": "Size of the fund", "low": "nothing", "high": "all that was asked"}],
    "delegations": [
        {"id": "RUS", "name": "Russian Federation", "position": {"money": 0.9}, "salience": {"money": 1}, "power": 2},
        {"id": "USA", "name": "United States", "position": {"money": 0.2}, "salience": {"money": 1}, "power": 1},
        {"id": "CHN", "name": "China", "position": {"money": 0.5}, "salience": {"money": 1}, "power": 1},
    ],
    "procedure": {"rounds": 4},
}


def treatysim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("treatysim")
    env = {k: v for k, v in os.environ.items() if k != "TREATYSIM_DEBUG"}
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class Captured:
    """Stands in for ``save_figure``: keeps each figure (drawn, for its layout) instead of writing it."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = {}

    def __call__(self, fig: Any, path: Path, dpi: int = 120, formats: Any = None) -> list[Path]:
        fig.tight_layout()
        fig.canvas.draw()
        self.figures[Path(path).stem] = fig
        return [Path(path)]


def texts_of(fig: Any) -> list[str]:
    """Every axis label, title and tick label of ``fig``."""
    out = []
    for ax in fig.axes:
        out += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return out


def legends_outside_data(fig: Any) -> None:
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            box, data = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
            assert not box.overlaps(data), f"the legend of '{ax.get_title()}' lies over its data"


# --- labels ----------------------------------------------------------------------------------------------------------


def test_every_scenario_setting_of_the_config_has_a_readable_name():
    conf = yaml.safe_load((ROOT / "conf" / "config.yaml").read_text(encoding="utf-8"))
    settings = [f"{s}.{k}" for s in ("procedure", "chair", "uncertainty", "behaviour", "ratification") for k in conf[s]]
    assert settings
    for name in settings:
        label = setting_label(name)
        assert label != name and not DOTTED.search(label) and "_" not in label, name


def test_a_delegation_setting_is_named_by_the_delegation_and_the_field():
    names, issues = {"RUS": "Russian Federation"}, {"scope": "Scope of the treaty"}
    assert setting_label("delegations.RUS.outside_option", names) == "Russian Federation: outside option"
    assert setting_label("delegations.RUS.position.scope", names, issues) == (
        "Russian Federation: position on Scope of the treaty"
    )
    assert setting_label("procedure.rounds") == "deadline (rounds)"


def test_the_users_labels_win_and_an_unknown_name_is_shown_as_it_is():
    assert (
        setting_label("procedure.rounds", labels={"procedure.rounds": "deadline (meetings)"}) == "deadline (meetings)"
    )
    assert setting_label("made.up") == "made.up"


def test_an_issue_axis_says_what_its_ends_mean():
    label = issue_axis_label("Safeguards", "none", "strong, binding")
    assert label.startswith("Safeguards\n") and "0 = none" in label and "1 = strong, binding" in label
    assert issue_axis_label("Safeguards") == "Safeguards"


# --- the figures of a run --------------------------------------------------------------------------------------------


def run_figures(scenario: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **figures: Any) -> Captured:
    from sim.runner import run

    captured = Captured()
    monkeypatch.setattr(plots, "save_figure", captured)
    config = parse_run_config({"scenario": str(scenario), "replicates": 200, "seed": 3, "figures": figures})
    run(config, tmp_path / "run")
    return captured


def test_a_run_names_the_scenario_by_its_title_and_the_issues_by_their_labels(monkeypatch, tmp_path):
    captured = run_figures("classroom", monkeypatch, tmp_path)
    assert set(captured.figures) >= {"outcome_shares", "policy_map"}
    shares, policy = captured.figures["outcome_shares"].axes[0], captured.figures["policy_map"].axes[0]
    assert "Classroom" in shares.get_title() and "classroom" not in shares.get_title()
    assert policy.get_xlabel().startswith("Scope of the treaty\n") and "0 = cyber-dependent" in policy.get_xlabel()
    assert policy.get_ylabel().startswith("Human-rights safeguards\n")
    for fig in captured.figures.values():
        legends_outside_data(fig)


def test_the_users_labels_reach_the_run_figures(monkeypatch, tmp_path):
    captured = run_figures("classroom", monkeypatch, tmp_path, labels={"classroom": "Class", "scope": "Reach"})
    assert captured.figures["outcome_shares"].axes[0].get_title().startswith("Class\n")
    assert captured.figures["policy_map"].axes[0].get_xlabel().startswith("Reach\n")


def test_a_one_issue_policy_map_has_one_data_axis(monkeypatch, tmp_path):
    path = tmp_path / "fund.yaml"
    path.write_text(yaml.safe_dump(ONE_ISSUE), encoding="utf-8")
    ax = run_figures(path, monkeypatch, tmp_path).figures["policy_map"].axes[0]
    assert ax.get_xlabel().startswith("Size of the fund") and ax.get_ylabel() == "share of final texts"
    assert "Size of the fund" not in ax.get_ylabel()  # not the issue against itself
    lanes = [c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets()) == 3]
    assert lanes and np.ptp(lanes[0]) == 0  # the three ideal points on one line, below the texts' shares
    legends_outside_data(ax.figure)


def test_plot_policy_map_draws_two_issues_against_each_other_and_one_along_itself():
    two = plot_policy_map(np.array([[0.1, 0.9], [0.8, 0.2]]), np.ones(2), np.full((5, 2), 0.5), ["consensus"] * 5)
    assert (two.get_xlabel(), two.get_ylabel()) == ("issue 1", "issue 2")
    one = plot_policy_map(np.array([[0.1], [0.8]]), np.ones(2), np.full((5, 1), 0.5), ["consensus"] * 5, ["money"])
    assert (one.get_xlabel(), one.get_ylabel()) == ("money", "share of final texts")
    plt.close("all")


def test_the_ratification_curve_counts_states_in_whole_numbers(monkeypatch, tmp_path):
    ax = run_figures("uncc2024", monkeypatch, tmp_path).figures["ratification"].axes[0]
    assert all(float(t).is_integer() for t in ax.get_yticks())
    legends_outside_data(ax.figure)


# --- the figures of a sweep ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two scenarios (one with a single issue) × two deadlines × two outside options of Russia, 60 replicates a job."""
    root = tmp_path_factory.mktemp("figures_sweep")
    (root / "fund.yaml").write_text(yaml.safe_dump(ONE_ISSUE), encoding="utf-8")
    proc = treatysim(
        "-m",
        f"scenario=classroom,{root / 'fund.yaml'}",
        "procedure.rounds=3,8",
        "+delegations.RUS.outside_option=0.3,0.5",
        "replicates=60",
        "figures=false",
        f"hydra.sweep.dir={root / 'sweep'}",
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    return root / "sweep"


@pytest.fixture(scope="module")
def chair_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chair_strategy experiment in small: the deadline is not swept (one deadline a scenario)."""
    root = tmp_path_factory.mktemp("chair_sweep")
    args = ("-m", "scenario=classroom", "chair.strategy=accommodate,hold", "replicates=60", "figures=false")
    proc = treatysim(*args, f"hydra.sweep.dir={root / 'sweep'}", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "sweep"


def sweep_figures(sweep_dir: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Captured:
    from sim.analysis.sweep import read_sweep

    captured = Captured()
    monkeypatch.setattr(sweep_plots, "save_figure", captured)
    jobs, _ = read_sweep(sweep_dir)
    sweep_plots.write_figures(jobs, sweep_dir / "aggregate", **kwargs)
    return captured


def test_sweep_figures_use_labels_not_setting_names_or_ids(sweep, monkeypatch):
    captured = sweep_figures(sweep, monkeypatch)
    assert "adoption_by_procedure_rounds" in captured.figures
    for name, fig in captured.figures.items():
        for text in texts_of(fig):
            assert not DOTTED.search(text), f"{name}: '{text}' names a setting"
            assert text not in ("classroom", "fund"), f"{name}: a facet named by the scenario id"
    rounds = captured.figures["adoption_by_procedure_rounds"].axes[0]
    assert rounds.get_xlabel() == "deadline (rounds)"
    assert {ax.get_title() for ax in captured.figures["blocking"].axes} >= {"A one-issue fund"}


def test_a_swept_delegation_setting_is_named_by_the_delegation(sweep, monkeypatch):
    captured = sweep_figures(sweep, monkeypatch)
    fig = captured.figures["adoption_by_delegations_RUS_outside_option"]
    labels = {ax.get_title(): ax.get_xlabel() for ax in fig.axes}
    assert labels["A one-issue fund"] == "Russian Federation: outside option"
    assert labels["Classroom: a cybercrime convention in\neight delegations"] == "Russia: outside option"


def test_round_axes_have_whole_number_ticks(sweep, monkeypatch):
    captured = sweep_figures(sweep, monkeypatch)
    for name in ("adoption_by_procedure_rounds", "agreement_round"):
        for ax in captured.figures[name].axes:
            low, high = ax.get_xlim()
            ticks = [t for t in ax.get_xticks() if low <= t <= high]
            assert ticks and all(float(t).is_integer() for t in ticks), (name, ticks)


def test_sweep_legends_lie_outside_the_data(sweep, chair_sweep, monkeypatch):
    for sweep_dir in (sweep, chair_sweep):
        for fig in sweep_figures(sweep_dir, monkeypatch).figures.values():
            legends_outside_data(fig)


def test_one_deadline_gives_an_agreement_panel_over_every_round_not_one_wide_bar(chair_sweep, monkeypatch):
    ax = sweep_figures(chair_sweep, monkeypatch).figures["agreement_round"].axes[0]
    low, high = ax.get_xlim()
    assert low < 0 and high > 10  # classroom's deadline is 10 rounds: the panel spans 0..10 rounds left
    widths = {round(p.get_width(), 6) for p in ax.patches if p.get_height() > 0}
    assert widths and max(widths) <= 0.8 and (high - low) / max(widths) > 10


def test_a_one_issue_scenario_final_texts_lie_along_its_issue(sweep, monkeypatch):
    fig = sweep_figures(sweep, monkeypatch).figures["final_texts"]
    [ax] = [ax for ax in fig.axes if ax.get_title() == "A one-issue fund"]
    assert ax.get_xlabel().startswith("Size of the fund") and ax.get_ylabel() == "replicates"


# --- formats and style -----------------------------------------------------------------------------------------------


def test_save_figure_writes_each_format_asked_and_nothing_else(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    written = save_figure(fig, tmp_path / "line", formats=("svg", "pdf"))
    assert written == [tmp_path / "line.svg", tmp_path / "line.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.pdf", "line.svg"]
    assert (tmp_path / "line.pdf").read_bytes().startswith(b"%PDF") and b"<svg" in (tmp_path / "line.svg").read_bytes()


def test_the_same_figure_gives_the_same_vector_file(tmp_path):
    """No creation date or random ids in SVG and PDF: a rerun does not change a paper's figure files."""
    contents = []
    for n in range(2):
        with plots.figure_style():
            fig, ax = plt.subplots()
            ax.plot([0, 1], [0, 1], label="line")
            plots.legend_outside(ax)
            contents.append([p.read_bytes() for p in save_figure(fig, tmp_path / f"f{n}", formats=("svg", "pdf"))])
    assert contents[0] == contents[1]


def test_figure_formats_are_read_and_checked():
    assert figure_formats(None) == ("png",)
    assert figure_formats("svg,PDF, svg") == ("svg", "pdf")
    with pytest.raises(ScenarioError, match="got 'tiff'") as info:
        figure_formats("png,tiff")
    assert "\n" not in info.value.format()


def test_figures_settings_are_validated():
    assert parse_run_config({"scenario": "x", "figures": False}).figures.enabled is False
    settings = parse_run_config({"scenario": "x", "figures": {"format": ["svg", "pdf"]}}).figures
    assert settings.enabled and settings.format == ("svg", "pdf")
    nested = parse_run_config({"scenario": "x", "figures": {"labels": {"procedure": {"rounds": "deadline"}}}})
    assert nested.figures.labels == {"procedure.rounds": "deadline"}
    with pytest.raises(ScenarioError) as info:
        parse_run_config({"scenario": "x", "figures": {"format": "jpeg"}})
    assert info.value.problems == [("figures.format", "must be png, svg, pdf or a list of them, got 'jpeg'")]


def test_a_run_writes_every_format_asked_and_nothing_else(tmp_path):
    out = tmp_path / "run"
    proc = treatysim(
        "scenario=classroom", "replicates=80", "figures.format=[svg,pdf]", f"hydra.run.dir={out}", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    figures = {p.name for p in out.iterdir() if p.suffix in (".png", ".svg", ".pdf")}
    assert figures == {f"{n}.{f}" for n in ("outcome_shares", "policy_map") for f in ("svg", "pdf")}
    assert "<text" in (out / "policy_map.svg").read_text(encoding="utf-8")  # the style: text kept as text


def test_an_unknown_format_is_one_line_and_exit_2(tmp_path):
    proc = treatysim(
        "scenario=classroom", "replicates=10", "figures.format=tiff", f"hydra.run.dir={tmp_path}", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "run settings: figures.format: must be png, svg, pdf or a list of them, got 'tiff'"
    ]
    assert not (tmp_path / "results.csv").exists()


def test_figures_false_still_writes_no_figure(tmp_path):
    proc = treatysim("scenario=classroom", "replicates=10", "figures=false", f"hydra.run.dir={tmp_path}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".svg", ".pdf")]


def test_aggregate_writes_the_formats_asked_and_refuses_an_unknown_one(sweep, tmp_path, capsys):
    from sim.analysis.sweep import main

    main([str(sweep), "--out", str(tmp_path / "agg"), "--format", "svg"])
    figures = {p.suffix for p in (tmp_path / "agg").iterdir() if p.suffix in (".png", ".svg", ".pdf")}
    assert figures == {".svg"}
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([str(sweep), "--out", str(tmp_path / "bad"), "--format", "gif"])
    assert info.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_aggregate_defaults_to_the_format_the_sweep_was_run_with(tmp_path):
    from sim.analysis.sweep_jobs import Job

    jobs = [Job("0", tmp_path, {"figures.format": ["svg", "pdf"]}, (), {}), Job("1", tmp_path, {}, (), {})]
    assert sweep_plots.recorded_formats(jobs) == ("svg", "pdf")
    assert sweep_plots.recorded_formats(jobs[1:]) == ("png",)


def test_compare_and_sensitivity_write_the_formats_asked(tmp_path):
    from sim.analysis.compare import main as compare_main
    from sim.analysis.sensitivity import main as sensitivity_main

    compare_main(["classroom", "-n", "50", "--out", str(tmp_path / "cmp"), "--format", "pdf,svg"])
    assert {p.name for p in (tmp_path / "cmp").iterdir()} == {"comparison.csv", "comparison.pdf", "comparison.svg"}
    args = ["--samples", "2", "--replicates", "10", "--out", str(tmp_path / "sens"), "--format", "svg"]
    sensitivity_main(args)
    svg = (tmp_path / "sens" / "indices.svg").read_text(encoding="utf-8")
    assert not (tmp_path / "sens" / "indices.png").exists()
    assert "Russia: outside option" in svg and "delegations.RUS" not in svg  # inputs by name, text kept as text


@pytest.mark.parametrize("command", ["treatysim-compare", "treatysim-sensitivity", "treatysim-backtest"])
def test_every_analysis_command_refuses_an_unknown_format_in_one_line(command, tmp_path):
    exe = Path(sys.executable).with_name(command)
    proc = subprocess.run(
        [str(exe), "--format", "png,jpg", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "--format: a figure format must be png, svg, pdf, or several as svg,pdf; got 'jpg'"
    ]


def test_figure_settings_are_never_swept_parameters(tmp_path):
    """``figures.format`` and ``figures.labels`` change no number: never a column of a sweep's tables."""
    from sim.analysis.sweep_jobs import Job, flatten, swept_parameters

    def job(name: str, rounds: int, fmt: list[str]) -> Job:
        run = parse_run_config({"scenario": "classroom", "procedure": {"rounds": rounds}, "figures": {"format": fmt}})
        settings = flatten(run.model_dump(mode="json", exclude={"chunk_size"}))
        overrides = (f"procedure.rounds={rounds}", f"figures.format=[{','.join(fmt)}]", "+figures.labels={a:b}")
        return Job(name, tmp_path, settings, overrides, {})

    assert swept_parameters([job("0", 3, ["svg"]), job("1", 8, ["svg", "pdf"])]) == ["procedure.rounds"]


def test_many_scenarios_wrap_onto_rows_at_a_pages_width():
    from sim.analysis.sweep_plots import FACETS_PER_ROW, _facets

    fig, panels = _facets(5)
    assert len(panels) == 5 and all(ax.get_visible() for ax in panels)
    rows = {round(ax.get_position().y0, 3) for ax in panels}
    assert len(rows) == 3 and fig.get_figwidth() <= FACETS_PER_ROW * 5.5
    assert sum(ax.get_visible() for ax in fig.axes) == 5  # the spare sixth panel is hidden


def test_aggregate_names_the_scenarios_as_swept(sweep, capsys):
    from sim.analysis.sweep import main as aggregate_main

    aggregate_main([str(sweep), "--no-figures", "--out", str(sweep / "names")])
    assert "swept: scenario, procedure.rounds, delegations.RUS.outside_option" in capsys.readouterr().out
