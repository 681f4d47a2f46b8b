"""scenarios/README.md explains every field of the schema: each field of every model reachable from ``Scenario``
(read from the pydantic models, so a new field cannot be forgotten) has a row in its section's table, with the
model's default; no row names a field the schema does not have; and the list of bundled scenarios is complete."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.loading import available_scenarios
from sim.scenario import Scenario, types_in

GUIDE = Path(__file__).resolve().parent.parent / "scenarios" / "README.md"
#: Top-level keys the loader reads before the schema checks the scenario (documented, but not model fields).
LOADER_KEYS = {"extends"}


def models() -> dict[str, type[BaseModel]]:
    """Every schema model reachable from ``Scenario``, by the heading of its section in the guide: ``Top level`` for
    ``Scenario`` itself, else the field that holds it (``procedure``, ``delegations`` ...)."""
    found: dict[str, type[BaseModel]] = {"Top level": Scenario}
    queue = [Scenario]
    while queue:
        model = queue.pop()
        for name, field in model.model_fields.items():
            for kind in types_in(field.annotation):
                if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in found.values():
                    found[name] = kind
                    queue.append(kind)
    return found


def sections() -> dict[str, list[str]]:
    """The guide's ``###`` sections: heading → lines."""
    out: dict[str, list[str]] = {}
    heading = None
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = None
        elif line.startswith("### "):
            heading = line[4:]
            out[heading] = []
        elif heading is not None:
            out[heading].append(line)
    return out


def section_of(key: str) -> list[str]:
    matches = [lines for heading, lines in sections().items() if heading == key or heading.split()[0] == f"`{key}`"]
    assert len(matches) == 1, f"scenarios/README.md needs one section '### `{key}` — ...' (found {len(matches)})"
    return matches[0]


def rows(lines: list[str]) -> dict[str, dict[str, str]]:
    """A section's table: each field named (in backticks) in a row's first cell → the row, by column name."""
    table = [line for line in lines if line.startswith("|")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    out = {}
    for line in table[2:]:
        cells = dict(zip(header, (cell.strip() for cell in line.strip("|").split("|"))))
        for name in re.findall(r"`([^`]+)`", cells["field"]):
            out[name] = cells
    return out


SECTIONS = models()


def test_the_guide_has_a_section_for_every_schema_model():
    expected = (
        "issues delegations blocs stakeholders procedure chair uncertainty behaviour provisions ratification history"
    )
    assert {"Top level", *expected.split()} <= set(SECTIONS)  # and any model added later
    for key in SECTIONS:
        section_of(key)


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_every_field_of_the_schema_is_in_the_guide_and_nothing_else(key: str):
    model = SECTIONS[key]
    documented = rows(section_of(key))
    fields = set(model.model_fields)
    missing = fields - set(documented)
    assert not missing, f"scenarios/README.md, section {key!r}: no row for {sorted(missing)} ({model.__name__})"
    extra = set(documented) - fields - (LOADER_KEYS if model is Scenario else set())
    assert not extra, f"scenarios/README.md, section {key!r}: {sorted(extra)} are not fields of {model.__name__}"


def _matches(text: str, default: object) -> bool:
    """Whether the guide's default column says the model's default (``required``, a number, a literal ...)."""
    text = text.strip()
    if default is PydanticUndefined:
        return text == "required"
    if isinstance(default, BaseModel):
        return text == "every field at its default" and default == type(default)()
    if default is None:
        return text.startswith("none")
    if isinstance(default, bool):
        return text == str(default).lower()
    if isinstance(default, (int, float)):
        return re.fullmatch(r"[\d.,/]+", text) is not None and math.isclose(
            float(Fraction(text.replace(",", ""))), default, rel_tol=1e-12
        )
    if isinstance(default, str):
        return text == (f"`{default}`" if default else '""')
    if isinstance(default, (tuple, list)) and not default:
        return text == "[]"
    return False


@pytest.mark.parametrize("key", sorted(SECTIONS))
def test_the_guide_gives_each_fields_default(key: str):
    model = SECTIONS[key]
    documented = rows(section_of(key))
    wrong = {
        name: documented[name]["default"]
        for name, field in model.model_fields.items()
        if not _matches(documented[name]["default"], field.default)
    }
    assert not wrong, f"scenarios/README.md, section {key!r}: defaults that are not the schema's: {wrong}"


def test_every_row_gives_a_type_and_a_meaning():
    for key in SECTIONS:
        for name, cells in rows(section_of(key)).items():
            assert cells.get("type and range") and cells.get("meaning"), f"{key}.{name}"


def test_the_list_of_bundled_scenarios_is_complete():
    lines = GUIDE.read_text(encoding="utf-8").split("## The bundled scenarios", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([^`]+)` \|", lines, flags=re.MULTILINE))
    assert listed == set(available_scenarios())
