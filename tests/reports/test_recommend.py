"""Capacity recommendations: the reported gain is the gain of re-running the scenario."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from allocator.pipeline.run import run_scenario
from allocator.reports.frames import OUTSIDE_CODES
from allocator.reports.recommend import recommend_classes


def measured(result) -> tuple[int, float]:
    """Children outside their catchment or unplaced, and total distance, from assignments."""
    table = result.assignments
    outside = ((table["status"] == "unplaced")
               | ((table["status"] == "placed") & table["reason_code"].isin(OUTSIDE_CODES)))
    return int(outside.sum()), float(table["distance_km"].fillna(0).sum())


def with_classes(source, target, added: dict[str, int], size: int):
    """Copy of the scenario with ``added`` classes per school written into schools.csv."""
    shutil.copytree(source, target)
    schools = pd.read_csv(target / "schools.csv", dtype=str, keep_default_na=False)
    for school_id, count in added.items():
        row = schools["school_id"] == school_id
        schools.loc[row, "capacity"] = str(int(schools.loc[row, "capacity"].iloc[0])
                                           + count * size)
        schools.loc[row, "classes"] = str(int(schools.loc[row, "classes"].iloc[0]) + count)
    schools.to_csv(target / "schools.csv", index=False, lineterminator="\n")
    return target


@pytest.mark.parametrize("method", ["flow", "greedy"])
def test_each_reported_gain_equals_the_rerun(county_scenario, county_result, tmp_path, method):
    table = recommend_classes(county_result, classes=2, method=method)
    assert len(table) == 2 and (table["gain_children"] > 0).all()
    before = measured(county_result)
    assert table["outside_before"].iloc[0] == before[0]
    added: dict[str, int] = {}
    for step in table.itertuples():
        added[step.school_id] = added.get(step.school_id, 0) + 1
        rerun = run_scenario(with_classes(county_scenario, tmp_path / f"step{step.step}",
                                          added, step.seats_added))
        outside, distance = measured(rerun)
        assert outside == step.outside_after
        assert abs(distance - step.distance_after_km) < 0.01
        assert step.gain_children == step.outside_before - outside


def test_moving_a_class_takes_it_from_idle_surplus(county_result):
    table = recommend_classes(county_result, classes=1, allow_moves=True)
    if len(table):
        donor = table["moved_from_school_id"].iloc[0]
        surplus = county_result.schools.set_index("school_id")["surplus"]
        assert surplus[donor] >= table["seats_added"].iloc[0]
    else:  # no school with a whole class of idle seats: nothing to move
        assert (county_result.schools["surplus"] < 45).all()


def test_flow_plan_spends_at_most_the_budget_within_the_limits(county_result):
    import numpy as np

    from allocator.reports.capacity_flow import flow_classes

    size = np.where(county_result.problem.school_public, 45, 0)
    classes = flow_classes(county_result.problem, size, budget=3, limit_per_school=1)
    assert 0 < classes.sum() <= 3
    assert classes.max() <= 1
    assert (classes[~county_result.problem.school_public] == 0).all()
