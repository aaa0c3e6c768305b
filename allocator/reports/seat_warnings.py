"""Seat warnings (学位预警) from the May survey of seat supply and demand.

The survey is the roster itself, before allocation: each child counts as
demand at its catchment school (its first catchment arc: best tier, then
nearest), in the tier it has there. A school's pressure is demand / plan;
the warning level follows the policy's ``seat_warnings`` thresholds on that
ratio (:class:`WarningThresholds`; commands may override them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.pipeline.run import RunResult

from .frames import catchment_arcs, shanxi_catchments
from .recommend import plan_of


@dataclass(frozen=True)
class WarningThresholds:
    """Demand / plan ratios from which a school is flagged (red > orange > yellow)."""

    red: float = 1.2
    orange: float = 1.0
    yellow: float = 0.9

    def level(self, ratio: np.ndarray) -> np.ndarray:
        """``red``, ``orange``, ``yellow`` or ``''`` per ratio."""
        return np.select([ratio >= self.red, ratio >= self.orange, ratio >= self.yellow],
                         ["red", "orange", "yellow"], default="")


def catchment_demand(result: RunResult) -> pd.DataFrame:
    """Projected demand per school and tier: children whose catchment school it is.

    A child of a multi-school zone (多校划片) counts at its first choice among the
    zone's schools: its catchment school is on its list as a stated choice (see
    :func:`allocator.reports.frames.catchment_arcs`).
    """
    problem = result.problem
    arcs = catchment_arcs(problem, stated_in_catchment=shanxi_catchments(result))
    owner = problem.arc_applicant()[arcs]
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    arcs, owner = arcs[first], owner[first]
    keep = problem.exclusion[owner] == ""
    tiers = len(problem.tier_names)
    code = (problem.arc_school[arcs[keep]].astype(np.int64) * tiers
            + problem.arc_tier[arcs[keep]].astype(np.int64))
    counts = np.bincount(code, minlength=problem.school_count * tiers)
    return pd.DataFrame(counts.reshape(problem.school_count, tiers),
                        columns=[f"demand_{name}" for name in problem.tier_names])


def seat_warnings(result: RunResult, thresholds: WarningThresholds | None = None) -> pd.DataFrame:
    """Per public school: plan, projected demand (total and by tier), ratio and level."""
    if thresholds is None:
        levels = result.loaded.policy.seat_warnings
        thresholds = WarningThresholds(levels.red, levels.orange, levels.yellow)
    schools = result.loaded.scenario.schools
    demand = catchment_demand(result)
    plan = plan_of(result.problem)
    total = demand.sum(axis=1).to_numpy()
    ratio = np.where(plan > 0, total / np.maximum(plan, 1), np.where(total > 0, np.inf, 0.0))
    frame = pd.DataFrame({
        "school_id": schools["school_id"].to_numpy(dtype=object),
        "name": schools["name"].to_numpy(dtype=object),
        "county": schools["county"].to_numpy(dtype=object),
        "stage": schools["stage"].to_numpy(dtype=object),
        "plan": plan, "demand": total, "shortfall": np.maximum(total - plan, 0),
        "ratio": np.round(ratio, 3), "level": thresholds.level(ratio)})
    frame = pd.concat([frame, demand], axis=1)
    public = (schools["kind"] == "public").to_numpy()
    order = {"red": 0, "orange": 1, "yellow": 2, "": 3}
    frame = frame[public].assign(_order=lambda f: f["level"].map(order))
    return frame.sort_values(["_order", "ratio"], ascending=[True, False], kind="stable").drop(
        columns="_order").reset_index(drop=True)


#: Prefixes of the per-tier count columns of the report's tables.
TIER_COUNT_PREFIXES = ("demand_", "placed_")


def without_empty_tiers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the per-tier count columns that are zero in every row.

    The printed page shows the tiers that count (a primary county has no grade-7
    rung, the warnings of public schools no private lottery), so its tables fit the
    page; the workbook keeps every column.
    """
    empty = [column for column in frame.columns if column.startswith(TIER_COUNT_PREFIXES)
             and pd.api.types.is_numeric_dtype(frame[column]) and not frame[column].any()]
    return frame.drop(columns=empty)
