"""The merged summary of a partitioned run equals the one-frame summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.scenarios.county_task import CountyOutcome, distance_metres
from allocator.scenarios.summary_merge import DistanceTally, distance_figures


@pytest.mark.parametrize("seed", range(20))
def test_distance_figures_from_county_histograms_equal_pandas_on_the_whole_column(seed):
    rng = np.random.default_rng(seed)
    counties = []
    for _ in range(int(rng.integers(1, 6))):
        size = int(rng.integers(0, 400))
        distance = np.round(rng.gamma(2.0, 1.5, size) * rng.choice([1, 10]), 3)
        distance[rng.random(size) < 0.05] = np.nan  # placed by the sweep without distance
        status = np.where(rng.random(size) < 0.9, "placed", "unplaced")
        counties.append(pd.DataFrame({"status": status, "distance_km": distance}))
    whole = pd.concat(counties, ignore_index=True)
    placed = whole.loc[whole["status"] == "placed", "distance_km"].dropna()
    expected = [None if pd.isna(v) else round(float(v), 3) for v in
                (placed.mean(), placed.median(), placed.quantile(0.95), placed.max())]
    tally = DistanceTally()
    for frame in counties:
        kept = tally.keep(CountyOutcome("C", 0, distance_metres=distance_metres(frame)))
        assert len(kept.distance_metres[0]) == 0  # the driver keeps no per-county histogram
    figures = distance_figures(*tally.histogram())
    assert [figures[key] for key in ("mean", "median", "p95", "max")] == expected
