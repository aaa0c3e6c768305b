"""Compiling a validated scenario and policy into a :class:`CompiledProblem`.

The effective list of an applicant under a ladder policy is, in order: an
older-sibling request, the nearest resource-room school (disabled children in
mainstream classes), feeder junior schools (grade 7), stated choices that are
catchment schools (or private schools, or any school if the policy allows) in
stated order, the other catchment schools (best tier first, then nearest), and
``overflow.candidates`` nearest other public schools of the same county and
stage, schools of the catchment school's group first. Stated private schools
form the private round (公民同招) when the policy has one.

Under ``explicit`` the list is exactly ``preferences``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.model.scenario import Scenario
from allocator.policy.catchments import Catchments, build_catchments
from allocator.policy.config import Policy
from allocator.policy.eligibility import exclusions
from allocator.policy.lottery import lottery_draws
from allocator.policy.tiers import (
    applicant_conditions,
    arc_conditions,
    assign_tiers,
    local_tier_numbers,
    needed_predicates,
    sibling_school_here,
    tie_break_rank,
)
from allocator.problem.compiled import (
    SOURCE_CATCHMENT,
    SOURCE_FEEDER,
    SOURCE_OVERFLOW,
    SOURCE_RESOURCE_ROOM,
    SOURCE_SIBLING,
    SOURCE_STATED,
    CompiledProblem,
    pack_priority,
)
from allocator.problem.distance import applicant_positions, arc_distance_km, zone_centres
from allocator.problem.lists import (
    LIST_ORDER,
    catchment_arcs,
    feeder_arcs,
    first_of_each_pair,
    resource_room_arcs,
    sibling_arcs,
    stated_arcs,
    stated_in_catchment,
)
from allocator.problem.overflow import nearest_overflow

_FAR_KM = 1.0e5
PRIVATE_TIER_NAME = "private_lottery"


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
    ladder = policy.ladder()
    tier_names = tuple(t.name for t in ladder)
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
        arcs = _ladder_arcs(scenario, policy, catchments, exclusion, tie, draws, applicant_unit,
                            school_unit, (applicant_lat, applicant_lon, school_lat, school_lon))
        if policy.private_round:
            tier_names = (*tier_names, PRIVATE_TIER_NAME)
    counts = np.bincount(arcs["applicant"], minlength=len(applicants))
    arc_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    plan = schools["capacity"].to_numpy(dtype=np.int64)
    ceiling = _ceilings(schools, policy)
    stages = applicants["stage"].to_numpy(dtype=object)
    numbers = {stage: _stage_numbers(policy, stage, len(tier_names))
               for stage in ("primary", "junior")}
    raise_plan = policy.kind == "ladder" and policy.first_tier_up_to_ceiling
    problem = CompiledProblem(
        applicant_ids=applicants["applicant_id"].to_numpy(dtype=object),
        school_ids=schools["school_id"].to_numpy(dtype=object),
        applicant_unit=applicant_unit, school_unit=school_unit,
        school_capacity=plan, school_public=(schools["kind"] == "public").to_numpy(bool),
        exclusion=exclusion, arc_start=arc_start,
        arc_school=arcs["school"].astype(np.int32), arc_tier=arcs["tier"].astype(np.int16),
        arc_source=arcs["source"].astype(np.int8),
        arc_distance=arcs["distance"].astype(np.float32),
        arc_priority=arcs["priority"], tier_names=tier_names,
        draws=draws, tie_rank=tie, applicant_lat=applicant_lat, applicant_lon=applicant_lon,
        school_lat=school_lat, school_lon=school_lon,
        final_sweep=policy.overflow.final_sweep and policy.kind == "ladder",
        school_plan=plan, school_ceiling=ceiling, arc_private=arcs["private"],
        applicant_group=_groups(applicants, exclusion), groups_together=policy.siblings.together,
        applicant_guaranteed=_guaranteed(applicants, policy), applicant_stage=stages,
        tier_numbers=numbers, first_tier_up_to_ceiling=raise_plan)
    return problem.with_capacity(plan, ceiling)


def _stage_numbers(policy: Policy, stage: str, tier_count: int) -> np.ndarray:
    """Published number per tier for one stage: its rungs 0, 1, ..., then the private round.

    The private round (公民同招) follows the stage's last rung, so every stage is
    numbered without gaps (primary 0-6 and private 7, junior 0-8 and private 9).
    """
    rungs = local_tier_numbers(policy, stage)
    following = int(rungs.max()) + 1 if len(rungs) else 0
    return np.append(rungs, np.arange(following, following + tier_count - len(rungs)))


def _units(applicants: pd.DataFrame, schools: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Code (county, stage) pairs shared by applicants and schools."""
    applicant_label = (applicants["county"].astype(str) + "\x1f" + applicants["stage"]).to_numpy()
    school_label = (schools["county"].astype(str) + "\x1f" + schools["stage"]).to_numpy()
    codes, _ = pd.factorize(np.concatenate([school_label, applicant_label]), sort=True)
    return codes[len(school_label):].astype(np.int64), codes[:len(school_label)].astype(np.int64)


def _groups(applicants: pd.DataFrame, exclusion: np.ndarray) -> np.ndarray:
    """Group code per applicant for sibling groups with two or more placeable members."""
    labels = applicants["sibling_group"].to_numpy(dtype=object)
    labels = np.where(exclusion == "", labels, "")
    codes, _ = pd.factorize(labels, sort=True)
    codes = np.where(labels == "", -1, codes).astype(np.int64)
    sizes = np.bincount(codes[codes >= 0], minlength=max(int(codes.max(initial=-1)) + 1, 1))
    return np.where((codes >= 0) & (sizes[np.maximum(codes, 0)] >= 2), codes, -1)


def _guaranteed(applicants: pd.DataFrame, policy: Policy) -> np.ndarray:
    guaranteed = np.zeros(len(applicants), dtype=bool)
    for tag in policy.guarantee.categories:
        guaranteed |= applicants[f"is_{tag}"].to_numpy(dtype=bool)
    if policy.guarantee.disabled_mainstream:
        guaranteed |= (applicants["is_disabled"]
                       & (applicants["disability_plan"] == "mainstream")).to_numpy(dtype=bool)
    return guaranteed


def _ceilings(schools: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Seats no placement may pass: classes x the per-class ceiling (56).

    Where ``classes`` is not given, the classes the plan needs at the stage's
    class size are assumed.
    """
    plan = schools["capacity"].to_numpy(dtype=np.int64)
    size = schools["stage"].map(dict(policy.class_size)).fillna(45).to_numpy(dtype=np.int64)
    classes = schools["classes"].fillna(-1).to_numpy(dtype=np.int64)
    assumed = -(-plan // np.maximum(size, 1))
    return np.where(classes >= 0, classes, assumed) * policy.class_size_ceiling


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
        # ranks are only an order: renumber them densely per school so any value fits the key
        dense = p.groupby("school_id")["rank"].rank(method="first").to_numpy(dtype=np.int64)
        lookup = pd.Series(dense, index=keys)
        found = lookup.reindex(school * (len(tie) + 1) + applicant)
        listed_rank = found.fillna(-1).to_numpy(dtype=np.int64)
    listed = listed_rank >= 0
    tier = np.where(listed, 0, 1).astype(np.int16)
    sub = np.where(listed, listed_rank, tie[applicant])
    order = np.lexsort((rank, applicant))
    return {"applicant": applicant[order], "school": school[order],
            "source": np.zeros(len(school), np.int8), "tier": tier[order],
            "distance": np.full(len(school), np.nan), "private": np.zeros(len(school), bool),
            "priority": pack_priority(school, tier, sub)[order]}


def _ladder_arcs(scenario: Scenario, policy: Policy, catchments: Catchments,
                 exclusion: np.ndarray, tie: np.ndarray, draws: np.ndarray,
                 applicant_unit: np.ndarray, school_unit: np.ndarray,
                 positions: tuple[np.ndarray, ...]) -> dict:
    """Arcs of the effective lists, grouped by applicant, best choice first."""
    applicants, schools = scenario.applicants, scenario.schools
    public = (schools["kind"] == "public").to_numpy(dtype=bool)
    eligible = exclusion == ""
    applicant, school, source, rank = _listed_arcs(
        scenario, policy, catchments, eligible, applicant_unit, school_unit, public, positions)
    distance = arc_distance_km(applicant, school, positions)
    tier = _tiers(policy, catchments, applicants, schools, applicant, school)
    finite = np.where(np.isnan(distance), _FAR_KM, distance)
    key1 = np.where(source == SOURCE_CATCHMENT, tier, rank)
    key2 = np.where(source == SOURCE_STATED, 0.0, finite)
    # private-round choices are decided first, so they lead the list
    private = policy.private_round & ~public[school] & (source == SOURCE_STATED)
    order = np.lexsort((school, key2, key1, np.where(private, -1, LIST_ORDER[source]),
                        applicant))
    arcs = {"applicant": applicant[order], "school": school[order], "source": source[order],
            "tier": tier[order], "distance": distance[order]}
    if policy.overflow.enabled and policy.overflow.candidates > 0:
        arcs = _with_overflow(arcs, scenario, policy, catchments, eligible, applicant_unit,
                              school_unit, public, positions)
    return _prioritise(arcs, policy, applicants, schools, public, tie, draws)


def _listed_arcs(scenario, policy, catchments, eligible, applicant_unit, school_unit, public,
                 positions):
    """Front arcs, stated choices and catchment schools, one arc per (applicant, school)."""
    def same_unit_public(applicant, school):
        return public[school] & (school_unit[school] == applicant_unit[applicant])

    s_applicant, s_school, s_rank = stated_arcs(scenario, eligible)
    h_applicant, h_school = catchment_arcs(catchments, eligible, applicant_unit, school_unit,
                                           public)
    in_catchment = stated_in_catchment(s_applicant, s_school, h_applicant, h_school,
                                       len(public))
    keep = (school_unit[s_school] == applicant_unit[s_applicant]) & (
        in_catchment | ~public[s_school] | policy.stated_choices_outside_catchment)
    disabled = (scenario.applicants["is_disabled"]
                & (scenario.applicants["disability_plan"] == "mainstream")).to_numpy(bool)
    parts = [
        (s_applicant[keep], s_school[keep], SOURCE_STATED, s_rank[keep]),
        (h_applicant, h_school, SOURCE_CATCHMENT, None),
        (*sibling_arcs(scenario, policy, eligible, same_unit_public), SOURCE_SIBLING, None),
        (*feeder_arcs(scenario, eligible, same_unit_public), SOURCE_FEEDER, None),
        (*resource_room_arcs(scenario, policy, eligible, disabled, applicant_unit,
                             school_unit, public, positions), SOURCE_RESOURCE_ROOM, None),
    ]
    applicant = np.concatenate([p[0] for p in parts]).astype(np.int64)
    school = np.concatenate([p[1] for p in parts]).astype(np.int64)
    source = np.concatenate([np.full(len(p[0]), p[2], np.int8) for p in parts])
    rank = np.concatenate([p[3] if p[3] is not None else np.zeros(len(p[0]), np.int64)
                           for p in parts])
    return first_of_each_pair(applicant, school, source, rank, len(public))


def _with_overflow(arcs, scenario, policy, catchments, eligible, applicant_unit, school_unit,
                   public, positions) -> dict:
    applicants, schools = scenario.applicants, scenario.schools
    listed_keys = np.sort(arcs["applicant"] * len(public) + arcs["school"])
    school_group = _group_codes(schools)
    home_group = _home_group(arcs, school_group, len(applicants))
    o_applicant, o_school, _, o_distance = nearest_overflow(
        eligible, applicant_unit, school_unit, public, positions, home_group,
        school_group, policy.overflow.candidates,
        policy.overflow.same_group_first, listed_keys)
    overflow = {"applicant": o_applicant, "school": o_school,
                "source": np.full(len(o_school), SOURCE_OVERFLOW, np.int8),
                "tier": _tiers(policy, catchments, applicants, schools, o_applicant, o_school),
                "distance": o_distance}
    return _merge_by_applicant(arcs, overflow)


def _merge_by_applicant(first: dict, second: dict) -> dict:
    """Interleave two arc sets sorted by applicant; an applicant's ``first`` arcs lead.

    The same order as a stable sort of the concatenation by applicant, computed
    as a merge of the two sorted runs (positions from per-applicant counts), which
    is several times cheaper than sorting millions of arcs again.
    """
    a, b = first["applicant"], second["applicant"]
    # arcs of ``second`` before each applicant, arcs of ``first`` up to it (counts, not searches)
    size = int(max(a.max(initial=-1), b.max(initial=-1))) + 1
    second_before = np.cumsum(np.bincount(b, minlength=size)) - np.bincount(b, minlength=size)
    first_up_to = np.cumsum(np.bincount(a, minlength=size))
    position_a = np.arange(len(a)) + second_before[a]
    position_b = np.arange(len(b)) + first_up_to[b]
    merged = {}
    for name in first:
        values = np.empty(len(a) + len(b), dtype=np.result_type(first[name], second[name]))
        values[position_a] = first[name]
        values[position_b] = second[name]
        merged[name] = values
    return merged


def _prioritise(arcs, policy, applicants, schools, public, tie, draws) -> dict:
    """Private-round flags and packed priority keys (lottery only at private schools)."""
    private = ~public[arcs["school"]] if policy.private_round else np.zeros(
        len(arcs["school"]), bool)
    sibling = np.zeros(len(arcs["school"]), dtype=bool)
    if policy.siblings.older_sibling == "within_tier":
        sibling = sibling_school_here(applicants, schools, arcs["applicant"], arcs["school"])
    lottery_order = np.argsort(draws, kind="stable")
    lottery_rank = np.empty(len(draws), dtype=np.int64)
    lottery_rank[lottery_order] = np.arange(len(draws))
    private_tier = len(policy.ladder())
    tier = np.where(private, private_tier, arcs["tier"]).astype(np.int16)
    sub = np.where(private, lottery_rank[arcs["applicant"]], tie[arcs["applicant"]])
    arcs = dict(arcs, tier=tier, private=private)
    arcs["priority"] = pack_priority(arcs["school"], tier, sub, sibling & ~private)
    return arcs


def _tiers(policy, catchments, applicants, schools, applicant, school) -> np.ndarray:
    per_applicant = applicant_conditions(applicants, policy)
    per_arc = arc_conditions(needed_predicates(policy), catchments, applicants, schools,
                             applicant, school)
    return assign_tiers(policy, per_applicant, per_arc, applicant,
                        applicants["stage"].to_numpy(dtype=object))


def _group_codes(schools: pd.DataFrame) -> np.ndarray:
    """Integer code of each school's group (教育集团), -1 for none."""
    labels = schools["group"].to_numpy(dtype=object)
    codes, _ = pd.factorize(labels, sort=True)
    return np.where(labels == "", -1, codes).astype(np.int64)


def _home_group(arcs: dict, groups: np.ndarray, applicant_count: int) -> np.ndarray:
    """Group code of each applicant's nearest catchment school (-1 if none)."""
    home = np.flatnonzero(arcs["source"] == SOURCE_CATCHMENT)
    result = np.full(applicant_count, -1, dtype=np.int64)
    if len(home) == 0:
        return result
    applicant, school = arcs["applicant"][home], arcs["school"][home]
    finite = np.where(np.isnan(arcs["distance"][home]), _FAR_KM, arcs["distance"][home])
    order = np.lexsort((school, finite, applicant))
    first = np.ones(len(order), dtype=bool)
    first[1:] = applicant[order][1:] != applicant[order][:-1]
    chosen = order[first]
    result[applicant[chosen]] = groups[school[chosen]]
    return result
