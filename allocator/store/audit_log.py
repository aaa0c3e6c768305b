"""The audit trail: who did what, when and why (never personal data)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select

from allocator.store import models


def record_event(connection: Connection, kind: str, actor: str, reason: str = "",
                 run_id: int | None = None, details: dict[str, Any] | None = None) -> int:
    """Append one audit event inside the caller's transaction; return its id.

    Parameters
    ----------
    connection : Connection
        The open transaction the event belongs to (it is committed or rolled
        back with the work it describes).
    kind : str
        What happened: ``scenario_imported``, ``job_completed``, ``appeal_decided``,
        ``plan_adjusted``, ``audit_verified`` ...
    actor, reason : str
        Who, and why.
    run_id : int, optional
        The run concerned.
    details : dict, optional
        Ids, counts and hashes (JSON); application numbers at most.
    """
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
    return models.inserted_id(connection.execute(insert(models.audit_events).values(
        run_id=run_id, kind=kind, actor=actor, reason=reason, details=text,
        created_at=models.utc_now())))


def events(connection: Connection, run_id: int | None = None) -> list[dict[str, Any]]:
    """Audit events in order (all, or those of one run)."""
    query = select(models.audit_events).order_by(models.audit_events.c.id)
    if run_id is not None:
        query = query.where(models.audit_events.c.run_id == run_id)
    return [{**row._mapping, "details": json.loads(row.details),
             "created_at": row.created_at.isoformat() if row.created_at else None}
            for row in connection.execute(query)]
