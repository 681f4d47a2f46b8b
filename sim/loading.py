"""Reading scenario files: YAML in, a validated :class:`~sim.scenario.Scenario` out, or a clear :class:`ScenarioError`.

``load_scenario("uncc2024")`` reads a bundled scenario from ``scenarios/``; ``load_scenario("my/file.yaml")`` reads
the user's own file. YAML is parsed with the safe loader only: nothing in a scenario file can build Python objects.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError, describe_pydantic_error, format_location
from sim.inheritance import apply_overrides
from sim.scenario import Scenario

#: The longest chain of ``extends`` followed before giving up.
MAX_DEPTH = 20
#: A scenario file larger than this is refused before parsing (the 193-member scenario is ~100 KB).
MAX_SCENARIO_BYTES = 2_000_000


def scenarios_dir() -> Path:
    """The folder of bundled scenarios (``$TREATYSIM_SCENARIOS``, else the repository's ``scenarios/`` or the
    installed package's copy: :func:`sim.resources.bundled_dir`)."""
    from sim.resources import bundled_dir

    env = os.environ.get("TREATYSIM_SCENARIOS")
    return Path(env) if env else bundled_dir("scenarios")


def available_scenarios() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    folder = scenarios_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


#: The file name endings of a scenario file (a command-line path and an ``extends`` path alike).
SCENARIO_SUFFIXES = (".yaml", ".yml")
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


#: The prefix of the backtest's historical sessions, bundled in ``scenarios/history/`` (``history/bbnj2023``).
HISTORY = "history/"


def historical_sessions() -> list[str]:
    """Names of the backtest's historical sessions bundled in ``scenarios/history/``, sorted (without the prefix)."""
    folder = scenarios_dir() / "history"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def history_path(name: str) -> Path:
    """The bundled historical session ``name`` (``scenarios/history/NAME.yaml``); an unknown one is a
    :class:`ScenarioError` with the closest name."""
    cases = historical_sessions()
    if name not in cases:
        close = difflib.get_close_matches(name, cases, n=1)
        hint = f" (did you mean 'history/{close[0]}'?)" if close else ""
        raise ScenarioError(
            f"{HISTORY}{name}",
            [("", f"unknown historical session{hint}; there are {len(cases)} in scenarios/history/")],
        )
    return scenarios_dir() / "history" / f"{name}.yaml"


def scenario_path(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a bundled scenario's name (``uncc2024``; a historical session as ``history/NAME``), or the path of
    the user's own ``.yaml``/``.yml`` file.

    A name is letters, digits, ``_`` and ``-`` only, so it can never reach outside ``scenarios/``; anything else
    that is not a path to a YAML file is refused. Problems are :class:`ScenarioError` listing the bundled names.
    """
    text = str(name_or_path).strip()
    names = available_scenarios()
    listing = ", ".join(names) if names else "none found"
    if text.endswith((".yaml", ".yml")):
        path = Path(text).expanduser()
        if not path.is_file():
            why = (
                "is a folder, not a scenario file"
                if path.is_dir()
                else "is not a regular file (a device or a pipe?), not a scenario file"
                if path.exists()
                else "no such scenario file"
            )
            raise ScenarioError(text, [("", why)])
        return path
    if not text:
        raise ScenarioError("scenario", [("", f"no scenario given; the bundled scenarios are: {listing}")])
    if text.startswith(HISTORY) and SCENARIO_NAME.match(text[len(HISTORY) :]):
        return history_path(text[len(HISTORY) :])
    if not SCENARIO_NAME.match(text):
        raise ScenarioError(
            text,
            [
                (
                    "",
                    "not a bundled scenario name (a file name in scenarios/ without .yaml) nor "
                    f"a path ending in .yaml; the bundled scenarios are: {listing}",
                )
            ],
        )
    if text not in names:
        close = difflib.get_close_matches(text, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        local = [f"{text}{suffix}" for suffix in SCENARIO_SUFFIXES if Path(f"{text}{suffix}").is_file()]
        if local:  # the user's own file in this folder, named without its ending
            hint = f" (there is ./{local[0]} here: use scenario={local[0]})"
        raise ScenarioError(text, [("", f"unknown scenario name{hint}; the bundled scenarios are: {listing}")])
    return scenarios_dir() / f"{text}.yaml"


class StrictSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python objects), refusing a key given twice in one mapping: YAML would silently
    keep the last one, and a scenario would lose what the first said."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"the key '{key}' appears twice", key_node.start_mark
                )
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


#: The most YAML nodes a scenario file may stand for once its aliases are expanded (the 193-member scenario has
#: about 5,200; a 2 MB file written out in full about 100,000): an "alias bomb" of a few KB that expands to billions
#: is refused before anything is built.
MAX_YAML_NODES = 200_000


def expanded_nodes(root: yaml.Node) -> int:
    """How many nodes the document under ``root`` stands for with every alias expanded, counted on the composed
    graph (each shared node's count once, memoised), so counting costs the file's size, not the expansion's. A node
    that contains itself counts as unbounded."""
    counts: dict[int, int] = {}
    busy: set[int] = set()

    def count(node: yaml.Node) -> int:
        key = id(node)
        if key in counts:
            return counts[key]
        if key in busy:  # an anchor used inside itself: an endless expansion
            return MAX_YAML_NODES + 1
        busy.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += count(child)
            if total > MAX_YAML_NODES:
                break
        busy.discard(key)
        counts[key] = total
        return total

    return count(root)


def load_bounded(text: str, source: str) -> Any:
    """Parse ``text`` with :class:`StrictSafeLoader`, refusing a document whose aliases expand beyond
    :data:`MAX_YAML_NODES` nodes (a :class:`ScenarioError`, one line) before any object is built."""
    return compose_bounded(text, source)[0]


def compose_bounded(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """:func:`load_bounded`'s data and the composed YAML node it was built from (its marks say on which line
    each value stands; ``None`` for an empty document)."""
    loader = StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if expanded_nodes(node) > MAX_YAML_NODES:
            raise ScenarioError(
                source,
                [
                    (
                        "",
                        (
                            f"its aliases (*name) expand to more than {MAX_YAML_NODES:,} "
                            "values; a scenario never needs that many (an alias bomb?)"
                        ),
                    )
                ],
            )
        return loader.construct_document(node), node
    finally:
        loader.dispose()


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Parse a YAML file safely into a mapping; size, syntax, emptiness and shape errors are :class:`ScenarioError`."""
    return read_yaml_document(path)[0]


def read_yaml_document(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    """:func:`read_yaml_mapping`'s mapping and its composed YAML node (for the line of each value)."""
    try:
        return _read_yaml_document(path)
    except OSError as exc:  # permission, a file removed meanwhile, an I/O error: one sentence, not a traceback
        raise ScenarioError(str(path), [("", f"cannot be read: {exc.strerror or exc}")]) from None


def _read_yaml_document(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(str(path), [("", f"file is {size:,} bytes; the limit is {MAX_SCENARIO_BYTES:,}")])
    try:
        data, node = compose_bounded(path.read_text(encoding="utf-8"), str(path))
    except RecursionError:
        raise ScenarioError(str(path), [("", "nested too deeply to be a scenario")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), [("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        if isinstance(exc, yaml.constructor.ConstructorError):  # a duplicate key, a tag that would build objects
            raise ScenarioError(str(path), [(where, f"YAML error: {exc.problem or exc}")]) from None
        hint = " (check the indentation, colons and quotes on this line or the one before)"
        raise ScenarioError(str(path), [(where, f"YAML syntax error: {exc.problem or exc}{hint}")]) from None
    except yaml.reader.ReaderError as exc:  # a control character: where it is, in one line
        text = path.read_text(encoding="utf-8", errors="replace")[: exc.position]
        where = f"line {text.count(chr(10)) + 1}, column {exc.position - text.rfind(chr(10))}"
        what = f"a control character (#x{exc.character:04x})" if isinstance(exc.character, int) else "a character"
        raise ScenarioError(str(path), [(where, f"YAML error: {what} is not allowed in a scenario file")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(str(path), [("", "YAML error: " + " ".join(str(exc).split()))]) from None
    if data is None:
        raise ScenarioError(str(path), [("", "the file is empty; expected a mapping with name, title, issues, ...")])
    if not isinstance(data, Mapping):
        raise ScenarioError(str(path), [("", f"expected a mapping at the top level, got a {type(data).__name__}")])
    return dict(data), node


def validate_scenario(data: Mapping[str, Any], source: str, node: yaml.Node | None = None) -> Scenario:
    """Validate a plain mapping into a :class:`Scenario`; every problem is reported with its field path, and, given
    the file's composed YAML ``node``, with the line of the file that set the field (:func:`line_of`)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = _without_echoes(exc.errors())
        problems = [(format_location(e["loc"]), _describe(e)) for e in errors]
        named = [_name_delegation(p, data) for p in _split_joined(problems)]
        located = [_with_line(p, data, node) for p in named]
        more = all(e["loc"] for e in exc.errors())  # field errors stop pydantic before the checks across fields
        raise ScenarioError(source, located, more_checks=more) from None


#: Said by ``treatysim validate`` after field errors: the checks that compare fields with each other
#: (sim.scenario.consistency_problems) run only on fields that are valid, so a file may have more to fix.
LATER_CHECKS = (
    "then the checks across fields — issue ids in positions and saliences, provisions' issues, bloc members — "
    "run once these are fixed"
)


def _with_line(problem: tuple[str, str], data: Mapping[str, Any], node: yaml.Node | None) -> tuple[str, str]:
    """``problem`` with the line of the file that set its field, where the file has one (:func:`line_of`); a
    missing field, with the line of the entry it is missing from (in a file without ``extends``: with one, the
    entry may be a patch of the parent's, and its line would be only a guess)."""
    location, message = problem
    if node is None or not location:
        return problem
    line = line_of(location, data, node)
    extends = isinstance(node, yaml.MappingNode) and any(getattr(k, "value", None) == "extends" for k, _ in node.value)
    if line is None and message.startswith("required field is missing") and not extends:
        container = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", location)
        line = line_of(container, data, node) if container != location and container else None
    return (f"line {line}: {location}", message) if line else problem


def line_of(location: str, data: Any, node: yaml.Node) -> int | None:
    """The line of the file (from 1) that sets the field at ``location`` (``delegations[3].salience``) of the
    scenario mapping ``data`` built from it, or ``None`` when the file does not set it: the value was inherited
    through ``extends`` or filled in. ``data`` is walked beside ``node``: a what-if's patch keyed by id
    (``delegations: {USA: ...}``) is found by the id of the entry at that index, and a list whose length differs
    from the file's (``sources``, appended to the parent's) gives no line rather than a wrong one."""
    mark = None
    for index, key in re.findall(r"\[(\d+)\]|([^.\[\]]+)", location):
        if key:  # a field: the key that names it in a mapping of the file
            if not isinstance(data, Mapping):
                return None
            name, data = key, data.get(key)
        else:  # an entry of a list: the file's entry at that index, or its patch keyed by the entry's id
            if not isinstance(data, list) or int(index) >= len(data):
                return None
            entries, data = data, data[int(index)]
            if isinstance(node, yaml.SequenceNode):
                if len(node.value) != len(entries):
                    return None
                node = node.value[int(index)]
                mark = node.start_mark
                continue
            name = data.get("id") if isinstance(data, Mapping) else None
        if not isinstance(node, yaml.MappingNode):
            return None
        pair = next((p for p in node.value if isinstance(p[0], yaml.ScalarNode) and p[0].value == name), None)
        if pair is None:
            return None
        mark, node = pair[0].start_mark, pair[1]
    return mark.line + 1 if mark is not None else None


def _name_delegation(problem: tuple[str, str], data: Mapping[str, Any]) -> tuple[str, str]:
    """Add the delegation's id to a problem at ``delegations[n]...``: students count from 1, lists from 0."""
    location, message = problem
    found = re.match(r"delegations\[(\d+)\]", location)
    delegations = data.get("delegations")
    if not found or not isinstance(delegations, list) or int(found.group(1)) >= len(delegations):
        return problem
    entry = delegations[int(found.group(1))]
    ident = entry.get("id") if isinstance(entry, Mapping) else None
    return (location, f"{message} [delegation {ident}]") if isinstance(ident, str) else problem


def _without_echoes(errors: list[Any]) -> list[Any]:
    """Drop a list's "too short" error when its items failed: the items' own errors say what is wrong."""
    lists_with_bad_items = {
        tuple(e["loc"][:i]) for e in errors for i, part in enumerate(e["loc"]) if isinstance(part, int)
    }
    return [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in lists_with_bad_items)]


def _describe(error: dict[str, Any]) -> str:
    """Pydantic's error in plain words, with a "did you mean" for a misspelt field."""
    if error.get("type") == "extra_forbidden":
        known = known_fields(Scenario, error["loc"][:-1]) + (["extends"] if len(error["loc"]) == 1 else [])
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if not close:  # a shortened name: 'lag' for 'lag_days'
            close = [k for k in known if k.startswith(name)] if len(name) >= 3 else []
        hint = f" (did you mean '{close[0]}'?)" if len(close) == 1 else ""
        return f"unknown field{hint}; expected one of: {', '.join(known)}"
    return describe_pydantic_error(error)


def known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` (a pydantic location) inside ``model``: walks nested models and lists."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        nested = _model_in(field.annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _split_joined(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Model-level checks report several ``path: message`` problems, one per line: give each its own entry."""
    out = []
    for location, message in problems:
        if location:
            out.append((location, message))
            continue
        for part in message.split("\n"):
            path, sep, rest = part.partition(": ")
            out.append((path, rest) if sep and " " not in path else ("", part))
    return out


def resolve_extends(data: Mapping[str, Any], path: Path, source: str, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario mapping of the file at ``path`` with its ``extends`` chain applied (unchanged without one)."""
    if "extends" not in data:
        return dict(data)
    chain = chain + (path.resolve(),)
    parent_path = parent_of(data["extends"], path, source)
    if parent_path.resolve() in chain:
        names = " -> ".join(p.name for p in chain + (parent_path.resolve(),))
        raise ScenarioError(source, [("extends", f"cycle of extends: {names}")])
    if len(chain) >= MAX_DEPTH:
        raise ScenarioError(source, [("extends", f"more than {MAX_DEPTH} levels of extends")])
    parent_source = display_name(parent_path)
    parent_data, parent_node = read_yaml_document(parent_path)
    parent = resolve_extends(parent_data, parent_path, parent_source, chain)
    # the parent as validated (saliences rescaled, defaults filled in): a what-if patches what the parent means,
    # exactly as a command-line override of the parent would (sim.loading.with_overrides)
    parent = validate_scenario(parent, parent_source, parent_node).model_dump()
    child = {key: value for key, value in data.items() if key != "extends"}
    return apply_overrides(parent, child, source)


def parent_of(reference: Any, child_path: Path, source: str) -> Path:
    """The parent file named by ``extends``: a bundled name, or a path relative to the child's folder."""
    if not isinstance(reference, str) or not reference.strip():
        raise ScenarioError(source, [("extends", f"expected a scenario name or a relative path, got {reference!r}")])
    text = reference.strip()
    if text.endswith(SCENARIO_SUFFIXES) or "/" in text or "\\" in text:
        if not text.endswith(SCENARIO_SUFFIXES):  # /proc/self/environ, ../secrets: never opened, let alone parsed
            raise ScenarioError(
                source,
                [
                    (
                        "extends",
                        (
                            f"'{text}' is not a scenario file: a parent path must end in "
                            ".yaml or .yml (or name a bundled scenario)"
                        ),
                    )
                ],
            )
        target = (child_path.parent / text).expanduser()
        if not target.is_file():
            raise ScenarioError(
                source, [("extends", f"unknown parent '{text}': no such file beside {child_path.name}")]
            )
        if not target.resolve().name.endswith(SCENARIO_SUFFIXES):  # a .yaml link to some other file
            raise ScenarioError(
                source, [("extends", (f"'{text}' links to {target.resolve()}, which is not a .yaml or .yml file"))]
            )
        return target
    try:
        return scenario_path(text)
    except ScenarioError as exc:
        reason = exc.problems[0][1] if exc.problems else "unknown scenario"
        raise ScenarioError(source, [("extends", f"unknown parent '{text}': {reason}")]) from None


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """Load a bundled scenario by name, or the user's own YAML file by path, into a validated :class:`Scenario`.

    A file with ``extends:`` is its parent plus its overrides (:mod:`sim.inheritance`).
    """
    path = scenario_path(name_or_path)
    source = display_name(path)
    data, node = read_yaml_document(path)
    scenario = validate_scenario(resolve_extends(data, path, source), source, node)
    if is_bundled(path) and scenario.name != path.stem:
        raise ScenarioError(
            source, [("name", f"a bundled scenario's name must be its file name '{path.stem}', got '{scenario.name}'")]
        )
    return scenario


def is_bundled(path: Path) -> bool:
    """Whether ``path`` is one of the bundled scenarios in ``scenarios/``."""
    return path.resolve().parent == scenarios_dir().resolve()


def display_name(path: Path) -> str:
    """How a scenario file is named in messages: ``scenarios/NAME.yaml`` when bundled, else its path."""
    return f"scenarios/{path.name}" if is_bundled(path) else str(path)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], source: str = "overrides") -> Scenario:
    """A new scenario with ``overrides`` applied and validated again.

    The rules are those of ``extends`` (:mod:`sim.inheritance`): mappings merge key by key
    (``{"procedure": {"rounds": 5}}``), and delegations are patched by id (``{"delegations": {"USA": {"power": 2}}}``).
    """
    if not overrides:
        return scenario
    return validate_scenario(apply_overrides(scenario.model_dump(), overrides, source), source)
