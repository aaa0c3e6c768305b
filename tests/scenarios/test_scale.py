"""Province runs (counties in parallel) and sweeps on a Dask LocalCluster."""

from __future__ import annotations

import filecmp
from dataclasses import replace

import pytest

from allocator.pipeline.load import load
from allocator.pipeline.run import run_scenario, solve_loaded
from allocator.pipeline.write import write_run
from allocator.scenarios import read_scenario_file, run_province, run_sweep, write_sweep
from allocator.scenarios.build import prepare_scenarios
from allocator.scenarios.sweep import sweep_task

from .conftest import write_file


def test_counties_in_parallel_are_byte_identical_to_serial_and_whole_runs(
        small_province, tmp_path):
    run_province(small_province, tmp_path / "parallel", parallel=True, workers=2)
    run_province(small_province, tmp_path / "serial", parallel=False)
    write_run(run_scenario(small_province), tmp_path / "whole")
    for table in ("assignments.csv", "schools.csv"):
        assert filecmp.cmp(tmp_path / "parallel" / table, tmp_path / "serial" / table,
                           shallow=False)
        assert filecmp.cmp(tmp_path / "parallel" / table, tmp_path / "whole" / table,
                           shallow=False)


SWEEP_FILE = """\
base: county
overrides:
  seats:
    capacity: {T01-S001: {seats: 20}}
  fewer:
    capacity: {T01-S002: {seats: -20}}
  migrants:
    demand: [{category: migrant, factor: 1.3}]
scenarios:
  base: []
  seats: [seats]
  fewer: [fewer]
  migrants: [migrants]
"""


def test_sweep_of_4_scenarios_by_20_seeds_equals_runs_one_by_one(small_county, tmp_path):
    path = write_file(small_county.parent, SWEEP_FILE)
    seeds = list(range(1, 21))
    result = run_sweep(path, seeds, workers=2, processes=False)
    assert result.failures.empty and len(result.runs) == 80 and result.runs["verified"].all()
    prepared = prepare_scenarios(read_scenario_file(path), ["base", "seats", "fewer",
                                                            "migrants"], tmp_path / "prep")
    for name, item in prepared.items():
        loaded = load(item.folder)
        for seed in seeds:
            alone = solve_loaded(replace(loaded, seed=seed), lambda step: None, {})
            swept = result.applicants[(result.applicants["scenario"] == name)
                                      & (result.applicants["seed"] == seed)]
            expected = alone.assignments[["applicant_id", "school_id", "reason_code"]]
            assert swept.drop(columns=["scenario", "seed"]).reset_index(drop=True).equals(
                expected.reset_index(drop=True))
    written = {p.name for p in write_sweep(result, tmp_path / "sweep")}
    assert {"runs.csv", "catchment_probability.csv", "school_fill.csv", "sweep.png"} <= written
    probability = result.catchment_probability()
    assert probability["at_catchment"].between(0, 1).all()


def failing_on_seed_3(folder: str, scenario: str, seed: int):
    """A task that fails for one seed (to show failures are reported, the rest complete)."""
    if seed == 3 and scenario == "seats":
        raise RuntimeError("injected failure")
    return sweep_task(folder, scenario, seed)


def test_a_failed_task_is_reported_with_scenario_and_seed(small_county):
    path = write_file(small_county.parent, SWEEP_FILE)
    done = []
    result = run_sweep(path, [1, 2, 3], only=["base", "seats"], workers=2, processes=False,
                       task=failing_on_seed_3, progress=lambda n, total: done.append(n))
    assert result.failures[["scenario", "seed", "error"]].values.tolist() == [
        ["seats", 3, "RuntimeError: injected failure"]]
    assert len(result.runs) == 5 and done[-1] == 6


@pytest.mark.slow
def test_a_million_applicants_in_117_counties_parallel_equals_serial(tmp_path):
    from allocator.synthetic import generate_province, write_scenario

    schools, applicants = generate_province(1_000_000, 117, 1)
    folder = write_scenario(tmp_path / "province", schools, applicants, name="p", seed=1)
    run_province(folder, tmp_path / "parallel", parallel=True, workers=2)
    run_province(folder, tmp_path / "serial", parallel=False)
    assert filecmp.cmp(tmp_path / "parallel" / "assignments.csv",
                       tmp_path / "serial" / "assignments.csv", shallow=False)


def test_a_sweep_runs_on_a_cluster_given_by_address(small_county):
    from dask.distributed import LocalCluster

    path = write_file(small_county.parent, SWEEP_FILE)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        result = run_sweep(path, [1, 2], only=["base", "fewer"],
                           scheduler=cluster.scheduler_address)
    assert result.failures.empty
    assert result.runs[["scenario", "seed"]].values.tolist() == [
        ["base", 1], ["base", 2], ["fewer", 1], ["fewer", 2]]
