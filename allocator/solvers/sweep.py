"""County-wide final sweep: the rest go to the nearest school with a free seat (统筹)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.problem.distance import haversine_km
from allocator.solvers.result import PLACED_BY_SWEEP, Allocation


def final_sweep(problem: CompiledProblem, allocation: Allocation) -> Allocation:
    """Place every eligible unplaced applicant at the nearest public school with a free seat.

    Applicants are taken in tie-break order (lottery last) within their
    (county, stage) unit; a school's free seats are those left after the
    mechanism. Schools without a position count as farthest, then by order
    in ``schools.csv``. Returns a new allocation; the input is not changed.
    """
    if not problem.final_sweep:
        return allocation
    school = allocation.assigned_school.copy()
    placed_by = allocation.placed_by.copy()
    free_seats = problem.school_capacity - allocation.school_counts(problem.school_count)
    waiting = np.flatnonzero((problem.exclusion == "") & (school < 0))
    swept = 0
    for unit in np.unique(problem.applicant_unit[waiting]):
        candidates = np.flatnonzero(problem.school_public & (problem.school_unit == unit)
                                    & (free_seats > 0))
        if candidates.size == 0:
            continue
        people = waiting[problem.applicant_unit[waiting] == unit]
        people = people[np.argsort(problem.tie_rank[people], kind="stable")]
        for applicant in people:
            open_schools = candidates[free_seats[candidates] > 0]
            if open_schools.size == 0:
                break
            distance = haversine_km(problem.applicant_lat[applicant],
                                    problem.applicant_lon[applicant],
                                    problem.school_lat[open_schools],
                                    problem.school_lon[open_schools])
            best = open_schools[int(np.argmin(np.where(np.isnan(distance), np.inf, distance)))]
            school[applicant] = best
            placed_by[applicant] = PLACED_BY_SWEEP
            free_seats[best] -= 1
            swept += 1
    statistics = dict(allocation.statistics, swept=swept)
    return replace(allocation, assigned_school=school, placed_by=placed_by,
                   statistics=statistics)
