"""Residential communities (社区, 小区) as zones: an option of the generator.

:func:`split_into_communities` takes a generated roster and splits each catchment zone into
communities by clustering its homes (k-means on the home positions), then draws the homes
of each community closer together. Catchments become sets of communities; a shared
(overlap) zone stays one multi-school community, a pooled multi-school zone is split among
its schools by nearest school. The default output of the generator is not touched: this is
applied only when asked for. Imports only :mod:`allocator.model`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from allocator.model.geometry import EARTH_RADIUS_KM, neighbour_edges

__all__ = ["ZONE_COLUMNS", "split_into_communities"]

ZONE_COLUMNS: tuple[str, ...] = ("zone_id", "county", "name", "lat", "lon", "neighbours")
_PULL = 0.35  # homes keep this share of their distance to their community's centre
_NEIGHBOUR_KM = 3.0
_KMEANS_ROUNDS = 12
_KM_PER_DEGREE = np.pi / 180.0 * EARTH_RADIUS_KM


def _to_xy(lat: np.ndarray, lon: np.ndarray, origin: tuple[float, float]) -> np.ndarray:
    """Kilometres east and north of ``origin`` (equirectangular)."""
    x = (lon - origin[1]) * _KM_PER_DEGREE * np.cos(np.radians(origin[0]))
    return np.column_stack([x, (lat - origin[0]) * _KM_PER_DEGREE])


def _to_latlon(xy: np.ndarray, origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    lat = origin[0] + xy[:, 1] / _KM_PER_DEGREE
    lon = origin[1] + xy[:, 0] / (_KM_PER_DEGREE * np.cos(np.radians(origin[0])))
    return lat, lon


def split_into_communities(schools: pd.DataFrame, applicants: pd.DataFrame,
                           per_county: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                pd.DataFrame]:
    """Cluster each county's homes into about ``per_county`` communities.

    Parameters
    ----------
    schools, applicants : pandas.DataFrame
        A roster from :func:`~allocator.synthetic.generate_province` (text cells).
    per_county : int
        Communities wanted per county (fewer when a county has fewer homes or schools).
    seed : int
        Seed of the clustering; the same roster and seed give identical frames.

    Returns
    -------
    schools, applicants : pandas.DataFrame
        New frames: ``zones`` lists communities (ids ``{county}-C001``...), the zone
        columns of applicants name communities, home positions are clustered.
    zones : pandas.DataFrame
        One row per community, columns :data:`ZONE_COLUMNS` (neighbours from a Delaunay
        triangulation cut at 3 km, plus the spanning tree's edges).
    """
    if per_county < 1:
        raise ValueError(f"per_county must be >= 1: {per_county}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 13]))
    schools, applicants = schools.copy(), applicants.copy()
    frames = []
    for county in sorted(schools["county"].unique()):
        frames.append(_county(schools, applicants, county, per_county, rng))
    return schools, applicants, pd.concat(frames, ignore_index=True)[list(ZONE_COLUMNS)]


def _county(schools: pd.DataFrame, applicants: pd.DataFrame, county: str, per_county: int,
            rng: np.random.Generator) -> pd.DataFrame:
    """Split one county in place (frames are the caller's copies); return its zone rows."""
    public = np.flatnonzero(((schools["county"] == county) & (schools["kind"] == "public"))
                            .to_numpy())
    people = np.flatnonzero((applicants["county"] == county).to_numpy())
    lat = applicants["lat"].to_numpy()[people].astype(float)
    lon = applicants["lon"].to_numpy()[people].astype(float)
    origin = (float(lat.mean()), float(lon.mean()))
    xy = _to_xy(lat, lon, origin)
    k = max(min(per_county, len(people)), len(public), 1)
    centres, label = _kmeans(xy, k, rng)
    edges = neighbour_edges(centres, _NEIGHBOUR_KM)
    school_xy = _school_xy(schools, origin)[public]
    region = _grow_catchments(centres, edges, school_xy)
    ids = np.array([f"{county}-C{c + 1:03d}" for c in range(len(centres))], dtype=object)
    serving = [[int(public[region[c]])] for c in range(len(centres))]
    _share_overlap_zones(schools, applicants, people, label, edges, region, public, serving)
    xy = centres[label] + _PULL * (xy - centres[label])
    _write_back(applicants, people, ids[label], xy, origin)
    for position in public:
        communities = [ids[c] for c in range(len(centres)) if position in serving[c]]
        schools.loc[schools.index[position], "zones"] = ";".join(communities)
    return _zone_rows(ids, centres, edges, county, origin)


def _school_xy(schools: pd.DataFrame, origin: tuple[float, float]) -> np.ndarray:
    lat = pd.to_numeric(schools["lat"], errors="coerce").fillna(origin[0]).to_numpy()
    lon = pd.to_numeric(schools["lon"], errors="coerce").fillna(origin[1]).to_numpy()
    return _to_xy(lat, lon, origin)


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """Lloyd's k-means from ``k`` distinct homes drawn by ``rng``; empty clusters dropped,
    centres numbered west to east."""
    centres = points[rng.choice(len(points), size=k, replace=False)]
    for _ in range(_KMEANS_ROUNDS):
        assigned = cKDTree(centres).query(points)[1]
        sums = np.zeros_like(centres)
        np.add.at(sums, assigned, points)
        counts = np.bincount(assigned, minlength=len(centres))
        used = counts > 0
        centres = sums[used] / counts[used, None]
    centres = centres[np.lexsort((centres[:, 1], centres[:, 0]))]
    return centres, cKDTree(centres).query(points)[1]


def _grow_catchments(centres: np.ndarray, edges: np.ndarray,
                     school_xy: np.ndarray) -> np.ndarray:
    """Each community's school: the one whose own community is nearest along neighbours.

    A school's own community is the nearest one not already taken by an earlier school
    (the first school of a county takes first). Regions of a shortest-path forest are
    connected, so every catchment is contiguous.
    """
    taken: set[int] = set()
    sources = []
    for x, y in school_xy:
        order = np.argsort(np.hypot(centres[:, 0] - x, centres[:, 1] - y), kind="stable")
        own = next(int(c) for c in order if int(c) not in taken)
        taken.add(own)
        sources.append(own)
    length = np.maximum(np.hypot(*(centres[edges[:, 0]] - centres[edges[:, 1]]).T), 1e-6)
    graph = coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(len(centres),) * 2)
    _, _, nearest = dijkstra(graph.tocsr(), directed=False, indices=sources,
                             return_predecessors=True, min_only=True)
    school_of = {source: j for j, source in enumerate(sources)}
    return np.array([school_of.get(int(s), 0) for s in nearest], dtype=np.int64)


def _share_overlap_zones(schools, applicants, people, label, edges, region, public,
                         serving) -> None:
    """Shared zones of the roster become multi-school communities where catchments touch."""
    residence = applicants["residence_zone"].to_numpy(dtype=object)[people]
    lists = {int(p): [z for z in str(schools["zones"].iloc[p]).split(";") if z]
             for p in public}
    zone_schools: dict[str, list[int]] = {}
    for position, zones in lists.items():
        for zone in zones:
            zone_schools.setdefault(zone, []).append(position)
    touching: dict[int, set[int]] = {}
    for a, b in edges:
        touching.setdefault(int(a), set()).add(int(public[region[b]]))
        touching.setdefault(int(b), set()).add(int(public[region[a]]))
    for zone, members in sorted(zone_schools.items()):
        if len(members) < 2:
            continue
        homes = label[residence == zone]
        if len(homes) == 0:
            continue
        community = int(np.bincount(homes).argmax())
        extra = [m for m in members if m != serving[community][0]
                 and m in touching.get(community, set())]
        serving[community] = sorted(serving[community] + extra)


def _write_back(applicants, people, labels, xy, origin) -> None:
    """Clustered homes; zone columns renamed to communities."""
    residence = applicants["residence_zone"].to_numpy(dtype=object)
    lat, lon = _to_latlon(xy, origin)
    applicants.loc[applicants.index[people], "lat"] = [f"{v:.6f}" for v in lat]
    applicants.loc[applicants.index[people], "lon"] = [f"{v:.6f}" for v in lon]
    by_zone: dict[str, list[int]] = {}
    for i, zone in enumerate(residence[people]):
        by_zone.setdefault(zone, []).append(i)
    for column in ("hukou_zone", "property_zone", "residence_zone"):
        values = applicants[column].to_numpy(dtype=object).copy()
        for i, at in enumerate(people):
            zone = values[at]
            if not zone:
                continue
            if zone == residence[at]:
                values[at] = labels[i]
            elif zone in by_zone:  # home or hukou elsewhere: a community of that zone
                others = by_zone[zone]
                near = int(np.argmin(((xy[others] - xy[i]) ** 2).sum(axis=1)))
                values[at] = labels[others[near]]
            else:
                values[at] = labels[i]
        applicants[column] = values


def _zone_rows(ids: np.ndarray, centres: np.ndarray, edges: np.ndarray, county: str,
               origin: tuple[float, float]) -> pd.DataFrame:
    lists: list[list[str]] = [[] for _ in range(len(ids))]
    for a, b in edges:
        lists[a].append(ids[b])
        lists[b].append(ids[a])
    lat, lon = _to_latlon(centres, origin)
    return pd.DataFrame({
        "zone_id": ids, "county": county,
        "name": [f"{i[-3:].lstrip('0')}号小区" for i in ids],
        "lat": [f"{v:.6f}" for v in lat], "lon": [f"{v:.6f}" for v in lon],
        "neighbours": [";".join(sorted(items)) for items in lists]})
