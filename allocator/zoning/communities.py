"""Communities (社区, 小区) as the unit of 划片: positions and the neighbour relation.

A community is a catchment zone of the data contract. Optional ``zones.csv`` (and
``zones.geojson``, polygons) in the scenario folder describe them; without them a
community's position is the mean of its homes and its neighbours come from a Delaunay
triangulation cut at the policy's ``zoning.neighbour_distance_km`` (see
:func:`allocator.model.geometry.neighbour_edges`). Every problem is reported at once as
``file:row:column: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.model.geometry import local_km, neighbour_edges
from allocator.model.polygons import read_polygons
from allocator.model.problems import ProblemCollector
from allocator.model.zone_files import (
    ZONES_FILE,
    check_served_listed,
    listed_edges,
    read_zone_table,
    resolve_listed,
)
from allocator.model.zone_files import served_zones as scenario_served_zones
from allocator.pipeline.load import LoadedScenario


@dataclass(frozen=True)
class Communities:
    """Every community of a scenario, in (county, zone id) order.

    Attributes
    ----------
    zone_ids, counties, names : numpy.ndarray
        Id, county and display name per community.
    lat, lon : numpy.ndarray
        Position (WGS84).
    edges : numpy.ndarray
        Neighbour pairs ``(i, j)``, ``i < j``, always inside one county.
    rows : numpy.ndarray
        Row of the community in ``zones.csv`` (0 = not listed there).
    neighbour_source : str
        ``zones.csv``, ``zones.geojson`` or ``delaunay``.
    polygons : dict
        Outer rings ``[(lon, lat), ...]`` per community, from ``zones.geojson``.
    input_files : tuple of Path
        The community files read.
    """

    zone_ids: np.ndarray
    counties: np.ndarray
    names: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    edges: np.ndarray
    rows: np.ndarray
    neighbour_source: str
    polygons: dict[int, list[list[tuple[float, float]]]] = field(default_factory=dict)
    input_files: tuple[Path, ...] = ()

    def index(self) -> dict[tuple[str, str], int]:
        """Position of each ``(county, zone id)``."""
        return {(c, z): i for i, (c, z) in enumerate(zip(self.counties, self.zone_ids,
                                                          strict=True))}

    def where(self, community: int) -> tuple[str, int | None]:
        """File and row naming a community in a message."""
        row = int(self.rows[community])
        return (ZONES_FILE, row) if row else (ZONES_FILE, None)


def served_zones(loaded: LoadedScenario) -> pd.DataFrame:
    """``county``, ``zone``, ``school_position`` of every zone a school serves."""
    return scenario_served_zones(loaded.scenario)


def read_communities(loaded: LoadedScenario, problems: ProblemCollector) -> Communities | None:
    """Read ``zones.csv``/``zones.geojson`` (if any) and derive what they leave out.

    Parameters
    ----------
    loaded : LoadedScenario
        The validated scenario.
    problems : ProblemCollector
        Receives every problem (unknown, self or one-sided neighbours; zones without a
        position; served zones missing from ``zones.csv``).

    Returns
    -------
    Communities or None
        None when a problem makes the relation unusable.
    """
    folder = loaded.scenario.folder
    served = served_zones(loaded)
    table = read_zone_table(folder, problems)
    polygons, polygon_edges, polygon_file = read_polygons(folder, problems)
    keys = sorted(set(zip(served["county"], served["zone"], strict=True)))
    if table is not None:
        keys = resolve_listed(keys, table, served, problems)
    if problems:
        return None
    counties = np.array([k[0] for k in keys], dtype=object)
    zone_ids = np.array([k[1] for k in keys], dtype=object)
    index = {key: i for i, key in enumerate(keys)}
    rows = np.zeros(len(keys), dtype=np.int64)
    names = zone_ids.copy()
    lat, lon = np.full(len(keys), np.nan), np.full(len(keys), np.nan)
    if table is not None:
        at = table["position"].to_numpy()
        rows[at] = table.index.to_numpy() + 2
        names[at] = np.where(table["name"] != "", table["name"], zone_ids[at])
        lat[at], lon[at] = table["lat"].to_numpy(), table["lon"].to_numpy()
        check_served_listed(loaded.scenario, served, index, rows, problems)
    centroids = {index[key]: point for key, point in polygons.centroids(index).items()}
    _fill_positions(lat, lon, centroids, keys, loaded, served, problems)
    if problems:
        return None
    files = tuple(p for p in (folder / ZONES_FILE if table is not None else None,
                              polygon_file) if p is not None)
    if table is not None and (table["neighbours"] != "").any():
        edges = listed_edges(table, keys, index, problems)
        source = ZONES_FILE
    elif polygon_file is not None:
        edges = polygon_edges(index)
        source = polygon_file.name
    else:
        edges = _delaunay(counties, lat, lon, loaded.policy.zoning.neighbour_distance_km)
        source = "delaunay"
    if problems:
        return None
    return Communities(zone_ids, counties, names, lat, lon, edges, rows, source,
                       {index[key]: rings for key, rings in polygons.rings(index).items()},
                       files)


def _fill_positions(lat, lon, centroids, keys, loaded, served, problems) -> None:
    """Missing positions: polygon centroid, else mean home, else mean serving school."""
    for at, (y, x) in centroids.items():
        if np.isnan(lat[at]) or np.isnan(lon[at]):
            lat[at], lon[at] = y, x
    homes = _mean_homes(loaded, {key: i for i, key in enumerate(keys)})
    schools = loaded.scenario.schools
    school_lat = schools["lat"].to_numpy(dtype=float)[served["school_position"]]
    school_lon = schools["lon"].to_numpy(dtype=float)[served["school_position"]]
    by_zone = pd.DataFrame({"key": list(zip(served["county"], served["zone"], strict=True)),
                            "lat": school_lat, "lon": school_lon}).groupby("key").mean()
    for at, key in enumerate(keys):
        if not (np.isnan(lat[at]) or np.isnan(lon[at])):
            continue
        for source in (homes, by_zone):
            if key in source.index and not source.loc[[key]].isna().any(axis=None):
                lat[at], lon[at] = source.loc[[key]].to_numpy()[0]
                break
        else:
            problems.add(ZONES_FILE, None, "lat", f"zone '{key[1]}' of county '{key[0]}' has "
                         "no position: give lat and lon in zones.csv")


def _mean_homes(loaded: LoadedScenario, index: dict[tuple[str, str], int]) -> pd.DataFrame:
    applicants = loaded.scenario.applicants
    zone = applicants["residence_zone"].where(applicants["residence_zone"] != "",
                                              applicants["hukou_zone"])
    frame = pd.DataFrame({"key": list(zip(applicants["county"], zone, strict=True)),
                          "lat": applicants["lat"].to_numpy(dtype=float),
                          "lon": applicants["lon"].to_numpy(dtype=float)})
    frame = frame[(zone != "").to_numpy() & frame["lat"].notna() & frame["lon"].notna()]
    return frame.groupby("key")[["lat", "lon"]].mean()


def _delaunay(counties: np.ndarray, lat: np.ndarray, lon: np.ndarray,
              cut_km: float) -> np.ndarray:
    """Delaunay neighbours within each county (never across a county border)."""
    found = [np.zeros((0, 2), dtype=np.int64)]
    for county in sorted(set(counties)):
        members = np.flatnonzero(counties == county)
        edges = neighbour_edges(local_km(lat[members], lon[members]), cut_km)
        found.append(members[edges])
    return np.unique(np.vstack(found), axis=0).astype(np.int64).reshape(-1, 2)
