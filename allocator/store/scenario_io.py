"""Scenario folders in and out of the store.

:func:`import_scenario` validates a folder with the engine's own loader (every
problem at once), then stores its tables cell for cell. :func:`export_scenario`
writes a folder back: the whole scenario (for people), or the verified roster of
one county (what a job allocates and what its audit record keeps). Both write
deterministic bytes: the same rows always give the same files.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from sqlalchemy import Connection, Engine, Table, insert, select

from allocator.model.problems import InputError, ProblemCollector
from allocator.model.readers import find_table, read_table
from allocator.model.schema import APPLICANTS, FALSE_WORDS, PRIORITIES, SCHOOLS, TRUE_WORDS
from allocator.pipeline.load import load
from allocator.store import models
from allocator.store.audit_log import record_event
from allocator.store.errors import database_errors
from allocator.store.personal import MASKED_COLUMN, is_personal, mask, masking_key

log = logging.getLogger("allocator.store")

VERIFIED_COLUMN = "verified"


@dataclass(frozen=True)
class ScenarioFiles:
    """Text of the files of an exported scenario, by file name (deterministic)."""

    files: dict[str, str]

    def write(self, folder: Path) -> Path:
        """Write every file below ``folder`` (created if missing)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        return folder


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """UTF-8 CSV text, ``\\n`` line ends, minimal quoting (the same rows give the same text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def import_scenario(engine: Engine, folder: str | Path, name: str | None = None,
                    actor: str = "cli") -> int:
    """Validate the scenario folder and store it; return the new scenario id.

    Parameters
    ----------
    engine : Engine
        The store.
    folder : str or Path
        A scenario folder (CONTRACT.md). Names and national ID numbers in the
        roster are stored masked (national ID numbers as a keyed hash when
        ``ALLOCATOR_MASKING_KEY`` is set, else starred; see
        :mod:`allocator.store.personal`); other unknown columns are dropped.
    name : str, optional
        Name in the store (default: ``name`` of ``scenario.yaml``); must be new.
    actor : str
        Who imports, for the audit log.

    Raises
    ------
    InputError
        With every problem of the folder (nothing is stored).
    """
    folder = Path(folder)
    loaded = load(folder)
    settings_text = (folder / "scenario.yaml").read_text(encoding="utf-8-sig")
    name = name or loaded.scenario.settings.name
    policy_file, policy_text, settings_text = _own_policy(loaded.policy_path, settings_text)
    problems = ProblemCollector()
    paths = {schema.name: path for schema in (SCHOOLS, APPLICANTS, PRIORITIES)
             if (path := find_table(folder, schema.name, problems)) is not None}
    read = {table: read_table(path, problems) for table, path in paths.items()}
    frames = {table: frame for table, frame in read.items() if frame is not None}
    problems.raise_if_any()  # the loader read these files already; this is belt and braces
    _check_verified_flags(frames["applicants"], paths["applicants"].name, problems)
    for table, frame in frames.items():
        _check_id_lengths(frame, paths[table].name, problems)
    problems.raise_if_any()
    with database_errors("importing the scenario"), engine.begin() as connection:
        if connection.scalar(select(models.scenarios.c.id).where(
                models.scenarios.c.name == name)) is not None:
            raise InputError([_problem(f"a scenario named '{name}' is already stored; "
                                       "import it under another --name")])
        scenario_id = models.inserted_id(connection.execute(insert(models.scenarios).values(
            name=name, settings_yaml=settings_text, policy_file=policy_file,
            policy_text=policy_text,
            applicant_columns=";".join(_kept_columns(frames["applicants"].columns, APPLICANTS)),
            school_columns=";".join(_kept_columns(frames["schools"].columns, SCHOOLS)),
        )))
        key = masking_key()
        counts = {table: _insert_rows(connection, scenario_id, table, frame, key)
                  for table, frame in frames.items()}
        record_event(connection, "scenario_imported", actor, details={
            "scenario_id": scenario_id, "scenario": name, **{f"{t}_rows": n for t, n in
                                                             counts.items()}})
    log.info("imported scenario %s (id %s): %s", name, scenario_id, counts)
    return int(scenario_id)


def _problem(message: str):
    from allocator.model.problems import InputProblem
    return InputProblem("scenario.yaml", None, "name", message)


def _own_policy(policy_path: Path | None, settings_text: str) -> tuple[str | None, str | None,
                                                                        str]:
    """A planner's own policy is stored beside the settings, under its base name."""
    if policy_path is None:
        return None, None, settings_text
    settings = yaml.safe_load(settings_text)
    if PurePosixPath(str(settings["policy"])).name != str(settings["policy"]):
        settings["policy"] = policy_path.name
        settings_text = yaml.safe_dump(settings, sort_keys=False, allow_unicode=True)
    return policy_path.name, policy_path.read_text(encoding="utf-8-sig"), settings_text


def _kept_columns(header: Iterable[str], schema) -> list[str]:
    known = set(schema.names) | {VERIFIED_COLUMN}
    return [column for column in header if column in known or is_personal(column)]


def _insert_rows(connection: Connection, scenario_id: int, table_name: str, frame,
                 key: bytes | None) -> int:
    table: Table = getattr(models, table_name)
    own = {column.name for column in table.columns}
    schema = {"schools": SCHOOLS, "applicants": APPLICANTS, "priorities": PRIORITIES}[table_name]
    rows = []
    for position, record in enumerate(frame.to_dict(orient="records")):
        row: dict[str, object] = {"scenario_id": scenario_id, "position": position}
        extra = {}
        for column in schema.names:
            value = str(record.get(column, ""))
            if column in own:
                row[column] = value
            elif column in record:
                extra[column] = value
        row["extra_cells"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
        if table_name == "applicants":
            row.update(_applicant_flags(record, key))
        rows.append(row)
    if rows:
        connection.execute(insert(table), rows)
    return len(rows)


def _applicant_flags(record: dict[str, str], key: bytes | None) -> dict[str, object]:
    flags: dict[str, object] = {"name_masked": "", "national_id_masked": ""}
    for column, value in record.items():
        if is_personal(column) and value:
            flags[MASKED_COLUMN[column.strip().lower()]] = mask(column, value, key)
    text = str(record.get(VERIFIED_COLUMN, "")).strip().lower()
    flags["verified"] = text not in FALSE_WORDS
    return flags


def _check_id_lengths(frame, file: str, problems: ProblemCollector) -> None:
    """Ids must fit the store's key columns (PostgreSQL refuses longer ones mid-import)."""
    for column in ("applicant_id", "school_id"):
        if column not in frame.columns:
            continue
        for row, value in enumerate(frame[column], start=2):
            if len(str(value)) > models.ID_LENGTH:
                problems.add(file, row, column, f"id of {len(str(value))} characters; the "
                             f"store keeps ids of at most {models.ID_LENGTH}",
                             kind="id length")


def _check_verified_flags(frame, file: str, problems: ProblemCollector) -> None:
    """The portal's ``verified`` flag must be a boolean word (empty = verified)."""
    if VERIFIED_COLUMN not in frame.columns:
        return
    for row, value in enumerate(frame[VERIFIED_COLUMN], start=2):
        if value and value.strip().lower() not in TRUE_WORDS | FALSE_WORDS:
            problems.add(file, row, VERIFIED_COLUMN,
                         f"'{value}' is not a boolean (true/false/1/0/yes/no/是/否)",
                         kind="verified flag")
