"""Seat warnings (学位预警) and the cost of fairness."""

from __future__ import annotations

import numpy as np

from allocator.reports.fairness import COMPARED, cost_of_fairness, fairness_gap
from allocator.reports.seat_warnings import WarningThresholds, seat_warnings


def test_warning_levels_follow_the_thresholds(county_result):
    thresholds = WarningThresholds(red=1.3, orange=1.05, yellow=0.8)
    table = seat_warnings(county_result, thresholds)
    expected = np.select([table["ratio"] >= 1.3, table["ratio"] >= 1.05, table["ratio"] >= 0.8],
                         ["red", "orange", "yellow"], "")
    assert table["level"].tolist() == expected.tolist()
    assert (table["level"] == "red").any()
    demand_columns = [c for c in table.columns if c.startswith("demand_")]
    assert (table[demand_columns].sum(axis=1) == table["demand"]).all()
    assert (table["shortfall"] == np.maximum(table["demand"] - table["plan"], 0)).all()


def test_demand_counts_each_child_once_at_its_catchment_school(county_result):
    table = seat_warnings(county_result)
    eligible = county_result.problem.exclusion == ""
    assert 0 < table["demand"].sum() <= eligible.sum()


def test_optimum_places_at_least_as_many_and_stable_has_no_envy(county_result):
    table = cost_of_fairness(county_result)
    assert table["mechanism"].tolist() == list(COMPARED)
    stable, optimum = table.iloc[0], table.iloc[1]
    assert optimum["placed"] >= stable["placed"]
    assert stable["justified_envy"] == 0
    gap = fairness_gap(table)
    assert gap["placed"] >= 0
    assert gap["justified_envy"] == optimum["justified_envy"]


def test_children_of_a_multi_school_zone_count_as_demand_at_their_first_choice():
    """多校划片: the zone's schools are on a child's list as stated choices, not catchment arcs.

    Before the fix their children counted nowhere, so full town schools of the demo county
    showed a catchment demand of 0 (片区需求 0) in the seat warnings.
    """
    from pathlib import Path

    import pandas as pd

    from allocator.pipeline import run_scenario

    demo = Path(__file__).resolve().parents[2] / "scenarios" / "demo-county"
    result = run_scenario(demo)
    demand = seat_warnings(result).set_index("school_id")["demand"]
    schools = result.loaded.scenario.schools
    zones = schools[schools["kind"] == "public"].assign(
        zone=schools["zones"].str.split(";")).explode("zone")
    shared = zones.groupby("zone")["school_id"].nunique()
    shared_schools = set(zones.loc[zones["zone"].isin(shared[shared > 1].index), "school_id"])
    assert shared_schools  # the case exists in the demo county
    applicants = pd.read_csv(demo / "applicants.csv", dtype=str, keep_default_na=False)
    first = applicants["preferences"].str.split(";").str[0]
    taking_part = (result.assignments["status"] != "excluded").to_numpy()
    expected = first[first.isin(shared_schools) & taking_part].value_counts()
    assert len(expected) > 1
    for school, children in expected.items():
        assert demand[school] >= children, school
    full = result.schools.loc[(result.schools["kind"] == "public")
                              & (result.schools["surplus"] == 0), "school_id"]
    assert (demand[full] > 0).all()
