"""One result vocabulary for every mechanism."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PLACED_BY_NONE, PLACED_BY_MECHANISM, PLACED_BY_SWEEP, PLACED_BY_GROUP = 0, 1, 2, 3


@dataclass(frozen=True, eq=False)
class Allocation:
    """The outcome of a mechanism on a compiled problem (inputs are never changed).

    Attributes
    ----------
    mechanism : str
        Name of the mechanism that produced it.
    assigned_arc : np.ndarray
        Arc index held by each applicant, -1 if none (sweep placements have no arc).
    assigned_school : np.ndarray
        School position per applicant, -1 if not placed.
    placed_by : np.ndarray
        :data:`PLACED_BY_MECHANISM`, :data:`PLACED_BY_SWEEP`, :data:`PLACED_BY_GROUP`
        (a sibling placed with its group at a school not on its own list) or
        :data:`PLACED_BY_NONE`.
    statistics : dict
        Mechanism-specific counters (rounds, proposals, ...).
    """

    mechanism: str
    assigned_arc: np.ndarray
    assigned_school: np.ndarray
    placed_by: np.ndarray
    statistics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_arcs(cls, mechanism: str, assigned_arc: np.ndarray, arc_school: np.ndarray,
                  statistics: dict[str, Any]) -> Allocation:
        """Build from the arc held by each applicant."""
        placed = assigned_arc >= 0
        school = np.full(len(assigned_arc), -1, dtype=np.int64)
        school[placed] = arc_school[assigned_arc[placed]]
        placed_by = np.where(placed, PLACED_BY_MECHANISM, PLACED_BY_NONE).astype(np.int8)
        return cls(mechanism, assigned_arc.astype(np.int64), school, placed_by, statistics)

    @property
    def placed(self) -> np.ndarray:
        """Boolean mask of placed applicants."""
        return self.assigned_school >= 0

    def school_counts(self, school_count: int) -> np.ndarray:
        """Number of applicants placed at each school."""
        return np.bincount(self.assigned_school[self.placed], minlength=school_count)
