"""The greedy nearest-school baseline: each community to its nearest school.

What a planner gets today by splitting catchments "by nearest school": no plans, no
contiguity, no stability. Multi-school communities keep their published schools, and each
school keeps its own community (else a school could be left with no catchment at all,
which the engine refuses).
"""

from __future__ import annotations

import numpy as np

from allocator.zoning.instance import ZoningInstance


def nearest_school(instance: ZoningInstance) -> np.ndarray:
    """School of each community under the baseline (-1 for multi-school communities).

    Ties go to the school listed first in ``schools.csv``.
    """
    nearest = np.argmin(instance.distance_km, axis=1).astype(np.int64)
    fixed = np.array([bool(schools) for schools in instance.fixed], dtype=bool)
    assignment = np.where(fixed, -1, nearest)
    for school, community in enumerate(instance.own):
        if not fixed[community]:
            assignment[community] = school
    return assignment
