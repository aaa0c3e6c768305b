"""School disclosure files for publication (招生信息公开).

``disclosure.csv``: per school its plan, catchment zones, admission conditions
(the rungs of the policy's ladder that apply to the school's stage, numbered as
in ``assignments.csv``), placed children by tier, cut-off tier and lottery,
children redirected away from and into it. ``disclosure_admitted.csv``: the
application numbers placed by each school, then those left unplaced, with the
published tier and the route (catchment, choice, overflow, sweep, ...).
``disclosure_counts.csv``: per county and stage, how many children were placed,
left unplaced and excluded (excluded children are only counted). Every file
goes through :func:`allocator.reports.publication.publish`.
"""

from __future__ import annotations

import pandas as pd

from .publication import admitted_publication, count_publication, masked_numbers, publish

__all__ = ["admitted_list", "count_list", "masked_numbers", "school_disclosure"]


def school_disclosure(frame: pd.DataFrame, schools: pd.DataFrame, conditions: pd.Series,
                      tier_names: tuple[str, ...]) -> pd.DataFrame:
    """One row per school: plan, catchment, conditions, counts by tier, cut-offs, redirections.

    Parameters
    ----------
    frame : pandas.DataFrame
        The applicant frame of :func:`allocator.reports.frames.applicant_frame`.
    schools : pandas.DataFrame
        The schools frame of :func:`allocator.reports.frames.schools_frame`.
    conditions : pandas.Series
        The conditions text of each school (same index as ``schools``).
    tier_names : tuple of str
        The run's tiers in ladder order: the ``admitted_<tier>`` and
        ``admitted_by_sweep`` counts are those of ``schools.csv``.
    """
    by_tier = schools[[f"admitted_{name}" for name in (*tier_names, "by_sweep")]]
    away = frame[frame["outside_catchment"]].groupby("home_school_id").size()
    into = frame[frame["outside_catchment"]].groupby("school_id").size()
    table = pd.DataFrame({
        "school_id": schools["school_id"], "name": schools["name"],
        "county": schools["county"], "stage": schools["stage"], "kind": schools["kind"],
        "plan": schools["capacity"],
        "catchment_zones": schools.get("zones", pd.Series("", index=schools.index)).fillna(""),
        "conditions": conditions.to_numpy(dtype=object), "admitted": schools["assigned"],
        "surplus": schools["surplus"],
        "cutoff_tier": schools["cutoff_tier"], "cutoff_tier_name": schools["cutoff_tier_name"],
        "cutoff_lottery": schools["cutoff_lottery"],
        "redirected_away": schools["school_id"].map(away).fillna(0).astype(int),
        "redirected_in": schools["school_id"].map(into).fillna(0).astype(int)})
    return publish("disclosure", pd.concat([table.reset_index(drop=True),
                                            by_tier.reset_index(drop=True)], axis=1))


def admitted_list(assignments: pd.DataFrame, school_ids) -> pd.DataFrame:
    """Application numbers placed per school, then the unplaced ones (no excluded child)."""
    return admitted_publication(assignments, school_ids)


def count_list(assignments: pd.DataFrame) -> pd.DataFrame:
    """Placed, unplaced and excluded children per county and stage (counts only)."""
    return count_publication(assignments)
