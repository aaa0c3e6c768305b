"""The inputs of a later round besides the scenario: the previous run and responses.

Every problem is recorded in the caller's :class:`ProblemCollector` as
``file:row:column: message``, so a later round lists all of them at once and
writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.model.readers import find_table, read_table
from allocator.model.schema import RESPONSES
from allocator.model.validate import check_header, check_unique, parse_column, rows_of
from allocator.pipeline.run import sha256_file

PREVIOUS_COLUMNS = ("applicant_id", "school_id", "status")


@dataclass(frozen=True)
class PreviousRun:
    """A run folder a later round starts from, its files checked against its manifest."""

    folder: Path
    manifest: dict[str, Any]
    assignments: pd.DataFrame
    schools: pd.DataFrame
    assignments_sha256: str

    def label(self, name: str) -> str:
        """How problems name a file of this run folder."""
        return str(self.folder / name)

    @property
    def round_number(self) -> int:
        """Number of the previous round (a first round has none recorded: 1)."""
        return int(self.manifest.get("round", {}).get("number", 1))

    @property
    def chain(self) -> list[dict[str, str]]:
        """Previous runs of the season, first round first, this one last."""
        earlier = list(self.manifest.get("previous_runs", []))
        return [*earlier, {"path": str(self.folder.resolve()),
                           "assignments_sha256": self.assignments_sha256}]


def read_previous_run(folder: str | Path, problems: ProblemCollector) -> PreviousRun | None:
    """Read a run folder written by ``allocator run``; record why it cannot be used.

    The folder must hold ``manifest.json`` written by this engine, listing the
    SHA-256 of its output files, and every listed file must match its digest.
    """
    folder = Path(folder)
    manifest = _manifest(folder, problems)
    if manifest is None:
        return None
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or "assignments.csv" not in outputs:
        problems.add(str(folder / "manifest.json"), None, "outputs",
                     "lists no SHA-256 of the run's files (written by an older engine): "
                     "re-run that round with this version")
        return None
    changed = False
    for name, digest in sorted(outputs.items()):
        path = folder / name
        if not path.is_file():
            problems.add(str(path), None, None, "file of the run folder is missing")
            changed = True
        elif sha256_file(path) != digest:
            problems.add(str(path), None, None, "does not match the SHA-256 recorded in "
                         "manifest.json: the run folder was changed after it was written")
            changed = True
    if changed:
        return None
    return _tables(folder, manifest, outputs["assignments.csv"], problems)


def _manifest(folder: Path, problems: ProblemCollector) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not folder.is_dir():
        problems.add(str(folder), None, None, "previous run folder does not exist")
        return None
    if not path.is_file():
        problems.add(str(folder), None, None, "not a run folder: manifest.json is missing")
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        problems.add(str(path), None, None, f"not valid JSON: {error}")
        return None
    if not isinstance(manifest, dict) or manifest.get("engine") != "allocator":
        problems.add(str(path), None, "engine", "not a manifest written by allocator")
        return None
    return manifest


def _tables(folder: Path, manifest: dict[str, Any], digest: str,
            problems: ProblemCollector) -> PreviousRun | None:
    frames = {}
    for name in ("assignments", "schools"):
        frame = read_table(folder / f"{name}.csv", problems)
        if frame is None:
            return None
        frames[name] = frame
    missing = [c for c in PREVIOUS_COLUMNS if c not in frames["assignments"].columns]
    for column in missing:
        problems.add(str(folder / "assignments.csv"), 1, column, "required column is missing")
    for column in ("school_id", "capacity"):
        if column not in frames["schools"].columns:
            problems.add(str(folder / "schools.csv"), 1, column, "required column is missing")
            missing.append(column)
    if missing:
        return None
    return PreviousRun(folder, manifest, frames["assignments"], frames["schools"], digest)


def read_responses(folder: Path, problems: ProblemCollector) -> tuple[pd.DataFrame, Path | None]:
    """``responses.csv`` of the scenario folder (empty when absent), typed and checked."""
    empty = pd.DataFrame({"applicant_id": pd.Series(dtype=object),
                          "response": pd.Series(dtype=object)})
    path = find_table(folder, RESPONSES.name, problems)
    if path is None:
        return empty, None
    frame = read_table(path, problems)
    if frame is None or not check_header(frame, RESPONSES, path.name, True, problems):
        return empty, path
    typed = pd.DataFrame({column.name: parse_column(frame[column.name], column, path.name,
                                                    problems)
                          for column in RESPONSES.columns})
    for column in RESPONSES.columns:
        blank = (frame[column.name] == "").to_numpy()
        problems.add_rows(path.name, rows_of(blank), column.name,
                          ["required value is missing"] * int(blank.sum()), kind="missing")
    check_unique(typed["applicant_id"], "applicant_id", path.name, problems)
    return typed, path


@dataclass(frozen=True)
class RosterLink:
    """The previous run mapped onto the current roster (positions of the current tables)."""

    previous_school: np.ndarray
    previously_declined: np.ndarray
    late: np.ndarray
    previous_capacity: np.ndarray
    response: np.ndarray
    previous_row: np.ndarray


def link_roster(previous: PreviousRun, applicants: pd.DataFrame, schools: pd.DataFrame,
                responses: tuple[pd.DataFrame, Path | None], default_response: str,
                applicants_file: str, problems: ProblemCollector) -> RosterLink:
    """Held seats, late applicants and effective responses of the current roster.

    Records: a previous applicant missing from the roster, a held school missing
    from ``schools.csv``, a response for an unknown applicant, ``accept`` or
    ``wait`` from an applicant holding no seat.
    """
    ids = pd.Index(applicants["applicant_id"])
    school_index = pd.Index(schools["school_id"])
    table = previous.assignments
    position = ids.get_indexer(table["applicant_id"])
    label = previous.label("assignments.csv")
    gone = position < 0
    problems.add_rows(label, rows_of(gone), "applicant_id",
                      [f"applicant {a} of the previous run is missing from {applicants_file}; "
                       "every applicant stays on the roster (decline it in responses.csv)"
                       for a in table["applicant_id"][gone]], kind="missing applicant")
    placed = (table["status"] == "placed").to_numpy() & ~gone
    held = school_index.get_indexer(table["school_id"])
    vanished = placed & (held < 0)
    problems.add_rows(label, rows_of(vanished), "school_id",
                      [f"school {s} held by applicant {a} is missing from schools.csv" for s, a
                       in zip(table["school_id"][vanished], table["applicant_id"][vanished],
                              strict=True)], kind="missing school")
    count = len(applicants)
    previous_school = np.full(count, -1, dtype=np.int64)
    keep = placed & ~vanished
    previous_school[position[keep]] = held[keep]
    declined = np.zeros(count, dtype=bool)
    declined[position[(table["status"] == "declined").to_numpy() & ~gone]] = True
    late = np.ones(count, dtype=bool)
    late[position[~gone]] = False
    response = _effective_responses(responses, ids, previous_school, declined,
                                    default_response, problems)
    previous_row = np.full(count, -1, dtype=np.int64)
    previous_row[position[~gone]] = np.flatnonzero(~gone)
    return RosterLink(previous_school, declined, late,
                      _previous_capacity(previous, school_index), response, previous_row)


def _effective_responses(responses, ids, previous_school, declined, default_response,
                         problems) -> np.ndarray:
    frame, path = responses
    response = np.where(previous_school >= 0, default_response, "").astype(object)
    response[declined] = "decline"
    if path is None or frame.empty:
        return response
    file = path.name
    position = ids.get_indexer(frame["applicant_id"])
    unknown = position < 0
    problems.add_rows(file, rows_of(unknown), "applicant_id",
                      [f"unknown applicant {a}: not in applicants.csv" for a in
                       frame["applicant_id"][unknown]], kind="unknown applicant")
    given = frame["response"].to_numpy(dtype=object)
    seatless = ~unknown & np.isin(given, ["accept", "wait"])
    seatless[seatless] = previous_school[position[seatless]] < 0
    problems.add_rows(file, rows_of(seatless), "response",
                      [f"'{r}' from applicant {a}, who holds no seat (only 'decline' is "
                       "possible)" for r, a in zip(given[seatless], frame["applicant_id"][seatless],
                                                   strict=True)], kind="no seat")
    usable = ~unknown & ~seatless & (given != "")
    response[position[usable]] = given[usable]
    return response


def _previous_capacity(previous: PreviousRun, school_index: pd.Index) -> np.ndarray:
    """Seats each current school had in the previous run (0 for a new school)."""
    capacity = np.zeros(len(school_index), dtype=np.int64)
    where = school_index.get_indexer(previous.schools["school_id"])
    values = pd.to_numeric(previous.schools["capacity"], errors="coerce").fillna(0)
    capacity[where[where >= 0]] = values.to_numpy(dtype=np.int64)[where >= 0]
    return capacity
