"""Priority tiers and tie-breaks: pure functions of (applicants, policy, arcs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.policy.catchments import Catchments
from allocator.policy.config import Policy
from allocator.policy.predicates import PREDICATES

_NO_DATE = np.iinfo(np.int64).max


def applicant_conditions(applicants: pd.DataFrame, policy: Policy) -> dict[str, np.ndarray]:
    """School-independent predicates, one boolean array per name."""
    certified = np.zeros(len(applicants), dtype=bool)
    for tag in policy.certified_categories:
        certified |= applicants[f"is_{tag}"].to_numpy(dtype=bool)
    hukou_in_county = (applicants["hukou_zone"] != "").to_numpy()
    inflow = applicants["county"].isin(list(policy.migrants.inflow_counties)).to_numpy()
    permit = applicants["residence_permit_months"].to_numpy()
    insurance = applicants["social_insurance_months"].to_numpy()
    permit_ok = (permit > 0) & (~inflow | (
        (permit >= policy.migrants.inflow_minimum_permit_months)
        & (insurance >= policy.migrants.inflow_minimum_social_insurance_months)))
    return {
        "certified_group": certified,
        "disabled_mainstream": (applicants["is_disabled"]
                                & (applicants["disability_plan"] == "mainstream")).to_numpy(),
        "hukou_in_county": hukou_in_county,
        "hukou_in_city": hukou_in_county | applicants["hukou_city"].to_numpy(dtype=bool),
        "owns_home_in_county": (applicants["property_zone"] != "").to_numpy(),
        "residence_permit": permit_ok,
    }


def arc_conditions(needed: set[str], catchments: Catchments, applicants: pd.DataFrame,
                   schools: pd.DataFrame, arc_applicant: np.ndarray, arc_school: np.ndarray,
                   listed: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """School-dependent predicates per arc (applicant ``arc_applicant[i]`` at ``arc_school[i]``).

    Only the predicates in ``needed`` are computed.
    """
    result: dict[str, np.ndarray] = {}
    for field, name in (("hukou_zone", "hukou_in_catchment"),
                        ("property_zone", "property_in_catchment"),
                        ("residence_zone", "residence_in_catchment")):
        if name in needed:
            zone = catchments.applicant_zones[field][arc_applicant]
            result[name] = catchments.serves(arc_school, zone)
    if "older_sibling_here" in needed:
        result["older_sibling_here"] = sibling_school_here(applicants, schools, arc_applicant,
                                                           arc_school)
    if needed & {"feeder_school_here", "nine_year_continuing"}:
        fed, nine_year = feeder_relations(applicants, schools, arc_applicant, arc_school)
        result["feeder_school_here"] = fed
        result["nine_year_continuing"] = nine_year
    if "listed_by_school" in needed:
        result["listed_by_school"] = listed if listed is not None else np.zeros(
            len(arc_applicant), bool)
    return result


def feeder_relations(applicants: pd.DataFrame, schools: pd.DataFrame, arc_applicant: np.ndarray,
                     arc_school: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per arc: the applicant's feeder primary feeds this junior school (对口直升), and
    the applicant continues inside a nine-year school (九年一贯制)."""
    school_ids = schools["school_id"].to_numpy(dtype=object)
    position = pd.Index(schools["school_id"])
    own_feeder = position.get_indexer(applicants["feeder_school"])
    # only the arcs of applicants with a known feeder school are looked at (ids compared
    # as positions: school ids are unique)
    has = np.flatnonzero(own_feeder[arc_applicant] >= 0)
    feeder_position = own_feeder[arc_applicant[has]]
    target_position = arc_school[has]
    feeds = schools["feeds_into"].to_numpy(dtype=object)
    nine_year = schools["nine_year"].to_numpy(dtype=bool)
    fed = np.zeros(len(arc_applicant), dtype=bool)
    fed[has] = [f";{t};" in f";{feeds[p]};" for t, p in zip(
        school_ids[target_position], feeder_position, strict=True)]
    continuing = np.zeros(len(arc_applicant), dtype=bool)
    continuing[has] = nine_year[feeder_position] & (fed[has] | (feeder_position
                                                                == target_position))
    return fed, continuing


def sibling_school_here(applicants: pd.DataFrame, schools: pd.DataFrame,
                        arc_applicant: np.ndarray, arc_school: np.ndarray) -> np.ndarray:
    """Per arc: the school is the applicant's older sibling's school (长幼随学 request).

    Compared as school positions (school ids are unique), not as id strings per arc.
    """
    wanted = pd.Index(schools["school_id"]).get_indexer(applicants["sibling_school"])
    return wanted[arc_applicant] == arc_school


def assign_tiers(policy: Policy, per_applicant: dict[str, np.ndarray],
                 per_arc: dict[str, np.ndarray], arc_applicant: np.ndarray,
                 applicant_stage: np.ndarray | None = None) -> np.ndarray:
    """Tier index per arc: the first rung of :meth:`Policy.ladder` whose conditions hold.

    A rung limited to some ``stages`` only matches applicants of those stages.
    """
    ladder = policy.ladder()
    tier = np.full(len(arc_applicant), len(ladder) - 1, dtype=np.int16)
    undecided = np.ones(len(arc_applicant), dtype=bool)
    gathered: dict[str, np.ndarray] = {}  # per-applicant predicates spread to the arcs, once

    def truth(name: str) -> np.ndarray:
        if name in per_arc:
            return per_arc[name]
        if name not in per_applicant:
            raise KeyError(f"predicate {name!r} ({PREDICATES.get(name, 'unknown')}) was not "
                           "computed")
        if name not in gathered:
            gathered[name] = per_applicant[name][arc_applicant]
        return gathered[name]

    for index, rung in enumerate(ladder):
        match = undecided.copy()
        if rung.stages and applicant_stage is not None:
            # per applicant, then spread to the arcs (not a string search per arc)
            match &= np.isin(applicant_stage, list(rung.stages))[arc_applicant]
        for name in rung.all_of:
            match &= truth(name)
        if rung.any_of:
            some = np.zeros(len(arc_applicant), dtype=bool)
            for name in rung.any_of:
                some |= truth(name)
            match &= some
        for name in rung.none_of:
            match &= ~truth(name)
        tier[match] = index
        undecided &= ~match
    return tier


def needed_predicates(policy: Policy) -> set[str]:
    """Every predicate the policy's ladder refers to (plus the older-sibling one)."""
    names = {name for rung in policy.ladder()
             for name in (*rung.all_of, *rung.any_of, *rung.none_of)}
    if policy.kind == "ladder" and policy.siblings.older_sibling != "off":
        names.add("older_sibling_here")
    return names


def local_tier_numbers(policy: Policy, stage: str) -> np.ndarray:
    """Published tier number per rung for one stage: rungs of other stages are skipped."""
    numbers = np.full(len(policy.ladder()), -1, dtype=np.int64)
    count = 0
    for index, rung in enumerate(policy.ladder()):
        if not rung.stages or stage in rung.stages:
            numbers[index] = count
            count += 1
    return numbers


def tie_break_rank(applicants: pd.DataFrame, policy: Policy, draws: np.ndarray) -> np.ndarray:
    """Unique rank per applicant (0 = best) from the policy's tie-break chain.

    Dates: earlier first, missing last. Months: longer first. Then the lottery
    draw, then the applicant id (only twins sharing a draw can tie there).
    """
    keys: list[np.ndarray] = []
    for name in policy.tie_breaks:
        if name in ("hukou_since", "property_since"):
            dates = applicants[name]
            values = dates.to_numpy(dtype="datetime64[ns]").astype(np.int64)
            keys.append(np.where(dates.isna().to_numpy(), _NO_DATE, values))
        elif name in ("residence_permit_months", "social_insurance_months"):
            keys.append(-applicants[name].to_numpy(dtype=np.int64))
        else:
            keys.append(draws)
    ids = applicants["applicant_id"].to_numpy(dtype=object)
    id_order = np.argsort(ids, kind="stable")
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[id_order] = np.arange(len(ids))
    order = np.lexsort([id_rank, *reversed(keys)])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
