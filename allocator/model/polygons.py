"""Community polygons from ``zones.geojson``: centroids, shared-edge neighbours, map rings.

A GeoJSON ``FeatureCollection`` whose features carry ``properties.zone_id`` (and
``properties.county`` where a zone id is used in two counties) and a ``Polygon`` or
``MultiPolygon`` geometry. Two communities are neighbours when their rings share a
boundary segment (same two vertices, coordinates rounded to 1e-7 degrees), as a
topologically clean map has them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from allocator.model.problems import ProblemCollector

GEOJSON_FILE = "zones.geojson"
Key = tuple[str, str]
Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Polygons:
    """Outer rings per feature, keyed by ``(county or '', zone id)``."""

    features: dict[Key, list[Ring]] = field(default_factory=dict)

    def resolve(self, index: dict[Key, int]) -> dict[Key, Key]:
        """Map each feature key to a community key of ``index`` (county filled in)."""
        by_zone: dict[str, list[Key]] = {}
        for key in index:
            by_zone.setdefault(key[1], []).append(key)
        resolved = {}
        for county, zone in self.features:
            if county:
                if (county, zone) in index:
                    resolved[(county, zone)] = (county, zone)
            elif len(by_zone.get(zone, [])) == 1:
                resolved[(county, zone)] = by_zone[zone][0]
        return resolved

    def rings(self, index: dict[Key, int]) -> dict[Key, list[Ring]]:
        """Outer rings per community key."""
        return {target: self.features[key] for key, target in self.resolve(index).items()}

    def centroids(self, index: dict[Key, int]) -> dict[Key, tuple[float, float]]:
        """``(lat, lon)`` area centroid of the largest ring of each community."""
        found = {}
        for key, rings in self.rings(index).items():
            found[key] = _centroid(max(rings, key=lambda ring: abs(_area(ring))))
        return found


def read_polygons(folder: Path, problems: ProblemCollector) -> tuple[
        Polygons, Callable[[dict[Key, int]], np.ndarray], Path | None]:
    """Read ``zones.geojson`` if present.

    Returns
    -------
    polygons : Polygons
        Empty when the file is absent or unusable.
    edges : callable
        ``edges(index)``: neighbour pairs ``(i, j)``, ``i < j``, of the communities of
        ``index`` whose rings share a segment.
    path : Path or None
        The file, when present.
    """
    path = folder / GEOJSON_FILE
    if not path.is_file():
        return Polygons(), lambda index: np.zeros((0, 2), dtype=np.int64), None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data["features"]
    except (ValueError, KeyError, TypeError) as error:
        problems.add(GEOJSON_FILE, None, None, f"not a GeoJSON FeatureCollection: {error}")
        return Polygons(), lambda index: np.zeros((0, 2), dtype=np.int64), path
    polygons = Polygons(_features(features, problems))
    return polygons, lambda index: _shared_edges(polygons, index), path


def _features(features: list, problems: ProblemCollector) -> dict[Key, list[Ring]]:
    found: dict[Key, list[Ring]] = {}
    for number, feature in enumerate(features):
        where = f"features[{number}]"
        properties = (feature or {}).get("properties") or {}
        zone = str(properties.get("zone_id", "") or "").strip()
        geometry = (feature or {}).get("geometry") or {}
        if not zone:
            problems.add(GEOJSON_FILE, None, f"{where}.properties.zone_id",
                         "required value is missing")
            continue
        kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
        if kind == "Polygon":
            rings = [coordinates[0]] if coordinates else []
        elif kind == "MultiPolygon":
            rings = [polygon[0] for polygon in coordinates if polygon]
        else:
            problems.add(GEOJSON_FILE, None, f"{where}.geometry",
                         f"zone '{zone}': expected a Polygon or MultiPolygon, not {kind}")
            continue
        key = (str(properties.get("county", "") or "").strip(), zone)
        if key in found:
            problems.add(GEOJSON_FILE, None, f"{where}.properties.zone_id",
                         f"zone '{zone}' has more than one feature")
        parsed = _rings(rings)
        if parsed is None:
            problems.add(GEOJSON_FILE, None, f"{where}.geometry.coordinates",
                         f"zone '{zone}': positions must be [lon, lat] numbers within "
                         "[-180, 180] and [-90, 90]")
            continue
        found[key] = parsed
    return found


def _rings(rings: list) -> list[Ring] | None:
    """Rings as ``(lon, lat)`` floats, or None when a position is malformed or out of range."""
    try:
        parsed = [[(float(p[0]), float(p[1])) for p in ring] for ring in rings]
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    for ring in parsed:
        for lon, lat in ring:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # also refuses NaN
                return None
    return parsed


def _shared_edges(polygons: Polygons, index: dict[Key, int]) -> np.ndarray:
    owners: dict[tuple, set[int]] = {}
    for key, target in polygons.resolve(index).items():
        community = index[target]
        for ring in polygons.features[key]:
            points = [(round(x, 7), round(y, 7)) for x, y in ring]
            for a, b in zip(points, points[1:] + points[:1], strict=True):
                if a != b:
                    owners.setdefault((min(a, b), max(a, b)), set()).add(community)
    pairs = {(a, b) for members in owners.values() for a in members for b in members if a < b}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _area(ring: Ring) -> float:
    x = np.array([p[0] for p in ring])
    y = np.array([p[1] for p in ring])
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _centroid(ring: Ring) -> tuple[float, float]:
    x = np.array([p[0] for p in ring])
    y = np.array([p[1] for p in ring])
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if abs(area) < 1e-15:
        return float(y.mean()), float(x.mean())
    cx = np.sum((x + np.roll(x, -1)) * cross) / (6 * area)
    cy = np.sum((y + np.roll(y, -1)) * cross) / (6 * area)
    return float(cy), float(cx)
