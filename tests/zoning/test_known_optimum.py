"""Tiny counties with a known optimum: a ring of communities, a school that must give one away."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoning_support  # noqa: E402

from allocator.zoning.design import ZoningOptions, design_zones  # noqa: E402
from allocator.zoning.evaluate import changed_zones  # noqa: E402
from allocator.zoning.outputs import projected_figures  # noqa: E402


@pytest.mark.parametrize("contiguity", ["flow", "order"])
def test_the_overfull_school_gives_away_the_one_community_it_can(tmp_path, contiguity):
    folder = zoning_support.write_ring(tmp_path / "ring")
    result = design_zones(folder, ZoningOptions(time_limit=10, contiguity=contiguity))
    (plans,) = result.plans
    assert plans.proposal.status == "optimal"
    assert changed_zones(plans, "proposal") == {"R3": "S2"}
    figures = projected_figures(result)
    assert figures["current"]["outside_catchment"] == 10
    assert figures["proposal"] == {"outside_catchment": 0, "moved_communities": 1,
                                   "moved_children": 10,
                                   "distance_km_mean": figures["proposal"]["distance_km_mean"]}
    assert all(check["passed"] for check in result.checks)


def test_the_nearest_school_baseline_swaps_both_far_communities(tmp_path):
    # R3 is nearer S2 and R6 nearer S1: the baseline moves both and S1 stays overfull
    result = design_zones(zoning_support.write_ring(tmp_path / "ring"),
                          ZoningOptions(time_limit=10))
    assert changed_zones(result.plans[0], "nearest_school") == {"R3": "S2", "R6": "S1"}
    assert projected_figures(result)["nearest_school"]["outside_catchment"] == 10


def test_a_stability_cap_of_zero_keeps_todays_zones(tmp_path):
    result = design_zones(zoning_support.write_ring(tmp_path / "ring"),
                          ZoningOptions(time_limit=10, max_moved=0))
    (plans,) = result.plans
    assert changed_zones(plans, "proposal") == {}
    assert np.array_equal(plans.proposed, plans.current)
    assert {c["name"]: c["passed"] for c in result.checks}["stability_cap_respected"]


def test_when_nothing_is_over_plan_nothing_moves(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring", capacities=(30, 30))
    result = design_zones(folder, ZoningOptions(time_limit=10))
    assert changed_zones(result.plans[0], "proposal") == {}


def test_the_plan_slack_bounds_what_a_school_may_take(tmp_path):
    # S2 (30 seats, slack 0) may not take R3: its 30 children already fill it
    folder = zoning_support.write_ring(tmp_path / "ring", capacities=(20, 30))
    result = design_zones(folder, ZoningOptions(time_limit=10))
    plans = result.plans[0]
    assert plans.instance.limit.tolist() == [30, 31]  # today's 30 at S1; 30 x 1.05 at S2
    assert changed_zones(plans, "proposal") == {}


def test_the_policy_sets_the_plan_slack(tmp_path):
    folder = zoning_support.write_ring(
        tmp_path / "ring", capacities=(20, 30),
        policy_file={"base": "shanxi-2025", "zoning": {"plan_slack": 0.5}})
    plans = design_zones(folder, ZoningOptions(time_limit=10)).plans[0]
    assert plans.instance.limit.tolist() == [30, 45]
