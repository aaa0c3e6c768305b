"""Current placements of a run (its assignments plus decided appeals) and the disclosure file.

The run's rows stay as the lottery made them; an appeal that placed a child is
laid over its row here, so the portal shows where every child goes now and an
auditor can still re-run the original.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, func, select

from allocator.reports.publication import admitted_publication, publication_csv
from allocator.store import models
from allocator.store.run_records import stored_texts

PAGE_COLUMNS: tuple[str, ...] = (
    "applicant_id", "school_id", "status", "tier", "tier_name", "choice_rank", "distance_km",
    "lottery", "reason", "reason_code", "county", "stage")


def _appeal_overrides(connection: Connection, run_id: int) -> dict[str, Row]:
    """Latest placing appeal per applicant."""
    latest: dict[str, Row] = {}
    for appeal in connection.execute(select(models.appeals).where(
            models.appeals.c.run_id == run_id, models.appeals.c.decision == "placed")
            .order_by(models.appeals.c.id)):
        latest[appeal.applicant_id] = appeal
    return latest


def _current(row: Row, appeal: Row | None) -> dict[str, Any]:
    record = {column: getattr(row, column) for column in PAGE_COLUMNS}
    record["appeal_id"] = ""
    if appeal is not None:
        record.update(school_id=appeal.new_school_id, status="placed", tier="",
                      tier_name=appeal.new_tier, choice_rank="", distance_km="",
                      reason=f"placed on appeal {appeal.id}: {appeal.explanation}",
                      reason_code="appeal", appeal_id=str(appeal.id))
    return record


def assignment_page(connection: Connection, run_id: int, offset: int,
                    limit: int) -> tuple[int, list[dict[str, Any]]]:
    """Total count and one page of current placements, in roster order."""
    total = connection.scalar(select(func.count()).select_from(models.assignments).where(
        models.assignments.c.run_id == run_id)) or 0
    rows = connection.execute(select(models.assignments).where(
        models.assignments.c.run_id == run_id).order_by(models.assignments.c.position)
        .offset(offset).limit(limit)).all()
    overrides = _appeal_overrides(connection, run_id)
    return int(total), [_current(row, overrides.get(row.applicant_id)) for row in rows]


def disclosure_text(connection: Connection, run_id: int) -> str:
    """The publication CSV (公示) of current placements, built by the run folder's own gate.

    The same columns and rules as ``disclosure_admitted.csv``
    (:func:`allocator.reports.publication.admitted_publication`): application
    numbers of placed and unplaced children only, excluded children left out. A
    child placed on appeal is published with its appeal id, the appeal's tier
    and that tier's number for the child's stage.
    """
    placements = current_placements(connection, run_id)
    schools = stored_texts(connection, models.run_files, run_id).get("schools.csv", "")
    school_ids = list(csv.DictReader(io.StringIO(schools)))
    return publication_csv(admitted_publication(
        placements, [school["school_id"] for school in school_ids]))


def current_placements(connection: Connection, run_id: int) -> pd.DataFrame:
    """Every applicant's current placement (appeals laid over the run), in roster order.

    A child placed on appeal gets the appeal's tier and that tier's number for
    the child's stage, and its appeal id.
    """
    overrides = _appeal_overrides(connection, run_id)
    rows = connection.execute(select(models.assignments).where(
        models.assignments.c.run_id == run_id).order_by(models.assignments.c.position)).all()
    numbers = {(row.stage, row.tier_name): row.tier for row in rows if row.tier not in ("", None)}
    records = []
    for row in rows:
        record = _current(row, overrides.get(row.applicant_id))
        if record["tier"] in ("", None):
            record["tier"] = numbers.get((record["stage"], record["tier_name"]), "")
        records.append(record)
    return pd.DataFrame(records, columns=[*PAGE_COLUMNS, "appeal_id"])
