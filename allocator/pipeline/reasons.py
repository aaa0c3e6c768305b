"""Reasons a parent can read, one per applicant, built column-wise."""

from __future__ import annotations

import numpy as np

from allocator.policy.eligibility import EXCLUSION_REASONS
from allocator.problem.compiled import (
    SOURCE_CATCHMENT,
    SOURCE_FEEDER,
    SOURCE_OVERFLOW,
    SOURCE_RESOURCE_ROOM,
    SOURCE_SIBLING,
    SOURCE_STATED,
    CompiledProblem,
)
from allocator.solvers.result import PLACED_BY_GROUP, PLACED_BY_SWEEP, Allocation

#: reason_code per arc source of the placement
SOURCE_CODES = {SOURCE_STATED: "choice", SOURCE_CATCHMENT: "catchment",
                SOURCE_OVERFLOW: "overflow", SOURCE_SIBLING: "older_sibling",
                SOURCE_RESOURCE_ROOM: "resource_room", SOURCE_FEEDER: "feeder_school"}

_PLACED_TEXT = {
    SOURCE_STATED: "admitted at stated choice {rank} in tier {tier}",
    SOURCE_CATCHMENT: "admitted at a catchment school (choice {rank}) in tier {tier}",
    SOURCE_OVERFLOW: "redirected: the catchment school was full{cutoff}; admitted at the "
                     "nearest school with seats (choice {rank}) in tier {tier}",
    SOURCE_SIBLING: "admitted at the older sibling's school (长幼随学) in tier {tier}",
    SOURCE_RESOURCE_ROOM: "admitted at the nearest school with a resource room (随班就读) in "
                          "tier {tier}",
    SOURCE_FEEDER: "admitted at the junior school of the feeder primary (对口直升) in tier {tier}",
}


def reasons(problem: CompiledProblem, allocation: Allocation, tier_label: np.ndarray,
            source: np.ndarray, choice_rank: np.ndarray,
            first_choice_cutoff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A short machine code and a sentence per applicant.

    ``first_choice_cutoff`` is, per applicant, the cut-off text (tier and
    lottery) of the first public school on its list when that school was
    oversubscribed, else ''.
    """
    n = problem.applicant_count
    code = np.full(n, "unplaced", dtype=object)
    reason = np.full(n, "not placed: every school on the effective list was full and no school "
                        "of the county had a free seat left", dtype=object)
    reason[np.diff(problem.arc_start) == 0] = "not placed: no school on the effective list"
    private_win = _private_winners(problem, allocation)
    for value, template in _PLACED_TEXT.items():
        mask = (source == value) & ~private_win
        code[mask] = SOURCE_CODES[value]
        cutoff = np.where(first_choice_cutoff[mask] != "",
                          " (cut-off " + first_choice_cutoff[mask] + ")", "")
        reason[mask] = [template.format(rank=r, tier=t, cutoff=c) for r, t, c in zip(
            choice_rank[mask], tier_label[mask], cutoff, strict=True)]
    code[private_win] = "private_round"
    reason[private_win] = ["private round (公民同招): won the lottery at stated choice "
                           f"{r}" for r in choice_rank[private_win]]
    better_full = np.isin(source, [SOURCE_CATCHMENT, SOURCE_STATED]) & (choice_rank > 1)
    reason[better_full & ~private_win] += "; higher choices were full"
    _sweep_and_groups(problem, allocation, code, reason)
    _private_losers(problem, allocation, private_win, reason)
    for exclusion, text in EXCLUSION_REASONS.items():
        mask = problem.exclusion == exclusion
        code[mask] = f"excluded:{exclusion}"
        reason[mask] = f"excluded: {text}"
    return code, reason


def _private_winners(problem: CompiledProblem, allocation: Allocation) -> np.ndarray:
    arc = allocation.assigned_arc
    return (arc >= 0) & problem.arc_private[np.maximum(arc, 0)] if problem.arc_count else (
        np.zeros(problem.applicant_count, bool))


def _sweep_and_groups(problem, allocation, code, reason) -> None:
    swept = allocation.placed_by == PLACED_BY_SWEEP
    code[swept] = "sweep"
    reason[swept] = ("placed by the county-wide sweep (统筹) at the nearest school with a free "
                     "seat: every school on the effective list was full")
    guaranteed = problem.applicant_guaranteed & (problem.exclusion == "")
    reason[swept & guaranteed] += "; placed under the guarantee (应入尽入)"
    unplaced = allocation.assigned_school < 0
    reason[unplaced & guaranteed] += ("; guaranteed child (应入尽入) left without a seat: "
                                      "reported as a shortfall")
    by_group = allocation.placed_by == PLACED_BY_GROUP
    code[by_group] = "sibling_group"
    reason[by_group] = "placed with its sibling group at the school admitting the group"
    grouped = (problem.applicant_group >= 0) & (allocation.assigned_school >= 0) & ~by_group
    reason[grouped] += "; siblings applying together are placed together"


def _private_losers(problem, allocation, private_win, reason) -> None:
    if not problem.arc_private.any():
        return
    applied = np.bincount(problem.arc_applicant()[problem.arc_private],
                          minlength=problem.applicant_count) > 0
    losers = applied & ~private_win & (problem.exclusion == "")
    reason[losers] += "; lost the private-school lottery (no penalty in the public round)"
