"""Registry of seeded instance generators used by the benchmarks.

Each generator takes (number of applicants, seed) and returns the (schools,
applicants) frames of a scenario; :func:`materialise` writes it once to a cache
folder so every benchmark of a run measures the same instance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from allocator.synthetic import generate_province, write_scenario

Generator = Callable[[int, int], tuple[pd.DataFrame, pd.DataFrame]]
CACHE = Path(__file__).resolve().parent / "results" / "instances"


def counties_for(applicants: int) -> int:
    """Counties for a roster: about 8,500 applicants a county, 117 at 1M (Shanxi)."""
    return max(1, min(117, round(applicants / 8547)))


def province(applicants: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Shanxi-like province: uneven counties, ~7,000 schools at 1M applicants."""
    return generate_province(applicants, counties_for(applicants), seed)


def county(applicants: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One county (the what-if benchmarks: 5,000 applicants is a large county)."""
    from allocator.synthetic import generate_county

    return generate_county("B01", applicants, seed)


GENERATORS: dict[str, Generator] = {"province": province, "county": county}

SIZES: dict[str, int] = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def materialise(generator: str, applicants: int, seed: int = 1) -> Path:
    """Write the instance to the cache (once) and return its scenario folder."""
    folder = CACHE / f"{generator}-{applicants}-{seed}"
    if not (folder / "applicants.csv").is_file():
        schools, people = GENERATORS[generator](applicants, seed)
        write_scenario(folder, schools, people, name=folder.name, seed=seed)
    return folder
