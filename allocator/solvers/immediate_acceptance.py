"""Immediate acceptance (Boston mechanism, 志愿优先)."""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.solvers.units import admit, build_units, expand_to_members, unit_priorities


def immediate_acceptance(problem: CompiledProblem) -> Allocation:
    """Choices processed round by round; seats given in a round are final.

    Abdulkadiroğlu and Sönmez (2003), section 3 ("Boston student assignment
    mechanism"):

    1. Round k: every applicant not yet placed applies to the k-th school of
       its effective list.
    2. Each school admits, by priority key (tier, tie-breaks, lottery), as many
       of that round's applicants as it has seats left; admissions are final.
    3. Stop when no unplaced applicant has a k-th choice.

    Sibling groups apply as one unit through their lead and are admitted only
    when all members fit (see :func:`allocator.solvers.units.admit`).

    Not stable: an applicant may envy a later round's admission of lower
    priority; verification counts that justified envy instead of failing.
    """
    units = build_units(problem)
    n = problem.applicant_count
    start, end = problem.arc_start[:-1], problem.arc_start[1:]
    length = end - start
    arc_school = problem.arc_school.astype(np.int64)
    remaining = problem.school_capacity.copy()
    assigned = np.full(n, -1, dtype=np.int64)
    eligible = (problem.exclusion == "") & units.proposers
    priority = unit_priorities(problem, units)
    rounds = 0
    for k in range(int(length.max(initial=0))):
        who = np.flatnonzero(eligible & (assigned < 0) & (length > k))
        if who.size == 0:
            break
        rounds += 1
        arcs = start[who] + k
        order = np.argsort(priority[arcs], kind="stable")
        who, arcs = who[order], arcs[order]
        school = arc_school[arcs]
        size = units.size[who]
        admitted = admit(school, size, remaining)
        assigned[who[admitted]] = arcs[admitted]
        remaining -= np.bincount(school[admitted], weights=size[admitted],
                                 minlength=len(remaining)).astype(np.int64)
    allocation = Allocation.from_arcs("immediate-acceptance", assigned, arc_school,
                                      {"rounds": rounds})
    return expand_to_members(problem, units, allocation)
