"""Warm re-solves equal cold ones; an override in one county leaves the others untouched."""

from __future__ import annotations

import filecmp
from dataclasses import replace

import pandas as pd

from allocator.scenarios import run_scenario_file

from .conftest import DEMO_WHATIFS, write_file


def test_warm_re_solves_are_byte_identical_to_cold_ones(demo_runs, tmp_path):
    out, runs = demo_runs
    assert runs["two_classes"].warm and runs["move_zone"].warm
    assert not runs["combined"].warm
    cold = run_scenario_file(DEMO_WHATIFS, tmp_path, only=["two_classes", "move_zone"],
                             warm=False)
    assert not any(run.warm for run in cold)
    for name in ("two_classes", "move_zone"):
        for table in ("assignments.csv", "schools.csv"):
            assert filecmp.cmp(out / name / table, tmp_path / name / table, shallow=False)


COUNTY_FILE = """\
base: roster
overrides:
  c002_everything:
    capacity:
      C002-S001: {seats: 30}
    catchments:
      C002-Z002: {serve: [C002-S003]}
    demand:
      - {county: C002, factor: 1.2}
    new_schools:
      C002-S900: {county: C002, capacity: 45, classes: 1, zones: [C002-Z001], lat: 37.0,
                  lon: 112.0}
scenarios:
  base: []
  c002: [c002_everything]
"""


def _rows(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["line"] = path.read_text(encoding="utf-8").splitlines()[1:]
    return frame


def test_an_override_confined_to_one_county_leaves_other_counties_byte_identical(
        small_province, tmp_path):
    path = write_file(small_province.parent, COUNTY_FILE)
    runs = {run.name: run for run in run_scenario_file(path, tmp_path)}
    assert all(run.result.verified for run in runs.values())
    before = _rows(tmp_path / "base" / "assignments.csv")
    after = _rows(tmp_path / "c002" / "assignments.csv")
    others_before = before.loc[before["county"] != "C002", "line"].tolist()
    others_after = after.loc[after["county"] != "C002", "line"].tolist()
    assert len(others_before) > 1000 and others_before == others_after
    changed = before.merge(after, on="applicant_id")
    changed = changed[changed["line_x"] != changed["line_y"]]
    assert len(changed) > 0 and set(changed["county_x"]) == {"C002"}


def test_warm_plans_equal_cold_compiles_for_cuts_and_raises():
    import numpy as np

    from allocator.pipeline.load import load
    from allocator.problem.compile import compile_problem
    from allocator.scenarios.runner import allocate
    from allocator.scenarios.warm import with_plan

    from .conftest import ROOT

    loaded = load(ROOT / "scenarios" / "demo-county")
    base = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    rng = np.random.default_rng(3)
    for shock in (1, 5, 20, 45):
        plan = base.school_plan.copy()
        schools = rng.choice(len(plan), size=shock, replace=False)
        plan[schools] = np.maximum(0, plan[schools] + rng.choice([-45, 45], shock))
        cold = compile_problem(replace(loaded.scenario, schools=loaded.scenario.schools.assign(
            capacity=plan)), loaded.policy, loaded.seed)
        warm = with_plan(base, plan)
        assert np.array_equal(warm.school_capacity, cold.school_capacity)
        assert np.array_equal(allocate(warm, loaded.mechanism).assigned_school,
                              allocate(cold, loaded.mechanism).assigned_school)
