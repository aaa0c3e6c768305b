"""The scenario folder: settings plus validated, typed tables.

:func:`read_settings` and :func:`load_tables` record every problem in a shared
:class:`~allocator.model.problems.ProblemCollector`; the pipeline adds the
policy's and mechanism's problems and raises once with all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from allocator.model.problems import InputProblem, ProblemCollector
from allocator.model.readers import find_table, read_table_text
from allocator.model.schema import APPLICANTS, CATEGORY_TAGS, PRIORITIES, SCHOOLS, TableSchema
from allocator.model.validate import (
    NATIONAL_ID,
    check_header,
    check_present,
    check_unique,
    explode_list,
    parse_column,
    rows_of,
)
from allocator.model.yaml_files import line_index, nearest_line, read_yaml

SETTINGS_FILE = "scenario.yaml"
DEFAULT_CLASS_SIZE_CAPS: dict[str, int] = {"primary": 45, "junior": 50}
#: The largest lottery seed: seeds are unsigned 64-bit integers.
MAX_SEED = 2**64 - 1


def _refuse_boolean_seed(value: Any) -> Any:
    """``seed: true`` is YAML's boolean, not the number 1: refuse it."""
    if isinstance(value, bool):
        raise ValueError("the seed must be a whole number, not true/false")
    return value


def _seed_in_range(value: int) -> int:
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED} (64 bits)")
    return value


#: A lottery seed: a whole number from 0 to 2**64 - 1 (booleans and fractions refused).
Seed = Annotated[int, BeforeValidator(_refuse_boolean_seed), AfterValidator(_seed_in_range)]


class ScenarioSettings(BaseModel):
    """Run settings from ``scenario.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="scenario name, shown in reports")
    seed: Seed = Field(description="lottery seed, published for audit (0 to 2**64 - 1)")
    policy: str = Field("shanxi-2025", description="built-in policy name or path to a YAML")
    mechanism: str = Field("deferred-acceptance", description="allocation mechanism name")
    entry_year: int | None = Field(
        None, description="school year of entry; enables the policy's age rule")
    description: str | None = Field(None, description="free text for reports")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: settings and typed tables (never mutated)."""

    folder: Path
    settings: ScenarioSettings
    schools: pd.DataFrame
    school_zones: pd.DataFrame
    applicants: pd.DataFrame
    preferences: pd.DataFrame
    priorities: pd.DataFrame | None
    input_files: tuple[Path, ...]
    #: Input that was read but not all of it (unknown columns), as problems.
    warnings: tuple[InputProblem, ...] = ()
    #: How each table file was encoded: ``utf-8``, ``utf-8-sig``, ``gb18030``, ``xlsx``, ...
    encodings: dict[str, str] = field(default_factory=dict)


def read_settings(folder: Path, problems: ProblemCollector) -> ScenarioSettings | None:
    """Read and check ``scenario.yaml``; record problems and return None if unusable."""
    path = folder / SETTINGS_FILE
    if not folder.is_dir():
        problems.add(str(folder), None, None, "scenario folder does not exist")
        return None
    if not path.is_file():
        problems.add(SETTINGS_FILE, None, None, "required file is missing")
        return None
    document = read_yaml(path, problems, SETTINGS_FILE)
    if document is None:
        return None
    raw: Any = document.data
    if not isinstance(raw, dict):
        problems.add(SETTINGS_FILE, None, None, "expected a mapping of settings")
        return None
    try:
        return ScenarioSettings.model_validate(raw)
    except ValidationError as error:
        lines = line_index(document.node)
        for item in error.errors():
            location = tuple(str(part) for part in item["loc"])
            problems.add(SETTINGS_FILE, nearest_line(lines, location), ".".join(location),
                         item["msg"])
        return None


def yaml_line(path: Path, key: str) -> int | None:
    """Line number of a top-level ``key:`` in a YAML file, if it is there."""
    if not path.is_file():
        return None
    top = key.split(".")[0]
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.split(":")[0].strip() == top:
            return number
    return None


def load_tables(folder: Path, settings: ScenarioSettings, problems: ProblemCollector, *,
                spatial_required: bool = True,
                class_size_caps: dict[str, int] | None = None) -> Scenario | None:
    """Read and validate every table of the scenario folder.

    Parameters
    ----------
    folder : Path
        The scenario folder.
    settings : ScenarioSettings
        Settings already read from ``scenario.yaml``.
    problems : ProblemCollector
        Receives every problem found.
    spatial_required : bool
        Whether ``county`` and ``zones`` are required (every policy but ``explicit``).
    class_size_caps : dict[str, int], optional
        Seats per class by stage; ``capacity > classes * cap`` is a problem.

    Returns
    -------
    Scenario or None
        None when a required table or column is missing (other problems are
        still recorded so the caller can report them all at once).
    """
    caps = class_size_caps or DEFAULT_CLASS_SIZE_CAPS
    paths: dict[str, Path | None] = {
        schema.name: find_table(folder, schema.name, problems)
        for schema in (SCHOOLS, APPLICANTS, PRIORITIES)}
    for required in (SCHOOLS, APPLICANTS):
        if paths[required.name] is None:
            problems.add(f"{required.name}.csv", None, None, "required file is missing")
    texts = {name: read_table_text(path, problems) for name, path in paths.items() if path}
    frames = {name: None if text is None else text.frame for name, text in texts.items()}
    encodings = {paths[name].name: text.encoding  # type: ignore[union-attr]
                 for name, text in texts.items() if text is not None}
    names = {key: path.name for key, path in paths.items() if path}
    inputs = tuple([folder / "scenario.yaml"] + [p for p in paths.values() if p])
    return validate_tables(folder, settings, frames, names, problems, inputs=inputs,
                           encodings=encodings, spatial_required=spatial_required,
                           class_size_caps=caps)


def validate_tables(folder: Path, settings: ScenarioSettings,
                    frames: dict[str, pd.DataFrame | None], names: dict[str, str],
                    problems: ProblemCollector, *, inputs: tuple[Path, ...] = (),
                    encodings: dict[str, str] | None = None, spatial_required: bool = True,
                    class_size_caps: dict[str, int] | None = None) -> Scenario | None:
    """Type and check tables already read as text (the second half of :func:`load_tables`).

    Parameters
    ----------
    folder : Path
        The scenario folder the tables belong to (recorded in the scenario).
    settings : ScenarioSettings
        Settings already read.
    frames : dict
        Text frames by table name (``schools``, ``applicants``, ``priorities``), as
        :func:`~allocator.model.readers.read_table_text` returns them; None when unreadable.
    names : dict
        File name reported in problems, by table name.
    problems : ProblemCollector
        Receives every problem found (rows are positions in the frames + 2).
    inputs, encodings, spatial_required, class_size_caps
        As in :func:`load_tables`.

    Returns
    -------
    Scenario or None
        None when a required table or column is missing.
    """
    caps = class_size_caps or DEFAULT_CLASS_SIZE_CAPS
    typed: dict[str, pd.DataFrame] = {}
    for schema in (SCHOOLS, APPLICANTS, PRIORITIES):
        if frames.get(schema.name) is not None:
            typed[schema.name] = _type_table(frames[schema.name], schema, names[schema.name],
                                             spatial_required, problems)
    if "schools" not in typed or "applicants" not in typed or any(
            frame is None for frame in typed.values()):
        return None
    schools = typed["schools"]
    if schools.empty:
        problems.add(names["schools"], None, None,
                     "the table has no rows: a scenario needs at least one school")
    applicants = typed["applicants"]
    school_zones = _school_zones(schools)
    _check_schools(schools, names["schools"], spatial_required, caps, problems)
    preferences = _check_applicants(applicants, schools, school_zones, names["applicants"],
                                    spatial_required, problems)
    priorities = typed.get("priorities")
    if priorities is not None:
        _check_priorities(priorities, schools, applicants, names["priorities"], problems)
    return Scenario(folder, settings, schools, school_zones, applicants, preferences,
                    priorities, inputs, tuple(problems.warnings), dict(encodings or {}))


def _type_table(frame: pd.DataFrame, schema: TableSchema, file: str, spatial_required: bool,
                problems: ProblemCollector) -> pd.DataFrame | None:
    if not check_header(frame, schema, file, spatial_required, problems):
        return None
    typed = pd.DataFrame(index=frame.index)
    for column in schema.columns:
        text = frame[column.name] if column.name in frame.columns else pd.Series(
            "", index=frame.index, dtype=object)
        typed[column.name] = parse_column(text.astype(str), column, file, problems)
        if column.kind == "integer" and column.required == "always":
            check_present(text.astype(str), np.ones(len(text), bool), column.name, file,
                          problems)
    if schema.key:
        check_unique(typed[schema.key], schema.key, file, problems)
    _fill_defaults(typed, schema, file, problems)
    if schema is APPLICANTS:
        for tag in CATEGORY_TAGS:
            wrapped = ";" + typed["categories"] + ";"
            typed[f"is_{tag}"] = wrapped.str.contains(f";{tag};", regex=False).astype(bool)
    return typed


def _fill_defaults(typed: pd.DataFrame, schema: TableSchema, file: str,
                   problems: ProblemCollector) -> None:
    """Apply the contract's defaults for empty cells; required integers must be given."""
    if "stage" in typed.columns:
        typed["stage"] = typed["stage"].replace("", "primary")
    if "kind" in typed.columns:
        typed["kind"] = typed["kind"].replace("", "public")
    for column in schema.columns:
        if column.kind != "integer":
            continue
        if column.name != "classes":
            typed[column.name] = typed[column.name].fillna(0).astype(np.int64)


def _school_zones(schools: pd.DataFrame) -> pd.DataFrame:
    long = explode_list(schools["zones"])
    return pd.DataFrame({"school_position": long["position"].to_numpy(dtype=np.int64),
                         "zone": long["item"].to_numpy(dtype=object)})


def _check_schools(schools, file, spatial_required, caps, problems) -> None:
    if spatial_required:
        check_present(schools["county"], np.ones(len(schools), bool), "county", file, problems)
        public = (schools["kind"] == "public").to_numpy()
        check_present(schools["zones"], public, "zones", file, problems,
                      "a public school needs at least one catchment zone")
    _check_feeds_into(schools, file, problems)
    cap = schools["stage"].map(caps).fillna(max(caps.values())).to_numpy()
    classes = schools["classes"].fillna(-1).to_numpy(dtype=np.int64)
    over = (classes >= 0) & (schools["capacity"].to_numpy() > classes * cap)
    problems.add_rows(file, rows_of(over), "capacity",
                      [f"capacity {c} exceeds {k} classes x {int(m)} seats per class"
                       for c, k, m in zip(schools["capacity"][over], classes[over], cap[over],
                                          strict=True)],
                      kind="capacity over class-size cap")


def _check_feeds_into(schools, file, problems) -> None:
    stage = dict(zip(schools["school_id"], schools["stage"], strict=True))
    targets = explode_list(schools["feeds_into"])
    unknown = ~targets["item"].isin(pd.Index(schools["school_id"]))
    problems.add_rows(file, targets["position"][unknown].to_numpy() + 2, "feeds_into",
                      [f"unknown school '{v}'" for v in targets["item"][unknown]],
                      kind="unknown school")
    not_junior = ~unknown & (targets["item"].map(stage) != "junior")
    problems.add_rows(file, targets["position"][not_junior].to_numpy() + 2, "feeds_into",
                      [f"school '{v}' is not a junior school" for v in
                       targets["item"][not_junior]], kind="feeds a non-junior school")


def _check_sibling_groups(applicants, file, problems) -> None:
    """Siblings applying together must share county and stage."""
    grouped = applicants[applicants["sibling_group"] != ""]
    for column in ("county", "stage"):
        spread = grouped.groupby("sibling_group")[column].transform("nunique") > 1
        rows = grouped.index[spread.to_numpy()].to_numpy() + 2
        problems.add_rows(file, rows, column,
                          [f"siblings of group '{g}' differ in {column}" for g in
                           grouped["sibling_group"][spread]], kind=f"group {column}")


def _check_applicants(applicants, schools, school_zones, file, spatial_required,
                      problems) -> pd.DataFrame:
    known = pd.Index(schools["school_id"])
    looks_like_id = applicants["applicant_id"].str.fullmatch(NATIONAL_ID.pattern)
    problems.add_rows(file, rows_of(looks_like_id), "applicant_id",
                      ["looks like a national ID number; use the application number"]
                      * int(looks_like_id.sum()), kind="national id")
    for column in ("sibling_school", "feeder_school"):
        values = applicants[column]
        bad = (values != "") & ~values.isin(known)
        problems.add_rows(file, rows_of(bad), column,
                          [f"unknown school '{v}'" for v in values[bad]], kind="unknown school")
    preferences = explode_list(applicants["preferences"])
    bad = ~preferences["item"].isin(known)
    problems.add_rows(file, preferences["position"][bad].to_numpy() + 2, "preferences",
                      [f"unknown school '{v}'" for v in preferences["item"][bad]],
                      kind="unknown school")
    repeated = preferences.duplicated(["position", "item"])
    problems.add_rows(file, preferences["position"][repeated].to_numpy() + 2, "preferences",
                      [f"school '{v}' is listed twice" for v in preferences["item"][repeated]],
                      kind="repeated preference")
    if spatial_required:
        _check_counties_and_zones(applicants, schools, school_zones, file, problems)
    _check_sibling_groups(applicants, file, problems)
    plan_without_tag = (applicants["disability_plan"] != "") & ~applicants["is_disabled"]
    problems.add_rows(file, rows_of(plan_without_tag), "disability_plan",
                      ["a disability plan is given but 'disabled' is not in categories"]
                      * int(plan_without_tag.sum()), kind="plan without tag")
    preferences = preferences[~bad & ~repeated].rename(
        columns={"position": "applicant_position", "item": "school_id"})
    preferences["rank"] = preferences.groupby("applicant_position").cumcount() + 1
    return preferences.reset_index(drop=True)


def _check_counties_and_zones(applicants, schools, school_zones, file, problems) -> None:
    check_present(applicants["county"], np.ones(len(applicants), bool), "county", file,
                  problems)
    counties = pd.Index(schools["county"].unique())
    bad = (applicants["county"] != "") & ~applicants["county"].isin(counties)
    problems.add_rows(file, rows_of(bad), "county",
                      [f"county '{v}' has no school in schools.csv" for v in
                       applicants["county"][bad]], kind="unknown county")
    zone_keys = pd.Index(schools["county"].to_numpy()[school_zones["school_position"]] + "\x1f"
                         + school_zones["zone"].astype(str))
    for column in ("hukou_zone", "property_zone", "residence_zone"):
        values = applicants[column]
        key = applicants["county"] + "\x1f" + values
        unknown = (values != "") & ~key.isin(zone_keys)
        problems.add_rows(file, rows_of(unknown), column,
                          [f"zone '{v}' is not served by any school of county '{c}'"
                           for v, c in zip(values[unknown], applicants["county"][unknown],
                                           strict=True)], kind="unknown zone")


def _check_priorities(priorities, schools, applicants, file, problems) -> None:
    for column, known in (("school_id", schools["school_id"]),
                          ("applicant_id", applicants["applicant_id"])):
        values = priorities[column]
        bad = (values != "") & ~values.isin(pd.Index(known))
        problems.add_rows(file, rows_of(bad), column,
                          [f"unknown id '{v}'" for v in values[bad]], kind="unknown id")
        check_present(values, np.ones(len(values), bool), column, file, problems)
    pair = priorities.duplicated(["school_id", "applicant_id"])
    problems.add_rows(file, rows_of(pair), "applicant_id",
                      ["applicant ranked twice at the same school"] * int(pair.sum()),
                      kind="duplicate pair")
    rank = priorities.duplicated(["school_id", "rank"])
    problems.add_rows(file, rows_of(rank), "rank",
                      [f"rank {r} is used twice at school '{s}'" for s, r in
                       zip(priorities["school_id"][rank], priorities["rank"][rank], strict=True)],
                      kind="duplicate rank")
