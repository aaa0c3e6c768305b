"""The compiled problem: one solver-neutral form every mechanism consumes.

Candidate arcs applicant -> school are stored sorted by (applicant, choice
rank) as CSR arrays. Each arc carries its tier, source, distance and a packed
``priority`` key: ``school << 44 | tier << 36 | tie-break rank``. Lower is
better, keys are unique, and sorting arcs by key groups them by school in the
school's priority order, which is what makes vectorised mechanisms simple.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCHOOL_SHIFT = 44
TIER_SHIFT = 36
TIE_MASK = (1 << TIER_SHIFT) - 1

SOURCE_STATED, SOURCE_CATCHMENT, SOURCE_OVERFLOW = 0, 1, 2
SOURCE_NAMES: tuple[str, ...] = ("stated_choice", "catchment", "overflow")


def pack_priority(school: np.ndarray, tier: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Packed priority key per arc (lower = higher priority at that school)."""
    return ((school.astype(np.int64) << SCHOOL_SHIFT) | (tier.astype(np.int64) << TIER_SHIFT)
            | tie.astype(np.int64))


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
        Seats per school (int64).
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

    def with_capacity(self, capacity: np.ndarray) -> CompiledProblem:
        """Same problem with other capacities (a what-if that needs no recompile)."""
        from dataclasses import replace
        return replace(self, school_capacity=np.asarray(capacity, dtype=np.int64))
