"""Scenario files: a base scenario folder plus named, partial overrides.

A scenario file is YAML::

    base: demo-county                 # scenario folder, relative to this file
    overrides:
      two_classes_s007:
        capacity: {140702-S007: {classes: 2}}
      inflow:
        policy: {migrants.inflow_counties: ["140702"]}
    scenarios:
      baseline: []
      both: [two_classes_s007, inflow]

Every problem is reported at once as ``file:line:key.path: message`` (the row is
the YAML line), like the problems of a scenario folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.scenario import Seed
from allocator.model.schema import CATEGORY_TAGS
from allocator.model.yaml_files import line_index, nearest_line, read_yaml

#: Demand selectors accept the category tags of applicants.csv and the derived ``migrant``.
DEMAND_CATEGORIES: tuple[str, ...] = ("migrant", *CATEGORY_TAGS)


class Strict(BaseModel):
    """Frozen and refusing unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CapacityChange(Strict):
    """A change of a school's intake plan (招生计划): seats and/or classes, as deltas."""

    seats: int = Field(0, description="seats added (negative: removed)")
    classes: int = Field(0, description="classes added; each adds the policy's class size")


class NewSchool(Strict):
    """A school that does not exist in the base scenario."""

    name: str = Field("", description="display name")
    county: str | None = Field(None, description="county; default: the base's only county")
    stage: Literal["primary", "junior"] = Field("primary", description="intake grade")
    kind: Literal["public", "private"] = Field("public", description="public or private")
    capacity: int = Field(ge=0, description="seats in the intake grade")
    classes: int | None = Field(None, ge=0, description="intake classes")
    zones: tuple[str, ...] = Field((), description="catchment zones it serves")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS84 latitude")
    lon: float | None = Field(None, ge=-180, le=180, description="WGS84 longitude")
    group: str = Field("", description="school group (教育集团)")
    resource_room: bool = Field(False, description="has a resource room (资源教室)")
    nine_year: bool = Field(False, description="nine-year through school")


class SchoolClosure(Strict):
    """A school closed for the intake year; its zones go to another school."""

    zones_to: str | None = Field(
        None, description="school taking over the zones only it served; default the nearest "
                          "open public school of its county and stage")


class ZoneChange(Strict):
    """A catchment edit (划片调整): the zone moved to, or split between, schools."""

    serve: tuple[str, ...] = Field(
        (), description="schools that serve the whole zone from now on (moved; several = a "
                        "multi-school zone)")
    split: tuple[str, ...] = Field(
        (), description="schools sharing the zone: each address goes to the nearest of them")

    @model_validator(mode="after")
    def _one_form(self) -> ZoneChange:
        if bool(self.serve) == bool(self.split):
            raise ValueError("give exactly one of 'serve' or 'split', with at least one school")
        return self


def selector_text(change: object) -> str:
    """``category=migrant,zone=Z1``: the given selectors of a demand or season rate."""
    parts = [f"{name}={getattr(change, name)}" for name in ("category", "zone", "county")
             if getattr(change, name) is not None]
    return ",".join(parts)


class DemandChange(Strict):
    """Scale the applicants matching every given selector by ``factor``."""

    category: str | None = Field(None, description="category tag or 'migrant'")
    zone: str | None = Field(None, description="residence zone (else hukou zone)")
    county: str | None = Field(None, description="county")
    factor: float = Field(ge=0, le=10, description="1.1 = 10 % more children")
    seed: Seed | None = Field(None, description="draw seed; default the base scenario's seed")

    @model_validator(mode="after")
    def _has_selector(self) -> DemandChange:
        if self.category is None and self.zone is None and self.county is None:
            raise ValueError("give at least one of 'category', 'zone' or 'county'")
        if self.category is not None and self.category not in DEMAND_CATEGORIES:
            raise ValueError(f"unknown category '{self.category}'; choose from "
                             f"{', '.join(DEMAND_CATEGORIES)}")
        return self

    @property
    def selector(self) -> str:
        """``category=migrant,zone=Z1``: the key that names this change."""
        return selector_text(self)


class SeasonRate(Strict):
    """A rate for the applicants matching every given selector (none given: everyone)."""

    category: str | None = Field(None, description="category tag or 'migrant'")
    zone: str | None = Field(None, description="residence zone (else hukou zone)")
    county: str | None = Field(None, description="county")
    rate: float = Field(ge=0, le=1, description="0.1 = one child in ten")

    @model_validator(mode="after")
    def _known_category(self) -> SeasonRate:
        if self.category is not None and self.category not in DEMAND_CATEGORIES:
            raise ValueError(f"unknown category '{self.category}'; choose from "
                             f"{', '.join(DEMAND_CATEGORIES)}")
        return self

    @property
    def selector(self) -> str:
        """``category=migrant,zone=Z1``, or ``all`` without a selector."""
        return selector_text(self) or "all"


class Season(Strict):
    """The season after the first round (报到确认, 递补): responses drawn, then a later round.

    Every draw depends only on (seed, applicant id or sibling group), on channels of
    its own (never correlated with the lottery); see docs/season-what-ifs.md.
    """

    declines: tuple[SeasonRate, ...] = Field(
        (), description="share of placed applicants who decline their seat, by selector; "
                        "an applicant several selectors match takes the highest rate")
    waits: float | None = Field(
        None, ge=0, le=1, description="share of the placed, not declining applicants who "
                                      "accept and wait for a higher choice (default 0)")
    lottery: Literal["same", "reversed"] | None = Field(
        None, description="the later round's lottery order (default same)")
    late_applicants: tuple[SeasonRate, ...] = Field(
        (), description="late applicants, as a share of the matching applicants: each drawn "
                        "applicant gains a late twin '<id>-late' with the same facts")
    seed: Seed | None = Field(None, description="draw seed; default the run's lottery seed")


class Override(Strict):
    """One named, partial change; a scenario is a list of them."""

    description: str = Field("", description="free text for reports")
    seed: Seed | None = Field(None, description="lottery seed")
    mechanism: str | None = Field(None, description="allocation mechanism")
    policy: dict[str, Any] = Field({}, description="policy options by dotted key")
    capacity: dict[str, CapacityChange] = Field({}, description="by school id")
    new_schools: dict[str, NewSchool] = Field({}, description="by new school id")
    close_schools: dict[str, SchoolClosure] = Field({}, description="by school id")
    catchments: dict[str, ZoneChange] = Field({}, description="by zone id")
    demand: tuple[DemandChange, ...] = Field((), description="applied in the order listed")
    season: Season | None = Field(None, description="responses and a later round")


class ScenarioFileModel(Strict):
    """The whole scenario file."""

    base: str = Field(description="base scenario folder, relative to the file")
    description: str = Field("", description="free text")
    overrides: dict[str, Override] = Field({}, description="named overrides")
    scenarios: dict[str, tuple[str, ...]] = Field(description="named lists of overrides")


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed scenario file with the YAML line of every key (for messages)."""

    path: Path
    model: ScenarioFileModel
    lines: dict[tuple[str, ...], int]

    @property
    def base_folder(self) -> Path:
        """The base scenario folder."""
        return (self.path.parent / self.model.base).resolve()

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in file order."""
        return list(self.model.scenarios)

    def line(self, *path: Any) -> int | None:
        """YAML line of the longest known prefix of ``path``."""
        key = tuple(str(part) for part in path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Parse and validate the structure of a scenario file.

    Raises
    ------
    InputError
        With every structural problem, as ``file:line:key.path: message``.
    """
    path = Path(path)
    problems = ProblemCollector()
    name = path.name
    if not path.is_file():
        raise InputError([_problem(name, None, None, "scenario file does not exist")])
    document = read_yaml(path, problems)
    problems.raise_if_any()
    assert document is not None
    node, raw = document.node, document.data
    lines = line_index(node)
    if not isinstance(raw, dict):
        problems.add(name, 1, None, "expected a mapping with 'base', 'overrides', 'scenarios'")
        problems.raise_if_any()
    try:
        model = ScenarioFileModel.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            key = tuple(str(part) for part in item["loc"])
            line = nearest_line(lines, key)
            problems.add(name, line, ".".join(key) or None, item["msg"])
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    scenario_file = ScenarioFile(path.resolve(), model, lines)
    _check_references(scenario_file, problems)
    problems.raise_if_any()
    return scenario_file


def _problem(file: str, row: int | None, column: str | None, message: str) -> InputProblem:
    return InputProblem(file, row, column, message)


def _check_references(scenario_file: ScenarioFile, problems: ProblemCollector) -> None:
    """Scenarios must name known overrides; the base folder must exist."""
    name = scenario_file.path.name
    model = scenario_file.model
    if not scenario_file.base_folder.is_dir():
        problems.add(name, scenario_file.line("base"), "base",
                     f"base scenario folder '{model.base}' does not exist")
    if not model.scenarios:
        problems.add(name, scenario_file.line("scenarios"), "scenarios",
                     "name at least one scenario")
    for scenario, listed in model.scenarios.items():
        for index, override in enumerate(listed):
            if override not in model.overrides:
                problems.add(name, scenario_file.line("scenarios", scenario, index),
                             f"scenarios.{scenario}[{index}]",
                             f"unknown override '{override}'; defined: "
                             f"{', '.join(model.overrides) or 'none'}")
        repeated = {item for item in listed if listed.count(item) > 1}
        for override in sorted(repeated):
            problems.add(name, scenario_file.line("scenarios", scenario), f"scenarios.{scenario}",
                         f"override '{override}' is listed twice")
