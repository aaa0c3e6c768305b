"""Compiling a validated scenario and policy into a :class:`CompiledProblem`.

The effective list of an applicant under a ladder policy is, in order:

1. stated choices (``preferences``) that are the applicant's catchment schools
   (or private schools, or any school if the policy allows), in stated order;
2. the other catchment schools, best tier first, then nearest;
3. overflow: the ``overflow.candidates`` nearest other public schools of the
   same county and stage, schools of the catchment school's group first.

Under ``explicit`` the list is exactly ``preferences``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.model.scenario import Scenario
from allocator.policy.catchments import (
    ZONE_FIELDS,
    Catchments,
    build_catchments,
    in_sorted,
    unique_sorted,
)
from allocator.policy.config import Policy
from allocator.policy.eligibility import exclusions
from allocator.policy.lottery import lottery_draws
from allocator.policy.tiers import (
    applicant_conditions,
    arc_conditions,
    assign_tiers,
    needed_predicates,
    tie_break_rank,
)
from allocator.problem.compiled import (
    SOURCE_CATCHMENT,
    SOURCE_OVERFLOW,
    SOURCE_STATED,
    CompiledProblem,
    pack_priority,
)
from allocator.problem.distance import applicant_positions, haversine_km, zone_centres
from allocator.problem.overflow import nearest_overflow

_FAR_KM = 1.0e5


def compile_problem(scenario: Scenario, policy: Policy, seed: int) -> CompiledProblem:
    """Build the compiled problem for ``scenario`` under ``policy`` with lottery ``seed``."""
    applicants, schools = scenario.applicants, scenario.schools
    draws = lottery_draws(applicants["applicant_id"], applicants["sibling_group"], seed)
    tie = tie_break_rank(applicants, policy, draws)
    exclusion = exclusions(applicants, policy, scenario.settings.entry_year)
    applicant_unit, school_unit = _units(applicants, schools)
    school_lat = schools["lat"].to_numpy(dtype=np.float64)
    school_lon = schools["lon"].to_numpy(dtype=np.float64)
    applicant_lat = applicants["lat"].to_numpy(dtype=np.float64)
    applicant_lon = applicants["lon"].to_numpy(dtype=np.float64)
    if policy.kind == "explicit":
        arcs = _explicit_arcs(scenario, exclusion, tie)
    else:
        catchments = build_catchments(schools, scenario.school_zones, applicants)
        centre_lat, centre_lon = zone_centres(
            catchments.zone_count, catchments.zone_school_start, catchments.zone_schools,
            school_lat, school_lon)
        applicant_lat, applicant_lon = applicant_positions(
            applicant_lat, applicant_lon,
            [catchments.applicant_zones[f] for f in ("residence_zone", "hukou_zone",
                                                      "property_zone")],
            centre_lat, centre_lon)
        arcs = _ladder_arcs(scenario, policy, catchments, exclusion, tie, applicant_unit,
                            school_unit, (applicant_lat, applicant_lon, school_lat, school_lon))
    counts = np.bincount(arcs["applicant"], minlength=len(applicants))
    arc_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return CompiledProblem(
        applicant_ids=applicants["applicant_id"].to_numpy(dtype=object),
        school_ids=schools["school_id"].to_numpy(dtype=object),
        applicant_unit=applicant_unit, school_unit=school_unit,
        school_capacity=schools["capacity"].to_numpy(dtype=np.int64),
        school_public=(schools["kind"] == "public").to_numpy(dtype=bool),
        exclusion=exclusion, arc_start=arc_start,
        arc_school=arcs["school"].astype(np.int32), arc_tier=arcs["tier"].astype(np.int16),
        arc_source=arcs["source"].astype(np.int8),
        arc_distance=arcs["distance"].astype(np.float32),
        arc_priority=arcs["priority"], tier_names=tuple(t.name for t in policy.tiers),
        draws=draws, tie_rank=tie, applicant_lat=applicant_lat, applicant_lon=applicant_lon,
        school_lat=school_lat, school_lon=school_lon,
        final_sweep=policy.overflow.final_sweep and policy.kind == "ladder")


def _units(applicants: pd.DataFrame, schools: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Code (county, stage) pairs shared by applicants and schools."""
    applicant_label = (applicants["county"].astype(str) + "\x1f" + applicants["stage"]).to_numpy()
    school_label = (schools["county"].astype(str) + "\x1f" + schools["stage"]).to_numpy()
    codes, _ = pd.factorize(np.concatenate([school_label, applicant_label]), sort=True)
    return codes[len(school_label):].astype(np.int64), codes[:len(school_label)].astype(np.int64)


def _explicit_arcs(scenario: Scenario, exclusion: np.ndarray, tie: np.ndarray) -> dict:
    preferences = scenario.preferences
    school_index = pd.Index(scenario.schools["school_id"])
    applicant = preferences["applicant_position"].to_numpy(dtype=np.int64)
    school = school_index.get_indexer(preferences["school_id"]).astype(np.int64)
    keep = exclusion[applicant] == ""
    applicant, school = applicant[keep], school[keep]
    rank = preferences["rank"].to_numpy(dtype=np.int64)[keep]
    listed_rank = np.full(len(applicant), -1, dtype=np.int64)
    if scenario.priorities is not None and len(scenario.priorities):
        applicant_index = pd.Index(scenario.applicants["applicant_id"])
        p = scenario.priorities
        keys = (school_index.get_indexer(p["school_id"]).astype(np.int64) * (len(tie) + 1)
                + applicant_index.get_indexer(p["applicant_id"]))
        lookup = pd.Series(p["rank"].to_numpy(dtype=np.int64), index=keys)
        found = lookup.reindex(school * (len(tie) + 1) + applicant)
        listed_rank = found.fillna(-1).to_numpy(dtype=np.int64)
    listed = listed_rank >= 0
    tier = np.where(listed, 0, 1).astype(np.int16)
    sub = np.where(listed, listed_rank, tie[applicant])
    order = np.lexsort((rank, applicant))
    return {"applicant": applicant[order], "school": school[order],
            "source": np.zeros(len(school), np.int8), "tier": tier[order],
            "distance": np.full(len(school), np.nan),
            "priority": pack_priority(school, tier, sub)[order]}


def _ladder_arcs(scenario: Scenario, policy: Policy, catchments: Catchments,
                 exclusion: np.ndarray, tie: np.ndarray, applicant_unit: np.ndarray,
                 school_unit: np.ndarray, positions: tuple[np.ndarray, ...]) -> dict:
    """Arcs of the effective lists, grouped by applicant, best choice first."""
    applicants, schools = scenario.applicants, scenario.schools
    public = (schools["kind"] == "public").to_numpy(dtype=bool)
    eligible = exclusion == ""
    applicant, school, source, stated_rank = _stated_and_catchment(
        scenario, policy, catchments, eligible, applicant_unit, school_unit, public)
    applicant_lat, applicant_lon, school_lat, school_lon = positions
    distance = haversine_km(applicant_lat[applicant], applicant_lon[applicant],
                            school_lat[school], school_lon[school])
    tier = _tiers(policy, catchments, applicants, schools, applicant, school)
    finite = np.where(np.isnan(distance), _FAR_KM, distance)
    # stated choices by stated position, catchment schools by tier then distance
    key1 = np.where(source == SOURCE_CATCHMENT, tier, stated_rank)
    key2 = np.where(source == SOURCE_STATED, 0.0, finite)
    order = np.lexsort((school, key2, key1, source, applicant))
    arcs = {"applicant": applicant[order], "school": school[order], "source": source[order],
            "tier": tier[order], "distance": distance[order]}
    if policy.overflow.enabled and policy.overflow.candidates > 0:
        listed_keys = np.sort(applicant * len(public) + school)
        home_group = _home_group(applicant, school, source, distance, schools, len(applicants))
        o_applicant, o_school, _, o_distance = nearest_overflow(
            eligible, applicant_unit, school_unit, public, positions, home_group,
            schools["group"].to_numpy(dtype=object), policy.overflow.candidates,
            policy.overflow.same_group_first, listed_keys)
        overflow = {"applicant": o_applicant, "school": o_school,
                    "source": np.full(len(o_school), SOURCE_OVERFLOW, np.int8),
                    "tier": _tiers(policy, catchments, applicants, schools, o_applicant,
                                   o_school),
                    "distance": o_distance}
        # both parts are grouped by applicant in list order; a stable sort by applicant
        # interleaves them without disturbing that order (timsort merges the runs)
        merged = {name: np.concatenate([arcs[name], overflow[name]]) for name in arcs}
        order = np.argsort(merged["applicant"], kind="stable")
        arcs = {name: values[order] for name, values in merged.items()}
    arcs["priority"] = pack_priority(arcs["school"], arcs["tier"], tie[arcs["applicant"]])
    return arcs


def _tiers(policy, catchments, applicants, schools, applicant, school) -> np.ndarray:
    per_applicant = applicant_conditions(applicants, policy)
    per_arc = arc_conditions(needed_predicates(policy), catchments, applicants, schools,
                             applicant, school)
    return assign_tiers(policy, per_applicant, per_arc, applicant)


def _stated_and_catchment(scenario, policy, catchments, eligible, applicant_unit, school_unit,
                          public):
    school_index = pd.Index(scenario.schools["school_id"])
    preferences = scenario.preferences
    s_applicant = preferences["applicant_position"].to_numpy(dtype=np.int64)
    s_school = school_index.get_indexer(preferences["school_id"]).astype(np.int64)
    s_rank = preferences["rank"].to_numpy(dtype=np.int64)
    parts_a, parts_s = [], []
    for field in ZONE_FIELDS:
        zone = catchments.applicant_zones[field]
        who = np.flatnonzero((zone >= 0) & eligible)
        start = catchments.zone_school_start[zone[who]]
        count = catchments.zone_school_start[zone[who] + 1] - start
        parts_a.append(np.repeat(who, count))
        offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        parts_s.append(catchments.zone_schools[np.repeat(start, count) + offsets])
    h_applicant = np.concatenate(parts_a).astype(np.int64)
    h_school = np.concatenate(parts_s).astype(np.int64)
    keep_home = public[h_school] & (school_unit[h_school] == applicant_unit[h_applicant])
    h_applicant, h_school = h_applicant[keep_home], h_school[keep_home]
    home_keys = unique_sorted(h_applicant * len(public) + h_school)
    in_catchment = in_sorted(s_applicant * len(public) + s_school, home_keys)
    keep = (eligible[s_applicant] & (school_unit[s_school] == applicant_unit[s_applicant])
            & (in_catchment | ~public[s_school] | policy.stated_choices_outside_catchment))
    applicant = np.concatenate([s_applicant[keep], h_applicant])
    school = np.concatenate([s_school[keep], h_school])
    source = np.concatenate([np.full(keep.sum(), SOURCE_STATED, np.int8),
                             np.full(len(h_school), SOURCE_CATCHMENT, np.int8)])
    rank = np.concatenate([s_rank[keep], np.zeros(len(h_school), np.int64)])
    return _first_of_each_pair(applicant, school, source, rank, len(public))


def _first_of_each_pair(applicant, school, source, rank, school_count):
    """Drop repeated (applicant, school) pairs, keeping the best source."""
    order = np.lexsort((rank, source, school, applicant))
    pair = (applicant * school_count + school)[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    chosen = order[first]
    return applicant[chosen], school[chosen], source[chosen], rank[chosen]


def _home_group(applicant, school, source, distance, schools, applicant_count) -> np.ndarray:
    """School group (教育集团) of each applicant's nearest catchment school ('' if none)."""
    groups = schools["group"].to_numpy(dtype=object)
    home = np.flatnonzero(source == SOURCE_CATCHMENT)
    result = np.full(applicant_count, "", dtype=object)
    if len(home) == 0:
        return result
    finite = np.where(np.isnan(distance[home]), _FAR_KM, distance[home])
    order = np.lexsort((school[home], finite, applicant[home]))
    first = np.ones(len(order), dtype=bool)
    first[1:] = applicant[home][order][1:] != applicant[home][order][:-1]
    chosen = home[order[first]]
    result[applicant[chosen]] = groups[school[chosen]]
    return result
