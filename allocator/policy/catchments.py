"""Catchment zones (划片) as integer codes: which school serves which zone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ZONE_FIELDS: tuple[str, ...] = ("hukou_zone", "property_zone", "residence_zone")


@dataclass(frozen=True)
class Catchments:
    """Zones coded as integers within their county, and the schools serving each.

    Attributes
    ----------
    zone_count : int
        Number of distinct (county, zone) pairs.
    pair_keys : np.ndarray
        Sorted ``school * zone_count + zone`` keys of every (school, zone served).
    zone_school_start, zone_schools : np.ndarray
        CSR lists: schools serving zone ``z`` are ``zone_schools[start[z]:start[z+1]]``.
    applicant_zones : dict[str, np.ndarray]
        Zone code per applicant for each of :data:`ZONE_FIELDS` (-1 = none).
    school_slot : np.ndarray, optional
        A slot per school such that the schools serving one zone have distinct
        slots (the school's rank in its county: a zone is one county's).
    zone_table : np.ndarray, optional
        ``zone_table[z, school_slot[s]] == s`` exactly when school ``s`` serves
        zone ``z`` (-1 elsewhere; an extra last row of -1 for zone -1).
    """

    zone_count: int
    pair_keys: np.ndarray
    zone_school_start: np.ndarray
    zone_schools: np.ndarray
    applicant_zones: dict[str, np.ndarray]
    school_slot: np.ndarray | None = None
    zone_table: np.ndarray | None = None

    def serves(self, school: np.ndarray, zone: np.ndarray) -> np.ndarray:
        """Whether ``school[i]`` serves ``zone[i]`` (zone -1 is never served).

        With the slot table, one look-up per arc; else a zone is served by a
        few schools, so each arc's school is compared with the (padded) schools
        of its zone, which is much cheaper than a binary search of millions of
        keys; zones with many schools use the search.
        """
        if self.zone_table is not None and self.school_slot is not None:
            rows = np.where(zone >= 0, zone, self.zone_count)
            return self.zone_table[rows, self.school_slot[school]] == school
        per_zone = np.diff(self.zone_school_start)
        widest = int(per_zone.max(initial=0))
        if widest > _PADDED_LIMIT or len(zone) < 4 * self.zone_count:
            keys = school.astype(np.int64) * self.zone_count + zone
            return in_sorted(keys, self.pair_keys) & (zone >= 0)
        padded = np.full((self.zone_count + 1, max(widest, 1)), -1, dtype=np.int64)
        zone_of = np.repeat(np.arange(self.zone_count), per_zone)
        slot = np.arange(len(self.zone_schools)) - self.zone_school_start[zone_of]
        padded[zone_of, slot] = self.zone_schools
        rows = padded[np.where(zone >= 0, zone, self.zone_count)]  # -1 zone: the empty row
        return (rows == school.astype(np.int64)[:, None]).any(axis=1)


#: Zones served by more schools than this are looked up by binary search instead.
_PADDED_LIMIT = 16


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort-based ``np.unique``, faster on large int arrays)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Membership of each of ``values`` in the sorted array ``sorted_values``."""
    if len(sorted_values) == 0:
        return np.zeros(len(values), dtype=bool)
    found = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[found] == values


def build_catchments(schools: pd.DataFrame, school_zones: pd.DataFrame,
                     applicants: pd.DataFrame) -> Catchments:
    """Code every (county, zone) and index the schools serving each zone."""
    school_county = schools["county"].to_numpy(dtype=object)
    school_position = school_zones["school_position"].to_numpy(dtype=np.int64)
    labels = school_county[school_position].astype(str) + "\x1f" + school_zones["zone"].astype(
        str).to_numpy()
    codes, uniques = pd.factorize(labels, sort=True)
    zone_count = max(len(uniques), 1)
    pair_keys = unique_sorted(school_position * zone_count + codes)
    order = np.lexsort((school_position, codes))
    zone_schools = school_position[order]
    zone_school_start = np.searchsorted(codes[order], np.arange(zone_count + 1))
    applicant_zones = _applicant_zone_codes(
        school_county[school_position].astype(str), school_zones["zone"].astype(str).to_numpy(),
        codes, applicants)
    slot, table = _slot_table(schools, zone_count, zone_schools,
                              zone_school_start.astype(np.int64))
    return Catchments(zone_count, pair_keys, zone_school_start.astype(np.int64),
                      zone_schools.astype(np.int64), applicant_zones, slot, table)


def _applicant_zone_codes(pair_county: np.ndarray, pair_zone: np.ndarray, codes: np.ndarray,
                          applicants: pd.DataFrame) -> dict[str, np.ndarray]:
    """Zone code of each applicant's zone fields (-1 = empty or served by no school).

    Counties and zone names are looked up separately in small indexes and combined
    as integers: no million-row string concatenation and hashing of the pairs.
    """
    county_index = pd.Index(pd.unique(pair_county))
    zone_index = pd.Index(pd.unique(pair_zone))
    width = max(len(zone_index), 1)
    combined = county_index.get_indexer(pair_county) * width + zone_index.get_indexer(pair_zone)
    combined_sorted, first = np.unique(combined, return_index=True)
    code_of = codes[first]
    county = county_index.get_indexer(applicants["county"].astype(str))
    result = {}
    for field in ZONE_FIELDS:
        values = applicants[field].astype(str)
        zone = zone_index.get_indexer(values)
        key = county.astype(np.int64) * width + zone
        found = np.minimum(np.searchsorted(combined_sorted, key), max(len(code_of) - 1, 0))
        known = (county >= 0) & (zone >= 0) & (values != "").to_numpy()
        if len(code_of):
            known &= combined_sorted[found] == key
        result[field] = np.where(known, code_of[found] if len(code_of) else -1,
                                 -1).astype(np.int64)
    return result


#: Largest slot table built (cells); beyond it the padded look-up is used.
_TABLE_LIMIT = 50_000_000


def _slot_table(schools: pd.DataFrame, zone_count: int, zone_schools: np.ndarray,
                zone_school_start: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Slots (rank of a school in its county) and the zone x slot table of school positions."""
    county, _ = pd.factorize(schools["county"].astype(str).to_numpy(), sort=True)
    order = np.argsort(county, kind="stable")
    first = np.searchsorted(county[order], county[order])
    slot = np.empty(len(county), dtype=np.int64)
    slot[order] = np.arange(len(county)) - first
    width = int(slot.max(initial=-1)) + 1
    if (zone_count + 1) * max(width, 1) > _TABLE_LIMIT:
        return None, None
    table = np.full((zone_count + 1, max(width, 1)), -1, dtype=np.int64)
    zone_of = np.repeat(np.arange(zone_count), np.diff(zone_school_start))
    table[zone_of, slot[zone_schools]] = zone_schools
    return slot, table
