"""``report.xlsx``: the run's tables as sheets a planner opens in Excel.

Sheets: summary, schools, assignments, ledger, surplus plan, idle surplus,
recommendations, warnings, metrics, fairness. The assignments sheet is written
only up to :data:`ASSIGNMENT_ROW_LIMIT` rows (a larger run keeps them in
``assignments.csv``; the sheet then says so), which keeps ``allocator run`` fast
at province scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from allocator.model.vocabulary import column_label, localise, sheet_name, value_label

from .labels import text
from .xlsx import write_xlsx

ASSIGNMENT_ROW_LIMIT = 200_000


def readable_summary(summary: dict, lang: str) -> pd.DataFrame:
    """The headline of ``summary.json`` as (item, value) rows a planner reads.

    Counts keep their numeric type (typed cells); every verification check is a
    row saying passed or failed with its violations. The full JSON stays in
    ``summary.json``.
    """
    counts = summary.get("counts", {})
    rows: list[tuple[str, object]] = [
        (text("scenario", lang), summary.get("scenario", "")),
        (text("policy", lang), summary.get("policy", "")),
        (text("mechanism", lang), value_label(str(summary.get("mechanism", "")), lang)),
        (text("seed", lang), str(summary.get("seed", ""))),
    ]
    for key, label in (("applicants", "applicants"), ("placed", "placed"),
                       ("unplaced", "unplaced"), ("excluded", "excluded"),
                       ("capacity", "capacity"), ("surplus_seats", "surplus")):
        if key in counts:
            rows.append((text(label, lang), counts[key]))
    for key in ("first_choice", "schools", "schools_oversubscribed"):
        if key in counts:
            rows.append((_COUNT_LABELS[key][lang == "en"], counts[key]))
    distance = counts.get("distance_km") or {}
    for key, label in (("mean", "distance_mean"), ("p95", "distance_p95")):
        if distance.get(key) is not None:
            rows.append((text(label, lang), round(float(distance[key]), 2)))
    verification = summary.get("verification", {})
    rows.append((text("verification", lang),
                 text("passed" if verification.get("passed") else "failed", lang)))
    for check in verification.get("checks", []):
        state = text("passed" if check.get("passed") else "failed", lang)
        rows.append((f"  {check.get('name')}", f"{state} ({check.get('violations', 0)})"))
    return pd.DataFrame(rows, columns=[column_label("key", lang), column_label("value", lang)])


_COUNT_LABELS = {"first_choice": ("第一志愿录取", "Placed at first choice"),
                 "schools": ("学校数", "Schools"),
                 "schools_oversubscribed": ("超额报名学校", "Schools oversubscribed")}


def write_workbook(path: Path, summary: dict, sheets: dict[str, pd.DataFrame],
                   assignments: pd.DataFrame, lang: str = "zh",
                   tiers: Mapping[str, str] | None = None) -> None:
    """Write the workbook: summary, schools, assignments, then ``sheets`` in order.

    Sheet names, column headers and categorical values are in ``lang``; numbers
    stay numbers (typed cells); every sheet has a frozen header and a filter.
    """
    ordered = dict(sheets)
    book = {"summary": readable_summary(summary, lang)}
    if "schools" in ordered:
        book["schools"] = ordered.pop("schools")
    if len(assignments) <= ASSIGNMENT_ROW_LIMIT:
        book["assignments"] = assignments
    else:
        book["assignments"] = pd.DataFrame({"note": [
            f"{len(assignments):,} rows: see assignments.csv "
            f"(the sheet holds at most {ASSIGNMENT_ROW_LIMIT:,})"]})
    book.update(ordered)
    localised = {sheet_name(name, lang): (frame if name == "summary" else
                                          localise(frame, lang, tiers, as_text=False))
                 for name, frame in book.items()}
    write_xlsx(path, localised)
