"""Plots of a run as inline PNG (base64): fill by school, distance, tier mix.

The map is :mod:`allocator.reports.map_plot`.

Plots aggregate: at most :data:`MAX_BARS` schools are drawn (the fullest and
the emptiest), so a province-size run costs the same as a county.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

from .fonts import configure_matplotlib
from .labels import text

MAX_BARS = 40


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    configure_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def fill_by_school(schools: pd.DataFrame, lang: str) -> str:
    """Bars of plan and placed children for the fullest and emptiest schools."""
    plt = _pyplot()
    ratio = schools["assigned"] / schools["capacity"].clip(lower=1)
    order = schools.assign(_ratio=ratio).sort_values(["_ratio", "school_id"], ascending=[False,
                                                                                     True])
    if len(order) > MAX_BARS:
        order = pd.concat([order.head(MAX_BARS // 2), order.tail(MAX_BARS // 2)])
    labels = order["name"].fillna(order["school_id"]).astype(str).where(
        order["name"].fillna("") != "", order["school_id"].astype(str))
    figure, axes = plt.subplots(figsize=(10, max(3, 0.28 * len(order))))
    positions = np.arange(len(order))
    axes.barh(positions, order["capacity"], color="#d0d7e5", label=text("capacity", lang))
    axes.barh(positions, order["assigned"], height=0.5, color="#3b6bb5",
              label=text("placed", lang))
    axes.set_yticks(positions, labels.tolist(), fontsize=8)
    axes.invert_yaxis()
    axes.set_title(text("fill_plot", lang))
    axes.legend(loc="lower right")
    return _png(figure)


def distance_histogram(assignments: pd.DataFrame, lang: str) -> str:
    """Histogram of home-to-school distance of placed children."""
    plt = _pyplot()
    distance = assignments.loc[assignments["status"] == "placed", "distance_km"].dropna()
    figure, axes = plt.subplots(figsize=(7, 3.2))
    upper = float(distance.quantile(0.99)) if len(distance) else 1.0
    axes.hist(distance.clip(upper=upper), bins=40, color="#3b6bb5")
    axes.set_xlabel(text("km", lang))
    axes.set_ylabel(text("count", lang))
    axes.set_title(text("distance_plot", lang))
    return _png(figure)


def tier_mix(assignments: pd.DataFrame, tier_labels: dict[str, str], lang: str) -> str:
    """Placements by tier (the sweep as its own bar)."""
    plt = _pyplot()
    placed = assignments.loc[assignments["status"] == "placed", "tier_name"].fillna("")
    counts = placed.replace("", "sweep").value_counts()
    names = [name for name in tier_labels if counts.get(name, 0)] + (
        ["sweep"] if counts.get("sweep", 0) else [])
    labels = [tier_labels.get(name, text("round_sweep", lang)) for name in names]
    figure, axes = plt.subplots(figsize=(8, max(2.5, 0.4 * len(names))))
    axes.barh(np.arange(len(names)), [counts[name] for name in names], color="#5b9b5b")
    axes.set_yticks(np.arange(len(names)), labels, fontsize=9)
    axes.invert_yaxis()
    axes.set_title(text("tier_mix", lang))
    return _png(figure)
