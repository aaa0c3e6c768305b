"""Applicant-proposing deferred acceptance, vectorised over rounds."""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.solvers.units import (
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
       rejected at once (the school's cut-off key), and the unit proposes to its
       next school in the same round.
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
    arcs, and only at schools whose proposals overflow their free seats (the
    others simply add them). Cost per round is linear in applicants plus the
    pooled arcs.
    """
    units = build_units(problem)
    arc_school = problem.arc_school.astype(np.int64)
    priority = unit_priorities(problem, units)
    end = problem.arc_start[1:]
    pointer = problem.arc_start[:-1].copy()
    state = _Holds(problem.applicant_count, problem.school_capacity)
    free = np.flatnonzero((problem.exclusion == "") & units.proposers & (pointer < end))
    rounds = proposals = 0
    while free.size:
        rounds += 1
        proposer, arcs, made = _next_viable(free, pointer, end, priority, state.cutoff,
                                            arc_school)
        proposals += made
        free = state.receive(proposer, arcs, arc_school, priority, units.size)
        free = free[pointer[free] < end[free]]
    allocation = Allocation.from_arcs("deferred-acceptance", state.held, arc_school,
                                      {"rounds": rounds, "proposals": int(proposals)})
    return expand_to_members(problem, units, allocation)


def _next_viable(free, pointer, end, priority, cutoff, arc_school):
    """Each free unit's next proposal that its school's current cut-off does not refuse.

    Cut-offs only tighten, so a proposal refused at once now would be refused in
    any later round too: skipping it here changes no outcome, and saves rounds.
    Returns (proposers, their arcs, number of proposals made).
    """
    proposers, arcs, made = [], [], 0
    trying = free
    while trying.size:
        arc = pointer[trying]
        pointer[trying] += 1
        made += arc.size
        viable = priority[arc] < cutoff[arc_school[arc]]
        proposers.append(trying[viable])
        arcs.append(arc[viable])
        trying = trying[~viable]
        trying = trying[pointer[trying] < end[trying]]
    return np.concatenate(proposers), np.concatenate(arcs), made


class _Holds:
    """What every school holds: per applicant its held arc, per school seats and cut-off."""

    def __init__(self, applicant_count: int, capacity: np.ndarray):
        schools = len(capacity)
        self.capacity = capacity
        self.held = np.full(applicant_count, -1, dtype=np.int64)
        self.held_school = np.full(applicant_count, schools, dtype=np.int64)  # none
        self.used = np.zeros(schools, dtype=np.int64)
        self.worst = np.full(schools, -1, dtype=np.int64)
        self.cutoff = np.where(capacity > 0, _NOT_FULL, -1).astype(np.int64)
        self.touched = np.zeros(schools + 1, dtype=bool)

    def receive(self, proposer, arc, arc_school, priority, unit_size) -> np.ndarray:
        """Step 3: admit this round's proposals; returns the rejected units' leads.

        Where a school has room for all its proposals they are simply added;
        only schools that would overflow pool proposals with their holders.
        """
        if proposer.size == 0:
            return proposer
        school = arc_school[arc]
        size = unit_size[proposer]
        wanted = np.bincount(school, weights=size, minlength=len(self.capacity))
        room = (self.used + wanted <= self.capacity)[school]
        self._hold(proposer[room], arc[room], school[room], size[room], priority)
        self._refresh(np.unique(school[room]))
        if room.all():
            return np.zeros(0, dtype=np.int64)
        return self._pool(proposer[~room], arc[~room], arc_school, priority, unit_size)

    def _hold(self, applicant, arc, school, size, priority) -> None:
        self.held[applicant] = arc
        self.held_school[applicant] = school
        np.add.at(self.used, school, size)
        np.maximum.at(self.worst, school, priority[arc])

    def _pool(self, proposer, proposal_arc, arc_school, priority, unit_size) -> np.ndarray:
        receiving = np.unique(arc_school[proposal_arc])
        self.touched[receiving] = True
        holders = np.flatnonzero(self.touched[self.held_school])
        self.touched[receiving] = False
        applicant = np.concatenate([holders, proposer])
        arc = np.concatenate([self.held[holders], proposal_arc])
        order = np.argsort(priority[arc], kind="stable")
        applicant, arc = applicant[order], arc[order]
        school = arc_school[arc]
        size = unit_size[applicant]
        keep = admit(school, size, self.capacity)
        rejected = applicant[~keep]
        self.held[rejected] = -1
        self.held_school[rejected] = len(self.capacity)
        self.used[receiving] = 0
        self.worst[receiving] = -1
        self._hold(applicant[keep], arc[keep], school[keep], size[keep], priority)
        self._refresh(receiving)
        return rejected

    def _refresh(self, schools: np.ndarray) -> None:
        """A full school's cut-off is its worst held key; others take any proposal."""
        capacity = self.capacity[schools]
        full = self.used[schools] >= capacity
        self.cutoff[schools] = np.where(capacity <= 0, -1,
                                        np.where(full, self.worst[schools], _NOT_FULL))
