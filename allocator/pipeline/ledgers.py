"""Ledgers for ``summary.json``: guaranteed children, plan adjustments, siblings.

Every list names children by application number only, never by name or ID number.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.verify.result import CheckResult


def guarantee_ledger(problem: CompiledProblem, allocation: Allocation,
                     applicants: pd.DataFrame) -> dict[str, Any]:
    """Guaranteed children (应入尽入): counts, the unplaced, and the shortfall by area.

    A child's area is the first public school of its effective list (its
    catchment school); ``seats_needed`` is what would close the gap there.
    """
    guaranteed = problem.applicant_guaranteed & (problem.exclusion == "")
    unplaced = np.flatnonzero(guaranteed & (allocation.assigned_school < 0))
    first_arc = problem.first_public_arc()
    public_first = np.where(first_arc >= 0, problem.arc_school[np.maximum(first_arc, 0)], -1) if (
        problem.arc_count) else first_arc
    area = np.where(public_first[unplaced] >= 0,
                    problem.school_ids[np.maximum(public_first[unplaced], 0)], "")
    shortfall = pd.DataFrame({
        "county": applicants["county"].to_numpy(dtype=object)[unplaced],
        "stage": problem.applicant_stage[unplaced], "area_school_id": area})
    by_area = (shortfall.groupby(["county", "stage", "area_school_id"], sort=True).size()
               .rename("seats_needed").reset_index())
    return {
        "children": int(guaranteed.sum()),
        "placed": int((guaranteed & (allocation.assigned_school >= 0)).sum()),
        "unplaced": [str(problem.applicant_ids[a]) for a in unplaced],
        "shortfall_by_area": by_area.to_dict(orient="records"),
        "seats_needed": int(len(unplaced)),
    }


def plan_adjustments(problem: CompiledProblem) -> list[dict[str, Any]]:
    """Schools whose plan was raised for certified children placed first (tier 0)."""
    raised = np.flatnonzero(problem.school_capacity > problem.school_plan)
    return [{"school_id": str(problem.school_ids[s]), "plan": int(problem.school_plan[s]),
             "seats": int(problem.school_capacity[s]),
             "certified_extra": int(problem.school_capacity[s] - problem.school_plan[s]),
             "ceiling": int(problem.school_ceiling[s])} for s in raised]


def sibling_ledger(problem: CompiledProblem, allocation: Allocation,
                   applicants: pd.DataFrame, checks: list[CheckResult]) -> dict[str, Any]:
    """Sibling groups (twins, multiples) and older-sibling requests (长幼随学)."""
    grouped = np.flatnonzero(problem.applicant_group >= 0)
    frame = pd.DataFrame({"group": problem.applicant_group[grouped],
                          "school": allocation.assigned_school[grouped]})
    per_group = frame.groupby("group")["school"].agg(["nunique", "min"])
    together = int(((per_group["nunique"] == 1) & (per_group["min"] >= 0)).sum())
    envy = next((c for c in checks if c.name == "no_justified_envy"), None)
    requested = applicants["sibling_school"].to_numpy(dtype=object)
    asked = np.flatnonzero((requested != "") & (problem.exclusion == ""))
    placed_there = problem.school_ids[np.maximum(allocation.assigned_school[asked], 0)] == (
        requested[asked])
    honoured = placed_there & (allocation.assigned_school[asked] >= 0)
    return {
        "groups": int(len(per_group)),
        "members": int(len(grouped)),
        "groups_placed_together": together,
        "groups_unplaced": int((per_group["min"] < 0).sum()),
        "rule": problem.groups_together,
        "blocking_pairs": envy.violations if envy else 0,
        "groups_involved_in_blocking_pairs": envy.groups if envy else [],
        "older_sibling_requests": int(len(asked)),
        "older_sibling_requests_honoured": int(honoured.sum()),
    }
