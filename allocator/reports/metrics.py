"""Metrics as named functions returning tidy frames.

Every function takes the applicant frame of :func:`allocator.reports.frames.applicant_frame`
(``schools`` too where needed) and a grouping ``by``: ``county``, ``school``, ``zone`` or
``category``. The result has one row per group: ``by``, ``group``, ``metric``,
``numerator``, ``denominator``, ``value`` (a share in [0, 1] unless the metric says km).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

GROUPINGS = ("county", "school", "zone", "category")
COLUMNS = ["by", "group", "metric", "numerator", "denominator", "value"]


def _grouped(frame: pd.DataFrame, by: str, school_column: str = "school_id") -> pd.DataFrame:
    """Copy of ``frame`` with a ``group`` column (one row per category when by=category)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping '{by}'; choose from {', '.join(GROUPINGS)}")
    if by == "category":
        exploded = frame.assign(group=frame["categories"].str.split(";")).explode("group")
        exploded["group"] = exploded["group"].fillna("").replace("", "none")
        return exploded
    column = {"county": "county", "school": school_column, "zone": "zone"}[by]
    return frame.assign(group=frame[column].astype(str))


def _share(frame: pd.DataFrame, by: str, metric: str, numerator: pd.Series,
           denominator: pd.Series, school_column: str = "school_id") -> pd.DataFrame:
    data = _grouped(frame.assign(_num=numerator.astype(int), _den=denominator.astype(int)), by,
                    school_column)
    totals = data.groupby("group", sort=True)[["_num", "_den"]].sum()
    totals = totals[totals["_den"] > 0]
    return pd.DataFrame({"by": by, "group": totals.index.astype(str), "metric": metric,
                         "numerator": totals["_num"].to_numpy(),
                         "denominator": totals["_den"].to_numpy(),
                         "value": (totals["_num"] / totals["_den"]).round(6).to_numpy()})


def placement_rate(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Placed children / children to place (excluded children not counted); by home school."""
    eligible = frame["status"] != "excluded"
    return _share(frame, by, "placement_rate", frame["placed"], eligible, "home_school_id")


def own_catchment_rate(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Children placed inside their catchment (not redirected or swept) / children placed."""
    inside = frame["placed"] & ~frame["outside_catchment"]
    return _share(frame, by, "own_catchment_rate", inside, frame["placed"], "home_school_id")


def migrant_public_share(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Migrant children (随迁子女) placed in public schools / migrant children placed."""
    migrant_placed = frame["migrant"] & frame["placed"]
    return _share(frame, by, "migrant_public_share", migrant_placed & (frame["kind"] == "public"),
                  migrant_placed)


def guaranteed_ledger_closed(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Children of the guaranteed groups (应入尽入) placed / those to place (1.0 = closed)."""
    to_place = frame["guaranteed"] & (frame["status"] != "excluded")
    return _share(frame, by, "guaranteed_ledger_closed", to_place & frame["placed"], to_place,
                  "home_school_id")


def twins_together(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Sibling groups (twins, multiples) wholly placed in one school / sibling groups."""
    grouped = frame[frame["sibling_group"] != ""]
    per_group = grouped.groupby("sibling_group", sort=True).agg(
        county=("county", "first"), zone=("zone", "first"), school_id=("school_id", "first"),
        home_school_id=("home_school_id", "first"), categories=("categories", "first"),
        schools=("school_id", "nunique"), placed=("placed", "all"))
    together = (per_group["schools"] == 1) & per_group["placed"]
    return _share(per_group.reset_index(), by, "twins_together",
                  together.reset_index(drop=True), pd.Series(True, index=range(len(per_group))))


def distance_distribution(frame: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Home-to-school distance of placed children: mean, median, p90, p95, max (km)."""
    placed = _grouped(frame[frame["placed"] & frame["distance_km"].notna()], by)
    groups = placed.groupby("group", sort=True)["distance_km"]
    stats = pd.DataFrame({"distance_mean_km": groups.mean(),
                          "distance_median_km": groups.median(),
                          "distance_p90_km": groups.quantile(0.9),
                          "distance_p95_km": groups.quantile(0.95),
                          "distance_max_km": groups.max()})
    sizes = groups.size()
    long = stats.stack().rename("value").reset_index()
    long.columns = ["group", "metric", "value"]
    return pd.DataFrame({"by": by, "group": long["group"].astype(str), "metric": long["metric"],
                         "numerator": np.nan,
                         "denominator": long["group"].map(sizes).to_numpy(),
                         "value": long["value"].round(3).to_numpy()})[COLUMNS]


def class_size_compliance(schools: pd.DataFrame, by: str = "county") -> pd.DataFrame:
    """Schools whose intake fits classes x the stage's class size / schools with classes."""
    known = schools[schools["classes"].notna()]
    fits = known["assigned"] <= known["classes"].astype(int) * known["class_size"]
    column = "school_id" if by == "school" else "county"
    totals = pd.DataFrame({"group": known[column].astype(str), "_num": fits.astype(int),
                           "_den": 1}).groupby("group", sort=True).sum()
    return pd.DataFrame({"by": by if by in ("school", "county") else "county",
                         "group": totals.index.astype(str), "metric": "class_size_compliance",
                         "numerator": totals["_num"].to_numpy(),
                         "denominator": totals["_den"].to_numpy(),
                         "value": (totals["_num"] / totals["_den"]).round(6).to_numpy()})


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
    return pd.concat(parts, ignore_index=True)[COLUMNS] if parts else pd.DataFrame(
        columns=COLUMNS)
