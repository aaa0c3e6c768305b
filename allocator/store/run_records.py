"""A finished run as store rows, and the rows back as a run folder.

The run folder's ``assignments.csv`` is stored row by row (the portal pages
through it and an auditor can query it); its other files and the scenario files
the run used are stored as text. Exporting writes the same bytes back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from allocator import __version__
from allocator.pipeline import write as pipeline_write
from allocator.pipeline.relocate import INPUTS_FOLDER
from allocator.pipeline.run import RunResult
from allocator.policy.lottery import LOTTERY_ALGORITHM, lottery_numbers
from allocator.store import models
from allocator.store.faults import checkpoint
from allocator.store.scenario_export import row_cells
from allocator.store.scenario_io import csv_text

ASSIGNMENTS_FILE = "assignments.csv"


def sha256_text(text: str) -> str:
    """SHA-256 hex digest of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_run_folder(folder: Path) -> dict[str, str]:
    """Every file of a written run folder as text, by name (sorted)."""
    return {path.name: path.read_bytes().decode("utf-8")
            for path in sorted(folder.iterdir()) if path.is_file()}


def insert_run(connection: Connection, *, job_key: str, scenario_id: int, county: str | None,
               fingerprint: str, inputs: dict[str, str], run_files: dict[str, str],
               result: RunResult) -> int:
    """Insert a complete run inside the caller's transaction; return its id."""
    assignments_text = run_files[ASSIGNMENTS_FILE]
    header, rows = _parse_csv(assignments_text)
    counts = result.summary["counts"]
    run_id = models.inserted_id(connection.execute(insert(models.runs).values(
        job_key=job_key, scenario_id=scenario_id, county=county or "",
        input_sha256=fingerprint, roster_sha256=sha256_text(inputs["applicants.csv"]),
        policy_sha256=result.manifest["policy_sha256"],
        assignments_sha256=sha256_text(assignments_text), assignment_columns=";".join(header),
        seed=str(result.loaded.seed), policy=result.loaded.policy.name,
        mechanism=result.loaded.mechanism.name, engine_version=__version__,
        lottery_algorithm=LOTTERY_ALGORITHM, applicants=int(counts["applicants"]),
        placed=int(counts["placed"]), verified=result.verified, created_at=models.utc_now(),
    )))
    _insert_texts(connection, models.run_inputs, run_id, inputs)
    checkpoint("after_inputs")
    _insert_texts(connection, models.run_files, run_id,
                  {name: text for name, text in run_files.items() if name != ASSIGNMENTS_FILE})
    connection.execute(insert(models.assignments), assignment_rows(run_id, header, rows))
    checkpoint("after_assignments")
    connection.execute(insert(models.lottery_draws), lottery_rows(run_id, result))
    checkpoint("after_lottery")
    return run_id


def _insert_texts(connection: Connection, table, run_id: int, files: dict[str, str]) -> None:
    connection.execute(insert(table), [
        {"run_id": run_id, "file_name": name, "content": text, "sha256": sha256_text(text)}
        for name, text in sorted(files.items())])


def _parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, list(reader)


def assignment_rows(run_id: int, header: list[str], rows: list[list[str]]) -> list[dict]:
    """Store rows of ``assignments.csv`` cells (columns without a store column go to JSON)."""
    own = set(models.ASSIGNMENT_CELLS)
    records = []
    for position, cells in enumerate(rows):
        record: dict[str, Any] = {"run_id": run_id, "position": position}
        extra = {}
        for column, value in zip(header, cells, strict=True):
            if column in own:
                record[column] = value
            else:
                extra[column] = value
        record["extra_cells"] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
        records.append(record)
    return records


def lottery_rows(run_id: int, result: RunResult) -> list[dict]:
    """The ordered lottery: best draw first, ties (twins) by application number."""
    problem = result.problem
    applicants = result.loaded.scenario.applicants
    groups = applicants["sibling_group"].to_numpy(dtype=object)
    ids = problem.applicant_ids
    numbers = lottery_numbers(problem.draws)
    order = sorted(range(len(ids)), key=lambda i: (int(problem.draws[i]), str(ids[i])))
    return [{"run_id": run_id, "lottery_order": rank, "applicant_id": str(ids[i]),
             "subject": f"group:{groups[i]}" if groups[i] else f"applicant:{ids[i]}",
             "draw": f"{int(problem.draws[i]):016x}", "lottery": f"{numbers[i]:.10f}"}
            for rank, i in enumerate(order, start=1)]


def assignments_text(connection: Connection, run: Row) -> str:
    """``assignments.csv`` of a stored run, rebuilt from its rows."""
    header = run.assignment_columns.split(";")
    rows = connection.execute(select(models.assignments).where(
        models.assignments.c.run_id == run.id).order_by(models.assignments.c.position)).all()
    return csv_text(header, (row_cells(row, header) for row in rows))


def stored_texts(connection: Connection, table, run_id: int) -> dict[str, str]:
    """Stored files (``run_inputs`` or ``run_files``) of a run, by name."""
    rows = connection.execute(select(table).where(table.c.run_id == run_id)
                              .order_by(table.c.file_name)).all()
    return {row.file_name: row.content for row in rows}


def export_run(connection: Connection, run: Row, out_dir: str | Path,
               inputs: Sequence[str | Path] = ()) -> Path:
    """Write the run folder of a stored run to ``out_dir`` atomically (CONTRACT.md files).

    The run's exact input files go to ``inputs/`` (as stored: names and ID
    numbers masked), so ``allocator explain`` works on the exported folder.
    ``out_dir`` must be absent, empty or a folder the engine wrote, and may not
    contain one of ``inputs`` (the database file).
    """
    return write_folder_atomically(run_folder_files(connection, run), out_dir, kind="run",
                                   inputs=inputs)


def run_folder_files(connection: Connection, run: Row) -> dict[str, str]:
    """Every file of a stored run's folder (inputs under ``inputs/``), by relative name."""
    return {ASSIGNMENTS_FILE: assignments_text(connection, run),
            **stored_texts(connection, models.run_files, run.id),
            **{f"{INPUTS_FOLDER}/{name}": text for name, text in
               stored_texts(connection, models.run_inputs, run.id).items()}}


def write_folder_atomically(files: dict[str, str], out_dir: str | Path, kind: str = "run",
                            inputs: Sequence[str | Path] = ()) -> Path:
    """Write ``files`` (name -> text) to ``out_dir`` atomically (see the pipeline's writer)."""
    def fill(staging: Path) -> None:
        for name, text in files.items():
            (staging / name).parent.mkdir(exist_ok=True)
            (staging / name).write_bytes(text.encode("utf-8"))

    return pipeline_write.write_folder_atomically(fill, out_dir, kind=kind, inputs=inputs)
