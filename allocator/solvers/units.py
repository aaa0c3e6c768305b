"""Sibling groups as units: one proposer per group, admitted only if all members fit.

A unit is a single applicant or a sibling group placed together (twins,
multiples). The group's lead is its member with the best tie-break rank; the
lead's effective list speaks for the group, at each school the group competes
with the best key any member has there (:func:`unit_priorities`), and the other
members follow the lead's school.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import PLACED_BY_GROUP, PLACED_BY_MECHANISM, Allocation


@dataclass(frozen=True)
class Units:
    """Lead of every applicant and the size of every lead's unit (0 for followers)."""

    lead: np.ndarray
    size: np.ndarray

    @property
    def proposers(self) -> np.ndarray:
        """Mask of applicants that propose (singles and group leads)."""
        return self.size > 0


def build_units(problem: CompiledProblem) -> Units:
    """Units of ``problem``: groups with two or more placeable members, else singles."""
    n = problem.applicant_count
    lead = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    grouped = np.flatnonzero(problem.applicant_group >= 0)
    if grouped.size:
        order = grouped[np.lexsort((problem.tie_rank[grouped],
                                    problem.applicant_group[grouped]))]
        groups = problem.applicant_group[order]
        first = np.r_[True, groups[1:] != groups[:-1]]
        run_start = np.flatnonzero(first)
        run_length = np.diff(np.r_[run_start, len(order)])
        leads = order[run_start]
        lead[order] = np.repeat(leads, run_length)
        size[order] = 0
        size[leads] = run_length
    return Units(lead, size)


def unit_priorities(problem: CompiledProblem, units: Units) -> np.ndarray:
    """Arc keys with which units compete: a group's key at a school is the best key any
    of its members has there (a tier-0 twin carries the group: certified children are
    placed first); singles keep their own keys."""
    priority = problem.arc_priority
    grouped = units.size > 1
    if not grouped.any():
        return priority
    priority = priority.copy()
    arc_applicant = problem.arc_applicant()
    school_count = problem.school_count
    follower_arc = np.flatnonzero(units.size[arc_applicant] == 0)
    lead_arc = np.flatnonzero(grouped[arc_applicant])
    follower_pair = (units.lead[arc_applicant[follower_arc]] * school_count
                     + problem.arc_school[follower_arc])
    order = np.argsort(follower_pair, kind="stable")
    pairs, first = np.unique(follower_pair[order], return_index=True)
    if pairs.size == 0:
        return priority
    best = np.minimum.reduceat(priority[follower_arc][order], first)
    lead_pair = arc_applicant[lead_arc] * school_count + problem.arc_school[lead_arc]
    found = np.minimum(np.searchsorted(pairs, lead_pair), len(pairs) - 1)
    hit = pairs[found] == lead_pair
    chosen = lead_arc[hit]
    priority[chosen] = np.minimum(priority[chosen], best[found[hit]])
    return priority


def admit(school: np.ndarray, size: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Which candidates a school admits, candidates sorted by (school, priority).

    Units are taken in priority order while their members fit; a unit that does
    not fit is refused and smaller units after it may still take the seats left
    (a seat is never left empty while a unit that fits wants it).
    """
    run_start = np.flatnonzero(np.r_[True, school[1:] != school[:-1]]) if len(school) else (
        np.zeros(0, np.int64))
    run_length = np.diff(np.r_[run_start, len(school)])
    cumulative = np.cumsum(size)
    before_run = np.repeat(cumulative[run_start] - size[run_start], run_length)
    keep = (cumulative - before_run) <= seats[school]
    if (size > 1).any():
        used = np.add.reduceat(np.where(keep, size, 0), run_start) if len(school) else size
        refused = np.add.reduceat((~keep).astype(np.int64), run_start) if len(school) else size
        room = (refused > 0) & (used < seats[school[run_start]])
        _fill_after_refusals(keep, school, size, seats, run_start[room], run_length[room])
    return keep


def _fill_after_refusals(keep, school, size, seats, run_start, run_length) -> None:
    """Greedy pass over the schools where a group was refused with seats left."""
    for start, length in zip(run_start, run_length, strict=True):
        stop = start + length
        used = 0
        available = seats[school[start]]
        for index in range(start, stop):
            fits = used + size[index] <= available
            keep[index] = fits
            used += size[index] if fits else 0
            if used == available:
                keep[index + 1:stop] = False
                break


def expand_to_members(problem: CompiledProblem, units: Units,
                      allocation: Allocation) -> Allocation:
    """Give every follower its lead's school (its own arc there when it has one)."""
    followers = np.flatnonzero(units.size == 0)
    if followers.size == 0:
        return allocation
    school = allocation.assigned_school.copy()
    arc = allocation.assigned_arc.copy()
    placed_by = allocation.placed_by.copy()
    lead_school = school[units.lead[followers]]
    with_school = followers[lead_school >= 0]
    target = school[units.lead[with_school]]
    school[with_school] = target
    own = _own_arc(problem, with_school, target)
    lead_by = allocation.placed_by[units.lead[with_school]]
    by_mechanism = lead_by == PLACED_BY_MECHANISM
    arc[with_school] = np.where(by_mechanism, own, -1)
    placed_by[with_school] = np.where(by_mechanism & (own < 0), PLACED_BY_GROUP, lead_by)
    from dataclasses import replace
    return replace(allocation, assigned_school=school, assigned_arc=arc, placed_by=placed_by)


def _own_arc(problem: CompiledProblem, applicant: np.ndarray, school: np.ndarray) -> np.ndarray:
    """Index of each applicant's own arc to ``school`` (-1 when not on its list)."""
    result = np.full(len(applicant), -1, dtype=np.int64)
    for index, (who, target) in enumerate(zip(applicant, school, strict=True)):
        start, stop = problem.arc_start[who], problem.arc_start[who + 1]
        hits = np.flatnonzero(problem.arc_school[start:stop] == target)
        if hits.size:
            result[index] = start + hits[0]
    return result
