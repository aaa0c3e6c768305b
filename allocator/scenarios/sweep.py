"""Sweeps: scenarios x lottery seeds on Dask distributed (a LocalCluster by default).

Every task loads its prepared scenario folder (once per worker process), sets the
seed and runs the engine's own ``solve_loaded``; a sweep's results therefore equal
the same runs done one by one. A failed task is reported with its scenario and
seed and the others complete. Scenario folders are prepared by the client; on a
real cluster the work folder must be on a file system the workers share.
"""

from __future__ import annotations

import functools
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.load import load
from allocator.pipeline.run import RunResult, solve_loaded
from allocator.scenarios.build import prepare_scenarios
from allocator.scenarios.season_sweep import season_table, season_task, write_season_tables
from allocator.scenarios.spec import read_scenario_file

Task = Callable[[str, str, int], dict[str, Any]]


@dataclass(frozen=True)
class SweepResult:
    """Tidy tables of a sweep, one row per (scenario, seed[, school or applicant])."""

    runs: pd.DataFrame
    schools: pd.DataFrame
    applicants: pd.DataFrame
    failures: pd.DataFrame
    season: pd.DataFrame = field(default_factory=pd.DataFrame)

    def catchment_probability(self) -> pd.DataFrame:
        """Per scenario and child: share of seeds placed at a catchment school (or choice)."""
        frame = self.applicants.assign(
            at_catchment=self.applicants["reason_code"].isin(["catchment"]),
            at_choice_or_catchment=self.applicants["reason_code"].isin(["catchment", "choice"]))
        return (frame.groupby(["scenario", "applicant_id"], sort=True)[
            ["at_catchment", "at_choice_or_catchment"]].mean().reset_index())

    def school_fill(self) -> pd.DataFrame:
        """Per scenario and school: fill rate over seeds (mean, min, max)."""
        frame = self.schools.assign(fill=self.schools["assigned"]
                                    / self.schools["capacity"].clip(lower=1))
        return (frame.groupby(["scenario", "school_id"], sort=True)["fill"]
                .agg(["mean", "min", "max"]).reset_index())


@functools.lru_cache(maxsize=16)
def _loaded(folder: str):
    return load(folder)


def sweep_task(folder: str, scenario: str, seed: int) -> dict[str, Any]:
    """Run one (scenario, seed) and return compact tables (the worker-side function)."""
    loaded = replace(_loaded(folder), seed=seed)
    return task_outcome(scenario, seed, solve_loaded(loaded, lambda step: None, {}))


def task_outcome(scenario: str, seed: int, result: RunResult) -> dict[str, Any]:
    """The compact tables of one solved (scenario, seed), as a task returns them."""
    counts = result.summary["counts"]
    metrics = {key: counts[key] for key in ("applicants", "placed", "unplaced", "excluded",
                                            "first_choice", "surplus_seats")}
    metrics["distance_km_mean"] = counts["distance_km"]["mean"]
    metrics["verified"] = result.verified
    return {"scenario": scenario, "seed": seed, "metrics": metrics,
            "applicants": result.assignments[["applicant_id", "school_id", "reason_code"]],
            "schools": result.schools[["school_id", "capacity", "assigned"]]}


def run_sweep(path: str | Path, seeds: list[int], only: list[str] | None = None,
              scheduler: str | None = None, workers: int = 2, processes: bool = True,
              task: Task = sweep_task,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run every selected scenario of a scenario file with every seed on Dask.

    Parameters
    ----------
    path : str or Path
        The scenario file.
    seeds : list of int
        Lottery seeds.
    only : list of str, optional
        Scenario names (default all).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default a
        LocalCluster of ``workers`` workers on this machine.
    processes : bool
        LocalCluster workers as processes (default) or threads.
    task : callable
        The function run per (folder, scenario, seed); replaceable for tests.
    progress : callable, optional
        Called with (tasks done, tasks total) after each task.
    """
    from dask.distributed import Client, as_completed

    from allocator.scenarios.dask_counties import local_cluster

    scenario_file = read_scenario_file(path)
    names = only or scenario_file.scenario_names
    with tempfile.TemporaryDirectory(prefix="allocator-sweep-") as work:
        prepared = prepare_scenarios(scenario_file, names, Path(work))
        cluster = None if scheduler else local_cluster(workers, processes)
        with Client(scheduler or cluster) as client:
            jobs = [(str(prepared[name].folder), name, seed) for name in names for seed in seeds]
            futures = [client.submit(season_task(task, prepared[name].merged.season), *job,
                                     pure=False, key=f"sweep-{name}-{seed}-{i}")
                       for i, job in enumerate(jobs) for name, seed in [job[1:]]]
            labels = {future.key: job for future, job in zip(futures, jobs, strict=True)}
            outcomes, failures = [], []
            for done, future in enumerate(as_completed(futures), start=1):
                if future.status == "error":
                    _, name, seed = labels[future.key]
                    error = future.exception()
                    failures.append({"scenario": name, "seed": seed,
                                     "error": f"{type(error).__name__}: {error}",
                                     "traceback": "".join(traceback.format_tb(
                                         future.traceback()))})
                else:
                    outcomes.append(future.result())
                if progress:
                    progress(done, len(futures))
        if cluster is not None:
            cluster.close()
    return _tidy(outcomes, failures)


def _tidy(outcomes: list[dict[str, Any]], failures: list[dict[str, Any]]) -> SweepResult:
    """Sort by (scenario, seed) so the tables do not depend on completion order."""
    outcomes = sorted(outcomes, key=lambda item: (item["scenario"], item["seed"]))
    runs = pd.DataFrame([{"scenario": o["scenario"], "seed": o["seed"], **o["metrics"]}
                         for o in outcomes])
    tables = {}
    for name in ("applicants", "schools"):
        parts = [o[name].assign(scenario=o["scenario"], seed=o["seed"]) for o in outcomes]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(frame):
            frame = frame[["scenario", "seed", *[c for c in frame.columns
                                                 if c not in ("scenario", "seed")]]]
        tables[name] = frame
    failed = pd.DataFrame(failures, columns=["scenario", "seed", "error", "traceback"])
    return SweepResult(runs, tables["schools"], tables["applicants"],
                       failed.sort_values(["scenario", "seed"]).reset_index(drop=True),
                       season_table(outcomes))


def write_sweep(result: SweepResult, out_dir: str | Path,
                inputs: list[str | Path] | tuple = ()) -> list[Path]:
    """Write the tidy tables (CSV; the per-child table as Parquet when pyarrow is there)
    and the plots of outcome distributions, atomically.

    ``out_dir`` must be absent, empty or a folder the engine wrote, and may not
    be or contain one of ``inputs``.
    """
    from allocator.pipeline.write import write_folder_atomically

    names: list[str] = []

    def fill(staging: Path) -> None:
        tables = {"runs": result.runs, "schools": result.schools, "failures": result.failures,
                  "catchment_probability": result.catchment_probability(),
                  "school_fill": result.school_fill()}
        for name, frame in tables.items():
            neutralise_frame(frame).to_csv(staging / f"{name}.csv", index=False,
                                           lineterminator="\n")
            names.append(f"{name}.csv")
        names.append(_write_applicants(result.applicants, staging).name)
        names.extend(path.name for path in plot_sweep(result, staging))
        names.extend(path.name for path in write_season_tables(result.season, staging))

    out = write_folder_atomically(fill, out_dir, kind="sweep", inputs=inputs)
    return [out / name for name in names]


def _write_applicants(frame: pd.DataFrame, out: Path) -> Path:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        neutralise_frame(frame).to_csv(out / "applicants.csv", index=False,
                                       lineterminator="\n")
        return out / "applicants.csv"
    frame.to_parquet(out / "applicants.parquet", index=False)
    return out / "applicants.parquet"


def plot_sweep(result: SweepResult, out: Path) -> list[Path]:
    """Histogram of each child's probability of a catchment school; fill by school."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    probability = result.catchment_probability()
    figure, axes = plt.subplots(1, 2, figsize=(13, 4))
    for scenario, group in probability.groupby("scenario"):
        axes[0].hist(group["at_choice_or_catchment"], bins=20, histtype="step", label=scenario,
                     log=True)
    axes[0].set_title("each child's probability of a stated or catchment school")
    axes[0].set_xlabel("share of lottery seeds")
    axes[0].legend(fontsize=7)
    fill = result.school_fill()
    for scenario, group in fill.groupby("scenario"):
        axes[1].plot(range(len(group)), group.sort_values("mean")["mean"].to_numpy(),
                     label=scenario)
    axes[1].set_title("school fill (mean over seeds), schools sorted")
    axes[1].set_ylabel("assigned / plan")
    axes[1].legend(fontsize=7)
    figure.tight_layout()
    path = out / "sweep.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return [path]
