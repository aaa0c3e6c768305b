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
