"""The guarantee checks catch what they guard: each fails on a plan that breaks it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoning_support  # noqa: E402

from allocator.zoning.checks import guarantee_checks  # noqa: E402
from allocator.zoning.design import ZoningOptions, design_zones  # noqa: E402


def failed(plans, assignment, max_moved=None) -> dict[str, list[str]]:
    checks = guarantee_checks(plans.instance, np.array(assignment), plans.zone_ids, max_moved)
    return {check.name: check.examples for check in checks if not check.passed}


def test_each_check_fails_on_the_plan_that_breaks_it(tmp_path):
    result = design_zones(zoning_support.write_ring(tmp_path / "ring"),
                          ZoningOptions(time_limit=5))
    plans = result.plans[0]  # S1 = school 0 (own R1), S2 = school 1 (own R4)
    assert failed(plans, [0, 0, 1, 1, 1, 1]) == {}
    assert failed(plans, [0, 1, 0, 1, 1, 1]) == {  # R2 to S2 cuts both catchments
        "contiguity": ["T/primary: school S1: zones R3 are cut off",
                       "T/primary: school S2: zones R2 are cut off"]}
    assert failed(plans, [1, 1, 1, 1, 1, 1]) == {
        "own_community_kept": ["T/primary: school S1 lost its own zone R1"],
        "plan_slack_respected": ["T/primary: school S2: demand 60 > limit 42"]}
    assert failed(plans, [0, -1, 0, 1, 1, 1]) == {
        "every_community_served": ["T/primary: zone R2 has no school"],
        "contiguity": ["T/primary: school S1: zones R3 are cut off"]}
    assert failed(plans, [0, 0, 1, 1, 1, 1], max_moved=0) == {
        "stability_cap_respected": ["T/primary: 1 communities moved > cap 0"]}
