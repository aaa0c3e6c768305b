"""Overflow candidates: the nearest public schools of the applicant's county and stage."""

from __future__ import annotations

import numpy as np

from allocator.problem.distance import haversine_km

_BLOCK_CELLS = 4_000_000
_OTHER_GROUP_PENALTY_KM = 1.0e4
_UNKNOWN_KM = 1.0e5
#: Extra candidates taken so that catchment schools found among the nearest
#: (and later dropped as duplicates) do not shorten the overflow list.
_SLACK = 3


def nearest_overflow(eligible: np.ndarray, applicant_unit: np.ndarray, school_unit: np.ndarray,
                     public: np.ndarray, positions: tuple[np.ndarray, ...],
                     home_group: np.ndarray, school_group: np.ndarray, limit: int,
                     same_group_first: bool) -> tuple[np.ndarray, ...]:
    """Nearest public schools per eligible applicant, within its (county, stage) unit.

    Returns
    -------
    (applicant, school, other_group_flag, distance_km)
        Arrays of candidate arcs; ``other_group_flag`` is 0 for a school of the
        applicant's catchment school group (when ``same_group_first``), else 1.
    """
    applicant_lat, applicant_lon, school_lat, school_lon = positions
    out: list[tuple[np.ndarray, ...]] = []
    candidates = np.flatnonzero(public)
    for unit in np.unique(applicant_unit[eligible]):
        schools = candidates[school_unit[candidates] == unit]
        people = np.flatnonzero(eligible & (applicant_unit == unit))
        if len(schools) == 0 or len(people) == 0:
            continue
        take = min(limit + _SLACK, len(schools))
        block = max(1, _BLOCK_CELLS // len(schools))
        for first in range(0, len(people), block):
            who = people[first:first + block]
            out.append(_block(who, schools, take, applicant_lat, applicant_lon, school_lat,
                              school_lon, home_group, school_group, same_group_first))
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))


def _block(who, schools, take, applicant_lat, applicant_lon, school_lat, school_lon,
           home_group, school_group, same_group_first):
    distance = haversine_km(applicant_lat[who][:, None], applicant_lon[who][:, None],
                            school_lat[schools][None, :], school_lon[schools][None, :])
    flag = np.ones(distance.shape, dtype=np.int64)
    if same_group_first:
        groups = home_group[who][:, None]
        flag = ((groups == "") | (groups != school_group[schools][None, :])).astype(np.int64)
    key = np.where(np.isnan(distance), _UNKNOWN_KM, distance) + flag * _OTHER_GROUP_PENALTY_KM
    # a tiny tie-break by school position keeps the choice deterministic
    key = key + np.arange(len(schools))[None, :] * 1e-9
    if take < len(schools):
        nearest = np.argpartition(key, take - 1, axis=1)[:, :take]
    else:
        nearest = np.broadcast_to(np.arange(len(schools)), (len(who), len(schools)))
    rows = np.repeat(np.arange(len(who)), nearest.shape[1])
    cols = nearest.reshape(-1)
    return (who[rows], schools[cols], flag[rows, cols], distance[rows, cols])
