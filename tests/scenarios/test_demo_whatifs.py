"""The bundled what-if file end to end: every change logged, and only implied changes."""

from __future__ import annotations

import json

import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.scenarios import compare_runs, read_scenario_file, write_comparison
from allocator.scenarios.merge import KIND_ORDER, merge_scenario

from .conftest import DEMO_WHATIFS, ROOT


def test_every_scenario_runs_verified_with_its_changes_in_the_manifest(demo_runs):
    out, runs = demo_runs
    assert all(run.result.verified for run in runs.values())
    combined = json.loads((out / "combined" / "manifest.json").read_text())["what_if"]
    merged = merge_scenario(read_scenario_file(DEMO_WHATIFS), "combined", ProblemCollector())
    assert len(merged.kinds) >= 5 and set(merged.kinds) <= set(KIND_ORDER)
    assert combined["changes"] == [
        "policy.migrants.inflow_counties: [] -> ['140702']",
        "schools.140702-S051: (none) -> new public primary school in county 140702, "
        "135 seats, zones []",
        "schools.140702-S040: public school, 16 seats -> closed (zones 140702-C041, "
        "140702-C060, 140702-C076, 140702-C077 to 140702-S039)",
        "zones.140702-C139: served by 140702-S014 -> split between 140702-S014, "
        "140702-S051 (each address to the nearest)",
        "schools.140702-S007.capacity: 258 -> 348",
        "schools.140702-S007.classes: 6 -> 8",
        "demand.category=migrant: 963 applicants -> 1060 applicants (factor 1.1)",
    ]
    assert json.loads((out / "baseline" / "manifest.json").read_text())["what_if"][
        "changes"] == []


def test_two_more_classes_change_only_that_plan(demo_runs, tmp_path):
    out, _ = demo_runs
    comparison = compare_runs([out / "baseline", out / "two_classes"])
    plans = comparison.schools[comparison.schools["capacity_change"] != 0]
    assert plans[["school_id", "capacity_change"]].values.tolist() == [["140702-S007", 90]]
    assert set(comparison.movers["why"]) <= {"plan changed at 140702-S007",
                                             "chain: a seat was freed or taken by others' "
                                             "moves"}
    assert (comparison.movers["school_id_after"] == "140702-S007").sum() == 90
    written = write_comparison(comparison, tmp_path / "cmp")
    assert {path.name for path in written} == {"metrics.csv", "schools.csv", "movers.csv",
                                               "categories.csv", "comparison.html"}
    assert "data:image/png;base64," in (tmp_path / "cmp" / "comparison.html").read_text()


def test_combined_changes_are_exactly_those_the_overrides_imply(demo_runs):
    out, _ = demo_runs
    comparison = compare_runs([out / "baseline", out / "combined"])
    plans = comparison.schools[comparison.schools["capacity_change"] != 0]
    assert dict(zip(plans["school_id"], plans["capacity_change"], strict=True)) == {
        "140702-S007": 90, "140702-S040": -16, "140702-S051": 135}
    assert set(comparison.schools.loc[comparison.schools["status"] != "changed",
                                      "status"]) == {"new", "closed"}
    movers = comparison.movers
    new = movers[movers["why"] == "new applicant (demand change)"]
    assert len(new) == 97 and new["applicant_id"].str.fullmatch(r".+-d\d+").all()
    tier_changes = movers[movers["why"].str.startswith("priority tier changed")]
    inflow = tier_changes["why"] == "priority tier changed: migrant_permit -> everyone_else"
    # closing S040 hands its communities to S039: a child with its hukou in one catchment
    # and its home in the other now has both at S039 (and only such a child)
    merged = tier_changes[~inflow]
    assert set(merged["why"]) <= {"priority tier changed: home_hukou_in_city -> "
                                  "hukou_and_home"}
    source = pd.read_csv(ROOT / "scenarios" / "demo-county" / "applicants.csv", dtype=str,
                         keep_default_na=False).set_index("applicant_id")
    schools = pd.read_csv(ROOT / "scenarios" / "demo-county" / "schools.csv", dtype=str,
                          keep_default_na=False).set_index("school_id")
    joined = {zone for school in ("140702-S039", "140702-S040")
              for zone in schools.loc[school, "zones"].split(";")}
    homes = source.loc[merged["applicant_id"], ["hukou_zone", "property_zone"]]
    assert homes.isin(joined).all(axis=None)
    base = pd.read_csv(out / "baseline" / "assignments.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(out / "combined" / "assignments.csv", dtype=str, keep_default_na=False)
    common = base.merge(after, on="applicant_id", suffixes=("_before", "_after"))
    assert (common["lottery_before"] == common["lottery_after"]).all()
    assert len(common) == len(base)  # no applicant of the base was dropped


def test_a_catchment_move_reaches_only_applicants_of_that_zone(demo_runs):
    out, _ = demo_runs
    comparison = compare_runs([out / "baseline", out / "move_zone"])
    assert comparison.schools["capacity_change"].eq(0).all()
    tier_changes = comparison.movers[comparison.movers["why"].str.startswith("priority tier")]
    source = pd.read_csv(ROOT / "scenarios" / "demo-county" / "applicants.csv", dtype=str,
                         keep_default_na=False).set_index("applicant_id")
    zones = source.loc[tier_changes["applicant_id"], ["hukou_zone", "property_zone",
                                                       "residence_zone"]]
    assert zones.eq("140702-C086").any(axis=1).all()
