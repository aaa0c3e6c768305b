"""The compiled problem: one solver-neutral form every mechanism consumes.

Candidate arcs applicant -> school are stored sorted by (applicant, choice
rank) as CSR arrays. Each arc carries its tier, source, distance and a packed
``priority`` key: ``school << 44 | tier << 36 | not_sibling << 35 | tie-break
rank``. Lower is better, keys are unique, and sorting arcs by key groups them
by school in the school's priority order, which is what makes vectorised
mechanisms simple. ``not_sibling`` is 0 for an older-sibling request at the
sibling's school under the ``within_tier`` rule (长幼随学 first inside its tier).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

SCHOOL_SHIFT = 44
TIER_SHIFT = 36
SIBLING_SHIFT = 35
TIE_MASK = (1 << SIBLING_SHIFT) - 1

SOURCE_STATED, SOURCE_CATCHMENT, SOURCE_OVERFLOW = 0, 1, 2
SOURCE_SIBLING, SOURCE_RESOURCE_ROOM, SOURCE_FEEDER = 3, 4, 5
SOURCE_NAMES: tuple[str, ...] = ("stated_choice", "catchment", "overflow", "older_sibling",
                                 "resource_room", "feeder_school")


def certified_seats(problem: CompiledProblem, plan: np.ndarray,
                    ceiling: np.ndarray) -> np.ndarray:
    """Seats per school: the plan, raised where more first-rung (certified) children put
    the school first on their public list, never past the ceiling."""
    first = problem.first_public_arc()
    first = first[(first >= 0) & (problem.exclusion == "")]
    certified = first[problem.arc_tier[first] == 0]
    demand = np.bincount(problem.arc_school[certified], minlength=len(plan))
    return np.maximum(plan, np.minimum(demand, np.maximum(ceiling, plan)))


def pack_priority(school: np.ndarray, tier: np.ndarray, tie: np.ndarray,
                  sibling: np.ndarray | None = None) -> np.ndarray:
    """Packed priority key per arc (lower = higher priority at that school)."""
    key = ((school.astype(np.int64) << SCHOOL_SHIFT) | (tier.astype(np.int64) << TIER_SHIFT)
           | tie.astype(np.int64))
    if sibling is not None:
        key |= (~sibling.astype(bool)).astype(np.int64) << SIBLING_SHIFT
    return key


@dataclass(frozen=True, eq=False)
class CompiledProblem:
    """Arrays describing one allocation problem (never mutated by solvers).

    Attributes
    ----------
    applicant_ids, school_ids : np.ndarray
        Ids in input order; applicant ``i`` / school ``j`` are positions in these.
    applicant_unit, school_unit : np.ndarray
        Code of the (county, stage) unit; placement never crosses units.
    school_capacity : np.ndarray
        Seats per school (int64) the mechanisms fill: the plan, raised where
        certified children (tier 0) placed first need more, never past the ceiling.
    school_plan : np.ndarray
        The approved intake plan (招生计划) from ``schools.csv``.
    school_ceiling : np.ndarray
        Hard ceiling: classes x the policy's per-class ceiling (56).
    school_public : np.ndarray
        Public schools (the final sweep only uses these).
    exclusion : np.ndarray
        Exclusion code per applicant ('' = placed by the engine).
    arc_start : np.ndarray
        CSR offsets: applicant ``i``'s arcs are ``arc_start[i]:arc_start[i+1]``,
        best choice first.
    arc_school, arc_tier, arc_source, arc_distance, arc_priority : np.ndarray
        Per arc: school, tier index, source code, distance in km (NaN if
        unknown), packed priority key.
    tier_names : tuple[str, ...]
        Names of the tiers, indexed by ``arc_tier``.
    draws, tie_rank : np.ndarray
        Lottery draw (uint64) and tie-break rank per applicant.
    applicant_lat, applicant_lon, school_lat, school_lon : np.ndarray
        Positions (NaN if unknown) used by the final sweep and the reports.
    final_sweep : bool
        Whether unplaced applicants go to the nearest school with a free seat.
    arc_private : np.ndarray
        Arcs of the private-school round (公民同招), drawn before the public round.
    applicant_group : np.ndarray
        Sibling group code per applicant (-1 = none); a group is placed together.
    groups_together : str
        ``required`` or ``preferred`` (see :class:`allocator.policy.config.Siblings`).
    applicant_guaranteed : np.ndarray
        Applicants of the guaranteed groups (应入尽入).
    applicant_stage : np.ndarray
        Stage per applicant (``primary`` or ``junior``).
    tier_numbers : dict[str, np.ndarray]
        Published tier number of each rung for each stage (-1 = not of that stage).
    first_tier_up_to_ceiling : bool
        Whether plans are raised for first-rung (certified) children, see
        :func:`certified_seats`.
    """

    applicant_ids: np.ndarray
    school_ids: np.ndarray
    applicant_unit: np.ndarray
    school_unit: np.ndarray
    school_capacity: np.ndarray
    school_public: np.ndarray
    exclusion: np.ndarray
    arc_start: np.ndarray
    arc_school: np.ndarray
    arc_tier: np.ndarray
    arc_source: np.ndarray
    arc_distance: np.ndarray
    arc_priority: np.ndarray
    tier_names: tuple[str, ...]
    draws: np.ndarray
    tie_rank: np.ndarray
    applicant_lat: np.ndarray
    applicant_lon: np.ndarray
    school_lat: np.ndarray
    school_lon: np.ndarray
    final_sweep: bool
    school_plan: np.ndarray
    school_ceiling: np.ndarray
    arc_private: np.ndarray
    applicant_group: np.ndarray
    groups_together: str
    applicant_guaranteed: np.ndarray
    applicant_stage: np.ndarray
    tier_numbers: dict[str, np.ndarray]
    first_tier_up_to_ceiling: bool = False

    @property
    def applicant_count(self) -> int:
        """Number of applicants."""
        return len(self.applicant_ids)

    @property
    def school_count(self) -> int:
        """Number of schools."""
        return len(self.school_ids)

    @property
    def arc_count(self) -> int:
        """Number of candidate arcs."""
        return len(self.arc_school)

    def arc_applicant(self) -> np.ndarray:
        """Applicant position of every arc (computed from the CSR offsets)."""
        return np.repeat(np.arange(self.applicant_count, dtype=np.int64),
                         np.diff(self.arc_start))

    def arc_choice_rank(self) -> np.ndarray:
        """1-based position of every arc in its applicant's effective list."""
        return (np.arange(self.arc_count, dtype=np.int64)
                - np.repeat(self.arc_start[:-1], np.diff(self.arc_start)) + 1)

    def first_public_arc(self) -> np.ndarray:
        """Index of each applicant's first public-round arc (-1 if it has none)."""
        result = np.full(self.applicant_count, -1, dtype=np.int64)
        public = np.flatnonzero(~self.arc_private)
        if public.size:
            # the first public arc at or after each applicant's first arc, if it is still his
            found = np.searchsorted(public, self.arc_start[:-1])
            candidate = public[np.minimum(found, public.size - 1)]
            own = (found < public.size) & (candidate < self.arc_start[1:])
            result[own] = candidate[own]
        return result

    def with_capacity(self, capacity: np.ndarray,
                      ceiling: np.ndarray | None = None) -> CompiledProblem:
        """Same problem with other plans (and ceilings): a what-if with no recompile.

        The seats for certified children placed first are recomputed exactly as
        a fresh compile would (see :func:`certified_seats`).
        """
        plan = np.asarray(capacity, dtype=np.int64)
        ceilings = self.school_ceiling if ceiling is None else np.asarray(ceiling, np.int64)
        seats = certified_seats(self, plan, ceilings) if self.first_tier_up_to_ceiling else plan
        return replace(self, school_plan=plan, school_ceiling=ceilings, school_capacity=seats)

    def restrict(self, arc_mask: np.ndarray, applicant_mask: np.ndarray,
                 capacity: np.ndarray | None = None) -> tuple[CompiledProblem, np.ndarray]:
        """Sub-problem keeping only some arcs and applicants (e.g. one admission round).

        Returns the sub-problem and, for each of its arcs, the index of the arc
        in this problem. Applicants outside ``applicant_mask`` keep their rows
        but lose every arc.
        """
        keep = arc_mask & applicant_mask[self.arc_applicant()]
        kept = np.flatnonzero(keep)
        counts = np.bincount(self.arc_applicant()[kept], minlength=self.applicant_count)
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        sub = replace(
            self, arc_start=start, arc_school=self.arc_school[kept],
            arc_tier=self.arc_tier[kept], arc_source=self.arc_source[kept],
            arc_distance=self.arc_distance[kept], arc_priority=self.arc_priority[kept],
            arc_private=self.arc_private[kept],
            school_capacity=self.school_capacity if capacity is None else capacity)
        return sub, kept
