"""Map geometry shared by report.html and the workbench: projection, homes, zone areas.

Positions are projected once (equirectangular around the county's mean latitude,
north up) into a view box ``WIDTH`` wide. Homes are only ever sent as counts per
grid cell, never one by one. A zone's area is its polygon in an optional
``zones.geojson`` of the scenario folder (a feature per zone, the zone id in the
property ``zone``, ``zone_id`` or ``id``), otherwise the convex hull of the homes
of the children living (else registered) in it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Width of the map's view box; the height follows the county's shape.
WIDTH = 1000.0
#: Cells across the density layer.
DENSITY_COLUMNS = 60
#: Margin around the points, as a share of the extent.
MARGIN = 0.04


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a bounding box onto the view box."""

    lon_min: float
    lat_max: float
    scale: float
    cos_lat: float
    height: float

    def point(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """View-box x and y of positions (degrees)."""
        x = (np.asarray(lon, dtype=float) - self.lon_min) * self.cos_lat * self.scale
        y = (self.lat_max - np.asarray(lat, dtype=float)) * self.scale
        return np.round(x, 1), np.round(y, 1)

    def to_dict(self) -> dict[str, float]:
        """The parameters, so the page can turn a click back into a position."""
        return {"lon_min": self.lon_min, "lat_max": self.lat_max, "scale": self.scale,
                "cos_lat": self.cos_lat, "width": WIDTH, "height": self.height}


def projection_for(lat: np.ndarray, lon: np.ndarray) -> Projection:
    """A projection framing every given position with a small margin."""
    lat = lat[np.isfinite(lat)]
    lon = lon[np.isfinite(lon)]
    if len(lat) == 0:
        lat, lon = np.array([0.0, 0.01]), np.array([0.0, 0.01])
    cos_lat = math.cos(math.radians(float(lat.mean())))
    span_x = max(float(lon.max() - lon.min()) * cos_lat, 1e-4)
    span_y = max(float(lat.max() - lat.min()), 1e-4)
    lon_min = float(lon.min()) - MARGIN * span_x / cos_lat
    lat_max = float(lat.max()) + MARGIN * span_y
    scale = WIDTH / (span_x * (1 + 2 * MARGIN))
    return Projection(lon_min, lat_max, scale, cos_lat, round(span_y * (1 + 2 * MARGIN) * scale,
                                                              1))


def home_zones(applicants: pd.DataFrame) -> pd.Series:
    """Zone of each child's home: where it lives, else where its hukou is."""
    return applicants["residence_zone"].where(applicants["residence_zone"] != "",
                                              applicants["hukou_zone"]).astype(str)


def density(projection: Projection, lat: np.ndarray, lon: np.ndarray) -> dict[str, Any]:
    """Children's homes counted per grid cell (cells with nobody are left out)."""
    cell = WIDTH / DENSITY_COLUMNS
    x, y = projection.point(lat, lon)
    keep = np.isfinite(x) & np.isfinite(y)
    column = np.clip((x[keep] // cell).astype(int), 0, DENSITY_COLUMNS - 1)
    rows = max(int(math.ceil(projection.height / cell)), 1)
    row = np.clip((y[keep] // cell).astype(int), 0, rows - 1)
    counts = np.bincount(row * DENSITY_COLUMNS + column, minlength=rows * DENSITY_COLUMNS)
    filled = np.flatnonzero(counts)
    return {"cell": round(cell, 2), "max": int(counts.max()) if len(counts) else 0,
            "cells": [[int(i % DENSITY_COLUMNS), int(i // DENSITY_COLUMNS), int(counts[i])]
                      for i in filled]}


def hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of 2-D points (Andrew's monotone chain), counter-clockwise."""
    unique = np.unique(points, axis=0)
    if len(unique) < 3:
        return unique
    ordered = sorted(map(tuple, unique))

    def half(sequence: Any) -> list[tuple[float, float]]:
        chain: list[tuple[float, float]] = []
        for point in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain[:-1]

    return np.array(half(ordered) + half(reversed(ordered)))


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def zone_areas(projection: Projection, applicants: pd.DataFrame,
               folder: Path) -> dict[str, list[list[list[float]]]]:
    """Polygons (rings of view-box points) per zone: from ``zones.geojson`` or the homes."""
    geojson = folder / "zones.geojson"
    if geojson.is_file():
        return _geojson_areas(projection, json.loads(geojson.read_text(encoding="utf-8")))
    zones = home_zones(applicants)
    lat = applicants["lat"].to_numpy(dtype=float)
    lon = applicants["lon"].to_numpy(dtype=float)
    x, y = projection.point(lat, lon)
    areas: dict[str, list[list[list[float]]]] = {}
    frame = pd.DataFrame({"zone": zones, "x": x, "y": y}).dropna()
    for zone, group in frame[frame["zone"] != ""].groupby("zone", sort=True):
        ring = hull(group[["x", "y"]].to_numpy())
        if len(ring) >= 3:
            areas[str(zone)] = [[[float(a), float(b)] for a, b in ring]]
    return areas


def _geojson_areas(projection: Projection, data: dict[str, Any]) -> dict[str, Any]:
    areas: dict[str, list[list[list[float]]]] = {}
    for feature in data.get("features", []):
        properties = feature.get("properties") or {}
        zone = next((str(properties[key]) for key in ("zone", "zone_id", "id")
                     if key in properties), None)
        geometry = feature.get("geometry") or {}
        polygons = {"Polygon": [geometry.get("coordinates", [])],
                    "MultiPolygon": geometry.get("coordinates", [])}.get(
            str(geometry.get("type")), [])
        if zone is None:
            continue
        for polygon in polygons:
            if not polygon:
                continue
            outer = np.asarray(polygon[0], dtype=float)
            x, y = projection.point(outer[:, 1], outer[:, 0])
            areas.setdefault(zone, []).append([[float(a), float(b)] for a, b in zip(
                x, y, strict=True)])
    return areas


def map_geometry(folder: Path, schools: pd.DataFrame,
                 applicants: pd.DataFrame) -> tuple[Projection, dict[str, Any]]:
    """The projection and the fixed layers of the map (background, density, zone areas)."""
    lat = np.concatenate([schools["lat"].to_numpy(dtype=float),
                          applicants["lat"].to_numpy(dtype=float)])
    lon = np.concatenate([schools["lon"].to_numpy(dtype=float),
                          applicants["lon"].to_numpy(dtype=float)])
    projection = projection_for(lat, lon)
    return projection, {
        "projection": projection.to_dict(),
        "density": density(projection, applicants["lat"].to_numpy(dtype=float),
                           applicants["lon"].to_numpy(dtype=float)),
        "zones": zone_areas(projection, applicants, folder),
        "zones_from": "zones.geojson" if (folder / "zones.geojson").is_file() else "homes",
    }
