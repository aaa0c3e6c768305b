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
    """Split each county's zones into about ``per_county`` communities.

    Parameters
    ----------
    schools, applicants : pandas.DataFrame
        A roster from :func:`~allocator.synthetic.generate_province` (text cells).
    per_county : int
        Communities wanted per county (at least one per zone).
    seed : int
        Seed of the clustering; the same roster and seed give identical frames.

    Returns
    -------
    schools, applicants : pandas.DataFrame
        New frames: ``zones`` lists communities; zone columns of applicants name
        communities (ids ``{zone}-C01``...); home positions are clustered.
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
    in_county = (schools["county"] == county).to_numpy()
    lists = {int(i): [z for z in str(cell).split(";") if z] for i, cell in
             zip(np.flatnonzero(in_county), schools["zones"][in_county], strict=True)}
    serving: dict[str, list[int]] = {}
    for school, zones in lists.items():
        for zone in zones:
            serving.setdefault(zone, []).append(school)
    people = np.flatnonzero((applicants["county"] == county).to_numpy())
    lat = applicants["lat"].to_numpy()[people].astype(float)
    lon = applicants["lon"].to_numpy()[people].astype(float)
    origin = (float(lat.mean()), float(lon.mean()))
    xy = _to_xy(lat, lon, origin)
    residence = applicants["residence_zone"].to_numpy()[people]
    counts = pd.Series(residence).value_counts()
    zones = sorted(serving)
    total = max(int(counts.reindex(zones, fill_value=0).sum()), 1)
    rows, label = [], np.full(len(people), "", dtype=object)
    new_lists: dict[int, list[str]] = {school: [] for school in lists}
    school_xy = _school_xy(schools, origin)
    for zone in zones:
        members = np.flatnonzero(residence == zone)
        shared = len(serving[zone]) > 1 and all(len(lists[s]) > 1 for s in serving[zone])
        k = 1 if shared else max(len(serving[zone]),
                                 int(round(per_county * len(members) / total)))
        k = min(k, max(len(members), 1))
        shared = shared or k < len(serving[zone])  # too few homes to give each school one
        centres, assigned = _kmeans(xy[members], k, rng)
        ids = [f"{zone}-C{c + 1:02d}" for c in range(len(centres))]
        label[members] = np.array(ids, dtype=object)[assigned] if len(members) else label[
            members]
        xy[members] = centres[assigned] + _PULL * (xy[members] - centres[assigned])
        owners = _owners(serving[zone], centres, school_xy, shared)
        for community, schools_of in zip(ids, owners, strict=True):
            for school in schools_of:
                new_lists[school].append(community)
        rows.extend({"zone_id": i, "county": county, "name": f"{zone[-4:]}-{n + 1}号小区",
                     "x": c[0], "y": c[1]} for n, (i, c) in enumerate(zip(ids, centres,
                                                                           strict=True)))
    _write_back(schools, applicants, people, label, xy, origin, new_lists)
    return _zone_rows(rows, origin)


def _school_xy(schools: pd.DataFrame, origin: tuple[float, float]) -> np.ndarray:
    lat = pd.to_numeric(schools["lat"], errors="coerce").fillna(origin[0]).to_numpy()
    lon = pd.to_numeric(schools["lon"], errors="coerce").fillna(origin[1]).to_numpy()
    return _to_xy(lat, lon, origin)


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """Lloyd's k-means from ``k`` distinct homes drawn by ``rng``; centres in x order."""
    if len(points) == 0:
        return np.zeros((1, 2)), np.zeros(0, dtype=np.int64)
    centres = points[rng.choice(len(points), size=k, replace=False)]
    for _ in range(_KMEANS_ROUNDS):
        distance = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        assigned = np.argmin(distance, axis=1)
        for c in range(k):
            if (assigned == c).any():
                centres[c] = points[assigned == c].mean(axis=0)
    order = np.lexsort((centres[:, 1], centres[:, 0]))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    distance = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return centres[order], rank[np.argmin(distance, axis=1)]


def _owners(serving: list[int], centres: np.ndarray, school_xy: np.ndarray,
            shared: bool) -> list[list[int]]:
    """Schools of each community: all of them (shared zone) or the nearest one."""
    if shared or len(serving) == 1:
        return [sorted(serving)] * len(centres)
    distance = ((centres[:, None, :] - school_xy[serving][None, :, :]) ** 2).sum(axis=2)
    nearest = np.argmin(distance, axis=1)
    for j in range(len(serving)):  # every school of the pool keeps a community
        if not (nearest == j).any():
            free = [c for c in np.argsort(distance[:, j]) if (nearest == nearest[c]).sum() > 1]
            if free:
                nearest[free[0]] = j
    return [[serving[j]] for j in nearest]


def _write_back(schools, applicants, people, label, xy, origin, new_lists) -> None:
    residence = applicants["residence_zone"].to_numpy(dtype=object)
    lat, lon = _to_latlon(xy, origin)
    applicants.loc[applicants.index[people], "lat"] = [f"{v:.6f}" for v in lat]
    applicants.loc[applicants.index[people], "lon"] = [f"{v:.6f}" for v in lon]
    by_zone: dict[str, list[int]] = {}
    for at, zone in zip(people, residence[people], strict=True):
        by_zone.setdefault(zone, []).append(int(at))
    home = {int(p): i for i, p in enumerate(people)}
    for column in ("hukou_zone", "property_zone", "residence_zone"):
        values = applicants[column].to_numpy(dtype=object).copy()
        for at in people:
            zone = values[at]
            if not zone:
                continue
            if zone == residence[at]:
                values[at] = label[home[int(at)]]
            else:  # a home or hukou elsewhere: the community of that zone nearest the home
                others = by_zone.get(zone, [])
                if others:
                    near = min(others, key=lambda o: float(((xy[home[o]] - xy[home[int(
                        at)]]) ** 2).sum()))
                    values[at] = label[home[near]]
                else:
                    values[at] = f"{zone}-C01"
        applicants[column] = values
    for school, communities in new_lists.items():
        schools.loc[schools.index[school], "zones"] = ";".join(sorted(communities))


def _zone_rows(rows: list[dict], origin: tuple[float, float]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    points = frame[["x", "y"]].to_numpy()
    edges = neighbour_edges(points, _NEIGHBOUR_KM)
    lists: list[list[str]] = [[] for _ in range(len(frame))]
    for a, b in edges:
        lists[a].append(frame["zone_id"].iloc[b])
        lists[b].append(frame["zone_id"].iloc[a])
    lat, lon = _to_latlon(points, origin)
    frame["lat"] = [f"{v:.6f}" for v in lat]
    frame["lon"] = [f"{v:.6f}" for v in lon]
    frame["neighbours"] = [";".join(sorted(items)) for items in lists]
    return frame.drop(columns=["x", "y"])
