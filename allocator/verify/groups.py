"""Checks for sibling groups, certified-group plan adjustments and guaranteed children."""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.verify.result import EXAMPLES, CheckResult


def check_siblings_together(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """Every sibling group is in one school, or wholly unplaced (together: required)."""
    grouped = np.flatnonzero(problem.applicant_group >= 0)
    group = problem.applicant_group[grouped]
    school = allocation.assigned_school[grouped]
    order = np.lexsort((school, group))
    group, school = group[order], school[order]
    same_group = group[1:] == group[:-1]
    split = np.unique(group[1:][same_group & (school[1:] != school[:-1])])
    names = _group_examples(problem, split)
    required = problem.groups_together == "required"
    return CheckResult("siblings_together", split.size == 0 or not required, int(split.size),
                       required, "siblings applying together are placed in one school "
                       "(counted, not failed, when the policy only prefers it)", names)


def check_class_size_ceiling(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """No school holds more than classes x the per-class ceiling (56), certified included."""
    counts = allocation.school_counts(problem.school_count)
    over = np.flatnonzero(counts > problem.school_ceiling)
    examples = [f"{problem.school_ids[s]}: {counts[s]} > {problem.school_ceiling[s]}"
                for s in over[:EXAMPLES]]
    return CheckResult("class_size_ceiling", over.size == 0, int(over.size), True,
                       "no school above its classes x the per-class ceiling", examples)


def check_guaranteed_enrolled(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """No guaranteed child (应入尽入) is unplaced while its county still has a free seat."""
    counts = allocation.school_counts(problem.school_count)
    free = np.maximum(problem.school_capacity - counts, 0) * problem.school_public
    free_by_unit = np.bincount(problem.school_unit, weights=free,
                               minlength=int(problem.applicant_unit.max(initial=0)) + 1)
    waiting = np.flatnonzero(problem.applicant_guaranteed & (problem.exclusion == "")
                             & (allocation.assigned_school < 0))
    violating = waiting[free_by_unit[problem.applicant_unit[waiting]] > 0]
    examples = [str(problem.applicant_ids[a]) for a in violating[:EXAMPLES]]
    return CheckResult("guaranteed_enrolled", violating.size == 0, int(violating.size), True,
                       "every child of the guaranteed groups is placed while seats remain "
                       "in the county", examples)


def groups_involved(problem: CompiledProblem, envious_applicants: np.ndarray) -> list[str]:
    """Sibling-group ids of applicants in blocking pairs (group-caused instability)."""
    codes = problem.applicant_group[envious_applicants]
    codes = np.unique(codes[codes >= 0])
    return _group_examples(problem, codes, limit=None)


def _group_examples(problem: CompiledProblem, codes: np.ndarray,
                    limit: int | None = EXAMPLES) -> list[str]:
    """Application numbers of the members of each group code, as 'id+id'."""
    chosen = codes if limit is None else codes[:limit]
    result = []
    for code in chosen:
        members = problem.applicant_ids[problem.applicant_group == code]
        result.append("+".join(sorted(str(m) for m in members)))
    return result
