"""A partitioned roster run county by county, the driver never holding the roster.

The driver reads ``scenario.yaml`` and the policy, lists the counties from file names
(:mod:`~allocator.scenarios.roster_layout`) and hands each county's file names to a
task (:func:`~allocator.scenarios.county_task.solve_county`), serially or on Dask.
Each task writes its county's rows to a parts folder beside ``--out``. The driver then
streams the parts into the contract's run folder in county-id order (the documented
order of a partitioned run) through the atomic writer, and merges ``summary.json``
from the tasks' small outcomes.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.scenario import MAX_SEED, read_settings, yaml_line
from allocator.pipeline.output_folder import (
    OutputFolderRefused,
    VerificationFailed,
    check_output_folder,
)
from allocator.pipeline.relocate import with_relative_folder
from allocator.pipeline.run import engine_source_sha256, sha256_file
from allocator.pipeline.write import write_folder_atomically, write_json
from allocator.policy.loader import resolve_policy
from allocator.policy.lottery import LOTTERY_ALGORITHM
from allocator.scenarios.county_task import CountyJob, CountyOutcome, part_path, solve_county
from allocator.scenarios.dask_counties import run_on_dask
from allocator.scenarios.roster_layout import RosterLayout
from allocator.scenarios.summary_merge import DistanceTally, merged_summary
from allocator.solvers.registry import MECHANISMS

Say = Callable[[str], None]


def run_partitioned(layout: RosterLayout, out_dir: str | Path, parallel: bool = True,
                    scheduler: str | None = None, workers: int = 2, seed: int | None = None,
                    parquet_copy: bool = False, progress: Say | None = None,
                    layout_problems: ProblemCollector | None = None) -> dict[str, Any]:
    """Allocate a roster partitioned by county and write its run folder.

    Parameters
    ----------
    layout : RosterLayout
        A ``parquet`` or ``folders`` roster (:func:`~allocator.scenarios.roster_layout.
        detect_layout`).
    out_dir : str or Path
        The run folder; the parts folder is a hidden sibling of it, removed at the end.
    parallel, scheduler, workers
        Counties on Dask (a LocalCluster of ``workers`` processes, or ``scheduler``), or
        one after another in this process.
    seed : int, optional
        Overrides the seed of ``scenario.yaml``.
    parquet_copy : bool
        Also write ``assignments.parquet/county=<id>/part-0.parquet`` into the run folder.
    progress : callable, optional
        Called with a line of text as each step starts.
    layout_problems : ProblemCollector, optional
        Problems of the layout, reported with those of the counties.

    Returns
    -------
    dict
        ``summary`` and ``manifest`` (no frames: the driver never holds the roster).

    Raises
    ------
    InputError
        Every problem of every county (and of the layout), nothing written.
    VerificationFailed
        When a county failed a required check, nothing written.
    """
    say = progress or (lambda step: None)
    out = check_output_folder(out_dir, [layout.root])
    if layout.root.resolve() in out.parents:  # it would be read as a county next time
        raise OutputFolderRefused(out, "is inside the partitioned roster; choose a folder "
                                       "outside it")
    clock = time.perf_counter()
    settings, policy, mechanism, seed = _province_settings(layout.root, seed)
    parts = out.parent / f".{out.name}.tmp-{os.getpid()}-{time.monotonic_ns()}-parts"
    parts.mkdir(parents=True)
    jobs = [CountyJob(str(layout.root.resolve()), layout.kind, county, layout.schools_file,
                      settings, policy, mechanism, seed, str(parts), index, parquet_copy)
            for index, county in enumerate(layout.counties)]
    timings = {"settings": time.perf_counter() - clock}
    try:
        clock = time.perf_counter()
        distances = DistanceTally()
        outcomes = _solve(jobs, parallel, scheduler, workers, say, distances, timings)
        timings["solve_counties"] = time.perf_counter() - clock
        _raise_problems(outcomes, layout_problems)
        failed = [dict(check, name=f"{o.county}: {check['name']}")
                  for o in outcomes for check in o.failed_checks]
        summary = merged_summary(outcomes, distances.histogram(), settings.name, seed,
                                 policy.name, mechanism)
        if failed:
            raise VerificationFailed(failed)
        manifest = _manifest(layout, outcomes, settings.name, seed, policy, mechanism,
                             timings, parallel, scheduler, workers)
        say("writing the run folder")
        _write(layout, out, parts, outcomes, summary, manifest, parquet_copy)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return {"summary": summary, "manifest": manifest}


def _province_settings(root: Path, seed: int | None):
    """scenario.yaml, the policy and the mechanism of the province (every problem at once)."""
    problems = ProblemCollector()
    settings = read_settings(root, problems)
    if settings is None:
        problems.raise_if_any()
    assert settings is not None
    if seed is not None and not 0 <= seed <= MAX_SEED:
        problems.add("command line", None, "--seed",
                     f"the seed must be a whole number from 0 to {MAX_SEED}")
    policy, _ = resolve_policy(settings.policy, root, problems)
    if settings.mechanism not in MECHANISMS:
        problems.add("scenario.yaml", yaml_line(root / "scenario.yaml", "mechanism"),
                     "mechanism", f"unknown mechanism '{settings.mechanism}'; choose from "
                                  f"{', '.join(MECHANISMS)}")
    problems.raise_if_any()
    assert policy is not None
    return settings, policy, settings.mechanism, settings.seed if seed is None else seed


def _solve(jobs: list[CountyJob], parallel: bool, scheduler: str | None, workers: int,
           say: Say, distances: DistanceTally, timings: dict[str, float]
           ) -> list[CountyOutcome]:
    if parallel:
        say(f"solving {len(jobs)} counties on Dask")
        return run_on_dask(jobs, scheduler, workers, say, distances.keep, timings)
    outcomes = []
    for number, job in enumerate(jobs, start=1):
        say(f"solving county {job.county.county} ({number} of {len(jobs)})")
        outcomes.append(distances.keep(solve_county(job)))
    return outcomes


def _raise_problems(outcomes: list[CountyOutcome],
                    layout_problems: ProblemCollector | None) -> None:
    problems: list[InputProblem] = [p for outcome in outcomes for p in outcome.problems]
    if layout_problems:
        try:
            layout_problems.raise_if_any()
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)


def _manifest(layout: RosterLayout, outcomes: list[CountyOutcome], name: str, seed: int,
              policy, mechanism: str, timings: dict[str, float], parallel: bool,
              scheduler: str | None, workers: int) -> dict[str, Any]:
    """The manifest of ``allocator run``'s keys, for a roster the driver never read."""
    root = layout.root
    inputs = {"scenario.yaml": sha256_file(root / "scenario.yaml")}
    if layout.schools_file:
        inputs[layout.schools_file] = sha256_file(root / layout.schools_file)
    for outcome in outcomes:
        inputs.update(outcome.inputs)
    policy_json = json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    # each county hashes its own sorted draws; the province hashes those digests in order
    draws = hashlib.sha256("".join(o.draws_sha256 for o in outcomes).encode("ascii"))
    return {
        "engine": "allocator", "engine_version": __version__,
        "engine_source_sha256": engine_source_sha256(), "scenario": name,
        "scenario_folder": str(root.resolve()), "seed": seed, "policy": policy.name,
        "policy_sha256": hashlib.sha256(policy_json.encode("utf-8")).hexdigest(),
        "mechanism": mechanism, "lottery_algorithm": LOTTERY_ALGORITHM,
        "lottery_draws_sha256": draws.hexdigest(),
        "lottery_draws_sha256_of": "SHA-256 of the counties' draw digests, county-id order",
        "inputs": inputs, "python": platform.python_version(), "numpy": np.__version__,
        "pandas": pd.__version__,
        "timings_seconds": {key: round(value, 4) for key, value in timings.items()},
        "province": {
            "layout": layout.kind, "counties": len(outcomes),
            "order": "counties by county id; rows of a county in input order",
            "counties_in_parallel": parallel,
            "scheduler": scheduler or (f"LocalCluster({workers} processes)" if parallel
                                       else "serial"),
            "county_timings_seconds": {o.county: o.timings for o in outcomes}},
    }


def _write(layout: RosterLayout, out: Path, parts: Path, outcomes: list[CountyOutcome],
           summary: dict[str, Any], manifest: dict[str, Any], parquet_copy: bool) -> None:
    def fill(staging: Path) -> None:
        clock = time.perf_counter()
        for position, table in enumerate(("assignments", "schools")):
            _concatenate(staging / f"{table}.csv", outcomes, parts, table, position)
        write_json(summary, staging / "summary.json")
        if parquet_copy and (parts / "assignments").is_dir():
            (parts / "assignments").rename(staging / "assignments.parquet")
        timings = dict(manifest["timings_seconds"], write=round(time.perf_counter() - clock, 4))
        write_json(with_relative_folder(dict(manifest, timings_seconds=timings), out),
                   staging / "manifest.json")

    write_folder_atomically(fill, out, kind="run", inputs=[layout.root])


def _concatenate(target: Path, outcomes: list[CountyOutcome], parts: Path, table: str,
                 position: int) -> None:
    """Header once, then every county's part in county-id order, streamed."""
    headers = {o.headers[position] for o in outcomes if o.headers[position]}
    if len(headers) > 1:
        raise RuntimeError(f"the counties' {table}.csv parts have different columns")
    with target.open("wb") as handle:
        handle.write(next(iter(headers), "\n").encode("utf-8"))
        for outcome in outcomes:
            with part_path(parts, outcome.index, table).open("rb") as part:
                shutil.copyfileobj(part, handle, 1 << 22)
