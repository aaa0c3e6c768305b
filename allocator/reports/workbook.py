"""``report.xlsx``: the run's tables as sheets a planner opens in Excel.

Sheets: summary, schools, assignments, ledger, surplus plan, idle surplus,
recommendations, warnings, metrics, fairness. The assignments sheet is written
only up to :data:`ASSIGNMENT_ROW_LIMIT` rows (a larger run keeps them in
``assignments.csv``; the sheet then says so), which keeps ``allocator run`` fast
at province scale.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .xlsx import write_xlsx

ASSIGNMENT_ROW_LIMIT = 200_000


def summary_rows(summary: dict) -> pd.DataFrame:
    """``summary.json`` flattened to (key, value) rows."""
    rows = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            rows.append((prefix, json.dumps(value, ensure_ascii=False)[:30000]))
        else:
            rows.append((prefix, value))

    walk("", summary)
    return pd.DataFrame(rows, columns=["key", "value"])


def write_workbook(path: Path, summary: dict, sheets: dict[str, pd.DataFrame],
                   assignments: pd.DataFrame) -> None:
    """Write the workbook: summary, schools, assignments, then ``sheets`` in order."""
    ordered = dict(sheets)
    book = {"summary": summary_rows(summary)}
    if "schools" in ordered:
        book["schools"] = ordered.pop("schools")
    if len(assignments) <= ASSIGNMENT_ROW_LIMIT:
        book["assignments"] = assignments
    else:
        book["assignments"] = pd.DataFrame({"note": [
            f"{len(assignments):,} rows: see assignments.csv "
            f"(the sheet holds at most {ASSIGNMENT_ROW_LIMIT:,})"]})
    book.update(ordered)
    write_xlsx(path, book)
