"""Metrics as named functions returning tidy frames.

Every function takes the applicant frame of :func:`allocator.reports.frames.applicant_frame`
(``schools`` too where needed) and a grouping ``by``: ``county``, ``school``, ``zone`` or
``category`` (a child counts in each of its categories; ``none`` if it has none). The
result has one row per group: ``by``, ``group``, ``metric``, ``numerator``,
``denominator``, ``value`` (a share in [0, 1] unless the metric ends in ``_km``).
Groups are integer codes and counts are ``bincount``s, so a province of a million
children costs about a second per metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from allocator.model.schema import CATEGORY_TAGS

GROUPINGS = ("county", "school", "zone", "category")
COLUMNS = ["by", "group", "metric", "numerator", "denominator", "value"]


def _groups(frame: pd.DataFrame, by: str,
            school_column: str = "school_id") -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(codes, labels) pairs: one pair, or one per category (codes 0 = member)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping '{by}'; choose from {', '.join(GROUPINGS)}")
    if by == "category":
        masks = {tag: frame[f"category_{tag}"].to_numpy(dtype=bool) for tag in CATEGORY_TAGS}
        masks["none"] = ~np.logical_or.reduce(list(masks.values()))
        for tag, mask in masks.items():
            yield np.where(mask, 0, -1), np.array([tag], dtype=object)
        return
    column = {"county": "county", "school": school_column, "zone": "zone"}[by]
    codes, labels = pd.factorize(frame[column].astype(str), sort=True)
    yield codes, np.asarray(labels, dtype=object)


def _share(frame: pd.DataFrame, by: str, metric: str, numerator, denominator,
           school_column: str = "school_id") -> pd.DataFrame:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    parts = []
    for codes, labels in _groups(frame, by, school_column):
        known = codes >= 0
        top = np.bincount(codes[known], numerator[known], minlength=len(labels))
        bottom = np.bincount(codes[known], denominator[known], minlength=len(labels))
        keep = bottom > 0
        parts.append(pd.DataFrame({
            "by": by, "group": labels[keep].astype(str), "metric": metric,
            "numerator": top[keep].astype(np.int64), "denominator": bottom[keep].astype(np.int64),
            "value": np.round(top[keep] / bottom[keep], 6)}))
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def placement_rate(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Placed children / children to place (excluded children not counted); by home school."""
    return _share(frame, by, "placement_rate", frame["placed"], frame["eligible"],
                  "home_school_id")


def own_catchment_rate(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Children placed inside their catchment (not redirected or swept) / children placed."""
    inside = frame["placed"].to_numpy() & ~frame["outside_catchment"].to_numpy()
    return _share(frame, by, "own_catchment_rate", inside, frame["placed"], "home_school_id")


def migrant_public_share(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Migrant children (随迁子女) placed in public schools / migrant children placed."""
    migrant_placed = frame["migrant"].to_numpy() & frame["placed"].to_numpy()
    return _share(frame, by, "migrant_public_share", migrant_placed & frame["public"].to_numpy(),
                  migrant_placed)


def guaranteed_ledger_closed(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Children of the guaranteed groups (应入尽入) placed / those to place (1.0 = closed)."""
    to_place = frame["guaranteed"].to_numpy() & frame["eligible"].to_numpy()
    return _share(frame, by, "guaranteed_ledger_closed", to_place & frame["placed"].to_numpy(),
                  to_place, "home_school_id")


def twins_together(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Sibling groups (twins, multiples) wholly placed in one school / sibling groups."""
    grouped = frame[frame["sibling_group"] != ""]
    if grouped.empty:  # no sibling groups: no row (the grouping below costs ~30 ms a call)
        return pd.DataFrame(columns=COLUMNS)
    firsts = {column: (column, "first") for column in
              ["county", "zone", "school_id", "home_school_id",
               *[f"category_{tag}" for tag in CATEGORY_TAGS]]}
    per_group = grouped.groupby("sibling_group", sort=True).agg(
        schools=("school_id", "nunique"), all_placed=("placed", "all"), **firsts)
    together = (per_group["schools"] == 1) & per_group["all_placed"]
    return _share(per_group.reset_index(drop=True), by, "twins_together", together,
                  np.ones(len(per_group)))


def distance_distribution(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Home-to-school distance of placed children: mean, median, p90, p95, max (km)."""
    distance = frame["distance_km"].to_numpy(dtype=np.float64)
    measured = frame["placed"].to_numpy() & ~np.isnan(distance)
    parts = []
    for codes, labels in _groups(frame, by):
        keep = measured & (codes >= 0)
        order = np.lexsort((distance[keep], codes[keep]))
        sorted_codes, values = codes[keep][order], distance[keep][order]
        start = np.searchsorted(sorted_codes, np.arange(len(labels)))
        count = np.searchsorted(sorted_codes, np.arange(len(labels)), side="right") - start
        present = count > 0
        start, count = start[present], count[present]
        total = np.bincount(sorted_codes, values, minlength=len(labels))
        stats = {"distance_mean_km": total[present] / count,
                 "distance_median_km": _quantile(values, start, count, 0.5),
                 "distance_p90_km": _quantile(values, start, count, 0.9),
                 "distance_p95_km": _quantile(values, start, count, 0.95),
                 "distance_max_km": values[start + count - 1]}
        for name, value in stats.items():
            parts.append(pd.DataFrame({"by": by, "group": labels[present].astype(str),
                                       "metric": name, "numerator": np.nan,
                                       "denominator": count, "value": np.round(value, 3)}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    rank = {name: position for position, name in enumerate(table["metric"].unique())}
    return table.sort_values(["group", "metric"], key=lambda column: column.map(rank)
                             if column.name == "metric" else column, kind="stable")[
        COLUMNS].reset_index(drop=True)


def _quantile(values: np.ndarray, start: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile (numpy's default) of sorted runs of ``values``."""
    position = start + q * (count - 1)
    lower = np.floor(position).astype(np.int64)
    upper = np.minimum(lower + 1, start + count - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def class_size_compliance(schools: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Schools whose intake fits classes x the stage's class size / schools with classes."""
    known = schools[schools["classes"].notna()]
    fits = known["assigned"] <= known["classes"].astype(int) * known["class_size"]
    column = "school_id" if by == "school" else "county"
    codes, labels = pd.factorize(known[column].astype(str), sort=True)
    top = np.bincount(codes, fits.to_numpy(dtype=np.float64), minlength=len(labels))
    bottom = np.bincount(codes, minlength=len(labels)).astype(np.float64)
    return pd.DataFrame({"by": "school" if by == "school" else "county",
                         "group": np.asarray(labels, dtype=str),
                         "metric": "class_size_compliance", "numerator": top.astype(np.int64),
                         "denominator": bottom.astype(np.int64),
                         "value": np.round(top / np.maximum(bottom, 1), 6)})[COLUMNS]


#: The applicant-level metrics by name.
METRICS: dict[str, Callable[[pd.DataFrame, str], pd.DataFrame]] = {
    "placement_rate": placement_rate,
    "own_catchment_rate": own_catchment_rate,
    "migrant_public_share": migrant_public_share,
    "guaranteed_ledger_closed": guaranteed_ledger_closed,
    "twins_together": twins_together,
    "distance_distribution": distance_distribution,
}


def all_metrics(frame: pd.DataFrame, schools: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Every metric for one grouping, stacked (class-size compliance by county or school)."""
    parts = [function(frame, by) for function in METRICS.values()]
    if by in ("county", "school"):
        parts.append(class_size_compliance(schools, by))
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True)[COLUMNS]
    table["numerator"] = table["numerator"].round().astype("Int64")  # empty for distances
    return table
