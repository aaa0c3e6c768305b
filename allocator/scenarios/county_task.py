"""One county of a partitioned roster, on a worker: read, compile, solve, verify, write parts.

The task gets file names, not data; it reads only its county's partition and writes its
rows of ``assignments.csv`` and ``schools.csv`` (without header) to the run's parts
folder. What goes back to the driver is small: counts, a histogram of distances, the
verification outcome, the digests of the files read, problems if the input is bad.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.problems import InputProblem
from allocator.model.scenario import ScenarioSettings
from allocator.pipeline.csv_text import frame_text
from allocator.pipeline.load import LoadedScenario
from allocator.pipeline.run import sha256_file, solve_loaded
from allocator.pipeline.tables import summary_counts
from allocator.policy.config import Policy
from allocator.scenarios.county_read import read_county
from allocator.scenarios.roster_layout import CountyInput
from allocator.solvers.registry import MECHANISMS

#: Rows formatted at a time when a part is written (bounds the text in memory).
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class CountyJob:
    """Everything a worker needs for one county: names and settings, no table."""

    root: str
    kind: str
    county: CountyInput
    schools_file: str | None
    settings: ScenarioSettings
    policy: Policy
    mechanism: str
    seed: int
    parts: str
    index: int
    parquet_copy: bool = False


@dataclass(frozen=True)
class CountyOutcome:
    """What a county's task reports back (small, whatever the county's size)."""

    county: str
    index: int
    problems: tuple[InputProblem, ...] = ()
    warnings: tuple[InputProblem, ...] = ()
    verified: bool = True
    failed_checks: tuple[dict[str, Any], ...] = ()
    counts: dict[str, Any] = field(default_factory=dict)
    #: Placed applicants' distances in whole metres: (values, how many), for exact quantiles.
    distance_metres: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64),
                                                      np.zeros(0, np.int64))
    inputs: dict[str, str] = field(default_factory=dict)
    draws_sha256: str = ""
    headers: tuple[str, str] = ("", "")
    timings: dict[str, float] = field(default_factory=dict)


def part_path(parts: str | Path, index: int, table: str) -> Path:
    """The part file of county number ``index`` (county-id order) for ``table``."""
    return Path(parts) / f"{index:06d}.{table}.csv"


def solve_county(job: CountyJob) -> CountyOutcome:
    """Read, solve, verify and write one county (the worker-side function).

    Parameters
    ----------
    job : CountyJob
        The county's files and the province's settings.

    Returns
    -------
    CountyOutcome
        With ``problems`` (and nothing written) when the county's input is invalid.
    """
    clock = time.perf_counter()
    root = Path(job.root)
    tables = read_county(root, job.kind, job.county, job.schools_file, job.settings,
                         job.policy)
    if tables.scenario is None:  # never an empty outcome: the run must not go on without it
        problems = tables.problems or (InputProblem(
            job.county.folder or f"county={job.county.county}", None, None,
            "the county's tables could not be read"),)
        return CountyOutcome(job.county.county, job.index, problems, tables.warnings)
    timings = {"load": time.perf_counter() - clock}
    loaded = LoadedScenario(tables.scenario, job.policy, None, MECHANISMS[job.mechanism],
                            job.seed)
    result = solve_loaded(loaded, lambda step: None, timings)
    clock = time.perf_counter()
    headers = (_write_part(result.assignments, part_path(job.parts, job.index, "assignments")),
               _write_part(result.schools, part_path(job.parts, job.index, "schools")))
    if job.parquet_copy:
        _write_parquet_copy(result.assignments, Path(job.parts), job.county.county)
    timings["write_parts"] = time.perf_counter() - clock
    failed = tuple(check.to_dict() for check in result.checks
                   if check.required and not check.passed)
    draws = np.sort(result.problem.draws).astype(">u8").tobytes()
    return CountyOutcome(
        job.county.county, job.index, (), tables.warnings, result.verified, failed,
        additive_counts(result.assignments, result.schools),
        distance_metres(result.assignments),
        {file: sha256_file(root / file) for file in tables.input_files},
        hashlib.sha256(draws).hexdigest(), headers,
        {key: round(value, 4) for key, value in timings.items()})


def _write_part(frame: pd.DataFrame, path: Path) -> str:
    """Write ``frame``'s CSV rows without header; return the header line."""
    header = frame_text(frame.iloc[:0])
    with path.open("w", encoding="utf-8", newline="") as handle:
        for start in range(0, len(frame), CHUNK_ROWS):
            piece = frame_text(frame.iloc[start:start + CHUNK_ROWS])
            handle.write(piece[piece.index("\n") + 1:])
    return header


def _write_parquet_copy(assignments: pd.DataFrame, parts: Path, county: str) -> None:
    from urllib.parse import quote

    folder = parts / "assignments" / f"county={quote(county, safe='')}"
    folder.mkdir(parents=True, exist_ok=True)
    assignments.drop(columns=["county"]).to_parquet(folder / "part-0.parquet", index=False)


def additive_counts(assignments: pd.DataFrame, schools: pd.DataFrame) -> dict[str, Any]:
    """The counts of ``summary.json`` that add up over counties (all but distances)."""
    counts = summary_counts(assignments, schools)
    counts.pop("distance_km")
    return counts


def distance_metres(assignments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Distinct distances of placed applicants in whole metres, and how many have each.

    ``distance_km`` is rounded to 3 decimals, so whole metres are exact: the merged
    histogram gives the province's median and 95th percentile exactly.
    """
    placed = assignments["status"] == "placed"
    distance = assignments.loc[placed, "distance_km"].dropna().to_numpy(dtype=np.float64)
    metres = np.rint(distance * 1000.0).astype(np.int64)
    values, counts = np.unique(metres, return_counts=True)
    return values, counts.astype(np.int64)
