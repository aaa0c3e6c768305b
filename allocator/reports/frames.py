"""One tidy frame per applicant that every report reads (derived, never written back)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.model.schema import CATEGORY_TAGS
from allocator.pipeline.run import RunResult
from allocator.problem.compiled import SOURCE_CATCHMENT, SOURCE_STATED, CompiledProblem

#: Placements outside the child's catchment: redirected, swept county-wide, or
#: seated with a sibling group at a school not on the child's own list.
OUTSIDE_CODES = ("overflow", "sweep", "sibling_group")

#: Columns of the assignments table the reports read (the long texts are left out).
FRAME_COLUMNS = ("applicant_id", "school_id", "status", "tier", "tier_name", "reason_code",
                 "distance_km", "county", "stage")

#: Special groups whose every child must be enrolled (应入尽入).
GUARANTEED_CATEGORIES = ("left_behind", "unsupported", "orphan", "low_income")


def catchment_arcs(problem: CompiledProblem, stated_in_catchment: bool = False) -> np.ndarray:
    """Positions of the arcs that lead to one of the child's catchment schools, in list order.

    A catchment school the child also names as a choice (a choice in a multi-school
    zone, 多校划片, or its own school written down) is on its list once, as a stated
    choice, not as a catchment arc. Where the policy honours no stated public choice
    outside the catchment (``stated_choices_outside_catchment: false``, the Shanxi
    rule), every stated choice of a public school is such a school, and
    ``stated_in_catchment=True`` counts it; otherwise only catchment arcs are known
    to be (a stated choice may lie outside the catchment).
    """
    mask = problem.arc_source == SOURCE_CATCHMENT
    if stated_in_catchment:
        mask |= (problem.arc_source == SOURCE_STATED) & problem.school_public[problem.arc_school]
    return np.flatnonzero(mask)


def home_school(problem: CompiledProblem, stated_in_catchment: bool = False) -> np.ndarray:
    """Position of each applicant's catchment school (-1 if none).

    The first arc of :func:`catchment_arcs`: the first public choice in the child's
    zone where it stated one, else its best-tier, nearest catchment school.
    """
    home = np.full(problem.applicant_count, -1, dtype=np.int64)
    arcs = catchment_arcs(problem, stated_in_catchment)
    owner = problem.arc_applicant()[arcs]
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    home[owner[first]] = problem.arc_school[arcs[first]]
    return home


def shanxi_catchments(result: RunResult) -> bool:
    """Whether every stated public choice of the run is a catchment school (see above)."""
    return not result.loaded.policy.stated_choices_outside_catchment


def applicant_frame(result: RunResult) -> pd.DataFrame:
    """Assignments joined with what the reports group by.

    Added columns: ``zone`` (residence zone, else hukou zone), ``migrant``
    (no hukou or home in the county, living in a zone: 随迁子女), ``categories``,
    ``sibling_group``, ``home_school_id`` (catchment school), ``school_position``,
    ``kind`` and ``public`` of the placed school, ``placed``, ``eligible`` (not
    excluded), ``outside_catchment``, ``guaranteed``, ``category_<tag>``.
    """
    frame = result.assignments[list(FRAME_COLUMNS)].copy()
    applicants = result.loaded.scenario.applicants
    residence = applicants["residence_zone"].fillna("").astype(str).to_numpy(dtype=object)
    hukou = applicants["hukou_zone"].fillna("").astype(str).to_numpy(dtype=object)
    prop = applicants["property_zone"].fillna("").astype(str).to_numpy(dtype=object)
    frame["zone"] = np.where(residence != "", residence, hukou)
    frame["migrant"] = (hukou == "") & (prop == "") & (residence != "")
    frame["categories"] = applicants["categories"].fillna("").astype(str).to_numpy(dtype=object)
    for tag in CATEGORY_TAGS:
        column = f"is_{tag}"
        frame[f"category_{tag}"] = (applicants[column].to_numpy(dtype=bool)
                                    if column in applicants.columns
                                    else frame["categories"].str.contains(tag).to_numpy())
    frame["sibling_group"] = applicants["sibling_group"].fillna("").astype(str).to_numpy(
        dtype=object)
    home = home_school(result.problem, stated_in_catchment=shanxi_catchments(result))
    ids = result.problem.school_ids
    frame["home_school_id"] = np.where(home >= 0, ids[np.maximum(home, 0)], "")
    position = np.asarray(result.allocation.assigned_school, dtype=np.int64)
    kinds = result.schools["kind"].to_numpy(dtype=object)
    frame["school_position"] = position
    frame["kind"] = np.where(position >= 0, kinds[np.maximum(position, 0)], "")
    frame["public"] = (position >= 0) & result.problem.school_public[np.maximum(position, 0)]
    frame["placed"] = position >= 0
    frame["eligible"] = (frame["status"] != "excluded").to_numpy(dtype=bool)
    frame["outside_catchment"] = frame["placed"] & frame["reason_code"].isin(OUTSIDE_CODES)
    frame["guaranteed"] = frame[[f"category_{tag}" for tag in GUARANTEED_CATEGORIES]].any(axis=1)
    return frame


def schools_frame(result: RunResult) -> pd.DataFrame:
    """The run's schools table with classes, position and catchment zones added."""
    frame = result.schools.copy()
    source = result.loaded.scenario.schools.set_index("school_id")
    for column in ("classes", "lat", "lon", "zones", "group"):
        if column in source.columns and column not in frame.columns:
            frame[column] = frame["school_id"].map(source[column]).to_numpy()
    sizes = dict(result.loaded.policy.class_size)
    frame["class_size"] = frame["stage"].map(sizes).fillna(45).astype(int)
    return frame
