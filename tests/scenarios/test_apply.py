"""Applying overrides to text tables: deterministic demand draws, splits, closures."""

from __future__ import annotations

import filecmp

import pandas as pd

from allocator.scenarios import run_scenario_file
from allocator.scenarios.apply import apply_demand
from allocator.scenarios.spec import DemandChange

from .conftest import ROOT, write_file


def _applicants(count: int) -> pd.DataFrame:
    return pd.DataFrame({"applicant_id": [f"A{i:04d}" for i in range(count)],
                         "county": "C1", "hukou_zone": "", "property_zone": "",
                         "residence_zone": "Z1", "categories": "", "sibling_group": ""})


def test_demand_draws_depend_only_on_seed_and_id():
    change = DemandChange(category="migrant", factor=0.5)
    log: list[str] = []
    kept = set(apply_demand(_applicants(400), (change,), 7, log)["applicant_id"])
    fewer = set(apply_demand(_applicants(200), (change,), 7, [])["applicant_id"])
    assert fewer == {a for a in kept if a < "A0200"}  # other rows do not move the draw
    assert 150 < len(kept) < 250 and log == [
        f"demand.category=migrant: 400 applicants -> {len(kept)} applicants (factor 0.5)"]
    grown = apply_demand(_applicants(400), (DemandChange(zone="Z1", factor=2.25),), 7, [])
    clones = grown["applicant_id"][400:]
    assert clones.str.fullmatch(r"A\d{4}-d[12]").all() and 450 < len(clones) < 550


def test_a_warm_split_equals_a_cold_split(tmp_path):
    (tmp_path / "demo-county").symlink_to(ROOT / "scenarios" / "demo-county")
    path = write_file(tmp_path, """\
base: demo-county
overrides:
  split_c126:
    catchments:
      140702-C126: {split: [140702-S013, 140702-S023]}
    capacity:
      140702-S013: {seats: -10}
scenarios:
  split: [split_c126]
""")
    warm, = run_scenario_file(path, tmp_path / "warm")
    cold, = run_scenario_file(path, tmp_path / "cold", warm=False)
    assert warm.warm and not cold.warm and warm.result.verified
    for table in ("assignments.csv", "schools.csv"):
        assert filecmp.cmp(tmp_path / "warm" / "split" / table,
                           tmp_path / "cold" / "split" / table, shallow=False)
    assert "zones.140702-C126: served by 140702-S013, 140702-S023 -> split between " \
           "140702-S013, 140702-S023 (each address to the nearest)" in warm.result.manifest[
               "what_if"]["changes"]
