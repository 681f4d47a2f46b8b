"""``treatysim-import``: turn an actor table from another tool into a treatysim scenario YAML.

::

    treatysim-import --format ktab SOE-Policy.csv -o scenarios_local/soe.yaml
    treatysim-import --format table actors.csv --name my_treaty --title "My treaty" -o my_treaty.yaml
    treatysim-import --format table actors.csv --scale 100 --status-quo scope=0,safeguards=100   # YAML to stdout

Two formats (``docs/importers.md`` has both with an example each):

``ktab``
    The actor CSV of the Spatial Model of Politics (SMP) in KTAB, the open-source KAPSARC Toolkit for Behavioral
    Analysis (https://github.com/KAPSARC/KTAB, MIT licence). The format is the one its reader
    ``SMPModel::csvRead`` accepts (``examples/smp/libsrc/smpread.cpp``; example files ``examples/smp/doc/
    SOE-Policy.csv``, ``SOE-Pol-Comp.csv``, ``dummyData_3Dim.csv``; read from the public copy lsyaseen/KTAB):

    - line 1: scenario name, scenario description, number of actors, number of dimensions;
    - line 2: a header — ``Actor,Description,Power`` (KTAB ignores these three titles; its examples also say
      ``Influence``), then for each dimension a position column, whose title names the dimension, and a salience
      column;
    - one line per actor: name, description, capability (KTAB: at least 0, below 1e8), then a position (0–100)
      and a salience (0–100) per dimension, the saliences of one actor summing to at most 100.

    A trailing comma on every line is allowed (KTAB's examples have one), cells are trimmed, quotes are CSV quotes.

``table``
    treatysim's own plain actor table (designed here): a header ``id,name,power`` and, per issue ``ISSUE``, the
    columns ``ISSUE_position`` and ``ISSUE_salience``; one row per delegation. Positions are all on 0–1 or all on
    0–100 (``--scale``, else detected: any position above 1 means 0–100); saliences are any non-negative weights.

What maps to what: capability (KTAB) or power → ``power`` (unchanged: power is relative); position → position on
0–1 (divided by the scale); saliences → weights normalised to sum to 1 per delegation; the dimension's title
(KTAB) or the column prefix (table) → the issue. What neither format says — reservation, outside option,
concession style, blocs, votes, procedure, chair — is left at treatysim's defaults, and the generated file's header
comment says so. Every problem in the input is a :class:`~sim.errors.ScenarioError` naming the file, the line, the
column and what was expected; the command exits with code 2 without a traceback
(:func:`sim.errors.command_boundary`). The parsing functions are pure (text in, mapping out); only :func:`main`
touches files, and it never overwrites a file without ``--force`` (written atomically, :func:`sim.io.atomic_write`).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError, command_boundary

PROG = "treatysim-import"
FORMATS = ("ktab", "table")
#: An input file larger than this is refused before parsing (a 250-actor KTAB file is ~30 KB).
MAX_INPUT_BYTES = 10_000_000
#: At most this many problems are listed; the rest are counted.
MAX_PROBLEMS = 25
#: KTAB's bounds (``smpread.cpp``): positions and saliences on [0, 100], an actor's saliences summing to <= 100.
KTAB_SCALE = 100.0
#: treatysim's bounds on power (``sim.scenario.Power``).
POWER_MIN, POWER_MAX = 1e-6, 1e6
#: treatysim's bound on a salience weight (``sim.scenario.Weight``).
WEIGHT_MAX = 1e6
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DELEGATION_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
TABLE_FIXED = ("id", "name", "power")
POSITION_SUFFIX, SALIENCE_SUFFIX = "_position", "_salience"


@dataclass
class ActorTable:
    """What an input file says, already on treatysim's scales: issues, delegations, and notes on the import."""

    source: str
    format: str
    scale: float
    scale_detected: bool
    issues: list[dict[str, str]]
    delegations: list[dict[str, Any]]
    title: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)
    #: the line of the input each delegation came from, by id (for error messages after parsing)
    lines: dict[str, int] = field(default_factory=dict)


class _Problems:
    """Collects ``(location, message)`` problems of one file and raises them together."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[tuple[str, str]] = []

    def add(self, location: str, message: str) -> None:
        self.items.append((location, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS]
        if len(self.items) > MAX_PROBLEMS:
            shown.append(("", f"... and {len(self.items) - MAX_PROBLEMS} more problem(s)"))
        raise ScenarioError(self.source, shown)


def _where(line: int, column: int | None = None, title: str | None = None) -> str:
    """``line 4, column 3 (Power)``: 1-based, as a spreadsheet or an editor counts."""
    out = f"line {line}"
    if column is not None:
        out += f", column {column}"
        if title:
            out += f" ({title})"
    return out


def _rows(text: str, source: str) -> list[tuple[int, list[str]]]:
    """The non-blank records of a CSV text as ``(line number, trimmed cells)``, trailing empty cells dropped."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    out = []
    try:
        for record in reader:
            cells = [cell.strip() for cell in record]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ScenarioError(source, [(_where(reader.line_num), f"not valid CSV: {exc}")]) from None
    if not out:
        raise ScenarioError(source, [("", "the file is empty: expected a CSV table of actors (see docs/importers.md)")])
    return out


def _number(text: str, where: str, what: str, problems: _Problems) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.add(where, f"expected {what} (a number), got {text!r}" if text else f"expected {what}, got nothing")
        return None
    if not math.isfinite(value):
        problems.add(where, f"expected {what} (a finite number), got {text!r}")
        return None
    return value


def _count(text: str, where: str, what: str, problems: _Problems) -> int | None:
    try:
        value = int(text)
    except ValueError:
        problems.add(where, f"expected {what} (a whole number), got {text!r}")
        return None
    if value < 1:
        problems.add(where, f"expected {what} (at least 1), got {value}")
        return None
    return value


def slug(text: str, fallback: str) -> str:
    """An identifier (letters, digits, ``_``, not starting with a digit) from free text: ``"Policy Position"`` →
    ``policy`` (a trailing "position"/"pstn"/"pos" word is dropped), ``""`` → ``fallback``."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    words = re.sub(r"_(position|pstn|pos)$", "", words)
    if not words:
        return fallback
    if words[0].isdigit():
        words = "d_" + words
    return words[:64]


def delegation_id(text: str) -> str:
    """A delegation id from an actor's name: kept if it fits (``SActor-00``, ``USA``), else every run of other
    characters becomes ``_`` (``US Gov`` → ``US_Gov``)."""
    if DELEGATION_ID.match(text):
        return text
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).lstrip(".-") or "_"


def _normalised(weights: Mapping[str, float]) -> dict[str, float]:
    total = math.fsum(weights.values())
    return {key: round(value / total, 6) for key, value in weights.items()}


def _unique_names(delegations: list[dict[str, Any]], descriptions: list[str]) -> None:
    """A KTAB actor's readable name is its description, unless that is empty or shared by several actors."""
    counts: dict[str, int] = {}
    for text in descriptions:
        counts[text] = counts.get(text, 0) + 1
    for entry, text in zip(delegations, descriptions):
        if text and counts[text] == 1:
            entry["name"] = text


# ---------------------------------------------------------------------------------------------------------- KTAB


def parse_ktab(text: str, source: str, scale: float = KTAB_SCALE) -> ActorTable:
    """Parse a KTAB SMP actor CSV (``SMPModel::csvRead``'s format, see the module docstring) into an
    :class:`ActorTable` on treatysim's scales; every problem found is raised together as a :class:`ScenarioError`."""
    rows = _rows(text, source)
    problems = _Problems(source)
    line, first = rows[0]
    if first[0].lower() in ("actor", "id") or len(first) < 4:
        looks_like = " (it looks like a column header)" if first[0].lower() in ("actor", "id") else ""
        raise ScenarioError(
            source,
            [
                (
                    _where(line),
                    (
                        "a KTAB SMP file starts with the scenario line: scenario name, "
                        "description, number of actors, number of dimensions — got "
                        f"{len(first)} value(s){looks_like}; for a plain actor table "
                        "use --format table"
                    ),
                )
            ],
        )
    n_actors = _count(first[2], _where(line, 3), "the number of actors", problems)
    n_dims = _count(first[3], _where(line, 4), "the number of dimensions", problems)
    problems.raise_if_any()
    assert n_actors is not None and n_dims is not None
    width = 3 + 2 * n_dims
    if len(rows) < 2:
        raise ScenarioError(
            source,
            [
                (
                    "",
                    (
                        "no header line: expected line 2 to be Actor,Description,Power and a "
                        f"position and a salience column for each of the {n_dims} dimension(s)"
                    ),
                )
            ],
        )
    header_line, header = rows[1]
    if len(header) != width:
        raise ScenarioError(
            source,
            [
                (
                    _where(header_line),
                    (
                        f"expected {width} column titles (Actor, Description, "
                        f"Power, then a position and a salience column for each "
                        f"of the {n_dims} dimension(s) of line 1), got "
                        f"{len(header)}"
                    ),
                )
            ],
        )
    issues: list[dict[str, str]] = []
    for d in range(n_dims):
        label = header[3 + 2 * d]
        ident = slug(label, f"dim{d + 1}")
        if ident in {i["id"] for i in issues}:
            ident = f"{ident}_{d + 1}"
        label = re.sub(r"[\s_-]*\b(position|pstn|pos)\s*$", "", label, flags=re.IGNORECASE) or label
        issues.append({"id": ident, "label": label or f"Dimension {d + 1}"})
    actors = rows[2:]
    if len(actors) != n_actors:
        problems.add(
            _where(line, 3),
            f"line 1 declares {n_actors} actor(s), but the file has {len(actors)} actor line(s) after the header",
        )
    delegations: list[dict[str, Any]] = []
    descriptions: list[str] = []
    seen: dict[str, int] = {}
    lines: dict[str, int] = {}
    notes: list[str] = []
    for row_line, cells in actors:
        if len(cells) != width:
            problems.add(
                _where(row_line),
                f"expected {width} values (actor, description, capability, then a "
                f"position and a salience for each of the {n_dims} dimension(s)), "
                f"got {len(cells)}",
            )
            continue
        name = cells[0]
        if not name:
            problems.add(_where(row_line, 1, header[0]), "expected the actor's name, got nothing")
            continue
        ident = delegation_id(name)
        if len(ident) > 64:
            problems.add(
                _where(row_line, 1, header[0]), f"an actor's name must be at most 64 characters, got {len(ident)}"
            )
            continue
        if ident in seen:
            same = "" if ident == name else f" (from {name!r})"
            problems.add(
                _where(row_line, 1, header[0]), f"duplicate actor {ident!r}{same}: already on line {seen[ident]}"
            )
            continue
        seen[ident] = row_line
        if ident != name:
            notes.append(f"actor {name!r} has the id {ident!r} (letters, digits, _, . and - only)")
        power = _number(cells[2], _where(row_line, 3, header[2]), "the capability", problems)
        if power is not None:
            if power <= 0:
                problems.add(
                    _where(row_line, 3, header[2]),
                    f"capability must be greater than 0, got {cells[2]}: "
                    "an actor without capability has no say in KTAB, but "
                    "every treatysim delegation can block consensus; give "
                    "it a positive capability or remove the line",
                )
            elif not POWER_MIN <= power <= POWER_MAX:
                problems.add(
                    _where(row_line, 3, header[2]),
                    f"capability must be between {POWER_MIN:g} and "
                    f"{POWER_MAX:g} (treatysim's range), got {cells[2]}; "
                    "power is relative: divide every capability by the "
                    "same number",
                )
        position: dict[str, float] = {}
        salience: dict[str, float] = {}
        for d, issue in enumerate(issues):
            pos_col, sal_col = 4 + 2 * d, 5 + 2 * d
            pos = _number(cells[pos_col - 1], _where(row_line, pos_col, header[pos_col - 1]), "a position", problems)
            if pos is not None:
                if not 0 <= pos <= scale:
                    problems.add(
                        _where(row_line, pos_col, header[pos_col - 1]),
                        f"a position must be between 0 and {scale:g}, got {cells[pos_col - 1]}",
                    )
                else:
                    position[issue["id"]] = round(pos / scale, 6)
            sal = _number(cells[sal_col - 1], _where(row_line, sal_col, header[sal_col - 1]), "a salience", problems)
            if sal is not None:
                if not 0 <= sal <= KTAB_SCALE:
                    problems.add(
                        _where(row_line, sal_col, header[sal_col - 1]),
                        f"a salience must be between 0 and {KTAB_SCALE:g} (KTAB's rule), got {cells[sal_col - 1]}",
                    )
                else:
                    salience[issue["id"]] = sal
        if len(salience) == n_dims:
            total = math.fsum(salience.values())
            if total > KTAB_SCALE + 1e-9:
                problems.add(
                    _where(row_line),
                    f"the saliences of actor {name!r} sum to {total:g}; KTAB allows at "
                    f"most {KTAB_SCALE:g} (all of an actor's attention)",
                )
            elif total <= 0:
                problems.add(
                    _where(row_line),
                    f"actor {name!r} has no positive salience: it would care about "
                    "nothing; give at least one dimension a salience above 0",
                )
        if power is None or len(position) != n_dims or len(salience) != n_dims:
            continue
        lines[ident] = row_line
        descriptions.append(cells[1])
        delegations.append(
            {
                "id": ident,
                "name": name,
                "position": position,
                "salience": _normalised(salience) if math.fsum(salience.values()) > 0 else salience,
                "power": _plain(power),
            }
        )
    problems.raise_if_any()
    _unique_names(delegations, descriptions)
    return ActorTable(
        source=source,
        format="ktab",
        scale=scale,
        scale_detected=False,
        issues=issues,
        delegations=delegations,
        title=first[0],
        description=first[1],
        notes=notes,
        lines=lines,
    )


def _plain(value: float) -> float | int:
    """A whole number as an int (``power: 100``, not ``100.0``), anything else as it is."""
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


# --------------------------------------------------------------------------------------------------------- table


def _table_columns(header: list[str], line: int, source: str) -> tuple[dict[str, int], list[str]]:
    """The column index of every title and the issue ids in the order of their first column; problems raise."""
    problems = _Problems(source)
    index: dict[str, int] = {}
    for n, title in enumerate(header):
        if title in index:
            problems.add(
                _where(line, n + 1, title), f"column {title!r} appears twice (first in column {index[title] + 1})"
            )
        else:
            index[title] = n
    if len(header) == 1 and ";" in header[0]:
        problems.add(
            _where(line),
            "one column only, with ';' in it: the columns must be separated by commas "
            "(save the sheet as 'CSV UTF-8 (comma delimited)')",
        )
        problems.raise_if_any()
    if "id" not in index and len(header) >= 4 and header[2].isdigit() and header[3].isdigit():
        problems.add(
            _where(line),
            "expected the header id,name,power,...; this looks like a KTAB SMP file (a "
            "scenario line: name, description, number of actors, number of dimensions): use "
            "--format ktab",
        )
        problems.raise_if_any()
    for title in TABLE_FIXED:
        if title not in index:
            problems.add(
                _where(line),
                f"missing column {title!r}: the header must have id, name, power and, per "
                "issue, ISSUE_position and ISSUE_salience",
            )
    issues: list[str] = []
    for n, title in enumerate(header):
        if title in TABLE_FIXED:
            continue
        for suffix in (POSITION_SUFFIX, SALIENCE_SUFFIX):
            if title.endswith(suffix):
                issue = title[: -len(suffix)]
                if not IDENTIFIER.match(issue) or len(issue) > 64:
                    problems.add(
                        _where(line, n + 1, title),
                        f"the issue id {issue!r} must be letters, digits and _, not starting with a digit (at most 64)",
                    )
                elif issue not in issues:
                    issues.append(issue)
                break
        else:
            problems.add(
                _where(line, n + 1, title),
                f"unknown column {title!r}: expected id, name, power, or ISSUE_position / ISSUE_salience",
            )
    for issue in issues:
        for suffix in (POSITION_SUFFIX, SALIENCE_SUFFIX):
            if issue + suffix not in index:
                problems.add(
                    _where(line),
                    f"missing column {issue + suffix!r}: every issue needs a position and a salience column",
                )
    if not issues and not problems.items:
        problems.add(
            _where(line),
            "no issue columns: expected ISSUE_position and ISSUE_salience for at least one "
            "issue (e.g. scope_position,scope_salience)",
        )
    problems.raise_if_any()
    return index, issues


def detect_scale(rows: Sequence[tuple[int, list[str]]], columns: Sequence[int]) -> float:
    """100 when any readable position is above 1, else 1 (all positions on 0–1)."""
    for _, cells in rows:
        for n in columns:
            try:
                if n < len(cells) and float(cells[n]) > 1:
                    return 100.0
            except ValueError:
                continue
    return 1.0


def parse_table(text: str, source: str, scale: float | None = None) -> ActorTable:
    """Parse a plain actor table (see the module docstring and ``docs/importers.md``) into an :class:`ActorTable`:
    positions on ``scale`` (1 or 100; ``None``: detected), saliences normalised, power as given."""
    rows = _rows(text, source)
    header_line, header = rows[0]
    index, issue_ids = _table_columns(header, header_line, source)
    body = rows[1:]
    if not body:
        raise ScenarioError(source, [("", "no delegations: the header is followed by no rows")])
    detected = scale is None
    if scale is None:
        scale = detect_scale(body, [index[i + POSITION_SUFFIX] for i in issue_ids])
    problems = _Problems(source)
    delegations: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    lines: dict[str, int] = {}
    for line, cells in body:
        if len(cells) > len(header):
            problems.add(
                _where(line), f"expected at most {len(header)} values (one per column title), got {len(cells)}"
            )
            continue
        cells = cells + [""] * (len(header) - len(cells))

        def cell(title: str, cells: list[str] = cells, line: int = line) -> tuple[str, str]:
            return cells[index[title]], _where(line, index[title] + 1, title)

        ident, where = cell("id")
        if not ident:
            problems.add(where, "expected the delegation's id, got nothing")
            continue
        if not DELEGATION_ID.match(ident) or len(ident) > 64:
            problems.add(
                where,
                f"an id must be letters, digits, _, . and - (not starting with . or -, at most 64), got {ident!r}",
            )
            continue
        if ident in seen:
            problems.add(where, f"duplicate id {ident!r}: already on line {seen[ident]}")
            continue
        seen[ident] = line
        name = cell("name")[0] or ident
        text_power, where = cell("power")
        power = _number(text_power, where, "the power", problems)
        if power is not None and not POWER_MIN <= power <= POWER_MAX:
            problems.add(where, f"power must be between {POWER_MIN:g} and {POWER_MAX:g}, got {text_power}")
            power = None
        position: dict[str, float] = {}
        salience: dict[str, float] = {}
        for issue in issue_ids:
            text_pos, where = cell(issue + POSITION_SUFFIX)
            pos = _number(text_pos, where, "a position", problems)
            if pos is not None:
                if not 0 <= pos <= scale:
                    hint = " (positions are on 0-1 here: pass --scale 100 for a 0-100 table)" if scale == 1 else ""
                    problems.add(where, f"a position must be between 0 and {scale:g}, got {text_pos}{hint}")
                else:
                    position[issue] = round(pos / scale, 6)
            text_sal, where = cell(issue + SALIENCE_SUFFIX)
            sal = _number(text_sal, where, "a salience", problems)
            if sal is not None:
                if not 0 <= sal <= WEIGHT_MAX:
                    problems.add(where, f"a salience must be between 0 and {WEIGHT_MAX:g}, got {text_sal}")
                else:
                    salience[issue] = sal
        if len(salience) == len(issue_ids) and math.fsum(salience.values()) <= 0:
            problems.add(
                _where(line),
                f"delegation {ident!r} has no positive salience: give at least one issue a salience above 0",
            )
            continue
        if power is None or len(position) != len(issue_ids) or len(salience) != len(issue_ids):
            continue
        lines[ident] = line
        delegations.append(
            {"id": ident, "name": name, "position": position, "salience": _normalised(salience), "power": _plain(power)}
        )
    problems.raise_if_any()
    issues = [{"id": i, "label": i.replace("_", " ").capitalize()} for i in issue_ids]
    return ActorTable(
        source=source,
        format="table",
        scale=scale,
        scale_detected=detected,
        issues=issues,
        delegations=delegations,
        lines=lines,
    )


# ------------------------------------------------------------------------------------------------------ scenario


def parse_status_quo(text: str, issues: Sequence[str], scale: float) -> dict[str, float]:
    """``scope=0,safeguards=100`` (on the input file's position scale) → ``{"scope": 0.0, "safeguards": 1.0}``;
    every issue must be given once."""
    problems = _Problems("--status-quo")
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            problems.add("", f"expected ISSUE=VALUE, got {part!r}")
            continue
        if key not in issues:
            problems.add(key, f"unknown issue; the issues are: {', '.join(issues)}")
            continue
        if key in out:
            problems.add(key, "given twice")
            continue
        number = _number(value, key, "a position", problems)
        if number is not None:
            if not 0 <= number <= scale:
                problems.add(key, f"must be between 0 and {scale:g} (the file's position scale), got {value}")
            else:
                out[key] = round(number / scale, 6)
    missing = [i for i in issues if i not in out and i not in {p[0] for p in problems.items}]
    if missing:
        problems.add(
            "", f"missing issue(s): {', '.join(missing)} (give every issue, e.g. {','.join(f'{i}=0' for i in issues)})"
        )
    problems.raise_if_any()
    return out


def scenario_name(text: str) -> str:
    """A scenario name (an identifier) from a file name or free text: ``my-treaty.v2`` → ``my_treaty_v2``."""
    return slug(text, "imported") if not IDENTIFIER.match(text) else text[:64]


def to_scenario(
    table: ActorTable, name: str, title: str | None = None, status_quo: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """The scenario mapping of an imported table (what the YAML file holds), validated as a scenario would be."""
    from sim.loading import validate_scenario

    if not IDENTIFIER.match(name) or len(name) > 64:
        raise ScenarioError(
            "--name",
            [
                (
                    "",
                    (
                        f"a scenario name must be letters, digits and _, not starting with a "
                        f"digit (at most 64), got {name!r}"
                    ),
                )
            ],
        )
    kind = "KTAB SMP actor CSV" if table.format == "ktab" else "actor table CSV"
    source_path = Path(table.source).name
    data: dict[str, Any] = {
        "name": name,
        "title": title or table.title or f"Imported from {source_path}",
    }
    if table.description:
        data["description"] = table.description
    data["sources"] = [
        (
            f"Imported from {source_path} ({kind}) by {PROG}: positions (0-{table.scale:g} scale, divided by "
            f"{table.scale:g}), saliences (normalised to sum to 1) and power come from that file; where its numbers come "
            "from is not recorded here - add it."
        ),
        (
            "Reservation, outside option, concession style, blocs, votes, procedure and chair: treatysim's defaults, "
            "not estimates (the imported file does not say)."
        ),
    ]
    data["issues"] = [dict(issue) for issue in table.issues]
    data["delegations"] = [dict(entry) for entry in table.delegations]
    if status_quo:
        data["status_quo"] = dict(status_quo)
    validate_scenario(data, f"{table.source} (imported)")
    return data


def header_comment(table: ActorTable, status_quo: bool) -> str:
    """The comment at the top of the generated file: where it came from and what it could not know."""
    kind = "a KTAB SMP actor CSV" if table.format == "ktab" else "an actor table CSV"
    scale = f"0-{table.scale:g}" + (", detected" if table.scale_detected else "")
    floor = (
        "each delegation's utility of the status_quo below (the veto-player rule)"
        if status_quo
        else "behaviour.default_outside_option (0.5), as no status_quo was given (--status-quo)"
    )
    lines = [
        f"Generated by {PROG} from {Path(table.source).name}, {kind} (docs/importers.md).",
        f"From the file: issues, delegations, positions (read on {scale}, here on 0-1), saliences (normalised to",
        "sum to 1 per delegation) and power (as given; power is relative).",
        "NOT in the file, so treatysim's defaults (see scenarios/README.md, 'Every field'), to be estimated:",
        "  reservation 0.8; style linear; can_block true; votes 1; no blocs; procedure, chair, uncertainty: defaults;",
        f"  outside option: {floor}.",
        "Set them per delegation here, or in a what-if that extends this file.",
    ]
    if table.format == "ktab":
        lines.append(
            "KTAB's absolute salience (attention left to other matters) is lost: only the weights between issues count."
        )
    lines += table.notes
    return "".join(f"# {line}\n" for line in lines)


def render_yaml(data: Mapping[str, Any], header: str = "") -> str:
    """The scenario as YAML, one issue and one delegation per line (as the bundled scenarios are written)."""

    def dump(value: Any, flow: bool) -> str:
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=flow, width=10**9).strip()

    out = [header]
    for key, value in data.items():
        if key in ("issues", "delegations"):
            out.append(f"{key}:\n" + "".join(f"  - {dump(item, True)}\n" for item in value))
        elif key == "status_quo":
            out.append(f"{key}: {dump(value, True)}\n")
        else:
            out.append(dump({key: value}, False) + "\n")
    return "".join(out)


def read_input(path: Path) -> str:
    """The text of an input file (UTF-8, a spreadsheet's byte-order mark allowed); problems are ScenarioErrors."""
    source = str(path)
    if not path.is_file():
        raise ScenarioError(source, [("", "no such file")])
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise ScenarioError(source, [("", f"file is {size:,} bytes; the limit is {MAX_INPUT_BYTES:,}")])
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source, [("", (f"not UTF-8 text ({exc.reason} at byte {exc.start}): save it as 'CSV UTF-8'"))]
        ) from None


def import_text(
    text: str,
    source: str,
    fmt: str,
    name: str,
    title: str | None = None,
    scale: float | None = None,
    status_quo: str | None = None,
) -> tuple[ActorTable, dict[str, Any], str]:
    """Parse ``text`` in format ``fmt``, build and validate the scenario: ``(table, mapping, YAML text)``."""
    if fmt == "ktab":
        table = parse_ktab(text, source, KTAB_SCALE if scale is None else scale)
    elif fmt == "table":
        table = parse_table(text, source, scale)
    else:
        raise ScenarioError("--format", [("", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")])
    quo = parse_status_quo(status_quo, [i["id"] for i in table.issues], table.scale) if status_quo else None
    data = to_scenario(table, name, title, quo)
    rendered = render_yaml(data, header_comment(table, quo is not None))
    return table, data, rendered


# ------------------------------------------------------------------------------------------------------- command


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Turn a KTAB SMP actor CSV or a plain actor table CSV into a scenario YAML.",
        epilog="Formats and what maps to what: docs/importers.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("input", type=Path, help="the CSV file to import")
    parser.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="ktab: KTAB's SMP actor CSV; table: id,name,power,ISSUE_position,ISSUE_salience,...",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="the scenario file to write (.yaml); without it the YAML goes to standard output",
    )
    parser.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    parser.add_argument("--name", default=None, help="the scenario's name (default: from the output or input file)")
    parser.add_argument(
        "--title", default=None, help="the scenario's title (default: KTAB's scenario name, or 'Imported from FILE')"
    )
    parser.add_argument(
        "--scale",
        choices=("100", "1"),
        default=None,
        help="the positions' scale, 0-100 or 0-1 (default: ktab 100; table: detected — any position above 1 means 100)",
    )
    parser.add_argument(
        "--status-quo",
        default=None,
        metavar="ISSUE=VALUE,...",
        help="where each issue stands without a treaty, on the file's position scale",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns 0. Bad input prints one line per problem on stderr and exits with code 2,
    Ctrl-C exits with 130 (:func:`sim.errors.command_boundary`)."""
    from sim.io import atomic_write_text

    args = parse_args(argv)
    with command_boundary(PROG):
        out: Path | None = args.output
        if out is not None:
            if out.suffix not in (".yaml", ".yml"):
                raise ScenarioError(
                    str(out),
                    [("-o", ("the output must be a .yaml file (treatysim reads scenario files by that ending)"))],
                )
            if out.exists() and not args.force:
                raise ScenarioError(
                    str(out), [("-o", ("the file exists; choose another name or pass --force to overwrite it"))]
                )
            if out.is_dir():
                raise ScenarioError(str(out), [("-o", "is a folder, not a file")])
        name = args.name or scenario_name((out or args.input).stem)
        text = read_input(args.input)
        scale = float(args.scale) if args.scale else None
        table, data, rendered = import_text(
            text, str(args.input), args.format, name, args.title, scale, args.status_quo
        )
        if out is None:
            sys.stdout.write(rendered)
            return 0
        atomic_write_text(out, rendered)
        how = "detected" if table.scale_detected else "given" if args.scale else "KTAB's"
        print(
            f"written: {out} (scenario '{data['name']}': {len(data['delegations'])} delegations, "
            f"{len(data['issues'])} issue(s); positions read on 0-{table.scale:g}, {how})"
        )
        print(
            f"next: treatysim scenario={out}   (reservation, outside option and style are defaults: see the "
            "file's header)"
        )
    return 0


def cli() -> None:
    sys.exit(main())


if __name__ == "__main__":
    cli()
