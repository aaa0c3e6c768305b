"""The report's map: schools on a projected background with their catchment areas.

Positions are projected as in the workbench (:mod:`allocator.reports.geometry`,
equirectangular, north up, axes in kilometres); a zone's area is its polygon in
``zones.geojson`` or the convex hull of the homes of its children. Each zone is
shaded in the colour of the school that serves it, schools are dots sized by plan
and coloured by the share of seats left, and counties and schools are labelled.
Drawn as inline SVG (:mod:`allocator.reports.svg`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import svg
from .geometry import DENSITY_COLUMNS, WIDTH, Projection, map_geometry
from .page_words import page_text

#: Schools labelled by name on the map (the largest plans first).
LABELLED_SCHOOLS = 24
KM_PER_DEGREE = 111.32
#: Pixels of the plot area per view-box unit, and the margins around it.
PIXELS_PER_UNIT = 0.86
LEFT, TOP, RIGHT, BOTTOM = 64.0, 44.0, 20.0, 52.0
UNSERVED = "#b3b3b3"


def _serving_school(schools: pd.DataFrame) -> dict[str, int]:
    """Zone id -> position of the first school that lists it."""
    serving: dict[str, int] = {}
    for position, zones in enumerate(schools["zones"].fillna("").astype(str)):
        for zone in filter(None, (part.strip() for part in zones.split(";"))):
            serving.setdefault(zone, position)
    return serving


def _pixel(x, y):
    """Plot pixels of view-box coordinates."""
    return LEFT + np.asarray(x, dtype=float) * PIXELS_PER_UNIT, \
        TOP + np.asarray(y, dtype=float) * PIXELS_PER_UNIT


def catchment_map(schools: pd.DataFrame, applicants: pd.DataFrame, folder,
                  lang: str) -> tuple[str | None, str]:
    """SVG of the map and where the zone areas came from (None: no positions).

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
    share = (located["surplus"] / located["capacity"].clip(lower=1)).clip(0, 0.5).to_numpy()
    colours = svg.colour_map(share / 0.5)
    title = page_text("map_title", lang)
    plot_height = projection.height * PIXELS_PER_UNIT
    body = [svg.text(LEFT + WIDTH * PIXELS_PER_UNIT / 2, 26, title, 15, "middle",
                     font_weight="bold"),
            svg.element("rect", x=LEFT, y=TOP, width=WIDTH * PIXELS_PER_UNIT,
                        height=plot_height, fill="#f4f1ea")]
    body += _homes(layers["density"], projection.height)
    body += _zones(layers["zones"], _serving_school(located), colours)
    x, y = _pixel(*projection.point(located["lat"].to_numpy(), located["lon"].to_numpy()))
    radius = np.sqrt((15 + located["capacity"].to_numpy(dtype=float) / 5) / np.pi) * 96 / 72
    for position in range(len(located)):
        body.append(svg.element("circle", cx=float(x[position]), cy=float(y[position]),
                                r=float(radius[position]), fill=colours[position],
                                stroke=svg.INK, stroke_width=0.6))
    body += _school_labels(located, x, y)
    body += _county_labels(located, x, y)
    body += _axes(projection, lang)
    return svg.document(LEFT + WIDTH * PIXELS_PER_UNIT + RIGHT, TOP + plot_height + BOTTOM,
                        title, body), layers["zones_from"]


def _homes(density: dict, height: float) -> list[str]:
    """Children's homes as a grey density underneath (counts per cell, never one by one)."""
    if not density["cells"]:
        return []
    cell = density["cell"]
    rows = max(int(np.ceil(height / cell)), 1)
    cells = [(column, row, count) for column, row, count in density["cells"]
             if row < rows and column < DENSITY_COLUMNS]
    shade = np.log1p(np.array([count for _, _, count in cells], dtype=float))
    low, high = float(shade.min()), float(shade.max())
    level = (shade - low) / (high - low) if high > low else np.zeros_like(shade)
    parts = []
    for (column, row, _), value in zip(cells, level.tolist(), strict=True):
        grey = round(255 * (1 - value))
        x, y = _pixel(column * cell, row * cell)
        parts.append(svg.element("rect", x=float(x), y=float(y),
                                 width=cell * PIXELS_PER_UNIT + 0.3,
                                 height=cell * PIXELS_PER_UNIT + 0.3,
                                 fill=f"#{grey:02x}{grey:02x}{grey:02x}", fill_opacity=0.35))
    return parts


def _zones(zones: dict, serving: dict[str, int], colours: list[str]) -> list[str]:
    """Each zone's area, shaded in the colour of the school serving it."""
    parts = []
    for zone, rings in sorted(zones.items()):
        colour = colours[serving[zone]] if zone in serving else UNSERVED
        for ring in rings:
            x, y = _pixel(*np.asarray(ring, dtype=float).T)
            points = " ".join(f"{svg.number(a)},{svg.number(b)}"
                              for a, b in zip(x.tolist(), y.tolist(), strict=True))
            parts.append(svg.element("polygon", points=points, fill=colour, fill_opacity=0.25,
                                     stroke="#666666", stroke_width=0.5))
    return parts


def _label(x: float, y: float, content: str, size: float, colour: str = svg.INK,
           anchor: str = "start", outline: str = "none") -> list[str]:
    """A text on a translucent white box (readable over the zones)."""
    width = svg.text_width(content, size)
    start = x - width / 2 if anchor == "middle" else x
    return [svg.element("rect", x=start - 2, y=y - size * 0.95, width=width + 4,
                        height=size * 1.25, rx=2.0, fill="#ffffff", fill_opacity=0.7,
                        stroke=outline, stroke_width=0.8),
            svg.text(x, y, content, size, anchor, fill=colour)]


def _school_labels(schools: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> list[str]:
    """Names of the largest schools, skipping any too close to one already labelled."""
    names = schools["name"].fillna("").astype(str).where(schools["name"].fillna("") != "",
                                                         schools["school_id"].astype(str))
    spacing = 0.035 * max(float(np.ptp(x)) if len(x) else 1.0, 1e-6)
    placed: list[tuple[float, float]] = []
    parts: list[str] = []
    for position in schools["capacity"].to_numpy().argsort(kind="stable")[::-1]:
        if len(placed) == LABELLED_SCHOOLS:
            break
        here = (float(x[position]), float(y[position]))
        if any(abs(here[0] - a) < 3 * spacing and abs(here[1] - b) < spacing for a, b in placed):
            continue
        placed.append(here)
        parts += _label(here[0] + 6, here[1] - 4, names.iloc[position], 10)
    return parts


def _county_labels(schools: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> list[str]:
    """Each county's name above its northernmost school."""
    frame = pd.DataFrame({"county": schools["county"].astype(str), "x": x, "y": y})
    parts: list[str] = []
    for county, group in frame.groupby("county", sort=True):
        parts += _label(float(group["x"].mean()), float(group["y"].min()) - 10, str(county), 15,
                        "#1f3d73", "middle", "#1f3d73")
    return parts


def _axes(projection: Projection, lang: str) -> list[str]:
    """Kilometres east and north of the map's south-west corner."""
    km = KM_PER_DEGREE / projection.scale  # view-box units -> km
    right = LEFT + WIDTH * PIXELS_PER_UNIT
    bottom = TOP + projection.height * PIXELS_PER_UNIT
    east = svg.nice_ticks(0, WIDTH * km, 8)
    north = svg.nice_ticks(0, projection.height * km, 8)
    parts = [svg.element("rect", x=LEFT, y=TOP, width=WIDTH * PIXELS_PER_UNIT,
                         height=projection.height * PIXELS_PER_UNIT, fill="none",
                         stroke=svg.INK, stroke_width=0.8)]
    parts += svg.horizontal_axis(LEFT, right, bottom, east,
                                 lambda value: LEFT + value / km * PIXELS_PER_UNIT)
    parts += svg.vertical_axis(TOP, bottom, LEFT, north,
                               lambda value: bottom - value / km * PIXELS_PER_UNIT)
    middle = (TOP + bottom) / 2
    parts.append(svg.text((LEFT + right) / 2, bottom + 38, page_text("map_east", lang), 12,
                          "middle"))
    parts.append(svg.text(16, middle, page_text("map_north", lang), 12, "middle",
                          transform=f"rotate(-90 16 {svg.number(middle)})"))
    return parts
