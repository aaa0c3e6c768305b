"""Verification of an allocation against its compiled problem.

One module used by the pipeline, the tests and the reports. Every check
returns a :class:`CheckResult`; a check that is ``required`` fails the
verification when it finds violations, the others only report a count
(justified envy under a mechanism that does not promise stability).
"""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import (
    PLACED_BY_GROUP,
    PLACED_BY_MECHANISM,
    PLACED_BY_SWEEP,
    Allocation,
)
from allocator.verify.groups import (
    check_class_size_ceiling,
    check_guaranteed_enrolled,
    check_siblings_together,
    groups_involved,
)
from allocator.verify.result import EXAMPLES, CheckResult

_EXAMPLES = EXAMPLES
_WORST = np.iinfo(np.int64).max


def verify(problem: CompiledProblem, allocation: Allocation,
           stability_required: bool = True) -> list[CheckResult]:
    """Run every check; see each ``check_*`` function for its definition."""
    linked = bool((problem.applicant_group >= 0).any())
    return [
        check_one_row_per_applicant(problem, allocation),
        check_capacity(problem, allocation),
        check_class_size_ceiling(problem, allocation),
        check_eligibility(problem, allocation),
        check_siblings_together(problem, allocation),
        check_guaranteed_enrolled(problem, allocation),
        check_justified_envy(problem, allocation, required=stability_required and not linked),
    ]


def all_passed(checks: list[CheckResult]) -> bool:
    """Whether every required check passed."""
    return all(check.passed or not check.required for check in checks)


def check_one_row_per_applicant(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """Exactly one outcome per applicant and unique applicant ids."""
    ids = problem.applicant_ids
    unique = len(set(ids.tolist())) == len(ids)
    sizes_match = all(len(a) == len(ids) for a in (
        allocation.assigned_school, allocation.assigned_arc, allocation.placed_by))
    violations = int(not unique) + int(not sizes_match)
    return CheckResult("one_row_per_applicant", violations == 0, violations, True,
                       "one outcome per applicant, applicant ids unique")


def check_capacity(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """No school holds more applicants than its capacity."""
    counts = allocation.school_counts(problem.school_count)
    over = np.flatnonzero(counts > problem.school_capacity)
    examples = [f"{problem.school_ids[s]}: {counts[s]} > {problem.school_capacity[s]}"
                for s in over[:_EXAMPLES]]
    return CheckResult("capacity", over.size == 0, int(over.size), True,
                       "no school over capacity", examples)


def check_eligibility(problem: CompiledProblem, allocation: Allocation) -> CheckResult:
    """Placements are on the applicant's list (or a valid sweep) and in its county.

    A mechanism placement must use one of the applicant's own arcs and that
    arc's school; a sweep placement must be a public school of the same
    (county, stage) unit; excluded applicants are never placed.
    """
    school = allocation.assigned_school
    placed = school >= 0
    bad = placed & (problem.exclusion != "")
    by_mechanism = np.flatnonzero(allocation.placed_by == PLACED_BY_MECHANISM)
    arc = allocation.assigned_arc[by_mechanism]
    own = (arc >= problem.arc_start[by_mechanism]) & (arc < problem.arc_start[by_mechanism + 1])
    safe_arc = np.clip(arc, 0, max(problem.arc_count - 1, 0))
    matches = own & (problem.arc_school[safe_arc] == school[by_mechanism]) if len(
        by_mechanism) else own
    bad[by_mechanism[~matches]] = True
    by_group = np.flatnonzero(allocation.placed_by == PLACED_BY_GROUP)
    group_ok = problem.school_unit[school[by_group]] == problem.applicant_unit[by_group]
    bad[by_group[~group_ok | (problem.applicant_group[by_group] < 0)]] = True
    by_sweep = np.flatnonzero(allocation.placed_by == PLACED_BY_SWEEP)
    sweep_ok = problem.school_public[school[by_sweep]] & (
        problem.school_unit[school[by_sweep]] == problem.applicant_unit[by_sweep])
    bad[by_sweep[~sweep_ok]] = True
    if problem.final_sweep:  # ladder policies: never across counties or stages
        safe_school = np.maximum(school, 0)
        bad |= placed & (problem.school_unit[safe_school] != problem.applicant_unit)
    offenders = np.flatnonzero(bad)
    examples = [str(problem.applicant_ids[a]) for a in offenders[:_EXAMPLES]]
    return CheckResult("eligibility", offenders.size == 0, int(offenders.size), True,
                       "every placement eligible and within the applicant's county and stage",
                       examples)


def preferred_arcs(problem: CompiledProblem, allocation: Allocation) -> np.ndarray:
    """Boolean per arc: the applicant would rather have this school than its outcome.

    Every arc before the held one; every arc when the applicant was not placed
    by the mechanism (unplaced, swept, or following its group).
    """
    bound = problem.arc_start[1:].copy()
    by_mechanism = allocation.placed_by == PLACED_BY_MECHANISM
    bound[by_mechanism] = allocation.assigned_arc[by_mechanism]
    return np.arange(problem.arc_count) < bound[problem.arc_applicant()]


def envy_arcs(problem: CompiledProblem, allocation: Allocation,
              never_open: np.ndarray | None = None) -> np.ndarray:
    """Boolean per arc: the applicant prefers this school and has justified envy there.

    An applicant prefers every arc before its assigned one (all arcs when not
    placed by the mechanism). Envy is justified when the school has a free
    seat, or admitted someone with a worse priority key there (a sweep
    placement counts as the worst priority). Admissions on arcs flagged in
    ``never_open`` (a later round's held seats) do not count as admitted.
    """
    preferred = preferred_arcs(problem, allocation)
    by_mechanism = allocation.placed_by == PLACED_BY_MECHANISM
    counts = allocation.school_counts(problem.school_count)
    free_seat = counts < problem.school_capacity
    worst = np.full(problem.school_count, -1, dtype=np.int64)
    held = allocation.assigned_arc[by_mechanism]
    if never_open is not None:
        held = held[~never_open[held]]
    np.maximum.at(worst, problem.arc_school[held], problem.arc_priority[held])
    swept = allocation.placed_by == PLACED_BY_SWEEP
    worst[allocation.assigned_school[swept]] = _WORST
    school = problem.arc_school
    return preferred & (free_seat[school] | (problem.arc_priority < worst[school]))


def check_justified_envy(problem: CompiledProblem, allocation: Allocation,
                         required: bool = True) -> CheckResult:
    """No applicant prefers a school that has a free seat or admitted lower priority.

    Not required when the mechanism does not promise stability, or when sibling
    groups must be placed together (a stable matching may then not exist); the
    blocking pairs are counted and the groups involved listed.
    """
    envious = np.flatnonzero(envy_arcs(problem, allocation))
    arc_applicant = problem.arc_applicant()
    examples = [f"{problem.applicant_ids[arc_applicant[a]]} -> "
                f"{problem.school_ids[problem.arc_school[a]]}" for a in envious[:_EXAMPLES]]
    return CheckResult("no_justified_envy", envious.size == 0 or not required,
                       int(envious.size), required,
                       "no applicant prefers a school that has a free seat or admitted someone "
                       "of lower priority (blocking pairs counted)", examples,
                       groups=groups_involved(problem, np.unique(arc_applicant[envious])))
