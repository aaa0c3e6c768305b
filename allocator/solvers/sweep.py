"""County-wide final sweep: the rest go to the nearest school with a free seat (统筹)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.problem.distance import haversine_km
from allocator.solvers.result import PLACED_BY_SWEEP, Allocation
from allocator.solvers.units import Units, build_units


def final_sweep(problem: CompiledProblem, allocation: Allocation,
                units: Units | None = None) -> Allocation:
    """Place every eligible unplaced unit at the nearest public school with free seats.

    Within each (county, stage) unit, children of the guaranteed groups (应入尽入)
    go first, then everyone in tie-break order (lottery last). A sibling group
    needs seats for all its members at one school. A school's free seats are
    those left after the mechanism; schools without a position count as
    farthest, then by order in ``schools.csv``. Returns a new allocation.
    """
    if not problem.final_sweep:
        return allocation
    units = units or build_units(problem)
    school = allocation.assigned_school.copy()
    placed_by = allocation.placed_by.copy()
    free_seats = problem.school_capacity - allocation.school_counts(problem.school_count)
    waiting = np.flatnonzero((problem.exclusion == "") & (school < 0) & units.proposers)
    members = _members_by_lead(units)
    swept = 0
    for unit in np.unique(problem.applicant_unit[waiting]):
        candidates = np.flatnonzero(problem.school_public & (problem.school_unit == unit)
                                    & (free_seats > 0))
        people = waiting[problem.applicant_unit[waiting] == unit]
        guaranteed = problem.applicant_guaranteed[people] | problem.applicant_guaranteed[
            units.lead[people]]
        people = people[np.lexsort((problem.tie_rank[people], ~guaranteed))]
        for lead in people:
            need = units.size[lead]
            open_schools = candidates[free_seats[candidates] >= need]
            if open_schools.size == 0:
                continue
            distance = haversine_km(problem.applicant_lat[lead], problem.applicant_lon[lead],
                                    problem.school_lat[open_schools],
                                    problem.school_lon[open_schools])
            best = open_schools[int(np.argmin(np.where(np.isnan(distance), np.inf, distance)))]
            group = members.get(int(lead), np.array([lead]))
            school[group] = best
            placed_by[group] = PLACED_BY_SWEEP
            free_seats[best] -= need
            swept += len(group)
    statistics = dict(allocation.statistics, swept=swept)
    assigned_arc = np.where(placed_by == PLACED_BY_SWEEP, -1, allocation.assigned_arc)
    return replace(allocation, assigned_school=school, placed_by=placed_by,
                   assigned_arc=assigned_arc, statistics=statistics)


def _members_by_lead(units: Units) -> dict[int, np.ndarray]:
    """Members (lead first) of every group with more than one member."""
    groups = np.flatnonzero(units.size > 1)
    if groups.size == 0:
        return {}
    followers = np.flatnonzero(units.size == 0)
    result = {int(lead): [lead] for lead in groups}
    for follower in followers:
        result[int(units.lead[follower])].append(follower)
    return {lead: np.asarray(members) for lead, members in result.items()}
