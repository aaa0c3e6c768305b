"""Plots of a run as inline SVG: fill by school, distance, tier mix.

The map is :mod:`allocator.reports.map_plot`; the drawing primitives are
:mod:`allocator.reports.svg` (no plotting library is imported by a report).

Plots aggregate: at most :data:`MAX_BARS` schools are drawn (the fullest and
the emptiest), so a province-size run costs the same as a county.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import svg
from .labels import text

MAX_BARS = 40
#: Height of one bar's row, in pixels of the plot.
ROW = 23.0
WIDTH = 960.0


def _bar_chart(labels: list[str], series: list[tuple[np.ndarray, str, float]], title: str,
               legend: list[tuple[str, str]], label_size: float = 11,
               values_shown: bool = False) -> str:
    """Horizontal bars, one row per label; ``series`` are (values, colour, bar height share)."""
    left = max([svg.text_width(label, label_size) for label in labels] + [30]) + 18
    right, top = WIDTH - 28, 62.0 if legend else 44.0
    bottom = top + ROW * max(len(labels), 1)
    largest = max([float(np.max(values)) for values, _, _ in series if len(values)] + [1.0])
    ticks = svg.nice_ticks(0, largest, cover=True)
    if values_shown:  # room for the count written after the longest bar
        right -= svg.text_width(f"{int(largest):,}", 11) + 8
    def scale(value):
        return left + (right - left) * value / ticks[-1]
    body = [svg.text(WIDTH / 2, 24, title, 15, "middle", font_weight="bold")]
    body += svg.horizontal_axis(left, right, bottom, ticks, scale, top=top)
    for row, label in enumerate(labels):
        middle = top + ROW * (row + 0.5)
        body.append(svg.text(left - 8, middle + label_size * 0.36, label, label_size, "end"))
        for values, colour, share in series:
            height = ROW * share
            body.append(svg.element("rect", x=left, y=middle - height / 2,
                                    width=max(float(scale(values[row])) - left, 0.0),
                                    height=height, fill=colour))
        if values_shown:
            shown = series[0][0][row]
            body.append(svg.text(float(scale(shown)) + 5, middle + 4, f"{int(shown):,}", 11))
    x = right
    for label, colour in reversed(legend):
        x -= svg.text_width(label, 12) + 26
        body.append(svg.element("rect", x=x, y=top - 22, width=14, height=10, fill=colour))
        body.append(svg.text(x + 19, top - 13, label, 12))
    return svg.document(WIDTH, bottom + 30, title, body)


def fill_by_school(schools: pd.DataFrame, lang: str) -> str:
    """Bars of plan and placed children for the fullest and emptiest schools."""
    ratio = schools["assigned"] / schools["capacity"].clip(lower=1)
    order = schools.assign(_ratio=ratio).sort_values(["_ratio", "school_id"], ascending=[False,
                                                                                     True])
    if len(order) > MAX_BARS:
        order = pd.concat([order.head(MAX_BARS // 2), order.tail(MAX_BARS // 2)])
    labels = order["name"].fillna(order["school_id"]).astype(str).where(
        order["name"].fillna("") != "", order["school_id"].astype(str))
    series = [(order["capacity"].to_numpy(dtype=float), svg.PALE_BLUE, 0.8),
              (order["assigned"].to_numpy(dtype=float), svg.BLUE, 0.5)]
    return _bar_chart(labels.tolist(), series, text("fill_plot", lang),
                      [(text("capacity", lang), svg.PALE_BLUE), (text("placed", lang), svg.BLUE)])


def distance_histogram(assignments: pd.DataFrame, lang: str) -> str:
    """Histogram of home-to-school distance of placed children (40 bins, top 1 % clipped)."""
    distance = assignments.loc[assignments["status"] == "placed", "distance_km"].dropna()
    upper = float(distance.quantile(0.99)) if len(distance) else 1.0
    values = distance.clip(upper=upper).to_numpy(dtype=float)
    counts, edges = np.histogram(values, bins=40) if len(values) else (
        np.zeros(40, dtype=int), np.linspace(0, 1, 41))
    width, height, left, right, top, bottom = 760.0, 340.0, 70.0, 735.0, 44.0, 290.0
    x_ticks = svg.nice_ticks(float(edges[0]), float(edges[-1]))
    y_ticks = svg.nice_ticks(0, max(float(counts.max()), 1.0), 5, cover=True)
    y_top = y_ticks[-1]
    def x_scale(value):
        span = float(edges[-1] - edges[0]) or 1.0
        return left + (right - left) * (value - float(edges[0])) / span
    def y_scale(value):
        return bottom - (bottom - top) * value / y_top
    title = text("distance_plot", lang)
    body = [svg.text(width / 2, 24, title, 15, "middle", font_weight="bold")]
    body += svg.vertical_axis(top, bottom, left, y_ticks, y_scale, right=right)
    body += svg.horizontal_axis(left, right, bottom, x_ticks, x_scale)
    for count, start, stop in zip(counts.tolist(), edges[:-1], edges[1:], strict=True):
        if count:
            body.append(svg.element("rect", x=float(x_scale(start)), y=float(y_scale(count)),
                                    width=float(x_scale(stop) - x_scale(start)),
                                    height=float(bottom - y_scale(count)), fill=svg.BLUE,
                                    stroke="#ffffff", stroke_width=0.4))
    body.append(svg.text((left + right) / 2, height - 12, text("km", lang), 12, "middle"))
    body.append(svg.text(18, (top + bottom) / 2, text("count", lang), 12, "middle",
                         transform=f"rotate(-90 18 {svg.number((top + bottom) / 2)})"))
    return svg.document(width, height, title, body)


def tier_mix(assignments: pd.DataFrame, tier_labels: dict[str, str], lang: str) -> str:
    """Placements by tier (the sweep as its own bar), each bar with its count."""
    placed = assignments.loc[assignments["status"] == "placed", "tier_name"].fillna("")
    counts = placed.replace("", "sweep").value_counts()
    names = [name for name in tier_labels if counts.get(name, 0)] + (
        ["sweep"] if counts.get("sweep", 0) else [])
    labels = [tier_labels.get(name, text("round_sweep", lang)) for name in names]
    values = np.array([counts[name] for name in names], dtype=float)
    return _bar_chart(labels, [(values, svg.GREEN, 0.8)], text("tier_mix", lang), [],
                      label_size=12, values_shown=True)
