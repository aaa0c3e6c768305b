"""Province-scale runs: a roster of many counties allocated county by county.

Placement never crosses a county (POLICY.md), so counties are independent
problems. Each county is solved by the engine's own ``solve_loaded`` on the
scenario restricted to it; results are put back in input order, so the run is
byte-identical whether counties run serially, on local processes or on a Dask
cluster (and identical to solving the whole roster as one problem).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.output_folder import VerificationFailed, check_output_folder
from allocator.pipeline.relocate import with_relative_folder
from allocator.pipeline.run import RunResult, build_manifest, solve_loaded
from allocator.pipeline.tables import summary_counts
from allocator.pipeline.write import write_csv, write_folder_atomically, write_json
from allocator.policy.lottery import lottery_draws
from allocator.scenarios.national import run_partitioned
from allocator.scenarios.roster_layout import detect_layout
from allocator.scenarios.subset import subset_scenario


def county_task(loaded: LoadedScenario) -> tuple[pd.DataFrame, pd.DataFrame, bool, dict]:
    """Solve one county (the worker-side function)."""
    result: RunResult = solve_loaded(loaded, lambda step: None, {})
    return result.assignments, result.schools, result.verified, result.summary["verification"]


def split_counties(loaded: LoadedScenario) -> list[tuple[str, np.ndarray, np.ndarray,
                                                         LoadedScenario]]:
    """(county, applicant positions, school positions, county scenario), counties sorted."""
    scenario = loaded.scenario
    people_of = scenario.applicants.groupby("county", sort=True).indices
    schools_of = scenario.schools.groupby("county", sort=True).indices
    parts = []
    for county in sorted(set(people_of) | set(schools_of)):
        people = _mask(len(scenario.applicants), people_of.get(county))
        schools = _mask(len(scenario.schools), schools_of.get(county))
        # the province's manifest hashes the inputs once; a county's run does not again
        county_scenario = replace(subset_scenario(scenario, people, schools), input_files=())
        parts.append((county, np.flatnonzero(people), np.flatnonzero(schools),
                      replace(loaded, scenario=county_scenario, policy_path=None)))
    return parts


def _mask(size: int, positions: np.ndarray | None) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    if positions is not None:
        mask[positions] = True
    return mask


def run_province(folder: str | Path, out_dir: str | Path | None = None,
                 parallel: bool = True, scheduler: str | None = None, workers: int = 2,
                 seed: int | None = None,
                 progress: Callable[[str], None] | None = None,
                 parquet_copy: bool = False) -> dict[str, Any]:
    """Allocate every county of a roster; optionally write the run folder.

    Parameters
    ----------
    folder : str or Path
        Scenario folder holding many counties, or a roster partitioned by county
        (docs/national.md): then each county is read by its own task, the driver never
        holds the roster, and ``out_dir`` is required.
    out_dir : str or Path, optional
        Run folder to write (assignments, schools, summary, manifest).
    parallel : bool
        Counties in parallel on Dask (a LocalCluster of ``workers`` processes, or
        ``scheduler``); else one after another in this process.
    progress : callable, optional
        Called with a line of text as each step (and, serially, each county) starts.

    parquet_copy : bool
        Partitioned rosters only: also write ``assignments.parquet/`` into the run folder.

    Returns
    -------
    dict
        ``assignments`` and ``schools`` frames in input order (single-folder rosters only),
        ``summary`` and ``manifest`` (with per-step timings).
    """
    problems = ProblemCollector()
    layout = detect_layout(folder, problems)
    if parquet_copy and not layout.partitioned:
        problems.add("command line", None, "--parquet-copy",
                     "a Parquet copy is written for a roster partitioned by county only")
    if layout.partitioned:
        if out_dir is None:
            raise ValueError("a partitioned roster is run into a run folder: give out_dir")
        # layout problems are listed with the counties' own, every problem at once
        return run_partitioned(layout, out_dir, parallel, scheduler, workers, seed,
                               parquet_copy, progress, problems)
    problems.raise_if_any()
    if out_dir is not None:
        check_output_folder(out_dir, [folder])  # refuse before the work, not after
    say = progress or (lambda step: None)
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    say("reading and validating the roster")
    loaded = load(folder, seed=seed)
    timings["load"] = time.perf_counter() - clock
    clock = time.perf_counter()
    parts = split_counties(loaded)
    timings["split"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if parallel:
        say(f"solving {len(parts)} counties on Dask")
        results = _on_dask([p[3] for p in parts], scheduler, workers)
    else:
        results = []
        for number, part in enumerate(parts, start=1):
            say(f"solving county {part[0]} ({number} of {len(parts)})")
            results.append(county_task(part[3]))
    timings["solve_counties"] = time.perf_counter() - clock
    assignments = _in_input_order([r[0] for r in results], [p[1] for p in parts])
    schools = _in_input_order([r[1] for r in results], [p[2] for p in parts])
    verified = all(r[2] for r in results)
    summary = {"scenario": loaded.scenario.settings.name, "seed": loaded.seed,
               "policy": loaded.policy.name, "mechanism": loaded.mechanism.name,
               "counts": summary_counts(assignments, schools),
               "verification": {"passed": verified, "counties": len(parts),
                                "counties_failed": [p[0] for p, r in zip(parts, results,
                                                                         strict=True)
                                                    if not r[2]]}}
    manifest = _manifest(loaded, timings, parallel, scheduler, workers)
    if out_dir is not None:
        if not verified:
            raise VerificationFailed(_failed_checks(parts, results))
        say("writing the run folder")
        _write(Path(out_dir), assignments, schools, summary, manifest, inputs=[folder])
    return {"assignments": assignments, "schools": schools, "summary": summary,
            "manifest": manifest}


def _on_dask(scenarios: list[LoadedScenario], scheduler: str | None, workers: int) -> list:
    from dask.distributed import Client

    from allocator.scenarios.dask_counties import local_cluster

    cluster = None if scheduler else local_cluster(workers)
    try:
        with Client(scheduler or cluster) as client:
            # largest counties first so the slowest task does not start last
            order = sorted(range(len(scenarios)),
                           key=lambda i: -len(scenarios[i].scenario.applicants))
            data = client.scatter([scenarios[i] for i in order])
            futures = {i: client.submit(county_task, item, pure=False)
                       for i, item in zip(order, data, strict=True)}
            return [futures[i].result() for i in range(len(scenarios))]
    finally:
        if cluster is not None:
            cluster.close()


def _in_input_order(frames: list[pd.DataFrame], positions: list[np.ndarray]) -> pd.DataFrame:
    combined = pd.concat(frames, ignore_index=True)
    order = np.argsort(np.concatenate(positions), kind="stable")
    return combined.iloc[order].reset_index(drop=True)


def _manifest(loaded: LoadedScenario, timings: dict[str, float], parallel: bool,
              scheduler: str | None, workers: int) -> dict[str, Any]:
    applicants = loaded.scenario.applicants
    draws = lottery_draws(applicants["applicant_id"], applicants["sibling_group"], loaded.seed)
    # the manifest reads only the draws of the problem (their hash is published)
    manifest = build_manifest(loaded, SimpleNamespace(draws=draws), timings)  # type: ignore
    manifest["province"] = {"counties_in_parallel": parallel,
                            "scheduler": scheduler or (f"LocalCluster({workers} processes)"
                                                       if parallel else "serial")}
    return manifest


def _failed_checks(parts: list, results: list) -> list[dict[str, Any]]:
    """The failed required checks of every county, named ``county: check``."""
    failed = []
    for part, result in zip(parts, results, strict=True):
        for check in result[3]["checks"]:
            if check["required"] and not check["passed"]:
                failed.append(dict(check, name=f"{part[0]}: {check['name']}"))
    return failed


def _write(out: Path, assignments: pd.DataFrame, schools: pd.DataFrame,
           summary: dict[str, Any], manifest: dict[str, Any], inputs: list) -> None:
    def fill(staging: Path) -> None:
        write_csv(assignments, staging / "assignments.csv")
        write_csv(schools, staging / "schools.csv")
        write_json(summary, staging / "summary.json")
        write_json(with_relative_folder(manifest, out), staging / "manifest.json")

    write_folder_atomically(fill, out, kind="run", inputs=inputs)
