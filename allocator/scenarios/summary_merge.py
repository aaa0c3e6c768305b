"""``summary.json`` of a partitioned run, merged from the counties' small outcomes.

Counts add up over counties; the distance figures come from the merged histogram of
whole metres (``distance_km`` has 3 decimals), so the median and the 95th percentile
are the order statistics pandas computes on the whole column, with numpy's linear
interpolation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.scenarios.county_task import CountyOutcome


def merged_summary(outcomes: list[CountyOutcome], name: str, seed: int, policy: str,
                   mechanism: str) -> dict[str, Any]:
    """The summary a single-folder province run writes, from per-county outcomes.

    Parameters
    ----------
    outcomes : list of CountyOutcome
        Every county's outcome, in county-id order, none with problems.
    name, seed, policy, mechanism
        The province's settings.

    Returns
    -------
    dict
        ``scenario``, ``seed``, ``policy``, ``mechanism``, ``counts`` and ``verification``.
    """
    counts = merged_counts([o.counts for o in outcomes])
    counts["distance_km"] = distance_figures(*merged_histogram(
        [o.distance_metres for o in outcomes]))
    return {"scenario": name, "seed": seed, "policy": policy, "mechanism": mechanism,
            "counts": counts,
            "verification": {"passed": all(o.verified for o in outcomes),
                             "counties": len(outcomes),
                             "counties_failed": [o.county for o in outcomes
                                                 if not o.verified]}}


def merged_counts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum counts key by key (nested tallies too, their keys sorted as in one run)."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict):
                tally = merged.setdefault(key, {})
                for item, count in value.items():
                    tally[item] = tally.get(item, 0) + count
            else:
                merged[key] = merged.get(key, 0) + value
    return {key: (dict(sorted(value.items())) if isinstance(value, dict) else value)
            for key, value in merged.items()}


def merged_histogram(parts: list[tuple[np.ndarray, np.ndarray]]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One histogram (distinct values, counts) from many."""
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    values = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct)).astype(
        np.int64)


def distance_figures(metres: np.ndarray, counts: np.ndarray) -> dict[str, float | None]:
    """Mean, median, 95th percentile and maximum in km, rounded to 3 decimals."""
    total = int(counts.sum())
    if total == 0:
        return {"mean": None, "median": None, "p95": None, "max": None}
    cumulative = np.cumsum(counts)

    def at(rank: int) -> float:  # the value of 0-based order statistic ``rank``
        return float(metres[int(np.searchsorted(cumulative, rank, side="right"))]) / 1000.0

    mean = float(np.dot(metres, counts)) / 1000.0 / total
    middle = total // 2
    median = at(middle) if total % 2 else (at(middle - 1) + at(middle)) / 2
    return {"mean": round(mean, 3), "median": round(median, 3),
            "p95": round(_quantile(at, total, 0.95), 3), "max": round(at(total - 1), 3)}


def _quantile(at, total: int, q: float) -> float:
    """numpy's linear quantile (its virtual index and interpolation), from order statistics."""
    index = total * q + (1 + q * (1 - 1 - 1)) - 1
    below = int(np.floor(index))
    gamma = index - below
    low, high = at(min(max(below, 0), total - 1)), at(min(below + 1, total - 1))
    if gamma == 0 or low == high:
        return low
    difference = high - low
    if gamma >= 0.5:
        return high - difference * (1 - gamma)
    return low + difference * gamma
