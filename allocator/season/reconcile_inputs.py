"""Inputs of the autumn reconciliation (查漏补缺): the run folder, the enrolment list, the roll.

Every problem is recorded in one :class:`~allocator.model.problems.ProblemCollector`
as ``file:row:column: message`` (row 1 = header) and raised once, so a bureau
sees all of them before anything is written. Only the columns of the schemas
below are read: a name or national-ID column in an export is ignored (its
column name is reported in ``summary.json``, never its values), as the
scenario reader does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.model.readers import TABLE_SUFFIXES, read_table
from allocator.model.schema import (
    CATEGORY_TAGS,
    DISABILITY_PLANS,
    STAGES,
    Column,
    TableSchema,
)
from allocator.model.validate import (
    NATIONAL_ID,
    check_header,
    check_present,
    check_unique,
    parse_column,
    rows_of,
)

RUN_FILES = ("assignments.csv", "schools.csv", "summary.json", "manifest.json")
RUN_STATUSES = ("placed", "unplaced", "excluded", "declined")
REGISTRATIONS = ("hukou", "residence_permit")

#: The enrolment list (报到名单): who actually enrolled where.
ENROLLED = TableSchema("enrolled", key=None, columns=(
    Column("applicant_id", "id", "optional",
           "application number of an applicant of the run (报名号)"),
    Column("roll_id", "id", "optional",
           "id on the roll (--roll) of a child who enrolled; needed only without applicant_id"),
    Column("school_id", "id", "always", "school where the child enrolled (报到学校)"),
    Column("enrolled_on", "date", "optional", "date of enrolment, ISO (YYYY-MM-DD)"),
))

#: The roll of school-age children (户籍和居住证适龄儿童名册).
ROLL = TableSchema("roll", key="roll_id", columns=(
    Column("roll_id", "id", "always",
           "unique id of the child on the roll (a register number, never a national ID number)"),
    Column("county", "text", "always", "county-level unit (县/区) of the registration"),
    Column("zone", "text", "optional", "catchment zone of the registered address"),
    Column("stage", "choice", "optional", "primary (default) or junior", choices=STAGES),
    Column("registration", "choice", "optional",
           "hukou (户籍) or residence_permit (居住证)", choices=REGISTRATIONS),
    Column("birth_date", "date", "optional", "ISO date of birth (only the year is written out)"),
    Column("categories", "list", "optional", "special-group tags, as in applicants.csv",
           choices=CATEGORY_TAGS),
    Column("disability_plan", "choice", "optional",
           "for disabled children: mainstream, special_school or home_teaching",
           choices=DISABILITY_PLANS),
    Column("applicant_id", "id", "optional",
           "application number in the run, when the child applied"),
))


@dataclass(frozen=True)
class RunFolder:
    """The parts of a run folder the reconciliation reads.

    Attributes
    ----------
    folder : Path
        The run folder (resolved).
    manifest : dict
        ``manifest.json``.
    assignments : pandas.DataFrame
        ``applicant_id``, ``school_id``, ``status``, ``county``, ``stage`` (text).
    schools : pandas.DataFrame
        ``school_id``, ``name``, ``county``, ``capacity`` (integer).
    assignments_sha256 : str
        SHA-256 of ``assignments.csv`` (recorded for audit).
    """

    folder: Path
    manifest: dict
    assignments: pd.DataFrame
    schools: pd.DataFrame
    assignments_sha256: str


@dataclass(frozen=True)
class ReconcileInputs:
    """Validated inputs: the run, the enrolment list and the optional roll."""

    run: RunFolder
    enrolled: pd.DataFrame
    roll: pd.DataFrame | None
    files: dict[str, Path]
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_known(values: pd.Series, known: pd.Series | pd.Index) -> np.ndarray:
    """Whether each value is among ``known`` (a hash lookup: ``isin`` on Arrow strings is
    a Python loop, 30x slower at a million rows)."""
    return pd.Index(pd.unique(np.asarray(known, dtype=object))).get_indexer(values) >= 0


def read_run_folder(run_dir: Path, problems: ProblemCollector) -> RunFolder | None:
    """Read the run folder ``run_dir`` written by ``allocator run``.

    Records a problem when it is not a folder, a contract file is missing, the
    manifest is not the engine's, or a table lacks a column or holds a bad value.
    """
    label = run_dir.name or str(run_dir)
    if not run_dir.is_dir():
        problems.add(str(run_dir), None, None,
                     "not a folder: RUN must be a run folder written by 'allocator run'")
        return None
    missing = [name for name in RUN_FILES if not (run_dir / name).is_file()]
    for name in missing:
        problems.add(f"{label}/{name}", None, None,
                     "missing: RUN must be a run folder written by 'allocator run'")
    if missing:
        return None
    manifest = _read_manifest(run_dir / "manifest.json", f"{label}/manifest.json", problems)
    schools = _read_run_schools(run_dir / "schools.csv", f"{label}/schools.csv", problems)
    assignments = _read_run_assignments(run_dir / "assignments.csv",
                                        f"{label}/assignments.csv", schools, problems)
    if manifest is None or schools is None or assignments is None:
        return None
    return RunFolder(run_dir.resolve(), manifest, assignments, schools,
                     sha256_of(run_dir / "assignments.csv"))


def _read_manifest(path: Path, file: str, problems: ProblemCollector) -> dict | None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        problems.add(file, getattr(error, "lineno", None), None, f"not valid JSON: {error}")
        return None
    if not isinstance(manifest, dict) or manifest.get("engine") != "allocator":
        problems.add(file, None, "engine",
                     "not a manifest written by allocator: RUN must be a run folder")
        return None
    return manifest


def _require_columns(frame: pd.DataFrame, names: tuple[str, ...], file: str,
                     problems: ProblemCollector) -> bool:
    absent = [name for name in names if name not in frame.columns]
    for name in absent:
        problems.add(file, 1, name, "required column is missing")
    return not absent


def _read_run_schools(path: Path, file: str, problems: ProblemCollector) -> pd.DataFrame | None:
    frame = read_table(path, ProblemCollector())
    if frame is None or not _require_columns(frame, ("school_id", "capacity"), file, problems):
        if frame is None:
            problems.add(file, None, None, "cannot read the run's schools table")
        return None
    capacity = parse_column(frame["capacity"], Column("capacity", "integer", "always", "",
                                                      minimum=0), file, problems)
    check_unique(frame["school_id"], "school_id", file, problems)
    return pd.DataFrame({
        "school_id": frame["school_id"],
        "name": frame["name"] if "name" in frame.columns else "",
        "county": frame["county"] if "county" in frame.columns else "",
        "capacity": capacity.fillna(0).astype(np.int64),
    })


def _read_run_assignments(path: Path, file: str, schools: pd.DataFrame | None,
                          problems: ProblemCollector) -> pd.DataFrame | None:
    frame = read_table(path, ProblemCollector())
    if frame is None or not _require_columns(frame, ("applicant_id", "school_id", "status"),
                                             file, problems):
        if frame is None:
            problems.add(file, None, None, "cannot read the run's assignments table")
        return None
    check_unique(frame["applicant_id"], "applicant_id", file, problems)
    parse_column(frame["status"], Column("status", "choice", "always", "",
                                         choices=RUN_STATUSES), file, problems)
    placed = frame["status"] == "placed"
    check_present(frame["school_id"], placed, "school_id", file, problems,
                  "a placed applicant without a school")
    if schools is not None:
        unknown = (frame["school_id"] != "") & ~is_known(frame["school_id"], schools["school_id"])
        problems.add_rows(file, rows_of(unknown), "school_id",
                          [f"school '{v}' is not in the run's schools.csv"
                           for v in frame["school_id"][unknown]], kind="unknown school")
    columns = {name: frame[name] if name in frame.columns else "" for name in
               ("applicant_id", "school_id", "status", "county", "stage")}
    return pd.DataFrame(columns, index=frame.index)


def read_input_table(path: Path, schema: TableSchema,
                     problems: ProblemCollector) -> tuple[pd.DataFrame | None, list[str]]:
    """Read the file ``path`` into typed columns of ``schema``.

    Returns
    -------
    (pandas.DataFrame or None, list of str)
        The typed table (None when unusable) and the names of the ignored columns.
    """
    if not path.is_file():
        problems.add(path.name, None, None, f"file not found: {path}")
        return None, []
    if path.suffix.lower() not in TABLE_SUFFIXES:
        problems.add(path.name, None, None,
                     f"unsupported file type; give one of {', '.join(TABLE_SUFFIXES)}")
        return None, []
    frame = read_table(path, problems)
    if frame is None or not check_header(frame, schema, path.name, False, problems):
        return None, []
    typed = pd.DataFrame(index=frame.index)
    for column in schema.columns:
        text = frame[column.name] if column.name in frame.columns else pd.Series(
            "", index=frame.index, dtype=object)
        typed[column.name] = parse_column(text.astype(str), column, path.name, problems)
    for column in schema.columns:
        if column.kind == "id" and column.name in frame.columns:
            _refuse_national_ids(typed[column.name], column.name, path.name, problems)
    ignored = sorted(name for name in frame.columns if name not in schema.names)
    return typed, ignored


def _refuse_national_ids(values: pd.Series, column: str, file: str,
                         problems: ProblemCollector) -> None:
    looks_like_id = values.str.fullmatch(NATIONAL_ID.pattern).fillna(False).astype(bool)
    problems.add_rows(file, rows_of(looks_like_id), column,
                      ["looks like a national ID number; use the application or roll number"]
                      * int(looks_like_id.sum()), kind="national id")


def load_inputs(run_dir: Path, enrolled_path: Path,
                roll_path: Path | None = None) -> ReconcileInputs:
    """Read and cross-check every input of ``allocator reconcile``.

    Parameters
    ----------
    run_dir : Path
        A run folder written by ``allocator run``.
    enrolled_path : Path
        The enrolment list (CSV, XLSX or Parquet) of schema :data:`ENROLLED`.
    roll_path : Path, optional
        The roll of school-age children, of schema :data:`ROLL`.

    Returns
    -------
    ReconcileInputs
        The typed tables; ``enrolled`` gains ``row`` (its spreadsheet row) and
        its ``applicant_id`` is filled from the roll's link for roll-only rows.

    Raises
    ------
    InputError
        With every problem found, as ``file:row:column: message``.
    """
    problems = ProblemCollector()
    run = read_run_folder(Path(run_dir), problems)
    roll = ignored_roll = None
    if roll_path is not None:
        roll, ignored_roll = read_input_table(Path(roll_path), ROLL, problems)
    enrolled, ignored_enrolled = read_input_table(Path(enrolled_path), ENROLLED, problems)
    if enrolled is not None:
        _check_identifies_child(enrolled, Path(enrolled_path), problems)
    if run is not None and roll is not None:
        roll = _check_roll(roll, Path(roll_path).name, run, problems)  # type: ignore[arg-type]
    if run is not None and enrolled is not None and (roll is not None or roll_path is None):
        enrolled = _check_enrolled(enrolled, Path(enrolled_path).name, run, roll, problems)
    problems.raise_if_any()
    assert run is not None and enrolled is not None  # every failure recorded a problem
    files = {"enrolled": Path(enrolled_path)}
    ignored = {Path(enrolled_path).name: ignored_enrolled}
    if roll_path is not None:
        files["roll"] = Path(roll_path)
        ignored[Path(roll_path).name] = ignored_roll or []
    return ReconcileInputs(run, enrolled, roll, files,
                           {name: columns for name, columns in ignored.items() if columns})


def _check_identifies_child(enrolled: pd.DataFrame, path: Path,
                            problems: ProblemCollector) -> None:
    neither = (enrolled["applicant_id"] == "") & (enrolled["roll_id"] == "")
    problems.add_rows(path.name, rows_of(neither), "applicant_id",
                      ["give applicant_id (an applicant of the run) or roll_id (a child on "
                       "the roll)"] * int(neither.sum()), kind="no child")


def _check_roll(roll: pd.DataFrame, file: str, run: RunFolder,
                problems: ProblemCollector) -> pd.DataFrame:
    check_unique(roll["roll_id"], "roll_id", file, problems)
    check_present(roll["county"], np.ones(len(roll), bool), "county", file, problems)
    counties = run.schools["county"]
    unknown = (roll["county"] != "") & ~is_known(roll["county"], counties)
    problems.add_rows(file, rows_of(unknown), "county",
                      [f"county '{v}' has no school in the run" for v in roll["county"][unknown]],
                      kind="unknown county")
    _check_known_applicants(roll["applicant_id"], file, run, problems)
    linked = roll["applicant_id"] != ""
    twice = linked & roll["applicant_id"].duplicated(keep="first")
    problems.add_rows(file, rows_of(twice), "applicant_id",
                      [f"applicant '{v}' is linked to more than one child on the roll"
                       for v in roll["applicant_id"][twice]], kind="applicant linked twice")
    disabled = (";" + roll["categories"] + ";").str.contains(";disabled;", regex=False)
    plan_without_tag = (roll["disability_plan"] != "") & ~disabled
    problems.add_rows(file, rows_of(plan_without_tag), "disability_plan",
                      ["a disability plan is given but 'disabled' is not in categories"]
                      * int(plan_without_tag.sum()), kind="plan without tag")
    roll = roll.copy()
    roll["stage"] = roll["stage"].replace("", "primary")
    return roll


def _check_known_applicants(values: pd.Series, file: str, run: RunFolder,
                            problems: ProblemCollector) -> None:
    unknown = (values != "") & ~is_known(values, run.assignments["applicant_id"])
    problems.add_rows(file, rows_of(unknown), "applicant_id",
                      [f"unknown applicant '{v}': not in the run's assignments.csv"
                       for v in values[unknown]], kind="unknown applicant")


def _check_enrolled(enrolled: pd.DataFrame, file: str, run: RunFolder,
                    roll: pd.DataFrame | None, problems: ProblemCollector) -> pd.DataFrame:
    """Cross-check the enrolment list with the run and the roll; resolve roll links."""
    applicant, roll_id = enrolled["applicant_id"], enrolled["roll_id"]
    _check_known_applicants(applicant, file, run, problems)
    schools = enrolled["school_id"]
    unknown_school = (schools != "") & ~is_known(schools, run.schools["school_id"])
    problems.add_rows(file, rows_of(unknown_school), "school_id",
                      [f"unknown school '{v}': not in the run's schools.csv"
                       for v in schools[unknown_school]], kind="unknown school")
    check_present(schools, np.ones(len(schools), bool), "school_id", file, problems)
    link = pd.Series("", index=enrolled.index, dtype=object)
    if roll is None:
        given = roll_id != ""
        problems.add_rows(file, rows_of(given), "roll_id",
                          ["a roll_id needs the roll: add --roll ROLL_FILE"] * int(given.sum()),
                          kind="roll id without roll")
    else:
        links = dict(zip(roll["roll_id"], roll["applicant_id"], strict=True))
        unknown = (roll_id != "") & ~is_known(roll_id, roll["roll_id"])
        problems.add_rows(file, rows_of(unknown), "roll_id",
                          [f"unknown roll id '{v}': not on the roll" for v in roll_id[unknown]],
                          kind="unknown roll id")
        link = _mapped(roll_id, links)
        conflict = (applicant != "") & (link != "") & (link != applicant)
        problems.add_rows(file, rows_of(conflict), "roll_id",
                          [f"roll id '{r}' is linked to applicant '{a}' on the roll, not '{b}'"
                           for r, a, b in zip(roll_id[conflict], link[conflict],
                                              applicant[conflict], strict=True)],
                          kind="roll link conflict")
        reverse = {a: r for r, a in links.items() if a}
        other = _mapped(applicant, reverse)
        clash = (roll_id != "") & (other != "") & (other != roll_id)
        problems.add_rows(file, rows_of(clash), "roll_id",
                          [f"applicant '{a}' is roll id '{o}' on the roll, not '{r}'"
                           for a, o, r in zip(applicant[clash], other[clash], roll_id[clash],
                                              strict=True)], kind="roll link conflict")
    resolved = enrolled.assign(applicant_id=applicant.where(applicant != "", link),
                               row=np.arange(len(enrolled)) + 2)
    _check_duplicates(resolved, file, problems)
    return resolved


def _mapped(keys: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``mapping[key]`` for every key, ``""`` where it has none."""
    found = keys.map(mapping).astype(object)
    return found.where(found.notna(), "")


def _check_duplicates(enrolled: pd.DataFrame, file: str, problems: ProblemCollector) -> None:
    """A child enrolled twice (by applicant id, roll id, or both through the roll's link)."""
    for column in ("applicant_id", "roll_id"):
        values = enrolled[column]
        given = values != ""
        first_row = enrolled[given].groupby(column)["row"].transform("min")
        twice = given & values.duplicated(keep="first")
        problems.add_rows(file, rows_of(twice), column,
                          [f"'{v}' is enrolled twice (first on row {first_row[i]})"
                           for i, v in values[twice].items()], kind="enrolled twice")
