"""``summary.json`` of a partitioned run, merged from the counties' small outcomes.

Counts add up over counties; the distance figures come from the merged histogram of
whole metres (``distance_km`` has 3 decimals), so the median and the 95th percentile
are the order statistics pandas computes on the whole column, with numpy's linear
interpolation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from allocator.scenarios.county_task import CountyOutcome


class DistanceTally:
    """Placed applicants by distance in whole metres, summed over counties as they arrive.

    One count per metre up to the longest distance: its size depends on the geography,
    not on the number of applicants or counties.
    """

    def __init__(self) -> None:
        self._counts = np.zeros(0, dtype=np.int64)

    def keep(self, outcome: CountyOutcome) -> CountyOutcome:
        """Add the county's distances; return the outcome without them."""
        values, counts = outcome.distance_metres
        if len(values):
            if values[-1] >= len(self._counts):
                grown = np.zeros(int(values[-1]) + 1, dtype=np.int64)
                grown[:len(self._counts)] = self._counts
                self._counts = grown
            np.add.at(self._counts, values, counts)
        return replace(outcome, distance_metres=(values[:0], counts[:0]))

    def histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct whole metres, how many placed applicants at each)."""
        values = np.flatnonzero(self._counts)
        return values, self._counts[values]


def merged_summary(outcomes: list[CountyOutcome], distances: tuple[np.ndarray, np.ndarray],
                   name: str, seed: int, policy: str, mechanism: str) -> dict[str, Any]:
    """The summary a single-folder province run writes, from per-county outcomes.

    Parameters
    ----------
    outcomes : list of CountyOutcome
        Every county's outcome, in county-id order, none with problems.
    distances : tuple of numpy.ndarray
        The province's distance histogram (:meth:`DistanceTally.histogram`).
    name, seed, policy, mechanism
        The province's settings.

    Returns
    -------
    dict
        ``scenario``, ``seed``, ``policy``, ``mechanism``, ``counts`` and ``verification``.
    """
    counts = merged_counts([o.counts for o in outcomes])
    counts["distance_km"] = distance_figures(*distances)
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
