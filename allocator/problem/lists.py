"""Building blocks of the effective lists under a ladder policy.

Sources of an arc, in list order: an older-sibling request (长幼随学), the nearest
school with a resource room for a disabled child in a mainstream class (随班就读),
the junior school a feeder primary maps to (对口直升), stated choices, the other
catchment schools, then overflow schools (see :mod:`allocator.problem.overflow`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from allocator.model.scenario import Scenario
from allocator.policy.catchments import ZONE_FIELDS, Catchments, in_sorted, unique_sorted
from allocator.policy.config import Policy
from allocator.problem.compiled import (
    SOURCE_CATCHMENT,
    SOURCE_FEEDER,
    SOURCE_RESOURCE_ROOM,
    SOURCE_SIBLING,
    SOURCE_STATED,
)
from allocator.problem.overflow import nearest_overflow

#: (applicants, schools) -> mask of the pairs allowed: same county and stage, public school.
SchoolFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: When one school reaches an applicant by several sources, the first of these is kept.
KEEP_ORDER = {SOURCE_STATED: 0, SOURCE_SIBLING: 1, SOURCE_FEEDER: 2, SOURCE_RESOURCE_ROOM: 3,
              SOURCE_CATCHMENT: 4}
_KEEP_RANK = np.array([KEEP_ORDER.get(code, 0) for code in range(6)], dtype=np.int64)
#: Position of each source in the effective list (overflow, 2, comes last).
LIST_ORDER = np.array([3, 4, 5, 0, 1, 2], dtype=np.int64)


def stated_arcs(scenario: Scenario, eligible: np.ndarray) -> tuple[np.ndarray, ...]:
    """(applicant, school, stated rank) of every stated choice of an eligible applicant."""
    school_index = pd.Index(scenario.schools["school_id"])
    preferences = scenario.preferences
    applicant = preferences["applicant_position"].to_numpy(dtype=np.int64)
    school = school_index.get_indexer(preferences["school_id"]).astype(np.int64)
    rank = preferences["rank"].to_numpy(dtype=np.int64)
    keep = eligible[applicant]
    return applicant[keep], school[keep], rank[keep]


def catchment_arcs(catchments: Catchments, eligible: np.ndarray, applicant_unit: np.ndarray,
                   school_unit: np.ndarray, public: np.ndarray) -> tuple[np.ndarray, ...]:
    """(applicant, school) for every public school serving one of the applicant's zones."""
    parts_a, parts_s = [], []
    for field in ZONE_FIELDS:
        zone = catchments.applicant_zones[field]
        who = np.flatnonzero((zone >= 0) & eligible)
        start = catchments.zone_school_start[zone[who]]
        count = catchments.zone_school_start[zone[who] + 1] - start
        parts_a.append(np.repeat(who, count))
        offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        parts_s.append(catchments.zone_schools[np.repeat(start, count) + offsets])
    applicant = np.concatenate(parts_a).astype(np.int64)
    school = np.concatenate(parts_s).astype(np.int64)
    keep = public[school] & (school_unit[school] == applicant_unit[applicant])
    return applicant[keep], school[keep]


def sibling_arcs(scenario: Scenario, policy: Policy, eligible: np.ndarray,
                 same_unit_public: SchoolFilter) -> tuple[np.ndarray, np.ndarray]:
    """The older sibling's school, for an applicant who asked to follow (voluntary)."""
    if policy.siblings.older_sibling == "off":
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    wanted = scenario.applicants["sibling_school"]
    school = pd.Index(scenario.schools["school_id"]).get_indexer(wanted).astype(np.int64)
    applicant = np.flatnonzero(eligible & (school >= 0))
    school = school[applicant]
    keep = same_unit_public(applicant, school)
    return applicant[keep], school[keep]


def feeder_arcs(scenario: Scenario, eligible: np.ndarray,
                same_unit_public: SchoolFilter) -> tuple[np.ndarray, np.ndarray]:
    """Junior schools the applicant's feeder primary maps to (对口直升)."""
    schools, applicants = scenario.schools, scenario.applicants
    index = pd.Index(schools["school_id"])
    feeder = index.get_indexer(applicants["feeder_school"])
    who = np.flatnonzero(eligible & (feeder >= 0) & (applicants["stage"] == "junior").to_numpy())
    targets = schools["feeds_into"].to_numpy(dtype=object)[feeder[who]]
    own = schools["school_id"].to_numpy(dtype=object)[feeder[who]]
    lists = [f"{t};{o}" if nine else t for t, o, nine in zip(
        targets, own, schools["nine_year"].to_numpy(dtype=bool)[feeder[who]], strict=True)]
    exploded = pd.Series(lists, index=who, dtype=object).str.split(";").explode()
    exploded = exploded[exploded.notna() & (exploded != "")]
    applicant = exploded.index.to_numpy(dtype=np.int64)
    school = index.get_indexer(exploded.to_numpy()).astype(np.int64)
    keep = (school >= 0)
    applicant, school = applicant[keep], school[keep]
    keep = same_unit_public(applicant, school)
    return applicant[keep], school[keep]


def resource_room_arcs(scenario: Scenario, policy: Policy, eligible: np.ndarray,
                       disabled_mainstream: np.ndarray, applicant_unit: np.ndarray,
                       school_unit: np.ndarray, public: np.ndarray,
                       positions: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Nearest public school with a resource room within the policy radius (随班就读)."""
    rooms = public & scenario.schools["resource_room"].to_numpy(dtype=bool)
    no_group = np.full(len(eligible), -1, dtype=np.int64)
    applicant, school, _, distance = nearest_overflow(
        eligible & disabled_mainstream, applicant_unit, school_unit, rooms, positions,
        no_group, no_group[:len(public)], 1, False, np.zeros(0, dtype=np.int64))
    near = ~np.isnan(distance) & (distance <= policy.inclusion.resource_room_radius_km)
    return applicant[near].astype(np.int64), school[near].astype(np.int64)


def first_of_each_pair(applicant, school, source, rank, school_count):
    """Drop repeated (applicant, school) pairs, keeping the source first in KEEP_ORDER."""
    keep_rank = _KEEP_RANK[source]
    order = np.lexsort((rank, keep_rank, school, applicant))
    pair = (applicant * school_count + school)[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    chosen = order[first]
    return applicant[chosen], school[chosen], source[chosen], rank[chosen]


def stated_in_catchment(applicant, school, home_applicant, home_school,
                        school_count) -> np.ndarray:
    """Whether each stated (applicant, school) is one of the applicant's catchment schools."""
    home_keys = unique_sorted(home_applicant * school_count + home_school)
    return in_sorted(applicant * school_count + school, home_keys)
