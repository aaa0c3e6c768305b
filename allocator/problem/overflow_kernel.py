"""The nearest-school search compiled with Numba, for large rosters.

The same selection as the NumPy blocks of :mod:`allocator.problem.overflow`,
one applicant at a time in a compiled loop: no distance matrix, no sort of
matrix rows, and the arcs come out in applicant order. The ranking key is
built with the same floating-point operations in the same order
(``sqrt((dx * scale)**2 + (dy * 110.574)**2)``, unknown = far, another group
= a fixed penalty, listed = never), so both paths choose the same schools;
``tests/problem/test_overflow_kernel.py`` holds them to identical arrays.

Numba is imported on the first call only (it costs a few tenths of a second),
and its compiled code is cached on disk next to this module.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _compiled():
    import numba

    @numba.njit(cache=True, nogil=True)
    def search(people, people_unit, unit_start, unit_schools, applicant_lat, applicant_lon,
               scale, school_lat, school_lon, home_group, school_group, listed_start,
               listed_school, limit, same_group_first, unknown_km, penalty_km):
        count = len(people)
        out_applicant = np.empty(count * limit, np.int64)
        out_school = np.empty(count * limit, np.int64)
        out_flag = np.empty(count * limit, np.int64)
        widest = 1
        for unit in range(len(unit_start) - 1):
            widest = max(widest, unit_start[unit + 1] - unit_start[unit])
        best_key = np.empty(limit + 1, np.float64)
        best_column = np.empty(limit + 1, np.int64)
        listed = np.zeros(widest, np.bool_)
        written = 0
        for row in range(count):
            person = people[row]
            unit = people_unit[row]
            first, last = unit_start[unit], unit_start[unit + 1]
            width = last - first
            if width == 0:
                continue
            # the schools already on this applicant's list (ascending school positions)
            for slot in range(listed_start[person], listed_start[person + 1]):
                column = np.searchsorted(unit_schools[first:last], listed_school[slot])
                if column < width and unit_schools[first + column] == listed_school[slot]:
                    listed[column] = True
            kept = 0
            lat, lon, factor = applicant_lat[person], applicant_lon[person], scale[person]
            group = home_group[person]
            for column in range(width):
                if listed[column]:
                    listed[column] = False
                    continue
                school = unit_schools[first + column]
                dx = school_lon[school] - lon
                dx = dx * factor
                dx = dx * dx
                dy = school_lat[school] - lat
                dy = dy * 110.574
                dy = dy * dy
                key = np.sqrt(dx + dy)
                if np.isnan(key):
                    key = unknown_km
                if same_group_first:
                    if group < 0 or group != school_group[school]:
                        key += penalty_km
                else:
                    key += penalty_km
                # insertion into the sorted best list; ties keep the lower column first
                position = kept
                while position > 0 and best_key[position - 1] > key:
                    best_key[position] = best_key[position - 1]
                    best_column[position] = best_column[position - 1]
                    position -= 1
                best_key[position] = key
                best_column[position] = column
                if kept < limit:
                    kept += 1
            for rank in range(kept):
                school = unit_schools[first + best_column[rank]]
                out_applicant[written] = person
                out_school[written] = school
                flag = 1
                if same_group_first and group >= 0 and group == school_group[school]:
                    flag = 0
                out_flag[written] = flag
                written += 1
        return out_applicant[:written], out_school[:written], out_flag[:written]

    return search


def compiled_search(people: np.ndarray, people_unit: np.ndarray, unit_start: np.ndarray,
                    unit_schools: np.ndarray, positions: tuple[np.ndarray, ...],
                    home_group: np.ndarray, school_group: np.ndarray,
                    listed: tuple[np.ndarray, np.ndarray], limit: int,
                    same_group_first: bool, unknown_km: float,
                    penalty_km: float) -> tuple[np.ndarray, ...]:
    """Up to ``limit`` nearest unlisted schools of each applicant's unit, best first.

    Parameters
    ----------
    people, people_unit : np.ndarray
        Applicant positions in ascending order and the unit of each.
    unit_start, unit_schools : np.ndarray
        CSR lists of the candidate schools of each unit, ascending positions.
    positions : tuple of np.ndarray
        Applicant latitude, longitude, school latitude, longitude.
    home_group, school_group : np.ndarray
        Group codes (-1 = none) of each applicant's catchment school and of each school.
    listed : (start, school)
        CSR lists, per applicant, of the schools already on its list, ascending.
    limit : int
        Candidates kept per applicant.
    same_group_first : bool
        Whether schools of the applicant's catchment group rank first.
    unknown_km, penalty_km : float
        Key of an unknown distance; penalty of a school of another group.

    Returns
    -------
    (applicant, school, other_group_flag)
        Arcs in applicant order, each applicant's best first.
    """
    applicant_lat, applicant_lon, school_lat, school_lon = positions
    # the cosine in NumPy, exactly as the matrix path computes it
    scale = np.cos(np.radians(applicant_lat)) * 111.320
    return _compiled()(
        people.astype(np.int64), people_unit.astype(np.int64), unit_start.astype(np.int64),
        unit_schools.astype(np.int64), applicant_lat, applicant_lon, scale, school_lat,
        school_lon, home_group.astype(np.int64), school_group.astype(np.int64),
        listed[0].astype(np.int64), listed[1].astype(np.int64), int(limit),
        bool(same_group_first), float(unknown_km), float(penalty_km))
