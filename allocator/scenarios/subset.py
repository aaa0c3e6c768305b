"""Restricting a validated scenario to some applicants and schools (never copying inputs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from allocator.model.scenario import Scenario


def subset_scenario(scenario: Scenario, applicant_mask: np.ndarray,
                    school_mask: np.ndarray | None = None) -> Scenario:
    """The scenario restricted to the applicants and schools selected by the masks.

    Row positions are renumbered; stated choices and priorities that refer to a
    dropped school or applicant are dropped with it. Used to split a province
    into counties and to recompile only the applicants a catchment edit reaches.
    """
    if school_mask is None:
        school_mask = np.ones(len(scenario.schools), dtype=bool)
    school_new = _renumber(school_mask)
    applicant_new = _renumber(applicant_mask)
    zones = scenario.school_zones
    kept_zones = school_mask[zones["school_position"].to_numpy()]
    zones = zones[kept_zones].copy()
    zones["school_position"] = school_new[zones["school_position"].to_numpy()]
    # row positions (iloc) cost what the subset holds, not what the scenario holds
    schools = scenario.schools.iloc[np.flatnonzero(school_mask)].reset_index(drop=True)
    kept_ids = pd.Index(schools["school_id"])
    preferences = scenario.preferences
    preferences = preferences.iloc[np.flatnonzero(
        applicant_mask[preferences["applicant_position"].to_numpy()])]
    preferences = preferences[preferences["school_id"].isin(kept_ids).to_numpy()].copy()
    preferences["applicant_position"] = applicant_new[
        preferences["applicant_position"].to_numpy()]
    applicants = scenario.applicants.iloc[np.flatnonzero(applicant_mask)].reset_index(
        drop=True)
    priorities = scenario.priorities
    if priorities is not None:
        priorities = priorities[priorities["school_id"].isin(kept_ids)
                                & priorities["applicant_id"].isin(
                                    pd.Index(applicants["applicant_id"]))].reset_index(drop=True)
    return replace(scenario, schools=schools, school_zones=zones.reset_index(drop=True),
                   applicants=applicants, preferences=preferences.reset_index(drop=True),
                   priorities=priorities)


def _renumber(mask: np.ndarray) -> np.ndarray:
    new = np.full(len(mask), -1, dtype=np.int64)
    new[mask] = np.arange(int(mask.sum()))
    return new
