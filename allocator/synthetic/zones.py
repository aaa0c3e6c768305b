"""Catchment zones of a county's public schools and the applicants expected in each zone.

Most schools serve one zone of their own (单校划片); about a fifth of the zones are multi-school
zones (多校划片) served by two or three nearby schools, some of them an extra zone shared by
schools that also keep their own zone. Imports only :mod:`.layout`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import TOWN, Layout, nearest

__all__ = ["Zones", "draw_zone_demand", "draw_zones"]

_MULTI_ZONE_KM = 5.0  # schools sharing a catchment are at most this far apart


@dataclass
class Zones:
    """Catchment zones (0-based numbers; ids are ``{county}-Z{k + 1:03d}``)."""

    of_school: list[list[int]]  # zones served by each public school
    members: np.ndarray  # (n_zones, 3) public school indices, -1 padded
    count: np.ndarray  # schools serving each zone
    overlap: np.ndarray  # bool: extra zone shared by schools that keep their own zone
    town: np.ndarray  # bool: served by a county-seat school
    neighbour: np.ndarray  # nearest public school not serving the zone (-1 if none)
    anchors: np.ndarray  # (n_zones, 3, 2) where homes cluster, NaN padded
    n_anchors: np.ndarray
    spread: np.ndarray  # km, sd of home positions around an anchor

    @property
    def n(self) -> int:
        """Number of zones."""
        return len(self.count)


def draw_zones(rng: np.random.Generator, lay: Layout) -> Zones:
    """Catchments: own zones, pooled multi-school zones and shared overlap zones."""
    n_pub = lay.n_pub
    x, y = lay.x[:n_pub], lay.y[:n_pub]
    town = lay.area[:n_pub] == TOWN
    n_multi = int(0.2 * n_pub / 1.122)
    n_over = int(round(0.3 * n_multi)) if n_pub >= 6 else 0
    n_pool = n_multi - n_over

    # seeds of multi-school zones: mostly in the county seat, where schools are close together
    order = np.argsort(rng.random(n_pub) * np.where(town, 1.0, 2.0), kind="stable")
    free = np.ones(n_pub, dtype=bool)
    groups: list[list[int]] = []
    for j in order:
        if len(groups) >= n_pool:
            break
        if not free[j]:
            continue
        d = np.hypot(x - x[j], y - y[j])
        d[~free | (d > _MULTI_ZONE_KM)] = np.inf
        d[j] = np.inf
        near = nearest(d, 1 if rng.random() < 0.75 else 2)
        if not near:
            continue
        members = [int(j), *near]
        free[members] = False
        groups.append(sorted(members))
    own_zone = np.flatnonzero(free)
    groups.extend([int(j)] for j in own_zone)

    # overlap zones: a shared area between schools that keep their own zone
    in_over = np.zeros(n_pub, dtype=bool)
    cand = free.copy()
    over_groups: list[list[int]] = []
    for j in order:
        if len(over_groups) >= n_over:
            break
        if not cand[j] or in_over[j]:
            continue
        d = np.hypot(x - x[j], y - y[j])
        d[~cand | in_over | (d > _MULTI_ZONE_KM)] = np.inf
        d[j] = np.inf
        near = nearest(d, 1 if rng.random() < 0.7 else 2)
        if not near:
            continue
        members = [int(j), *near]
        in_over[members] = True
        over_groups.append(sorted(members))

    # number the zones in school order: a school's own (or pooled) zone, then its overlap zone
    all_groups = groups + over_groups
    is_over = np.array([False] * len(groups) + [True] * len(over_groups))
    served: list[list[int]] = [[] for _ in range(n_pub)]
    for g, members in enumerate(all_groups):
        for j in members:
            served[j].append(g)
    number = {}
    for j in range(n_pub):
        for g in sorted(served[j], key=lambda g: (is_over[g], g)):
            if g not in number:
                number[g] = len(number)
    n_zones = len(all_groups)
    members = np.full((n_zones, 3), -1, dtype=np.int64)
    overlap = np.zeros(n_zones, dtype=bool)
    for g, ms in enumerate(all_groups):
        members[number[g], : len(ms)] = ms
        overlap[number[g]] = is_over[g]
    of_school = [sorted(number[g] for g in served[j]) for j in range(n_pub)]
    count = (members >= 0).sum(axis=1)

    safe = np.where(members >= 0, members, 0)
    zone_town = ((members >= 0) & town[safe]).any(axis=1)
    anchors = np.full((n_zones, 3, 2), np.nan)
    anchors[..., 0] = np.where(members >= 0, x[safe], np.nan)
    anchors[..., 1] = np.where(members >= 0, y[safe], np.nan)
    n_anchors = count.copy()
    # homes of an overlap zone lie between its schools
    if overlap.any():
        centroid = np.nanmean(anchors[overlap], axis=1)
        anchors[overlap] = np.nan
        anchors[overlap, 0, :] = centroid
        n_anchors[overlap] = 1
    spread = np.where(zone_town, 0.7, 1.6)
    spread = np.where(overlap, 0.5, spread)

    # nearest public school outside the zone, seen from the zone's first anchor
    neighbour = np.full(n_zones, -1, dtype=np.int64)
    if n_pub > 1:
        for lo in range(0, n_zones, 256):  # chunks keep the distance matrix small
            hi = min(lo + 256, n_zones)
            dx = x[None, :] - anchors[lo:hi, 0, 0, None]
            dy = y[None, :] - anchors[lo:hi, 0, 1, None]
            d = dx * dx + dy * dy
            rows = np.repeat(np.arange(hi - lo), 3)
            cols = members[lo:hi].reshape(-1)
            d[rows[cols >= 0], cols[cols >= 0]] = np.inf
            best = np.argmin(d, axis=1)
            neighbour[lo:hi] = np.where(np.isfinite(d[np.arange(hi - lo), best]), best, -1)
    return Zones(
        of_school=of_school,
        members=members,
        count=count,
        overlap=overlap,
        town=zone_town,
        neighbour=neighbour,
        anchors=anchors,
        n_anchors=n_anchors,
        spread=spread,
    )


def draw_zone_demand(rng: np.random.Generator, lay: Layout, zones: Zones, n_app: int) -> np.ndarray:
    """Expected applicants living in each zone (sums to ``n_app``).

    The most central county-seat schools (about a third of public capacity) get 1.2-2 x their
    seats, the other county-seat schools about their seats, outer schools the rest.
    """
    n_pub = lay.n_pub
    cap = lay.capacity[:n_pub].astype(float)
    total = cap.sum()
    town = lay.area[:n_pub] == TOWN
    dist = np.hypot(lay.x[:n_pub], lay.y[:n_pub])
    hot = np.zeros(n_pub, dtype=bool)
    share = 0.0
    for j in np.flatnonzero(town)[np.argsort(dist[town], kind="stable")]:
        if share > 0 and share + cap[j] / total > 0.36:
            break
        hot[j] = True
        share += cap[j] / total
    warm = town & ~hot
    f_hot = rng.uniform(1.2, 2.0, n_pub)
    f_warm = rng.uniform(0.85, 1.05, n_pub)
    outer_cap = cap[~town].sum()
    for _ in range(20):  # cool the hot schools down if the outer ones would be nearly empty
        d_in = (cap * np.where(hot, f_hot, 0.0)).sum() + (cap * np.where(warm, f_warm, 0.0)).sum()
        f_outer = (n_app - d_in) / outer_cap if outer_cap > 0 else 0.0
        if outer_cap == 0 or f_outer >= 0.4 or np.all(f_hot[hot] <= 1.2001):
            break
        f_hot = 1.2 + (f_hot - 1.2) * 0.8
        f_warm = 0.8 + (f_warm - 0.8) * 0.8
    factor = np.where(hot, f_hot, np.where(warm, f_warm, max(f_outer, 0.05)))
    school_demand = cap * factor * rng.uniform(0.9, 1.1, n_pub)

    # a school's demand goes to its zone; 30 % of it to an overlap zone if it serves one
    zone_demand = np.zeros(zones.n)
    for j in range(n_pub):
        zs = zones.of_school[j]
        own = [z for z in zs if not zones.overlap[z]]
        over = [z for z in zs if zones.overlap[z]]
        part = 0.7 if over and own else 1.0
        for z in own:
            zone_demand[z] += school_demand[j] * part / len(own)
        for z in over:
            zone_demand[z] += school_demand[j] * (1.0 - part if own else 1.0) / len(over)
    zone_demand = np.maximum(zone_demand, 1e-6)
    return zone_demand * (n_app / zone_demand.sum())
