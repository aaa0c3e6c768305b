"""Seat ledger by round and the surplus redistribution plan."""

from __future__ import annotations

import pandas as pd
import pytest

from allocator.pipeline.run import run_scenario
from allocator.reports import ledger
from allocator.reports.frames import applicant_frame, schools_frame


@pytest.fixture(scope="module", params=["deferred-acceptance", "min-cost-flow"])
def result(request, county_scenario):
    return run_scenario(county_scenario, mechanism=request.param)


def test_plan_equals_rounds_plus_surplus_for_every_school(result):
    frame, schools = applicant_frame(result), schools_frame(result)
    seats = ledger.seat_ledger(frame, schools, result.problem.tier_names)
    taken = seats[[f"taken_{name}" for name in ledger.ROUNDS]].sum(axis=1)
    assert (seats["plan"] == taken + seats["surplus"]).all()
    assert ledger.ledger_balances(seats)
    # independent of the ledger's own arithmetic: the run's schools table
    assert seats["surplus"].tolist() == result.schools["surplus"].tolist()
    assert taken.tolist() == result.schools["assigned"].tolist()
    # the surplus after each round only falls
    after = seats[[f"surplus_after_{name}" for name in ledger.ROUNDS]].to_numpy()
    assert (after[:, 1:] <= after[:, :-1]).all()


def test_county_ledger_adds_the_schools(result):
    frame, schools = applicant_frame(result), schools_frame(result)
    seats = ledger.seat_ledger(frame, schools, result.problem.tier_names)
    county = ledger.county_ledger(seats)
    assert county["plan"].sum() == result.schools["capacity"].sum()
    assert county["surplus"].sum() == result.summary["counts"]["surplus_seats"]


def test_redistribution_plan_accounts_for_every_child_outside_the_catchment(result):
    frame = applicant_frame(result)
    plan = ledger.redistribution_plan(frame)
    outside = frame[frame["outside_catchment"]]
    assert plan["children"].sum() == len(outside) > 0
    received = plan.groupby("to_school_id")["children"].sum()
    expected = outside.groupby("school_id").size()
    pd.testing.assert_series_equal(received.sort_index(), expected.sort_index(),
                                   check_names=False)
    seats = ledger.seat_ledger(frame, schools_frame(result), result.problem.tier_names)
    idle = ledger.idle_surplus(seats, plan)
    assert (idle["surplus"] > 0).all()
    assert idle["surplus"].sum() == result.summary["counts"]["surplus_seats"]
