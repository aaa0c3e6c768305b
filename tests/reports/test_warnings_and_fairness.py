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
    zone_school = set(zip(zones["zone"], zones["school_id"], strict=True))
    applicants = pd.read_csv(demo / "applicants.csv", dtype=str, keep_default_na=False)
    first = applicants["preferences"].str.split(";").str[0]
    taking_part = (result.assignments["status"] != "excluded").to_numpy()
    # Children whose every address is in one multi-school zone and whose first choice is
    # one of that zone's schools (children elsewhere may also list a school first).
    home = applicants["residence_zone"]
    one_home = (applicants["hukou_zone"] == home) & (applicants["property_zone"] == home)
    in_own_zone = pd.Series([(zone, school) in zone_school for zone, school
                             in zip(home, first, strict=True)])
    counted = one_home & home.isin(shared[shared > 1].index) & in_own_zone & taking_part
    expected = first[counted].value_counts()
    assert len(expected) > 1 and expected.sum() >= 20
    for school, children in expected.items():
        assert demand[school] >= children, school
    full = result.schools.loc[(result.schools["kind"] == "public")
                              & (result.schools["surplus"] == 0), "school_id"]
    assert (demand[full] > 0).all()


def test_the_printed_tables_leave_out_tiers_that_count_nobody(county_run):
    """The warnings of public schools showed a 'demand: private lottery' column of zeros (and
    grade-7 rungs in a primary county): columns that pushed the page's table off the page."""
    import openpyxl
    import pandas as pd

    from allocator.reports.seat_warnings import without_empty_tiers

    frame = pd.DataFrame({"school_id": ["A", "B"], "demand_x": [0, 0], "demand_y": [0, 2],
                          "placed_x": [0, 0], "plan": [0, 0]})
    assert list(without_empty_tiers(frame).columns) == ["school_id", "demand_y", "plan"]
    page = (county_run / "report.html").read_text(encoding="utf-8")
    assert "需求：民办摇号" not in page
    workbook = openpyxl.load_workbook(county_run / "report.xlsx", read_only=True)
    sheet = workbook["学位预警"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert "需求：民办摇号" in header  # the workbook keeps every column
