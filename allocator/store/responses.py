"""Families' responses to a stored run (accept, wait, decline), kept for the next round.

``allocator db import-responses FILE --job-key K`` and ``POST /jobs/{key}/responses``
store the responses to the completed run of ``K``. They are validated like the
``responses.csv`` of a later round (CONTRACT.md, "Later rounds"): the file's
columns and words, one row per applicant, every applicant one of the run's, and
``accept`` or ``wait`` only from an applicant the run placed. Every problem is
listed at once as ``file:row:column: message`` and nothing is stored.

Only ``applicant_id`` and ``response`` are kept (any other column, a name for
instance, is dropped). A run holds one set of responses: sending the same set
again stores nothing; a different set is refused (:class:`ResponsesConflict`).
The responses and their audit event are written in one transaction.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Row, insert, select
from sqlalchemy.exc import IntegrityError

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.validate import rows_of
from allocator.pipeline.previous import read_responses
from allocator.store import models
from allocator.store.audit_log import record_event
from allocator.store.errors import database_errors
from allocator.store.faults import checkpoint
from allocator.store.run_records import sha256_text
from allocator.store.scenario_io import csv_text

log = logging.getLogger("allocator.store")

RESPONSE_COLUMNS = ("applicant_id", "response")
RESPONSES_FILE = "responses.csv"


class UnknownJob(LookupError):
    """No stored run has the job key."""


class ResponsesConflict(RuntimeError):
    """The run holds other responses already."""


@dataclass(frozen=True)
class ResponsesOutcome:
    """What was stored: the run, whether this call stored it, and the counts."""

    run_id: int
    job_key: str
    created: bool
    sha256: str
    counts: dict[str, int]


def import_responses(engine: Engine, job_key: str, path: str | Path,
                     actor: str = "cli") -> ResponsesOutcome:
    """Validate the responses file ``path`` and store it for the run of ``job_key``.

    Parameters
    ----------
    engine : Engine
        The store.
    job_key : str
        Job key of a completed run (a first round or a later round).
    path : str or Path
        A ``responses.csv`` (or ``.xlsx``, in any encoding the loader reads).
    actor : str
        Who imports, for the audit log.

    Raises
    ------
    UnknownJob
        No run is stored under ``job_key``.
    InputError
        Every problem of the file (nothing stored).
    ResponsesConflict
        The run holds a different set of responses.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="allocator-responses-") as temporary:
        copy = Path(temporary) / f"responses{path.suffix.lower() or '.csv'}"
        shutil.copyfile(path, copy)
        return _validate_and_store(engine, job_key, Path(temporary), path.name, actor)


def store_response_rows(engine: Engine, job_key: str, rows: list[dict[str, str]],
                        actor: str = "service") -> ResponsesOutcome:
    """Store responses sent as rows (``applicant_id``, ``response``), as :func:`import_responses`.

    Problems name ``responses.csv`` and the row the item would have in that file
    (the first item is row 2).
    """
    text = csv_text(RESPONSE_COLUMNS, ([row.get(c, "") for c in RESPONSE_COLUMNS]
                                       for row in rows))
    with tempfile.TemporaryDirectory(prefix="allocator-responses-") as temporary:
        (Path(temporary) / RESPONSES_FILE).write_bytes(text.encode("utf-8"))
        return _validate_and_store(engine, job_key, Path(temporary), RESPONSES_FILE, actor)


def stored_responses(connection: Connection, run_id: int) -> Row | None:
    """The stored responses of run ``run_id`` (``content``, ``sha256``, ...), if any."""
    return connection.execute(select(models.run_responses).where(
        models.run_responses.c.run_id == run_id)).first()


def _validate_and_store(engine: Engine, job_key: str, folder: Path, label: str,
                        actor: str) -> ResponsesOutcome:
    with engine.connect() as connection:
        run = _run(connection, job_key)
        standing = {row.applicant_id: row.status for row in connection.execute(select(
            models.assignments.c.applicant_id, models.assignments.c.status).where(
            models.assignments.c.run_id == run.id))}
    text, counts = _validated_text(folder, label, standing)
    return _store(engine, run, text, counts, actor)


def _run(connection: Connection, job_key: str) -> Row:
    run = connection.execute(select(models.runs).where(models.runs.c.job_key == job_key)).first()
    if run is None:
        raise UnknownJob(f"no stored run with job key '{job_key}'")
    return run


def _validated_text(folder: Path, label: str,
                    standing: dict[str, str]) -> tuple[str, dict[str, int]]:
    """The canonical responses text, or :class:`InputError` naming ``label``."""
    problems = ProblemCollector()
    frame, _path = read_responses(folder, problems)
    ids = frame["applicant_id"].fillna("").astype(str).to_numpy()
    words = frame["response"].fillna("").astype(str).to_numpy()
    unknown = [applicant != "" and applicant not in standing for applicant in ids]
    problems.add_rows(label, rows_of(unknown), "applicant_id",
                      [f"unknown applicant {a}: not an applicant of this run"
                       for a, bad in zip(ids, unknown, strict=True) if bad],
                      kind="unknown applicant")
    seatless = [a in standing and word in ("accept", "wait") and standing[a] != "placed"
                for a, word in zip(ids, words, strict=True)]
    problems.add_rows(label, rows_of(seatless), "response",
                      [f"'{w}' from applicant {a}, who holds no seat (only 'decline' is "
                       "possible)" for a, w, bad in zip(ids, words, seatless, strict=True)
                       if bad], kind="no seat")
    try:
        problems.raise_if_any()
    except InputError as error:
        raise InputError([InputProblem(label, p.row, p.column, p.message)
                          for p in error.problems]) from None
    counts = {word: int((words == word).sum()) for word in ("accept", "wait", "decline")}
    return csv_text(RESPONSE_COLUMNS, zip(ids, words, strict=True)), counts


def _store(engine: Engine, run: Row, text: str, counts: dict[str, int],
           actor: str) -> ResponsesOutcome:
    digest = sha256_text(text)
    with engine.connect() as connection:
        existing = stored_responses(connection, run.id)
    if existing is not None:
        return _existing(run, existing, digest, counts)
    try:
        with database_errors(f"storing the responses of job {run.job_key}"), \
                engine.begin() as connection:
            connection.execute(insert(models.run_responses).values(
                run_id=run.id, content=text, sha256=digest, rows=sum(counts.values()),
                actor=actor, created_at=models.utc_now()))
            checkpoint("responses_after_insert")
            record_event(connection, "responses_imported", actor, run_id=run.id, details={
                "job_key": run.job_key, "responses_sha256": digest, "counts": counts})
            checkpoint("responses_before_commit")
    except IntegrityError:  # a concurrent import won the race
        with engine.connect() as connection:
            existing = stored_responses(connection, run.id)
        if existing is None:
            raise
        return _existing(run, existing, digest, counts)
    log.info("responses to job %s stored (%s rows)", run.job_key, sum(counts.values()))
    return ResponsesOutcome(run.id, run.job_key, True, digest, counts)


def _existing(run: Row, existing: Row, digest: str, counts: dict[str, int]) -> ResponsesOutcome:
    if existing.sha256 != digest:
        raise ResponsesConflict(
            f"job '{run.job_key}' holds other responses already (stored SHA-256 "
            f"{existing.sha256[:12]}, now {digest[:12]}); a run keeps one set of responses: "
            "send the complete set once, before the later round")
    return ResponsesOutcome(run.id, run.job_key, False, digest, counts)
