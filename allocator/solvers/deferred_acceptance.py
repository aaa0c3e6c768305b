"""Applicant-proposing deferred acceptance, vectorised over rounds."""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation

_NOT_FULL = np.iinfo(np.int64).max


def deferred_acceptance(problem: CompiledProblem) -> Allocation:
    """Applicant-optimal stable matching by applicant-proposing deferred acceptance.

    Gale and Shapley (1962), "College admissions and the stability of
    marriage"; school-choice form as in Abdulkadiroğlu and Sönmez (2003).
    Proposals are made simultaneously in rounds (McVitie and Wilson 1970 show
    the order of proposals does not change the outcome):

    1. Every free applicant with schools left proposes to the next school on
       its effective list.
    2. A proposal that ranks below a full school's worst held applicant is
       rejected at once (the school's cut-off key).
    3. Each school that received a proposal pools it with the applicants it
       holds, keeps the best ``capacity`` by priority key and rejects the rest.
    4. Rejected applicants become free; stop when no free applicant has a
       school left. Holds become final.

    Priority keys are unique and grouped by school (see
    :mod:`allocator.problem.compiled`), so step 3 is one sort of the pooled
    arcs. Cost per round is linear in applicants plus the pooled arcs.
    """
    n = problem.applicant_count
    schools = problem.school_count
    arc_school = problem.arc_school.astype(np.int64)
    priority = problem.arc_priority
    capacity = problem.school_capacity
    end = problem.arc_start[1:]
    pointer = problem.arc_start[:-1].copy()
    held = np.full(n, -1, dtype=np.int64)
    held_school = np.full(n, schools, dtype=np.int64)  # ``schools`` = holds nothing
    cutoff = np.where(capacity > 0, _NOT_FULL, -1).astype(np.int64)
    touched = np.zeros(schools + 1, dtype=bool)
    free = np.flatnonzero((problem.exclusion == "") & (pointer < end))
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
                                      arc_school, priority, capacity, cutoff)
            still_free.append(rejected)
        free = np.concatenate(still_free)
        free = free[pointer[free] < end[free]]
    return Allocation.from_arcs("deferred-acceptance", held, arc_school,
                                {"rounds": rounds, "proposals": int(proposals)})


def _pool_and_keep(proposer, proposal_arc, held, held_school, touched, arc_school, priority,
                   capacity, cutoff) -> np.ndarray:
    """Step 3 for the schools receiving proposals; returns the rejected applicants."""
    receiving = np.unique(arc_school[proposal_arc])
    touched[receiving] = True
    holders = np.flatnonzero(touched[held_school])
    touched[receiving] = False
    applicant = np.concatenate([holders, proposer])
    arc = np.concatenate([held[holders], proposal_arc])
    order = np.argsort(priority[arc], kind="stable")
    applicant, arc = applicant[order], arc[order]
    school = arc_school[arc]
    run_start = np.flatnonzero(np.r_[True, school[1:] != school[:-1]])
    run_length = np.diff(np.r_[run_start, len(school)])
    position = np.arange(len(school)) - np.repeat(run_start, run_length)
    keep = position < capacity[school]
    held[applicant[keep]] = arc[keep]
    held_school[applicant[keep]] = school[keep]
    rejected = applicant[~keep]
    held[rejected] = -1
    held_school[rejected] = len(capacity)
    run_school = school[run_start]
    full = run_length >= capacity[run_school]
    last_kept = run_start + np.minimum(run_length, capacity[run_school]) - 1
    cutoff[run_school] = np.where(full & (capacity[run_school] > 0),
                                  priority[arc[np.maximum(last_kept, run_start)]],
                                  np.where(capacity[run_school] > 0, _NOT_FULL, -1))
    return rejected
