"""Applicant-proposing deferred acceptance, vectorised over rounds."""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.solvers.units import (
    Units,
    admit,
    build_units,
    expand_to_members,
    unit_priorities,
)

_NOT_FULL = np.iinfo(np.int64).max


def deferred_acceptance(problem: CompiledProblem) -> Allocation:
    """Applicant-optimal stable matching by applicant-proposing deferred acceptance.

    Gale and Shapley (1962), "College admissions and the stability of
    marriage"; school-choice form as in Abdulkadiroğlu and Sönmez (2003).
    Proposals are made simultaneously in rounds (McVitie and Wilson 1970 show
    the order of proposals does not change the outcome):

    1. Every free unit (an applicant, or a sibling group through its lead) with
       schools left proposes to the next school on its effective list.
    2. A proposal that ranks below a full school's worst held applicant is
       rejected at once (the school's cut-off key).
    3. Each school that received a proposal pools it with the units it holds,
       keeps units by priority key while their members fit (see
       :func:`allocator.solvers.units.admit`) and rejects the rest.
    4. Rejected units become free; stop when no free unit has a school left.
       Holds become final; group members follow their lead.

    Without sibling groups this is exactly Gale-Shapley and the result is the
    applicant-optimal stable matching. With groups it is the family-level
    variant: a stable matching may not exist (the couples problem), capacity is
    never exceeded and verification counts the blocking pairs.

    Priority keys are unique and grouped by school (see
    :mod:`allocator.problem.compiled`), so step 3 is one sort of the pooled
    arcs. Cost per round is linear in applicants plus the pooled arcs.
    """
    units = build_units(problem)
    n = problem.applicant_count
    schools = problem.school_count
    arc_school = problem.arc_school.astype(np.int64)
    priority = unit_priorities(problem, units)
    capacity = problem.school_capacity
    end = problem.arc_start[1:]
    pointer = problem.arc_start[:-1].copy()
    held = np.full(n, -1, dtype=np.int64)
    held_school = np.full(n, schools, dtype=np.int64)  # ``schools`` = holds nothing
    cutoff = np.where(capacity > 0, _NOT_FULL, -1).astype(np.int64)
    touched = np.zeros(schools + 1, dtype=bool)
    free = np.flatnonzero((problem.exclusion == "") & units.proposers & (pointer < end))
    rounds = proposals = 0
    while free.size:
        rounds += 1
        arcs = pointer[free]
        pointer[free] += 1
        proposals += arcs.size
        viable = priority[arcs] < cutoff[arc_school[arcs]]
        still_free = [free[~viable]]
        if viable.any():
            rejected = _pool_and_keep(free[viable], arcs[viable], held, held_school, touched,
                                      arc_school, priority, capacity, cutoff, units)
            still_free.append(rejected)
        free = np.concatenate(still_free)
        free = free[pointer[free] < end[free]]
    allocation = Allocation.from_arcs("deferred-acceptance", held, arc_school,
                                      {"rounds": rounds, "proposals": int(proposals)})
    return expand_to_members(problem, units, allocation)


def _pool_and_keep(proposer, proposal_arc, held, held_school, touched, arc_school, priority,
                   capacity, cutoff, units: Units) -> np.ndarray:
    """Step 3 for the schools receiving proposals; returns the rejected units' leads."""
    receiving = np.unique(arc_school[proposal_arc])
    touched[receiving] = True
    holders = np.flatnonzero(touched[held_school])
    touched[receiving] = False
    applicant = np.concatenate([holders, proposer])
    arc = np.concatenate([held[holders], proposal_arc])
    order = np.argsort(priority[arc], kind="stable")
    applicant, arc = applicant[order], arc[order]
    school = arc_school[arc]
    size = units.size[applicant]
    keep = admit(school, size, capacity)
    held[applicant[keep]] = arc[keep]
    held_school[applicant[keep]] = school[keep]
    rejected = applicant[~keep]
    held[rejected] = -1
    held_school[rejected] = len(capacity)
    _update_cutoffs(receiving, school[keep], size[keep], priority[arc[keep]], capacity, cutoff)
    return rejected


def _update_cutoffs(receiving, kept_school, kept_size, kept_key, capacity, cutoff) -> None:
    """A full school's cut-off is its worst held key; others take any proposal."""
    used = np.bincount(kept_school, weights=kept_size, minlength=len(capacity))[receiving]
    worst = np.full(len(capacity), -1, dtype=np.int64)
    np.maximum.at(worst, kept_school, kept_key)
    full = used >= capacity[receiving]
    cutoff[receiving] = np.where(capacity[receiving] <= 0, -1,
                                 np.where(full, worst[receiving], _NOT_FULL))
