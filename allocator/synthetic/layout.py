"""Where a county's schools are and how large: positions, classes, capacities, groups.

:func:`place_schools` lays out the county seat (城关) and the townships (乡镇);
:func:`set_capacities` gives every school whole classes, :func:`set_school_extras` its school
group (教育集团), resource room and nine-year flag. Imports nothing from the package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "TOWN",
    "TOWNSHIP",
    "VILLAGE",
    "Layout",
    "nearest",
    "place_schools",
    "set_capacities",
    "set_school_extras",
]

TOWN, TOWNSHIP, VILLAGE = 0, 1, 2
_MAX_CLASSES = 8


@dataclass
class Layout:
    """Schools of a county; public schools first (indices ``0 .. n_pub - 1``)."""

    x: np.ndarray  # km east of the county centre
    y: np.ndarray  # km north of the county centre
    area: np.ndarray  # TOWN / TOWNSHIP / VILLAGE
    township: np.ndarray  # township index, -1 in the county seat
    private: np.ndarray  # bool
    n_townships: int
    township_is_zhen: np.ndarray  # bool per township: 镇 (else 乡)
    classes: np.ndarray | None = None
    capacity: np.ndarray | None = None
    target: np.ndarray | None = None  # seats aimed at before rounding to classes
    group: np.ndarray | None = None  # group number (1-based), 0 = none
    resource_room: np.ndarray | None = None
    nine_year: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of schools, public and private."""
        return len(self.x)

    @property
    def n_pub(self) -> int:
        """Number of public schools (they come first)."""
        return int((~self.private).sum())


def _n_private(n_schools: int) -> int:
    n_priv = int(round(0.05 * n_schools))
    if n_schools >= 30:
        n_priv = max(n_priv, 1)
    return min(n_priv, n_schools - 1)


def place_schools(rng: np.random.Generator, n_schools: int, n_applicants: int) -> Layout:
    """Place the schools: a dense county seat and townships around it."""
    n_priv = _n_private(n_schools)
    n_pub = n_schools - n_priv
    radius = float(rng.uniform(10.0, 25.0))
    # Larger counties are more urban: a larger share of their schools is in the county seat.
    town_frac = float(np.clip(0.28 + 0.08 * np.log2(max(n_applicants, 1) / 3000.0), 0.2, 0.5))
    n_town = int(np.clip(round(town_frac * n_pub), 1, n_pub))
    n_rural = n_pub - n_town
    n_townships = int(np.clip(round(n_rural / 4), 1, n_rural)) if n_rural else 0
    town_r = float(np.clip(0.12 * radius + 0.35 * np.sqrt(n_town), 2.0, 0.45 * radius))

    # county seat: distance from the centre half-normal, denser in the middle
    r = np.minimum(np.abs(rng.normal(0.0, town_r / 2.0, n_town)), town_r)
    r.sort()
    a = rng.uniform(0.0, 2 * np.pi, n_town)
    tx, ty = r * np.cos(a), r * np.sin(a)

    # townships: evenly spread angles, outer ring
    ang = (np.arange(n_townships) + rng.uniform(0.0, 1.0, n_townships) * 0.8) * (
        2 * np.pi / max(n_townships, 1)
    ) + rng.uniform(0.0, 2 * np.pi)
    rad = rng.uniform(max(0.35 * radius, town_r + 2.0), 0.95 * radius + town_r, n_townships)
    cx, cy = rad * np.cos(ang), rad * np.sin(ang)
    # each township one central school, the other rural schools spread over townships
    extra = n_rural - n_townships
    per = np.ones(n_townships, dtype=np.int64)
    if extra > 0:
        per += rng.multinomial(extra, np.full(n_townships, 1.0 / n_townships))
    ts_of = np.repeat(np.arange(n_townships), per)
    first = np.zeros(n_rural, dtype=bool)
    if n_rural:
        first[np.concatenate(([0], np.cumsum(per)[:-1]))] = True
    spread = np.where(first, 0.3, 2.5)
    rx = cx[ts_of] + rng.normal(0.0, 1.0, n_rural) * spread
    ry = cy[ts_of] + rng.normal(0.0, 1.0, n_rural) * spread

    # private schools: mostly in the county seat, some in a township centre
    in_town = rng.random(n_priv) < 0.8 if n_townships else np.ones(n_priv, dtype=bool)
    pr = np.abs(rng.normal(0.0, town_r / 2.0, n_priv)).clip(max=town_r)
    pa = rng.uniform(0.0, 2 * np.pi, n_priv)
    pts = rng.integers(0, max(n_townships, 1), n_priv)
    px = np.where(in_town, pr * np.cos(pa), cx[pts] if n_townships else 0.0)
    py = np.where(in_town, pr * np.sin(pa), cy[pts] if n_townships else 0.0)
    px = px + np.where(in_town, 0.0, rng.normal(0.0, 0.8, n_priv))
    py = py + np.where(in_town, 0.0, rng.normal(0.0, 0.8, n_priv))

    x = np.concatenate((tx, rx, px))
    y = np.concatenate((ty, ry, py))
    area = np.concatenate(
        (
            np.full(n_town, TOWN),
            np.where(first, TOWNSHIP, VILLAGE),
            np.where(in_town, TOWN, TOWNSHIP),
        )
    ).astype(np.int8)
    township = np.concatenate((np.full(n_town, -1), ts_of, np.where(in_town, -1, pts))).astype(
        np.int64
    )
    private = np.concatenate((np.zeros(n_pub, dtype=bool), np.ones(n_priv, dtype=bool)))
    return Layout(
        x=x,
        y=y,
        area=area,
        township=township,
        private=private,
        n_townships=n_townships,
        township_is_zhen=rng.random(n_townships) < 0.6,
    )


def _water_fill(weights: np.ndarray, total: float, upper: float) -> np.ndarray:
    """Split ``total`` proportionally to ``weights`` with no part above ``upper``."""
    if len(weights) == 0:
        return np.zeros(0)
    s = total * weights / weights.sum()
    for _ in range(len(s) + 1):
        over = s > upper
        if not over.any():
            break
        excess = float((s[over] - upper).sum())
        s[over] = upper
        free = s < upper
        if not free.any():
            break
        s[free] += excess * weights[free] / weights[free].sum()
    return s


def _classes_for(
    rng: np.random.Generator, target: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Round seat targets to whole classes of ``cap - 5 .. cap`` pupils (30 % exactly ``cap``).

    A single-class school whose target is below a normal class keeps the smaller number (small
    village schools).
    """
    lo = cap - 5
    classes = np.clip(np.rint(target / (cap - 2.5)), 1, _MAX_CLASSES).astype(np.int64)
    size = rng.integers(lo, cap + 1, len(target))
    size[rng.random(len(target)) < 0.3] = cap
    capacity = classes * size
    small = (classes == 1) & (target < lo)
    capacity[small] = np.maximum(np.rint(target[small]), 1).astype(np.int64)
    size[small] = capacity[small]
    return classes, capacity, size


def set_capacities(rng: np.random.Generator, lay: Layout, n_app: int, cap: int) -> None:
    """Set classes and capacity: public about 1.05-1.15 x applicants, town schools bigger."""
    n_pub = lay.n_pub
    pub_area = lay.area[:n_pub]
    dist = np.hypot(lay.x[:n_pub], lay.y[:n_pub])
    w = np.select(
        [pub_area == TOWN, pub_area == TOWNSHIP],
        [np.exp(rng.normal(np.log(3.0), 0.3, n_pub)), np.exp(rng.normal(np.log(2.0), 0.3, n_pub))],
        np.exp(rng.normal(np.log(0.6), 0.5, n_pub)),
    )
    w = np.where(pub_area == TOWN, w * (1.0 + 0.5 * np.exp(-dist / 3.0)), w)
    ratio = float(rng.uniform(1.06, 1.12))
    target = _water_fill(w, ratio * n_app, _MAX_CLASSES * cap)
    classes, capacity, size = _classes_for(rng, target, cap)

    # bring the rounded total back into [1.05, 1.14] x applicants, one class at a time
    lo_t, hi_t = 1.05 * n_app, 1.14 * n_app
    for _ in range(_MAX_CLASSES * n_pub + 1):
        total = int(capacity.sum())
        if total > hi_t:
            cand = np.flatnonzero(classes > 1)
            if not len(cand):
                break
            j = cand[np.argmax(capacity[cand] / target[cand])]
            classes[j] -= 1
            capacity[j] -= size[j]
        elif total < lo_t:
            cand = np.flatnonzero((classes < _MAX_CLASSES) & (size >= cap - 5))
            if not len(cand):
                break
            j = cand[np.argmax(target[cand] / capacity[cand])]
            classes[j] += 1
            capacity[j] += size[j]
        else:
            break

    # private schools: together a little below the ~4 % who apply to one
    n_priv = lay.n - n_pub
    pw = np.exp(rng.normal(0.0, 0.5, n_priv))
    ptarget = _water_fill(pw, 0.04 * n_app * float(rng.uniform(0.5, 0.9)), _MAX_CLASSES * cap)
    pclasses, pcapacity, _ = _classes_for(rng, ptarget, cap)

    lay.classes = np.concatenate((classes, pclasses))
    lay.capacity = np.concatenate((capacity, pcapacity))
    lay.target = np.concatenate((target, ptarget))


def nearest(d: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` smallest finite values of ``d``, smallest first (ties: lower index)."""
    k = min(k, len(d))
    if k <= 0:
        return []
    idx = np.argpartition(d, k - 1)[:k] if k < len(d) else np.arange(len(d))
    idx = idx[np.lexsort((idx, d[idx]))]
    return [int(i) for i in idx if np.isfinite(d[i])]


def set_school_extras(rng: np.random.Generator, lay: Layout) -> None:
    """School groups (教育集团), resource rooms and nine-year schools."""
    n, n_pub = lay.n, lay.n_pub
    # groups: a few strong county-seat schools each lead two to four others
    group = np.zeros(n, dtype=np.int64)
    n_groups = int(round(n_pub / 12)) if n_pub >= 6 else 0
    town_pub = np.flatnonzero(lay.area[:n_pub] == TOWN)
    leaders = town_pub[: min(n_groups, len(town_pub))]
    group[leaders] = np.arange(1, len(leaders) + 1)
    for g, lead in enumerate(leaders, start=1):
        d = np.hypot(lay.x[:n_pub] - lay.x[lead], lay.y[:n_pub] - lay.y[lead])
        score = d * np.exp(rng.normal(0.0, 1.0, n_pub))
        score[group[:n_pub] > 0] = np.inf
        pick = nearest(score, int(rng.integers(2, 5)))
        group[pick] = g
    lay.group = group

    classes = lay.classes.astype(float)
    p_room = np.clip(0.3 * classes / classes.mean(), 0.05, 0.9)
    room = rng.random(n) < p_room
    if n_pub and not room[:n_pub].any():
        room[int(np.argmax(lay.capacity[:n_pub]))] = True
    lay.resource_room = room

    p_nine = np.select(
        [lay.private, lay.area == TOWNSHIP, lay.area == VILLAGE], [0.3, 0.25, 0.08], 0.05
    )
    p_nine = np.clip(p_nine * 0.10 * n / p_nine.sum(), 0.0, 0.9)
    lay.nine_year = rng.random(n) < p_nine
