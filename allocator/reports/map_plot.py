"""The report's map: schools on a projected background with their catchment areas.

Positions are projected as in the workbench (:mod:`allocator.reports.geometry`,
equirectangular, north up, axes in kilometres); a zone's area is its polygon in
``zones.geojson`` or the convex hull of the homes of its children. Each zone is
shaded in the colour of the school that serves it, schools are dots sized by plan
and coloured by the share of seats left, and counties and schools are labelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .geometry import DENSITY_COLUMNS, map_geometry
from .page_words import page_text
from .plots import _png, _pyplot

#: Schools labelled by name on the map (the largest plans first).
LABELLED_SCHOOLS = 24
KM_PER_DEGREE = 111.32


def _serving_school(schools: pd.DataFrame) -> dict[str, int]:
    """Zone id -> position of the first school that lists it."""
    serving: dict[str, int] = {}
    for position, zones in enumerate(schools["zones"].fillna("").astype(str)):
        for zone in filter(None, (part.strip() for part in zones.split(";"))):
            serving.setdefault(zone, position)
    return serving


def catchment_map(schools: pd.DataFrame, applicants: pd.DataFrame, folder,
                  lang: str) -> tuple[str | None, str]:
    """PNG (base64) of the map and where the zone areas came from (None: no positions).

    Parameters
    ----------
    schools : DataFrame
        The run's schools with ``lat``, ``lon``, ``capacity``, ``surplus``, ``zones``,
        ``name`` and ``county``.
    applicants : DataFrame
        The scenario's applicants (homes: ``lat``, ``lon``, zones).
    folder : Path
        The scenario folder (for an optional ``zones.geojson``).
    lang : str
        ``zh`` or ``en``.
    """
    located = schools.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    if located.empty:
        return None, ""
    projection, layers = map_geometry(folder, located, applicants)
    plt = _pyplot()
    from matplotlib import colormaps
    from matplotlib.patches import Polygon

    km = 1 / (projection.scale / KM_PER_DEGREE)  # view-box units -> km
    figure, axes = plt.subplots(figsize=(10, max(4.0, 10 * projection.height / 1000 * 0.9)))
    axes.set_facecolor("#f4f1ea")
    share = (located["surplus"] / located["capacity"].clip(lower=1)).clip(0, 0.5).to_numpy()
    colours = colormaps["RdYlGn"](share / 0.5)
    serving = _serving_school(located)
    for zone, rings in sorted(layers["zones"].items()):
        colour = colours[serving[zone]] if zone in serving else (0.7, 0.7, 0.7, 1.0)
        for ring in rings:
            points = np.asarray(ring) * km
            points[:, 1] = projection.height * km - points[:, 1]
            axes.add_patch(Polygon(points, closed=True, facecolor=colour, alpha=0.25,
                                   edgecolor="#666666", linewidth=0.5))
    _draw_homes(axes, layers["density"], projection.height, km)
    x, y = projection.point(located["lat"].to_numpy(), located["lon"].to_numpy())
    x, y = x * km, (projection.height - y) * km  # kilometres east and north of the corner
    axes.scatter(x, y, s=15 + located["capacity"].to_numpy() / 5, c=colours,
                 edgecolors="#222222", linewidths=0.5, zorder=3)
    _label_schools(axes, located, x, y)
    _label_counties(axes, located, x, y)
    axes.set_xlim(0, 1000 * km)
    axes.set_ylim(0, projection.height * km)
    axes.set_aspect("equal")
    axes.set_xlabel(page_text("map_east", lang))
    axes.set_ylabel(page_text("map_north", lang))
    axes.set_title(page_text("map_title", lang))
    return _png(figure), layers["zones_from"]


def _draw_homes(axes, density: dict, height: float, km: float) -> None:
    """Children's homes as a grey density underneath (counts per cell, never one by one)."""
    if not density["cells"]:
        return
    cell = density["cell"]
    rows = max(int(np.ceil(height / cell)), 1)
    grid = np.full((rows, DENSITY_COLUMNS), np.nan)
    for column, row, count in density["cells"]:
        if row < rows and column < grid.shape[1]:
            grid[row, column] = count
    axes.imshow(np.log1p(grid), cmap="Greys", alpha=0.35, zorder=0, interpolation="nearest",
                extent=(0, grid.shape[1] * cell * km, height * km - rows * cell * km,
                        height * km))


def _label_schools(axes, schools: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> None:
    """Names of the largest schools, skipping any too close to one already labelled."""
    names = schools["name"].fillna("").astype(str).where(schools["name"].fillna("") != "",
                                                         schools["school_id"].astype(str))
    spacing = 0.035 * max(float(np.ptp(x)) if len(x) else 1.0, 1e-6)
    placed: list[tuple[float, float]] = []
    for position in schools["capacity"].to_numpy().argsort(kind="stable")[::-1]:
        if len(placed) == LABELLED_SCHOOLS:
            break
        here = (float(x[position]), float(y[position]))
        if any(abs(here[0] - a) < 3 * spacing and abs(here[1] - b) < spacing for a, b in placed):
            continue
        placed.append(here)
        axes.annotate(names.iloc[position], here, fontsize=7, xytext=(4, 3),
                      textcoords="offset points", zorder=4,
                      bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6,
                            "linewidth": 0})


def _label_counties(axes, schools: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> None:
    frame = pd.DataFrame({"county": schools["county"].astype(str), "x": x, "y": y})
    for county, group in frame.groupby("county", sort=True):
        axes.text(group["x"].mean(), group["y"].max(), str(county), fontsize=12,
                  color="#1f3d73", ha="center", va="bottom", zorder=5,
                  bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.7,
                        "edgecolor": "#1f3d73"})
