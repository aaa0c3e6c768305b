"""Registry of seeded instance generators used by the benchmarks.

Each generator takes (number of applicants, seed) and returns the (schools,
applicants) frames of a scenario; :func:`materialise` writes it once to a cache
folder so every benchmark of a run measures the same instance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
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


#: Fields a twin shares with its sibling: the family's home, documents and choices.
FAMILY_COLUMNS = ("county", "stage", "birth_date", "hukou_zone", "hukou_city", "property_zone",
                  "residence_zone", "residence_permit_months", "social_insurance_months",
                  "hukou_since", "property_since", "lat", "lon", "sibling_school", "preferences",
                  "feeder_school")


def province_siblings_3pct(applicants: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province with 3 % of applicants in twin groups (``province`` has ~1.5 %).

    Deterministic post-processing: evenly spaced pairs of consecutive single
    applicants of one county become twins (the second takes the first's
    family columns and both share a new ``sibling_group``). Older-sibling
    requests (长幼随学) are already above 3 % in ``province`` (about 4 %).
    """
    schools, people = province(applicants, seed)
    people = people.copy()
    missing = max(round(0.03 * len(people)) - int((people["sibling_group"] != "").sum()), 0)
    single = np.flatnonzero((people["sibling_group"] == "").to_numpy())
    first, second = single[0:-1:2], single[1::2]
    county_of = people["county"].to_numpy()
    same = county_of[first] == county_of[second]
    first, second = first[same], second[same]
    count = min((missing + 1) // 2, len(first))
    chosen = np.linspace(0, len(first) - 1, count).astype(np.int64)
    first, second = first[chosen], second[chosen]
    columns = [people.columns.get_loc(column) for column in FAMILY_COLUMNS]
    people.iloc[second, columns] = people.iloc[first, columns].to_numpy()
    labels = [f"{name}-X{k + 1:05d}" for k, name in enumerate(county_of[first])]
    group = people.columns.get_loc("sibling_group")
    people.iloc[first, group] = labels
    people.iloc[second, group] = labels
    return schools, people


GENERATORS: dict[str, Generator] = {"province": province, "county": county,
                                    "province-siblings-3pct": province_siblings_3pct}

SIZES: dict[str, int] = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def materialise(generator: str, applicants: int, seed: int = 1) -> Path:
    """Write the instance to the cache (once) and return its scenario folder."""
    folder = CACHE / f"{generator}-{applicants}-{seed}"
    if not (folder / "applicants.csv").is_file():
        schools, people = GENERATORS[generator](applicants, seed)
        write_scenario(folder, schools, people, name=folder.name, seed=seed)
    return folder
