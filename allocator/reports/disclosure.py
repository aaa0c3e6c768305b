"""School disclosure files for publication (招生信息公开).

``disclosure.csv``: per school its plan, catchment zones, admission conditions
(the policy's ladder), placed children by tier, cut-off tier and lottery,
children redirected away from and into it. ``disclosure_admitted.csv``: the
application numbers admitted by each school (in application order) with the published tier
and the route (catchment, choice, overflow, sweep, ...). Only application
numbers are published, never names or ID numbers: the columns are fixed here,
and applicant ids that look like 18-digit national ID numbers are masked.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

ADMITTED_COLUMNS = ["school_id", "application_number", "tier", "route"]
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def masked_numbers(ids: pd.Series) -> np.ndarray:
    """Application numbers, masked where one looks like a national ID number."""
    text = ids.astype(str)
    looks_like_id = text.str.fullmatch(_ID_NUMBER.pattern).to_numpy(dtype=bool)
    return np.where(looks_like_id, "*" * 14 + text.str[-4:], text).astype(object)


def school_disclosure(frame: pd.DataFrame, schools: pd.DataFrame, conditions: str) -> pd.DataFrame:
    """One row per school: plan, catchment, conditions, counts by tier, cut-offs, redirections."""
    placed = frame[frame["placed"]]
    school = placed["school_position"].to_numpy()
    tier_codes, tier_labels = pd.factorize(placed["tier_name"].fillna("").replace("", "sweep"),
                                           sort=True)
    counts = np.bincount(school * len(tier_labels) + tier_codes,
                         minlength=len(schools) * len(tier_labels))
    by_tier = pd.DataFrame(counts.reshape(len(schools), len(tier_labels)),
                           columns=[f"admitted_{name}" for name in tier_labels])
    away = frame[frame["outside_catchment"]].groupby("home_school_id").size()
    into = frame[frame["outside_catchment"]].groupby("school_id").size()
    table = pd.DataFrame({
        "school_id": schools["school_id"], "name": schools["name"],
        "county": schools["county"], "stage": schools["stage"], "kind": schools["kind"],
        "plan": schools["capacity"],
        "catchment_zones": schools.get("zones", pd.Series("", index=schools.index)).fillna(""),
        "conditions": conditions, "admitted": schools["assigned"],
        "surplus": schools["surplus"],
        "cutoff_tier": schools["cutoff_tier"], "cutoff_tier_name": schools["cutoff_tier_name"],
        "cutoff_lottery": schools["cutoff_lottery"],
        "redirected_away": schools["school_id"].map(away).fillna(0).astype(int),
        "redirected_in": schools["school_id"].map(into).fillna(0).astype(int)})
    return pd.concat([table.reset_index(drop=True), by_tier], axis=1)


def admitted_list(frame: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Application numbers admitted per school (schools in table order, then input order)."""
    placed = frame[frame["placed"]]
    school = placed["school_position"].to_numpy()
    order = np.argsort(school, kind="stable")
    ids = schools["school_id"].to_numpy(dtype=object)
    return pd.DataFrame({
        "school_id": ids[school[order]],
        "application_number": masked_numbers(placed["applicant_id"])[order],
        "tier": placed["tier"].to_numpy()[order],
        "route": placed["reason_code"].to_numpy()[order]})[ADMITTED_COLUMNS]
