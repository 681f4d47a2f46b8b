"""Reading scenario files: YAML in, a validated :class:`~sim.scenario.Scenario` out, or a clear :class:`ScenarioError`.

``load_scenario("uncc2024")`` reads a bundled scenario from ``scenarios/``; ``load_scenario("my/file.yaml")`` reads
the user's own file. YAML is parsed with the safe loader only: nothing in a scenario file can build Python objects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError, describe_pydantic_error, format_location
from sim.scenario import Scenario

#: A scenario file larger than this is refused before parsing (the 193-member scenario is ~100 KB).
MAX_SCENARIO_BYTES = 2_000_000


def scenarios_dir() -> Path:
    """The folder of bundled scenarios (``$TREATYSIM_SCENARIOS`` or ``scenarios/`` beside the package)."""
    env = os.environ.get("TREATYSIM_SCENARIOS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "scenarios"


def available_scenarios() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    folder = scenarios_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def scenario_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a bundled scenario's name or a path to a ``.yaml`` file; a bad name is a :class:`ScenarioError`."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ScenarioError(text, [("", "no such scenario file")])
        return path
    names = available_scenarios()
    if text not in names:
        hint = ", ".join(names) if names else "none found"
        raise ScenarioError(text, [("", f"unknown scenario name; the bundled scenarios are: {hint}")])
    return scenarios_dir() / f"{text}.yaml"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Parse a YAML file safely into a mapping; size, syntax, emptiness and shape errors are :class:`ScenarioError`."""
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(str(path), [("", f"file is {size:,} bytes; the limit is {MAX_SCENARIO_BYTES:,}")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), [("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(str(path), [(where, f"YAML syntax error: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), [("", f"YAML error: {exc}")]) from None
    if data is None:
        raise ScenarioError(str(path), [("", "the file is empty; expected a mapping with name, title, issues, ...")])
    if not isinstance(data, Mapping):
        raise ScenarioError(str(path), [("", f"expected a mapping at the top level, got a {type(data).__name__}")])
    return dict(data)


def validate_scenario(data: Mapping[str, Any], source: str) -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`; every problem is reported with its field path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [(format_location(e["loc"]), describe_pydantic_error(e)) for e in exc.errors()]
        raise ScenarioError(source, _split_joined(problems)) from None


def _split_joined(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Model-level checks report several ``path: message`` problems joined by '; ': give each its own line."""
    out = []
    for location, message in problems:
        if location:
            out.append((location, message))
            continue
        for part in message.split("; "):
            path, sep, rest = part.partition(": ")
            out.append((path, rest) if sep and " " not in path else ("", part))
    return out


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load a bundled scenario by name, or the user's own YAML file by path, into a validated :class:`Scenario`."""
    path = scenario_path(name_or_path)
    return validate_scenario(read_yaml_mapping(path), str(path if not _is_bundled(path) else _display(path)))


def _is_bundled(path: Path) -> bool:
    return path.resolve().parent == scenarios_dir().resolve()


def _display(path: Path) -> str:
    return f"scenarios/{path.name}"


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into ``base`` (mappings merge key by key; anything else is replaced)."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], source: str = "overrides") -> Scenario:
    """A new scenario with ``overrides`` (e.g. ``{"procedure": {"rounds": 5}}``) merged in and validated again."""
    if not overrides:
        return scenario
    return validate_scenario(merge(scenario.model_dump(), overrides), source)
