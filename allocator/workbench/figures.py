"""What the page shows of a result: headline figures, school rows, one school's story, movers.

Every number is read from the same tables the run folder holds (``summary.json``,
``schools.csv``, ``assignments.csv``) or from the reports' seat warnings, so the
page and ``allocator run`` cannot disagree. No name or ID number leaves here:
applicants appear only by application number.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from allocator.pipeline.run import RunResult
from allocator.reports.seat_warnings import seat_warnings
from allocator.scenarios.compare import RunFolder, metrics_table, movers_table
from allocator.solvers.result import PLACED_BY_SWEEP

#: Headline figures in page order: (key, how to read it from ``summary.json``).
HEADLINE_KEYS: tuple[str, ...] = (
    "placed", "first_choice", "outside_catchment", "sweep", "guaranteed_unplaced",
    "schools_oversubscribed", "surplus_seats", "distance_mean", "distance_p95")
#: Routes of ``placed_by_source`` that place a child outside its catchment school.
OUTSIDE_ROUTES: tuple[str, ...] = ("overflow", "sweep")


def headline(summary: dict[str, Any]) -> dict[str, float | int | None]:
    """The headline figures of a run, read from its ``summary.json``."""
    counts = summary["counts"]
    routes = counts.get("placed_by_source", {})
    return {
        "placed": counts["placed"],
        "first_choice": counts["first_choice"],
        "outside_catchment": sum(routes.get(route, 0) for route in OUTSIDE_ROUTES),
        "sweep": routes.get("sweep", 0),
        "guaranteed_unplaced": len(summary.get("guarantee", {}).get("unplaced", [])),
        "schools_oversubscribed": counts["schools_oversubscribed"],
        "surplus_seats": counts["surplus_seats"],
        "distance_mean": counts["distance_km"]["mean"],
        "distance_p95": counts["distance_km"]["p95"],
        "applicants": counts["applicants"],
        "capacity": counts["capacity"],
    }


def changes(current: dict[str, Any], base: dict[str, Any]) -> dict[str, float | int | None]:
    """Each headline figure minus the base's (None where either is missing)."""
    return {key: (None if current[key] is None or base[key] is None
                  else round(current[key] - base[key], 3)) for key in current}


@lru_cache(maxsize=16)
def warnings_of(result: RunResult) -> pd.DataFrame:
    """The reports' seat warnings of a result (kept for the few results on screen)."""
    return seat_warnings(result)


def school_rows(result: RunResult, base: RunResult) -> list[dict[str, Any]]:
    """One row per school of ``result``: plan, placed, pressure, warning, change to base."""
    typed = result.loaded.scenario.schools
    table = result.schools
    warnings = warnings_of(result)
    warning = dict(zip(warnings["school_id"], zip(warnings["demand"], warnings["level"],
                                                   strict=True), strict=True))
    before = dict(zip(base.schools["school_id"], zip(base.schools["capacity"],
                                                     base.schools["assigned"], strict=True),
                      strict=True))
    columns = [table[name].tolist() for name in (
        "school_id", "name", "kind", "stage", "capacity", "assigned", "surplus",
        "oversubscribed", "first_choice_demand")]
    extra = [typed[name].tolist() for name in ("classes", "zones", "lat", "lon")]
    rows = []
    for (school, name, kind, stage, plan, placed, surplus, oversubscribed, first_demand,
         classes, zones, lat, lon) in zip(*columns, *extra, strict=True):
        demand, level = warning.get(school, (first_demand, ""))
        plan_before, placed_before = before.get(school, (0, 0))
        rows.append({
            "school_id": str(school), "name": str(name), "kind": str(kind),
            "stage": str(stage), "plan": int(plan), "classes": _whole(classes),
            "placed": int(placed), "surplus": int(surplus), "demand": int(demand),
            "pressure": round(int(demand) / int(plan), 3) if plan else None,
            "level": str(level), "oversubscribed": oversubscribed == "true",
            "zones": [zone for zone in str(zones).split(";") if zone],
            "lat": _number(lat), "lon": _number(lon),
            "plan_change": int(plan) - int(plan_before),
            "placed_change": int(placed) - int(placed_before),
            "new": school not in before,
        })
    return rows


def _whole(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def closed_schools(result: RunResult, base: RunResult) -> list[str]:
    """Schools of the base that the current plan closes."""
    current = set(result.schools["school_id"])
    return [str(school) for school in base.schools["school_id"] if school not in current]


def school_story(result: RunResult, school_id: str) -> dict[str, Any]:
    """One school: demand and admitted by tier, cut-off, warning, where refused children went.

    Raises
    ------
    KeyError
        If the school is not in the current plan.
    """
    table = result.schools.set_index("school_id")
    if school_id not in table.index:
        raise KeyError(f"school '{school_id}' is not in the current plan")
    row = table.loc[school_id]
    problem = result.problem
    tiers = list(problem.tier_names)
    warnings = warnings_of(result).set_index("school_id")
    demand = ({name: int(warnings.loc[school_id, f"demand_{name}"]) for name in tiers}
              if school_id in warnings.index else {})
    admitted = {name: int(row[f"admitted_{name}"]) for name in tiers
                if f"admitted_{name}" in row.index}
    admitted["sweep"] = int(row.get("admitted_by_sweep", 0))
    return {
        "school_id": school_id, "name": str(row["name"]), "plan": int(row["capacity"]),
        "placed": int(row["assigned"]), "surplus": int(row["surplus"]),
        "first_choice_demand": int(row["first_choice_demand"]),
        "refused": int(row["rejected_applicants"]),
        "demand_by_tier": {k: v for k, v in demand.items() if v},
        "admitted_by_tier": {k: v for k, v in admitted.items() if v},
        "cutoff_tier": None if pd.isna(row["cutoff_tier"]) else str(row["cutoff_tier_name"]),
        "cutoff_lottery": str(row["cutoff_lottery"]) or None,
        "level": str(warnings.loc[school_id, "level"]) if school_id in warnings.index else "",
        "pressure": float(warnings.loc[school_id, "ratio"]) if school_id in warnings.index
        else None,
        "refused_went_to": refused_destinations(result, school_id),
    }


def refused_destinations(result: RunResult, school_id: str) -> list[dict[str, Any]]:
    """Where the children whose first choice was ``school_id`` went instead (counts)."""
    problem, allocation = result.problem, result.allocation
    index = int(np.flatnonzero(problem.school_ids == school_id)[0])
    starts = problem.arc_start[:-1]
    has_list = np.diff(problem.arc_start) > 0
    first_school = np.full(problem.applicant_count, -1, dtype=np.int64)
    first_school[has_list] = problem.arc_school[starts[has_list]]
    chose = (first_school == index) & (allocation.assigned_school != index)
    destination = allocation.assigned_school[chose]
    swept = allocation.placed_by[chose] == PLACED_BY_SWEEP
    rows = []
    for target in np.unique(destination):
        mask = destination == target
        rows.append({"school_id": "" if target < 0 else str(problem.school_ids[target]),
                     "children": int(mask.sum()), "by_sweep": int((mask & swept).sum())})
    return sorted(rows, key=lambda item: -item["children"])


def movers(result: RunResult, base: RunResult, limit: int = 200) -> dict[str, Any]:
    """Children whose outcome differs from the base: count, reasons, the first ``limit``."""
    if result is base:
        return {"count": 0, "by_reason": {}, "rows": []}
    table = movers_table(run_folder("base", base), run_folder("current", result))
    by_reason = table["why"].str.replace(r" at .*$", "", regex=True).value_counts()
    rows = table.head(limit)
    return {
        "count": int(len(table)),
        "by_reason": {str(key): int(value) for key, value in by_reason.items()},
        "rows": [{"applicant_id": str(r.applicant_id),
                  "from": _text(r.school_id_before), "to": _text(r.school_id_after),
                  "why": str(r.why)} for r in rows.itertuples(index=False)],
    }


def comparison(plans: dict[str, RunResult]) -> dict[str, Any]:
    """Headline metrics of named plans side by side (``allocator compare``), first = reference."""
    frame = metrics_table([run_folder(name, result) for name, result in plans.items()])
    frame = frame.astype(object).where(frame.notna(), None)
    return {"runs": list(plans), "rows": frame.to_dict(orient="records")}


def run_folder(name: str, result: RunResult) -> RunFolder:
    """A run's tables as ``allocator compare`` reads them (text cells)."""
    return RunFolder(name, result.assignments.astype(str).replace({"<NA>": "", "nan": ""}),
                     result.schools.astype(str), result.summary, result.manifest)


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _text(value: Any) -> str:
    return "" if pd.isna(value) else str(value)
