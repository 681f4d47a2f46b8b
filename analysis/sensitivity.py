"""Global sensitivity of adoption to uncertain inputs: Sobol or Morris indices via SALib.

An experiment file (``conf/experiment/sensitivity.yaml``) names a scenario, fixed overrides, and the uncertain
inputs with their ranges, as dotted field paths of the scenario (``procedure.rounds``, ``chair.step``,
``delegations.USA.reservation``). SALib samples the ranges (``sample → evaluate → analyze``); each sample is one
model evaluation — its values as overrides applied by :func:`sim.loading.with_overrides` (the path of the command
line and of what-if files, so a sample means what the same override typed by hand means), then :func:`sim.simulate`
with one fixed seed, so every sample sees the same random draws (common random numbers) and the indices measure the
inputs, not Monte Carlo noise. The output is a probability such as P(adopted).

Methods: Sobol first-order and total indices with Saltelli's sampling scheme (Sobol' 2001; Saltelli 2002;
Saltelli et al. 2010), or Morris elementary effects (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007).

Run it as ``treatysim-sensitivity [EXPERIMENT.yaml] [--out DIR]`` or ``python -m sim.analysis.sensitivity``; without
``--out`` each run writes to its own dated folder, ``outputs/sensitivity/DATE_TIME``. Bad input prints one line per
problem and exits with code 2, Ctrl-C exits with 130 (:func:`sim.errors.command_boundary`, as every command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim import outcomes
from sim.errors import ScenarioError, command_boundary, from_validation_error
from sim.inputs import DEFAULT_SEED
from sim.resources import bundled_dir

if TYPE_CHECKING:
    import pandas as pd

    from sim.scenario import Scenario

DEFAULT_EXPERIMENT = bundled_dir("conf") / "experiment" / "sensitivity.yaml"
OUTPUTS = (outcomes.ADOPTED.key, *(o.key for o in outcomes.OUTCOMES))
METHODS = ("sobol", "morris")
#: Below this many Sobol base samples the printed indices come with a reminder that they are rough.
SMALL_SOBOL_SAMPLES = 1024
#: The most replicates one experiment may simulate in all (evaluations × replicates per evaluation): the default
#: experiment simulates 409,600 in about 15 s here, so this is about ten hours; more is refused before sampling.
MAX_SIMULATED_REPLICATES = 1_000_000_000


class SensitivityConfig(BaseModel):
    """A sensitivity experiment: which scenario, how many replicates per evaluation, which inputs over which
    ranges, which method and how many base samples."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: Annotated[str, Field(min_length=1)]
    replicates: Annotated[int, Field(ge=1, le=1_000_000)] = 500
    seed: Annotated[int, Field(ge=0, lt=2**32)] = DEFAULT_SEED
    overrides: dict[str, Any] = {}
    method: Literal["sobol", "morris"] = "sobol"
    samples: Annotated[int, Field(ge=2, le=100_000)] = 128
    output: Literal[OUTPUTS] = outcomes.ADOPTED.key  # type: ignore[valid-type]
    inputs: Annotated[dict[str, tuple[float, float]], Field(min_length=1)]


def load_experiment(path: Path) -> SensitivityConfig:
    """Read and validate an experiment file (its ``sensitivity`` block holds method, samples, output, inputs)."""
    from sim.loading import read_yaml_mapping

    data = read_yaml_mapping(Path(path))
    data = {**{k: v for k, v in data.items() if k != "sensitivity"}, **(data.get("sensitivity") or {})}
    try:
        return SensitivityConfig.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(str(path), exc) from None


def apply_inputs(scenario: Scenario, values: dict[str, float], source: str = "sensitivity inputs") -> Scenario:
    """The scenario with each dotted field path set to its value (``delegations.<id>.<field>`` picks a delegation
    by id; integer fields are rounded), applied by :func:`sim.loading.with_overrides` and so validated again."""
    return with_inputs(scenario, values, input_kinds(scenario, values, source), source)


def with_inputs(scenario: Scenario, values: dict[str, float], kinds: dict[str, type], source: str) -> Scenario:
    """:func:`apply_inputs` with the paths already checked (``kinds`` from :func:`input_kinds`): one evaluation.

    A sample the scenario refuses is a :class:`ScenarioError` that names each field as the experiment does
    (``delegations.USA.reservation``, not ``delegations[7].reservation``) and gives the sample's values as plain
    numbers."""
    from sim.loading import with_overrides

    try:
        return with_overrides(scenario, input_overrides(values, kinds), source)
    except ScenarioError as exc:
        sample_values = ", ".join(f"{path}={plain(value)}" for path, value in values.items())
        problems = [(by_id(scenario, location), _without_id_note(message)) for location, message in exc.problems]
        raise ScenarioError(source, problems + [("", f"the sample's inputs: {sample_values}")]) from None


def plain(value: Any) -> str:
    """A number as people write it (``1.55e+299``, ``0.85``, ``12``), never a NumPy repr."""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.6g}"


def by_id(scenario: Scenario, location: str) -> str:
    """A field path with its list indices (``delegations[7]``, ``issues[0]``, ``blocs[1]``) named by the entry's id,
    as the experiment names them: ``delegations.USA.reservation``."""
    import re

    def name(found: re.Match[str]) -> str:
        entries = getattr(scenario, found.group(1), ())
        index = int(found.group(2))
        return f"{found.group(1)}.{entries[index].id}" if index < len(entries) else found.group(0)

    return re.sub(r"\b(delegations|issues|blocs)\[(\d+)\]", name, location)


def _without_id_note(message: str) -> str:
    """The message without the ``[delegation USA]`` note the loader adds (the path names the delegation now)."""
    import re

    return re.sub(r" \[delegation [^\]]+\]$", "", message)


def input_overrides(values: dict[str, float], kinds: dict[str, type]) -> dict[str, Any]:
    """Dotted paths and values as the nested overrides :func:`sim.loading.with_overrides` takes:
    ``{"delegations.USA.reservation": 0.9}`` → ``{"delegations": {"USA": {"reservation": 0.9}}}`` (delegations,
    issues and blocs are patched by id); a value for an integer field is rounded."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        *parents, key = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = round(float(value)) if kinds[path] is int else float(value)
    return out


def declared_number(parts: list[str]) -> int | float | None:
    """For a field the scenario leaves unset (``None``): ``0`` or ``0.0`` when the schema declares a number there
    (an integer or a float field), else None. ``parts`` is the dotted path, ids of patched-by-id lists included."""
    from pydantic import BaseModel

    from sim.inheritance import KEYED_LISTS
    from sim.scenario import Scenario, types_in

    model: Any = Scenario
    found: set[Any] = set()
    keys = [p for n, p in enumerate(parts) if not (n == 1 and parts[0] in KEYED_LISTS)]
    for key in keys:
        if model is None or key not in model.model_fields:
            return None
        found = types_in(model.model_fields[key].annotation)
        # the schema model inside tuple[...], X | None, Annotated[...], if the path goes on into it
        model = next((t for t in found if isinstance(t, type) and issubclass(t, BaseModel)), None)
    if bool in found:
        return None
    return 0 if int in found and float not in found else 0.0 if float in found else None


def input_kinds(scenario: Scenario, paths: Iterable[str], source: str) -> dict[str, type]:
    """``int`` or ``float`` for each dotted path, the type of the field it names; a :class:`ScenarioError` naming
    the input when the path names no field or a field that is not a number."""
    from sim.inheritance import KEYED_LISTS

    data = scenario.model_dump()
    kinds = {}
    for path in paths:
        parts = path.split(".")
        node: Any = data
        for n, part in enumerate(parts[:-1]):
            if n == 1 and parts[0] in KEYED_LISTS:  # delegations, issues, blocs: the entry with this id
                node = next((item for item in node if item.get("id") == part), None)
            else:
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                raise ScenarioError(source, [(path, f"no field '{'.'.join(parts[: n + 1])}' in the scenario")])
        value = node.get(parts[-1]) if isinstance(node, dict) else None
        if value is None and isinstance(node, dict) and parts[-1] in node:  # unset, such as a bloc's cohesion
            value = declared_number(parts)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(source, [(path, "not a numeric field of the scenario")])
        kinds[path] = int if isinstance(value, int) else float
    return kinds


def problem_of(config: SensitivityConfig) -> dict[str, Any]:
    """The SALib problem: the inputs' names and bounds (low < high is checked here)."""
    bad = [
        (name, f"the range must be [low, high] with low < high, got {list(b)}")
        for name, b in config.inputs.items()
        if not b[0] < b[1]
    ]
    if bad:
        raise ScenarioError("sensitivity.inputs", bad)
    return {
        "num_vars": len(config.inputs),
        "names": list(config.inputs),
        "bounds": [list(b) for b in config.inputs.values()],
    }


def evaluations(config: SensitivityConfig, inputs: int) -> int:
    """How many model evaluations the experiment runs: Sobol ``N * (D + 2)`` (N rounded up to a power of two),
    Morris ``N * (D + 1)``."""
    if config.method == "sobol":
        return sobol_base_samples(config.samples) * (inputs + 2)
    return config.samples * (inputs + 1)


def check_workload(config: SensitivityConfig, problem: dict[str, Any]) -> None:
    """Refuse (a :class:`ScenarioError`, one line) an experiment that would simulate more than
    :data:`MAX_SIMULATED_REPLICATES` replicates in all, before any sample is drawn."""
    runs = evaluations(config, problem["num_vars"])
    total = runs * config.replicates
    if total > MAX_SIMULATED_REPLICATES:
        raise ScenarioError(
            "sensitivity",
            [
                (
                    "",
                    (
                        f"{runs:,} evaluations × {config.replicates:,} replicates = {total:,} replicates to simulate; the limit "
                        f"is {MAX_SIMULATED_REPLICATES:,} (about ten hours here): lower --samples or --replicates"
                    ),
                )
            ],
        )


def sobol_base_samples(samples: int) -> int:
    """The Sobol base sample size: ``samples`` rounded up to a power of two, which the Sobol' sequence needs for its
    balance properties (SciPy's ``qmc.Sobol`` warns otherwise)."""
    return 1 << (max(samples, 1) - 1).bit_length()


def sample(config: SensitivityConfig, problem: dict[str, Any]) -> np.ndarray:
    """The input samples, one row per model evaluation (Saltelli's scheme for Sobol, with the base samples rounded
    up to a power of two; trajectories for Morris)."""
    if config.method == "sobol":
        from SALib.sample import sobol as sobol_sample

        n = sobol_base_samples(config.samples)
        return sobol_sample.sample(problem, n, calc_second_order=False, seed=config.seed)
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(problem, config.samples, num_levels=4, seed=config.seed)


def evaluate(config: SensitivityConfig, names: list[str], samples: np.ndarray) -> np.ndarray:
    """The output probability for each sample: the scenario with that sample's inputs, simulated with one fixed
    seed (a progress bar on a terminal)."""
    from tqdm import tqdm

    from sim.analysis.stats import summarize
    from sim.engine import simulate
    from sim.loading import load_scenario, with_overrides

    base = with_overrides(load_scenario(config.scenario), config.overrides, source="sensitivity overrides")
    kinds = input_kinds(base, names, "sensitivity inputs")  # a bad path fails before the long loop
    with_inputs(base, dict(zip(names, samples[0])), kinds, "sensitivity inputs")
    out = np.empty(len(samples))
    for n, row in enumerate(tqdm(samples, desc="model evaluations", unit="eval", disable=None, leave=False)):
        scenario = with_inputs(base, dict(zip(names, row)), kinds, f"sensitivity sample {n}")
        out[n] = summarize(simulate(scenario, config.replicates, config.seed))[config.output]
    return out


def analyze(config: SensitivityConfig, problem: dict[str, Any], samples: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """The indices per input, most influential first: Sobol ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` or Morris
    ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (``*_conf``: half-width of the 95% bootstrap interval).
    Indices are NaN when the output does not vary over the ranges."""
    import pandas as pd

    frame = pd.DataFrame(
        {"input": problem["names"], "low": [b[0] for b in problem["bounds"]], "high": [b[1] for b in problem["bounds"]]}
    )
    if config.method == "sobol":
        from SALib.analyze import sobol

        keys, rank = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
        result = sobol.analyze(problem, y, calc_second_order=False, seed=config.seed) if np.ptp(y) > 0 else {}
    else:
        from SALib.analyze import morris

        keys, rank = ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star"
        result = morris.analyze(problem, samples, y, seed=config.seed) if np.ptp(y) > 0 else {}
    for key in keys:
        frame[key] = np.asarray(result.get(key, np.full(len(frame), np.nan)), dtype=float)
    return frame.sort_values(rank, ascending=False, ignore_index=True)


def sensitivity(config: SensitivityConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample, evaluate, analyze: the indices table and the evaluated samples (inputs and output per row)."""
    import pandas as pd

    problem = problem_of(config)
    check_workload(config, problem)
    samples = sample(config, problem)
    y = evaluate(config, problem["names"], samples)
    evaluations = pd.DataFrame(samples, columns=problem["names"]).assign(**{config.output: y})
    return analyze(config, problem, samples, y), evaluations


def plot_indices(
    indices: pd.DataFrame, ax: Any = None, output: str = "p_adopted", names: dict[str, str] | None = None
) -> Any:
    """Bar chart of the indices with their 95% intervals: Sobol total (ST) and first-order (S1), or Morris μ*;
    ``names`` maps each input (a dotted setting) to the label the axis shows
    (:func:`sim.analysis.labels.setting_label`)."""
    from sim.analysis.plots import _axes, legend_outside

    ax = _axes(ax)
    table = indices.iloc[::-1]
    y = np.arange(len(table))
    bars = [("ST", "total (ST)", -0.2), ("S1", "first order (S1)", 0.2)] if "ST" in table else [("mu_star", "μ*", 0)]
    height = 0.4 if len(bars) > 1 else 0.6
    for key, label, shift in bars:
        ax.barh(
            y + shift, table[key].fillna(0), height=height, xerr=table[f"{key}_conf"].fillna(0), capsize=2, label=label
        )
    ax.set_yticks(y, [(names or {}).get(i, i) for i in table["input"]])
    ax.set_xlabel(
        ("Sobol index" if len(bars) > 1 else "Morris μ* (mean |elementary effect|)")
        + f" of P({output.removeprefix('p_')})"
    )
    legend_outside(ax)
    return ax


def input_labels(config: SensitivityConfig, labels: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The scenario's title and a readable name for each input (the delegation's name, the issue's label), for the
    figure; the user's ``labels`` (by dotted name) win."""
    from sim.analysis.labels import setting_label
    from sim.loading import load_scenario

    scenario = load_scenario(config.scenario)
    issues = {i.id: i.label for i in scenario.issues}
    names = {k: setting_label(k, scenario.display_names(), issues, labels) for k in config.inputs}
    return (labels or {}).get(scenario.name, scenario.title), names


def write_outputs(
    config: SensitivityConfig,
    indices: pd.DataFrame,
    evaluations: pd.DataFrame,
    out: Path,
    formats: tuple[str, ...] = ("png",),
) -> list[Path]:
    """``indices.csv``, ``evaluations.csv`` and the figure ``indices`` (in each of ``formats``) in ``out``, written
    atomically."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.plots import figure_style, save_figure
    from sim.io import atomic_write

    written = [
        atomic_write(out / "indices.csv", lambda tmp: indices.to_csv(tmp, index=False, float_format="%.6g")),
        atomic_write(out / "evaluations.csv", lambda tmp: evaluations.to_csv(tmp, index=False)),
    ]
    title, names = input_labels(config)
    with figure_style():
        fig, ax = plt.subplots(figsize=(8, 1.5 + 0.5 * len(indices)))
        plot_indices(indices, ax=ax, output=config.output, names=names)
        ax.set_title(
            f"{textwrap.fill(title, 60)}\nwhat moves P({config.output.removeprefix('p_')}) ({config.method}, {len(evaluations)} evaluations)"
        )
        written += save_figure(fig, out / "indices", dpi=110, formats=formats)
    return written


def noise_note(config: SensitivityConfig, indices: pd.DataFrame) -> str | None:
    """One line for Sobol indices from few samples (or showing noise): a negative S1 or an ST above 1 is sampling
    noise, not a property of the model; ``None`` when there is nothing to say."""
    if config.method != "sobol":
        return None
    noisy = bool((indices["S1"] < 0).any() or (indices["ST"] > 1).any())
    if not noisy and sobol_base_samples(config.samples) >= SMALL_SOBOL_SAMPLES:
        return None
    return (
        f"note: with {sobol_base_samples(config.samples)} base samples the indices are rough: a negative S1 or "
        "an ST above 1 is sampling noise; raise --samples for tighter estimates"
    )


def main(argv: list[str] | None = None) -> None:
    """``treatysim-sensitivity [EXPERIMENT] [--out DIR] [--scenario S] [--samples N] [--replicates R] [--method M]``."""
    from sim import __version__

    parser = argparse.ArgumentParser(prog="treatysim-sensitivity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "experiment",
        nargs="?",
        type=Path,
        default=DEFAULT_EXPERIMENT,
        help="experiment file (default: conf/experiment/sensitivity.yaml)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default outputs/sensitivity/DATE_TIME, a new one for each run)",
    )
    parser.add_argument("--scenario", help="override the experiment's scenario")
    parser.add_argument(
        "--samples",
        type=int,
        help="override the experiment's base samples (at least 2; Sobol rounds it up to a power of two and says so)",
    )
    parser.add_argument(
        "--replicates", type=int, help="override the experiment's replicates per evaluation (at least 1)"
    )
    parser.add_argument("--method", choices=METHODS, help="override the experiment's method")
    parser.add_argument("--format", help="figure format(s): png (default), svg, pdf or several as svg,pdf")
    args = parser.parse_args(argv)
    out = args.out or Path("outputs") / "sensitivity" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    with command_boundary("treatysim-sensitivity"):
        from sim.analysis.plots import figure_formats

        formats = figure_formats(args.format)
        config = load_experiment(args.experiment)
        changes = {k: v for k in ("scenario", "samples", "replicates", "method") if (v := getattr(args, k)) is not None}
        config = with_changes(config, changes) if changes else config
        if config.method == "sobol" and sobol_base_samples(config.samples) != config.samples:
            print(
                f"note: Sobol needs a power of two base samples: {config.samples} rounded up to "
                f"{sobol_base_samples(config.samples)}",
                file=sys.stderr,
            )
        indices, evaluations = sensitivity(config)
        written = write_outputs(config, indices, evaluations, out, formats)
        print(f"{config.method} indices of {config.output}, {config.scenario}, {len(evaluations)} model evaluations:")
        print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        note = noise_note(config, indices)
        if note:
            print(note)
        print("\n".join(f"  wrote {p}" for p in written))


def with_changes(config: SensitivityConfig, changes: dict[str, Any]) -> SensitivityConfig:
    """The experiment with the command line's changes, validated again; a bad value is a :class:`ScenarioError`
    from ``command line``."""
    try:
        return SensitivityConfig.model_validate({**config.model_dump(), **changes})
    except ValidationError as exc:
        raise from_validation_error("command line", exc) from None


if __name__ == "__main__":
    main()
