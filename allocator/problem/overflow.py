"""Overflow candidates: the nearest public schools of the applicant's county and stage."""

from __future__ import annotations

import numpy as np

from allocator.problem.distance import arc_distance_km, haversine_km

_BLOCK_CELLS = 4_000_000
#: From this many searching applicants on, the compiled search is used (Numba's import and
#: cached code cost a few tenths of a second, which small rosters do not win back).
COMPILED_MINIMUM = 50_000
_OTHER_GROUP_PENALTY_KM = 1.0e4
_UNKNOWN_KM = 1.0e5


def nearest_overflow(eligible: np.ndarray, applicant_unit: np.ndarray, school_unit: np.ndarray,
                     public: np.ndarray, positions: tuple[np.ndarray, ...],
                     home_group: np.ndarray, school_group: np.ndarray, limit: int,
                     same_group_first: bool, listed_keys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Nearest public schools per eligible applicant, within its (county, stage) unit.

    Schools already on the applicant's list (``listed_keys``: sorted
    ``applicant * school_count + school``) are skipped; at most ``limit`` are
    kept per applicant. ``home_group`` and ``school_group`` are integer codes of
    school groups (教育集团), -1 for none.

    Returns
    -------
    (applicant, school, other_group_flag, distance_km)
        Candidate arcs in ascending applicant order (whatever the row order of
        the units), each applicant's best first;
        ``other_group_flag`` is 0 for a school of the applicant's catchment
        school group (when ``same_group_first``), else 1.
    """
    if int(np.count_nonzero(eligible)) >= COMPILED_MINIMUM:
        return _compiled_overflow(eligible, applicant_unit, school_unit, public, positions,
                                  home_group, school_group, limit, same_group_first,
                                  listed_keys)
    applicant_lat, applicant_lon, school_lat, school_lon = positions
    school_count = len(public)
    out: list[tuple[np.ndarray, ...]] = []
    candidates = np.flatnonzero(public)
    by_unit_people = _group_positions(applicant_unit, eligible)
    by_unit_schools = _group_positions(school_unit[candidates], None)
    for unit, people in by_unit_people.items():
        schools = candidates[by_unit_schools.get(unit, np.zeros(0, np.int64))]
        if len(schools) == 0:
            continue
        block = max(1, _BLOCK_CELLS // len(schools))
        for first in range(0, len(people), block):
            who = people[first:first + block]
            out.append(_block(who, schools, limit, applicant_lat, applicant_lon, school_lat,
                              school_lon, home_group, school_group, same_group_first,
                              listed_keys, school_count))
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    arcs = tuple(np.concatenate(parts) for parts in zip(*out, strict=True))
    # blocks come unit by unit; callers index arcs by applicant (arc_start), so
    # interleave the units, keeping each applicant's best-first order
    destination = _applicant_order(arcs[0])
    ordered = []
    for values in arcs:
        placed = np.empty_like(values)
        placed[destination] = values
        ordered.append(placed)
    return tuple(ordered)


def _compiled_overflow(eligible, applicant_unit, school_unit, public, positions, home_group,
                       school_group, limit, same_group_first, listed_keys):
    """:func:`nearest_overflow` by the compiled per-applicant search (same arcs)."""
    from allocator.problem.overflow_kernel import compiled_search

    school_count = len(public)
    people = np.flatnonzero(eligible)
    candidates = np.flatnonzero(public)
    units = int(max(applicant_unit.max(initial=-1), school_unit.max(initial=-1))) + 1
    order = np.argsort(school_unit[candidates], kind="stable")
    unit_schools = candidates[order]
    unit_start = np.searchsorted(school_unit[unit_schools], np.arange(units + 1))
    listed_owner = listed_keys // school_count
    listed_start = np.searchsorted(listed_owner, np.arange(len(eligible) + 1))
    applicant, school, flags = compiled_search(
        people, applicant_unit[people], unit_start, unit_schools, positions, home_group,
        school_group, (listed_start, listed_keys % school_count), limit, same_group_first,
        _UNKNOWN_KM, _OTHER_GROUP_PENALTY_KM)
    return applicant, school, flags, arc_distance_km(applicant, school, positions)


def _applicant_order(applicant: np.ndarray) -> np.ndarray:
    """Where each arc goes when arcs are ordered by applicant, keeping their order inside.

    Each applicant's arcs are contiguous (an applicant is in one block), so this is
    a counting sort: the applicant's first slot plus the arc's offset in its run,
    the same result as a stable sort without sorting.
    """
    count = len(applicant)
    run = np.ones(count, dtype=bool)
    run[1:] = applicant[1:] != applicant[:-1]
    run_start = np.maximum.accumulate(np.where(run, np.arange(count), 0))
    per_applicant = np.bincount(applicant, minlength=int(applicant.max(initial=-1)) + 1)
    first_slot = np.cumsum(per_applicant) - per_applicant
    return first_slot[applicant] + (np.arange(count) - run_start)


def _group_positions(codes: np.ndarray, mask: np.ndarray | None) -> dict[int, np.ndarray]:
    """Positions of each code value (restricted to ``mask``), in ascending position order."""
    positions = np.arange(len(codes)) if mask is None else np.flatnonzero(mask)
    values = codes[positions]
    order = np.argsort(values, kind="stable")
    values, positions = values[order], positions[order]
    if len(values) == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    return {int(values[s]): positions[s:e] for s, e in zip(starts, ends, strict=True)}


def _block(who, schools, limit, applicant_lat, applicant_lon, school_lat, school_lon,
           home_group, school_group, same_group_first, listed_keys, school_count):
    # the key is built in place in the distance matrix (the same values, fewer copies):
    # unknown distances count as far, schools of another group come after the own group's
    key = projected_km(applicant_lat[who], applicant_lon[who], school_lat[schools],
                       school_lon[schools])
    np.copyto(key, _UNKNOWN_KM, where=np.isnan(key))
    flag = None
    if same_group_first:
        groups = home_group[who][:, None]
        flag = ((groups < 0) | (groups != school_group[schools][None, :])).astype(np.int64)
        key += flag * _OTHER_GROUP_PENALTY_KM
    else:
        key += _OTHER_GROUP_PENALTY_KM
    listed = _is_listed(who, schools, listed_keys, school_count)
    key[listed] = np.inf
    take = min(limit + int(listed.sum(axis=1).max(initial=0)), len(schools))
    # each row in (key, school position) order, best first: a stable sort, so equal keys
    # (unknown positions, schools at one address) never depend on the rest of the block
    nearest = np.argsort(key, axis=1, kind="stable")[:, :take]
    rows = np.arange(len(who))[:, None]
    keep = ~np.isinf(key[rows, nearest])
    keep &= np.cumsum(keep, axis=1) <= limit
    row_index = np.broadcast_to(rows, nearest.shape)[keep]
    column = nearest[keep]
    applicant, school = who[row_index], schools[column]
    exact = haversine_km(applicant_lat[applicant], applicant_lon[applicant],
                         school_lat[school], school_lon[school])
    flags = (flag[row_index, column] if flag is not None
             else np.ones(len(row_index), dtype=np.int64))
    return applicant, school, flags, exact


def projected_km(applicant_lat: np.ndarray, applicant_lon: np.ndarray, school_lat: np.ndarray,
                 school_lon: np.ndarray) -> np.ndarray:
    """Matrix of approximate distances (equirectangular projection at each applicant).

    Used only to rank candidate schools inside a county, where it agrees with
    the great-circle distance to well under 1 %; kept arcs get exact distances.
    """
    scale = np.cos(np.radians(applicant_lat))[:, None] * 111.320
    # in place: the same operations in the same order as sqrt(dx*dx + dy*dy), without the
    # four temporary matrices (five times faster on a county block, bit-identical)
    dx = np.subtract(school_lon[None, :], applicant_lon[:, None])
    np.multiply(dx, scale, out=dx)
    np.multiply(dx, dx, out=dx)
    dy = np.subtract(school_lat[None, :], applicant_lat[:, None])
    np.multiply(dy, 110.574, out=dy)
    np.multiply(dy, dy, out=dy)
    np.add(dx, dy, out=dx)
    return np.sqrt(dx, out=dx)


def _is_listed(who, schools, listed_keys, school_count) -> np.ndarray:
    """Matrix: school ``schools[j]`` is already on applicant ``who[i]``'s list."""
    if len(listed_keys) == 0:
        return np.zeros((len(who), len(schools)), dtype=bool)
    low = np.searchsorted(listed_keys, who.astype(np.int64) * school_count)
    high = np.searchsorted(listed_keys, (who.astype(np.int64) + 1) * school_count)
    listed = np.zeros((len(who), len(schools)), dtype=bool)
    has = np.flatnonzero(high > low)
    if has.size == 0:
        return listed
    counts = high[has] - low[has]
    entries = np.repeat(low[has], counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    listed_school = listed_keys[entries] % school_count
    column = np.searchsorted(schools, listed_school)
    column = np.minimum(column, len(schools) - 1)
    hit = schools[column] == listed_school
    listed[np.repeat(has, counts)[hit], column[hit]] = True
    return listed
