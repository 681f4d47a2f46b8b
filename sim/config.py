"""Run settings, validated: what ``conf/config.yaml`` and the command line say, as a frozen pydantic model.

Hydra stays at the edge: the entry point turns its config into plain containers and hands them to
:func:`parse_run_config`; scenario overrides (``procedure.rounds=20``) are merged into the scenario and validated
with it, so a bad override reads like a bad scenario file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from sim.analysis.plots import FIGURE_FORMATS
from sim.errors import ScenarioError, describe_pydantic_error, from_validation_error
from sim.inputs import DEFAULT_SEED
from sim.scenario import reject_bool_numbers

SCENARIO_SECTIONS = (
    "procedure",
    "chair",
    "uncertainty",
    "behaviour",
    "ratification",
    "delegations",
    "blocs",
    "stakeholders",
)


class FigureSettings(BaseModel):
    """Which figures a run writes and how: ``enabled`` (``figures=false`` writes none), ``format`` (one of
    :data:`FIGURE_FORMATS` or a list of them: each figure is written once per format) and ``labels`` (the user's
    names for settings, scenario ids and issue ids on axes and titles, :mod:`sim.analysis.labels`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    format: tuple[str, ...] = ("png",)
    labels: dict[str, str] = {}

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_several(cls, value: Any) -> Any:
        """``png`` or ``[svg, pdf]``; a format given twice is written once; anything else is one clear problem."""
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError(f"must be {', '.join(FIGURE_FORMATS)} or a list of them such as [svg,pdf], got {value!r}")
        unknown = [v for v in values if not isinstance(v, str) or v.lower() not in FIGURE_FORMATS]
        if unknown:
            raise ValueError(f"must be {', '.join(FIGURE_FORMATS)} or a list of them, got {unknown[0]!r}")
        return tuple(dict.fromkeys(v.lower() for v in values))

    @field_validator("labels", mode="before")
    @classmethod
    def _dotted(cls, value: Any) -> Any:
        """Nested labels (``+figures.labels.procedure.rounds=...`` on the command line) as dotted names."""
        if not isinstance(value, Mapping):
            return value

        def walk(node: Mapping[str, Any], prefix: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, item in node.items():
                name = f"{prefix}{key}"
                out.update(walk(item, f"{name}.") if isinstance(item, Mapping) else {name: item})
            return out

        return walk(value, "")


class RunConfig(BaseModel):
    """One run: which scenario, how many replicates, which master seed, and overrides of the scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return reject_bool_numbers(value, cls.model_fields[info.field_name].annotation)

    scenario: Annotated[str, Field(min_length=1)]
    replicates: Annotated[int, Field(ge=1, le=100_000_000)] = 2000
    seed: Annotated[int, Field(ge=0, lt=2**63)] = DEFAULT_SEED
    chunk_size: Annotated[int, Field(ge=1, le=1_000_000)] = 1024
    figures: FigureSettings = FigureSettings()
    procedure: dict[str, Any] = {}
    chair: dict[str, Any] = {}
    uncertainty: dict[str, Any] = {}
    behaviour: dict[str, Any] = {}
    ratification: dict[str, Any] = {}
    delegations: dict[str, dict[str, Any]] = {}
    blocs: dict[str, dict[str, Any]] = {}
    stakeholders: dict[str, dict[str, Any]] = {}

    @model_validator(mode="before")
    @classmethod
    def _figures_on_or_off(cls, data: Any) -> Any:
        """``figures: true`` / ``figures=false`` (the setting before it had keys) mean ``figures.enabled``."""
        if isinstance(data, Mapping) and isinstance(data.get("figures"), bool):
            return {**data, "figures": {"enabled": data["figures"]}}
        return data

    def scenario_overrides(self) -> dict[str, dict[str, Any]]:
        """The scenario knobs set on the command line (``null`` means: as the scenario file says)."""
        out = {}
        for section in SCENARIO_SECTIONS:
            values = {k: v for k, v in getattr(self, section).items() if v is not None}
            if values:
                out[section] = values
        return out


def parse_run_config(data: Mapping[str, Any]) -> RunConfig:
    """Validate plain run settings (Hydra's own ``hydra`` key is ignored); errors are :class:`ScenarioError`."""
    data = {k: v for k, v in data.items() if k != "hydra"}
    experiment = data.get("experiment")
    if isinstance(experiment, Mapping) and "sensitivity" in experiment:
        raise ScenarioError(
            "run settings",
            [
                (
                    "experiment",
                    (
                        "this is a sensitivity experiment, read by its own "
                        "command: treatysim-sensitivity "
                        "conf/experiment/sensitivity.yaml"
                    ),
                )
            ],
        )
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error("run settings", exc, _describe) from None


def _describe(error: dict[str, Any]) -> str:
    """A run-settings error in plain words, with the closest setting for a misspelt one."""
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        close = difflib.get_close_matches(str(error["loc"][0]), list(RunConfig.model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown setting{hint}; the settings and their defaults are in conf/config.yaml"
    return describe_pydantic_error(error)
