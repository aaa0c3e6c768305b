"""Publication files (招生信息公开), minimal by construction.

Every file published about a run goes through :func:`publish`, the one gate:
it keeps only the allow-listed columns of that publication (:data:`ALLOW_LIST`),
refuses any cell that would reveal why a child was excluded, and neutralises
spreadsheet formulas. The run folder's ``disclosure.csv``,
``disclosure_admitted.csv`` and ``disclosure_counts.csv``, and the store's and
the service's ``/disclosure``, are all built here.

Children the engine does not place (``excluded``: a special school or home
teaching by the expert committee's plan, which is disability status, or under
age) appear only as counts per county and stage, never by application number
or reason. Application numbers that look like national ID numbers are masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.csv_text import frame_text
from allocator.policy.eligibility import EXCLUSION_REASONS

#: Columns each publication may hold, in order. ``disclosure`` also holds one
#: ``admitted_<tier>`` column per tier of the run (see :func:`publish`).
ALLOW_LIST: dict[str, tuple[str, ...]] = {
    "disclosure": ("school_id", "name", "county", "stage", "kind", "plan", "catchment_zones",
                   "conditions", "admitted", "surplus", "cutoff_tier", "cutoff_tier_name",
                   "cutoff_lottery", "redirected_away", "redirected_in"),
    "disclosure_admitted": ("application_number", "school_id", "status", "tier", "tier_name",
                            "route", "lottery", "appeal_id"),
    "disclosure_counts": ("county", "stage", "applicants", "placed", "unplaced", "excluded"),
}
#: Statuses listed by application number; every other status is only counted.
PUBLISHED_STATUSES = ("placed", "unplaced")
#: reason_code -> published route. A mainstream-class placement at a school with a
#: resource room (随班就读) would reveal a disability: it is published as a
#: placement by priority, like every other first-rung placement at an assigned school.
PUBLISHED_ROUTES = {
    "catchment": "catchment", "choice": "choice", "overflow": "overflow", "sweep": "sweep",
    "older_sibling": "older_sibling", "feeder_school": "feeder_school",
    "private_round": "private_round", "sibling_group": "sibling_group", "appeal": "appeal",
    "resource_room": "priority_placement", "unplaced": "unplaced",
}
_TIER_COLUMN = re.compile(r"admitted_[a-z0-9_]+")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
#: Text that must never appear in a publication (reason codes of exclusions).
FORBIDDEN_TEXT = ("excluded:", *EXCLUSION_REASONS)


def publish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The one gate of every publication: allow-listed columns, no exclusion reasons, safe cells.

    Parameters
    ----------
    name : str
        A key of :data:`ALLOW_LIST`.
    frame : pandas.DataFrame
        The table built for that publication (other columns are dropped).

    Returns
    -------
    pandas.DataFrame
        The allow-listed columns (``disclosure`` adds its ``admitted_<tier>``
        counts), with spreadsheet formulas neutralised.

    Raises
    ------
    ValueError
        When a cell would reveal an exclusion reason (a defect, never expected).
    """
    allowed = list(ALLOW_LIST[name])
    if name == "disclosure":
        allowed += [c for c in frame.columns if _TIER_COLUMN.fullmatch(c) and c not in allowed]
    table = frame[allowed].reset_index(drop=True)
    for column in ("status", "route", "tier_name"):
        if column not in table.columns:
            continue
        text = table[column].astype("string").fillna("")
        if text.str.contains("|".join(map(re.escape, FORBIDDEN_TEXT)), regex=True).any():
            raise ValueError(f"publication {name}: column {column} would reveal an exclusion")
    return neutralise_frame(table)


def publication_csv(frame: pd.DataFrame) -> str:
    """CSV text of a published table (UTF-8 text, ``\\n`` line ends, the run folder's bytes)."""
    return frame_text(frame)


def masked_numbers(ids: pd.Series) -> np.ndarray:
    """Application numbers, masked where one looks like a national ID number."""
    text = ids.astype(str)
    looks_like_id = text.str.fullmatch(_ID_NUMBER.pattern).to_numpy(dtype=bool)
    return np.where(looks_like_id, "*" * 14 + text.str[-4:], text).astype(object)


def admitted_publication(placements: pd.DataFrame, school_ids: Sequence[str]) -> pd.DataFrame:
    """Per child placed or left unplaced: school, tier, route and lottery number.

    Parameters
    ----------
    placements : pandas.DataFrame
        One row per applicant with ``applicant_id``, ``school_id``, ``status``,
        ``tier``, ``tier_name``, ``reason_code``, ``lottery`` and optionally
        ``appeal_id`` (the run's assignments, or the store's current placements).
    school_ids : sequence of str
        Schools in publication order.

    Returns
    -------
    pandas.DataFrame
        Placed children by school (schools in ``school_ids`` order, children in
        roster order), then unplaced children in roster order; excluded children
        are left out (see :func:`count_publication`).
    """
    rows = placements[placements["status"].isin(PUBLISHED_STATUSES)]
    position = {school: index for index, school in enumerate(school_ids)}
    school_rank = rows["school_id"].map(position).fillna(len(position)).to_numpy()
    rows = rows.iloc[np.argsort(school_rank, kind="stable")]
    appeal = rows["appeal_id"] if "appeal_id" in rows.columns else pd.Series("", index=rows.index)
    table = pd.DataFrame({
        "application_number": masked_numbers(rows["applicant_id"]),
        "school_id": rows["school_id"].fillna("").astype(str).to_numpy(dtype=object),
        "status": rows["status"].to_numpy(dtype=object),
        "tier": pd.array(pd.to_numeric(rows["tier"].replace("", None), errors="coerce"),
                         dtype="Int64"),
        "tier_name": rows["tier_name"].fillna("").astype(str).to_numpy(dtype=object),
        "route": rows["reason_code"].map(PUBLISHED_ROUTES).fillna("").to_numpy(dtype=object),
        "lottery": rows["lottery"].fillna("").astype(str).to_numpy(dtype=object),
        "appeal_id": appeal.fillna("").astype(str).to_numpy(dtype=object)})
    return publish("disclosure_admitted", table)


def count_publication(placements: pd.DataFrame) -> pd.DataFrame:
    """Per county and stage: applicants, placed, unplaced and excluded (counts only).

    Parameters
    ----------
    placements : pandas.DataFrame
        One row per applicant with ``county``, ``stage`` and ``status``.

    Returns
    -------
    pandas.DataFrame
        One row per (county, stage), sorted.
    """
    status = placements["status"].astype(str)
    frame = pd.DataFrame({
        "county": placements["county"].astype(str), "stage": placements["stage"].astype(str),
        "applicants": 1, "placed": (status == "placed").astype(int),
        "unplaced": (status == "unplaced").astype(int),
        "excluded": (status == "excluded").astype(int)})
    table = frame.groupby(["county", "stage"], sort=True).sum().reset_index()
    return publish("disclosure_counts", table)
