"""Current placements of a run (its assignments plus decided appeals) and the disclosure file.

The run's rows stay as the lottery made them; an appeal that placed a child is
laid over its row here, so the portal shows where every child goes now and an
auditor can still re-run the original.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, select

from allocator.store import models
from allocator.store.scenario_io import csv_text

#: Columns of the publication file: application numbers only, never names or ID numbers.
DISCLOSURE_COLUMNS: tuple[str, ...] = (
    "applicant_id", "school_id", "status", "tier_name", "lottery", "reason_code", "appeal_id")
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
    """The publication CSV (公示) of current placements: application numbers only."""
    overrides = _appeal_overrides(connection, run_id)
    rows = connection.execute(select(models.assignments).where(
        models.assignments.c.run_id == run_id).order_by(models.assignments.c.position)).all()
    records = (_current(row, overrides.get(row.applicant_id)) for row in rows)
    return csv_text(DISCLOSURE_COLUMNS, ([record[c] for c in DISCLOSURE_COLUMNS]
                                         for record in records))
