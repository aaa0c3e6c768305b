"""Synthetic roster of one county: schools, catchment zones and applicants.

Everything here is deterministic given the arguments and vectorised over applicants, so that a
county of a million applicants takes seconds. Only numpy and pandas are used; nothing is
imported from the rest of :mod:`allocator`.

The model, in short:

* a county seat (城关) with a dense cluster of large schools around the county centre, and
  townships (乡镇) further out, each with a central school (镇中心小学) and a few village schools;
* every public school has a catchment: most serve one zone of their own (单校划片), about a fifth
  of the zones are multi-school zones (多校划片) served by two or three nearby schools, some of them
  an extra zone shared by schools that also keep their own zone;
* intake capacity is a whole number of classes (1-8) of 40-45 pupils (45-50 for junior), about
  1.05-1.15 times the county's applicants, but demand is uneven: the central town schools get
  1.2-2 times their seats, outer schools have surplus;
* applicants live in a zone; their hukou / property / residence-permit facts follow the tier mix
  of the Shanxi 2025 policy, with twins, older-sibling requests, special groups and private-school
  applications mixed in at realistic rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "APPLICANT_COLUMNS",
    "CATEGORY_TAGS",
    "CLASS_SIZE_CAP",
    "SCHOOL_COLUMNS",
    "default_n_schools",
    "generate_county",
]

#: Columns of ``schools.csv``, in the order of the data contract.
SCHOOL_COLUMNS: tuple[str, ...] = (
    "school_id",
    "name",
    "county",
    "stage",
    "kind",
    "capacity",
    "classes",
    "zones",
    "lat",
    "lon",
    "resource_room",
    "nine_year",
    "group",
)

#: Columns of ``applicants.csv``, in the order of the data contract.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "county",
    "stage",
    "birth_date",
    "hukou_zone",
    "hukou_city",
    "property_zone",
    "residence_zone",
    "residence_permit_months",
    "social_insurance_months",
    "hukou_since",
    "property_since",
    "lat",
    "lon",
    "categories",
    "disability_plan",
    "sibling_group",
    "sibling_school",
    "preferences",
    "feeder_school",
)

#: Category tags of the contract, in the order they are written inside a cell.
CATEGORY_TAGS: tuple[str, ...] = (
    "martyr",
    "military",
    "police_hero",
    "fire_rescue",
    "special_care",
    "talent",
    "disabled",
    "left_behind",
    "unsupported",
    "orphan",
    "low_income",
)

#: Class-size cap of the intake grade by stage (pupils per class).
CLASS_SIZE_CAP: dict[str, int] = {"primary": 45, "junior": 50}

_BIT = {tag: 1 << i for i, tag in enumerate(CATEGORY_TAGS)}

_TOWN, _TOWNSHIP, _VILLAGE = 0, 1, 2
_MAX_CLASSES = 8
_MULTI_ZONE_KM = 5.0  # schools sharing a catchment are at most this far apart
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320

# Name material (all invented; combinations are drawn per county).
# fmt: off
_TOWN_NAMED = (
    "东关", "西关", "南关", "北关", "育才", "新华", "解放路", "建设路", "文化路", "迎宾路",
    "红旗", "向阳", "光明", "东街", "西街", "南街", "北街", "府西街", "人民路", "新建路",
    "胜利街", "和平街", "朝阳", "城南", "城北", "滨河", "锦绣", "新城", "站前", "顺城街",
)
_CN_DIGITS = "零一二三四五六七八九"
_PLACE_FIRST = (
    "东", "西", "南", "北", "上", "下", "大", "小", "新", "古", "长", "永", "安", "太", "平",
    "和", "高", "龙", "凤", "金", "石", "黄", "白", "清", "青", "红", "杨", "柳", "桃", "杏",
    "马", "牛", "三", "双", "乌", "修", "什", "庄", "张", "郭",
)
_PLACE_SECOND = (
    "阳", "庄", "峪", "河", "堡", "沟", "坪", "泉", "头", "寨", "营", "店", "山", "城", "口",
    "湾", "源", "川", "文", "田", "凝", "贴", "赵", "庆", "集", "关", "井", "岭", "塔", "宁",
)
_SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "韩", "侯", "贾", "段",
    "武", "乔", "薛", "阎", "田", "梁", "宋", "董", "程", "常", "牛", "霍", "范", "任", "温",
)
_VILLAGE_SUFFIX = ("庄", "堡", "沟", "峪", "村", "寨", "坡", "岭", "河", "湾", "窑", "坪")
_PRIVATE_BRANDS = (
    "博文", "育英", "明德", "启航", "新世纪", "华英", "博雅", "晋才", "英才", "弘毅", "致远",
    "培英", "求实", "思源", "德润", "瀚林", "崇德", "昌盛", "东方", "卓越",
)
_PRIVATE_SUFFIX = {
    "primary": ("小学", "实验学校", "外国语学校", "双语学校"),
    "junior": ("中学", "实验学校", "外国语学校", "双语学校"),
}
# fmt: on


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def default_n_schools(n_applicants: int) -> int:
    """Default number of schools of a county with ``n_applicants`` applicants.

    Parameters
    ----------
    n_applicants : int
        Number of applicants of the county.

    Returns
    -------
    int
        ``round(n_applicants / 75)``, at least 3 (an average intake of about 75 per school,
        as in an average Shanxi county: 3,000-3,500 entrants and 50-60 schools).
    """
    return max(3, int(round(n_applicants / 75)))


def generate_county(
    county: str,
    n_applicants: int,
    seed: int,
    *,
    n_schools: int | None = None,
    migrant_share: float = 0.12,
    stage: str = "primary",
    entry_year: int = 2025,
    name_prefix: str | None = None,
    centre: tuple[float, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the schools and applicants of one synthetic county.

    Parameters
    ----------
    county : str
        County id (ASCII, no ``;`` or ``,``); used in every id: schools ``{county}-S001``,
        zones ``{county}-Z001``, groups ``{county}-G1``, applicants ``{county}-000001``,
        sibling groups ``{county}-T00001``.
    n_applicants : int
        Number of applicants (rows of the applicants frame), >= 1.
    seed : int
        Non-negative seed; the same arguments always give identical frames.
    n_schools : int, optional
        Number of schools (public and private). Default :func:`default_n_schools`, i.e. about
        ``n_applicants / 75`` and at least 3.
    migrant_share : float, default 0.12
        Share of migrant children (随迁子女: no hukou and no property in the county, living in a
        zone, mostly with a residence permit). Realistic values are 0.03-0.30; 0-0.6 is accepted.
    stage : {"primary", "junior"}, default "primary"
        Intake grade: grade 1 (class-size cap 45) or grade 7 (cap 50, birth dates six years
        earlier). ``feeder_school`` is always left empty.
    entry_year : int, default 2025
        School year of entry; birth dates and ``*_since`` dates are relative to it.
    name_prefix : str, optional
        Prepended to every school's display name (e.g. a county name such as ``"榆次区"``).
    centre : (float, float), optional
        ``(lat, lon)`` of the county centre. Default: drawn from the seed inside Shanxi
        (35.5-40.0 N, 111-114 E).

    Returns
    -------
    schools : pandas.DataFrame
        One row per school, columns exactly :data:`SCHOOL_COLUMNS`.
    applicants : pandas.DataFrame
        One row per applicant, columns exactly :data:`APPLICANT_COLUMNS`.

    Notes
    -----
    All values are strings, formatted as they are written to CSV: the empty string is a missing
    value, lists are joined by ``;``, booleans are ``true``/``false``, dates are ISO
    ``YYYY-MM-DD`` and coordinates have six decimals.

    Public schools serve catchment zones; private schools (about 5 %, none in very small
    counties, at least one from 30 schools on) serve none. Public capacity is about
    1.05-1.15 times the number of applicants (less only when ``n_schools`` is too small to
    seat them with at most 8 classes per school).
    """
    n_applicants = _check_int("n_applicants", n_applicants, minimum=1)
    seed = _check_int("seed", seed, minimum=0)
    if n_schools is None:
        n_schools = default_n_schools(n_applicants)
    n_schools = _check_int("n_schools", n_schools, minimum=1)
    entry_year = _check_int("entry_year", entry_year, minimum=1900)
    if not isinstance(county, str) or not county or any(c in county for c in ';,\n\r"'):
        raise ValueError(f"county must be a non-empty id without ';' ',' or quotes: {county!r}")
    if stage not in CLASS_SIZE_CAP:
        raise ValueError(f"stage must be one of {sorted(CLASS_SIZE_CAP)}: {stage!r}")
    migrant_share = float(migrant_share)
    if not 0.0 <= migrant_share <= 0.6:
        raise ValueError(f"migrant_share must be within [0, 0.6]: {migrant_share}")

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    rng_geo, rng_cap, rng_app, rng_names = streams

    if centre is None:
        centre = (float(rng_geo.uniform(35.5, 40.0)), float(rng_geo.uniform(111.0, 114.0)))
    else:
        rng_geo.uniform(size=2)  # keep the stream aligned with the default case
        centre = (float(centre[0]), float(centre[1]))

    layout = _layout(rng_geo, n_schools, n_applicants)
    _capacities(rng_cap, layout, n_applicants, CLASS_SIZE_CAP[stage])
    zones = _zones(rng_geo, layout)
    demand = _zone_demand(rng_cap, layout, zones, n_applicants)
    _school_extras(rng_geo, layout)
    names = _school_names(rng_names, layout, stage, name_prefix)

    schools = _schools_frame(county, stage, layout, zones, names, centre)
    applicants = _applicants_frame(
        rng_app,
        county,
        stage,
        entry_year,
        migrant_share,
        n_applicants,
        layout,
        zones,
        demand,
        centre,
    )
    return schools, applicants


# --------------------------------------------------------------------------------------------
# schools: layout, capacity, catchment zones
# --------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    """Schools of a county; public schools first (indices ``0 .. n_pub - 1``)."""

    x: np.ndarray  # km east of the county centre
    y: np.ndarray  # km north of the county centre
    area: np.ndarray  # _TOWN / _TOWNSHIP / _VILLAGE
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
        return len(self.x)

    @property
    def n_pub(self) -> int:
        return int((~self.private).sum())


def _check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}: {value}")
    return int(value)


def _n_private(n_schools: int) -> int:
    n_priv = int(round(0.05 * n_schools))
    if n_schools >= 30:
        n_priv = max(n_priv, 1)
    return min(n_priv, n_schools - 1)


def _layout(rng: np.random.Generator, n_schools: int, n_applicants: int) -> _Layout:
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
            np.full(n_town, _TOWN),
            np.where(first, _TOWNSHIP, _VILLAGE),
            np.where(in_town, _TOWN, _TOWNSHIP),
        )
    ).astype(np.int8)
    township = np.concatenate((np.full(n_town, -1), ts_of, np.where(in_town, -1, pts))).astype(
        np.int64
    )
    private = np.concatenate((np.zeros(n_pub, dtype=bool), np.ones(n_priv, dtype=bool)))
    return _Layout(
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


def _capacities(rng: np.random.Generator, lay: _Layout, n_app: int, cap: int) -> None:
    """Set classes and capacity: public about 1.05-1.15 x applicants, town schools bigger."""
    n_pub = lay.n_pub
    pub_area = lay.area[:n_pub]
    dist = np.hypot(lay.x[:n_pub], lay.y[:n_pub])
    w = np.select(
        [pub_area == _TOWN, pub_area == _TOWNSHIP],
        [np.exp(rng.normal(np.log(3.0), 0.3, n_pub)), np.exp(rng.normal(np.log(2.0), 0.3, n_pub))],
        np.exp(rng.normal(np.log(0.6), 0.5, n_pub)),
    )
    w = np.where(pub_area == _TOWN, w * (1.0 + 0.5 * np.exp(-dist / 3.0)), w)
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


@dataclass
class _Zones:
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
        return len(self.count)


def _nearest(d: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` smallest finite values of ``d``, smallest first (ties: lower index)."""
    k = min(k, len(d))
    if k <= 0:
        return []
    idx = np.argpartition(d, k - 1)[:k] if k < len(d) else np.arange(len(d))
    idx = idx[np.lexsort((idx, d[idx]))]
    return [int(i) for i in idx if np.isfinite(d[i])]


def _zones(rng: np.random.Generator, lay: _Layout) -> _Zones:
    """Catchments: own zones, pooled multi-school zones and shared overlap zones."""
    n_pub = lay.n_pub
    x, y = lay.x[:n_pub], lay.y[:n_pub]
    town = lay.area[:n_pub] == _TOWN
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
        near = _nearest(d, 1 if rng.random() < 0.75 else 2)
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
        near = _nearest(d, 1 if rng.random() < 0.7 else 2)
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
    return _Zones(
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


def _zone_demand(rng: np.random.Generator, lay: _Layout, zones: _Zones, n_app: int) -> np.ndarray:
    """Expected applicants living in each zone (sums to ``n_app``).

    The most central county-seat schools (about a third of public capacity) get 1.2-2 x their
    seats, the other county-seat schools about their seats, outer schools the rest.
    """
    n_pub = lay.n_pub
    cap = lay.capacity[:n_pub].astype(float)
    total = cap.sum()
    town = lay.area[:n_pub] == _TOWN
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


def _school_extras(rng: np.random.Generator, lay: _Layout) -> None:
    """School groups (教育集团), resource rooms and nine-year schools."""
    n, n_pub = lay.n, lay.n_pub
    # groups: a few strong county-seat schools each lead two to four others
    group = np.zeros(n, dtype=np.int64)
    n_groups = int(round(n_pub / 12)) if n_pub >= 6 else 0
    town_pub = np.flatnonzero(lay.area[:n_pub] == _TOWN)
    leaders = town_pub[: min(n_groups, len(town_pub))]
    group[leaders] = np.arange(1, len(leaders) + 1)
    for g, lead in enumerate(leaders, start=1):
        d = np.hypot(lay.x[:n_pub] - lay.x[lead], lay.y[:n_pub] - lay.y[lead])
        score = d * np.exp(rng.normal(0.0, 1.0, n_pub))
        score[group[:n_pub] > 0] = np.inf
        pick = _nearest(score, int(rng.integers(2, 5)))
        group[pick] = g
    lay.group = group

    classes = lay.classes.astype(float)
    p_room = np.clip(0.3 * classes / classes.mean(), 0.05, 0.9)
    room = rng.random(n) < p_room
    if n_pub and not room[:n_pub].any():
        room[int(np.argmax(lay.capacity[:n_pub]))] = True
    lay.resource_room = room

    p_nine = np.select(
        [lay.private, lay.area == _TOWNSHIP, lay.area == _VILLAGE], [0.3, 0.25, 0.08], 0.05
    )
    p_nine = np.clip(p_nine * 0.10 * n / p_nine.sum(), 0.0, 0.9)
    lay.nine_year = rng.random(n) < p_nine


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _unique_names(rng: np.random.Generator, first: tuple, second: tuple, k: int) -> list[str]:
    pool = [a + b for a in first for b in second if a != b]
    picked = [pool[i] for i in rng.permutation(len(pool))[: min(k, len(pool))]]
    i = 0
    while len(picked) < k:  # huge counties: numbered variants
        picked.append(f"{pool[i % len(pool)]}{_cn_number(i // len(pool) + 2)}")
        i += 1
    return picked


def _school_names(
    rng: np.random.Generator, lay: _Layout, stage: str, prefix: str | None
) -> list[str]:
    """Chinese display names, unique within the county."""
    level = "小学" if stage == "primary" else "中学"
    n_pub = lay.n_pub
    town_names = _unique_names(rng, _PLACE_FIRST, _PLACE_SECOND, lay.n_townships)
    named = list(_TOWN_NAMED)
    named = [named[i] for i in rng.permutation(len(named))]
    town_roots: list[str] = ["实验"]
    k_num = 1
    while len(town_roots) < n_pub:  # alternate 城关第N and street names
        if named and len(town_roots) % 2 == 0:
            town_roots.append(named.pop(0))
        else:
            town_roots.append(f"城关第{_cn_number(k_num)}")
            k_num += 1

    names: list[str] = []
    used_villages: dict[int, set[str]] = {}
    t_i = 0
    brands = [b + s for b in _PRIVATE_BRANDS for s in _PRIVATE_SUFFIX[stage]]
    brands = [brands[i] for i in rng.permutation(len(brands))]
    for j in range(lay.n):
        nine = bool(lay.nine_year[j])
        suffix = "学校" if nine else level
        if lay.private[j]:
            base = brands[(j - n_pub) % len(brands)]
            if j - n_pub >= len(brands):
                base = f"{base}{_cn_number((j - n_pub) // len(brands) + 1)}部"
            if nine and base.endswith(("小学", "中学")):
                base = base[:-2] + "学校"
            names.append(base)
            continue
        if lay.area[j] == _TOWN:
            names.append(town_roots[t_i] + suffix)
            t_i += 1
            continue
        ts = int(lay.township[j])
        unit = town_names[ts] + ("镇" if lay.township_is_zhen[ts] else "乡")
        if lay.area[j] == _TOWNSHIP:
            if nine:
                names.append(f"{unit}九年制学校")
            else:
                names.append(f"{unit}中心小学" if stage == "primary" else f"{unit}中学")
            continue
        used = used_villages.setdefault(ts, set())
        while True:
            sur = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
            suf = _VILLAGE_SUFFIX[int(rng.integers(len(_VILLAGE_SUFFIX)))]
            village = sur + ("家" if rng.random() < 0.5 else "") + suf
            if village not in used:
                break
            if len(used) > 500:
                village = f"{village}{len(used)}"
                break
        used.add(village)
        names.append(f"{unit}{village}{suffix}")
    # never two schools with the same name
    seen: dict[str, int] = {}
    for j, nm in enumerate(names):
        if nm in seen:
            seen[nm] += 1
            names[j] = f"{nm}（{_cn_number(seen[nm])}部）"
        else:
            seen[nm] = 1
    if prefix:
        names = [prefix + nm for nm in names]
    return names


# --------------------------------------------------------------------------------------------
# formatting helpers (vectorised; pandas string columns built from numbers and small tables)
# --------------------------------------------------------------------------------------------


def _to_latlon(
    x_km: np.ndarray, y_km: np.ndarray, centre: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    lat = centre[0] + y_km / _KM_PER_DEG_LAT
    lon = centre[1] + x_km / (_KM_PER_DEG_LON_EQ * np.cos(np.radians(centre[0])))
    return lat, lon


def _str(values) -> pd.Series:
    """A pandas string column from a sequence of Python strings."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object).astype("str")


def _s_lookup(table: list[str], index: np.ndarray) -> pd.Series:
    """``table[index]`` as a string column; index -1 gives the empty string."""
    arr = np.array(["", *table], dtype=object)
    return _str(arr[np.asarray(index, dtype=np.int64) + 1])


def _s_int(values: np.ndarray, present: np.ndarray | None = None) -> pd.Series:
    s = pd.Series(np.asarray(values, dtype=np.int64)).astype("str")
    return s if present is None else s.where(present, "")


def _s_fixed6(values: np.ndarray) -> pd.Series:
    """Non-negative numbers with exactly six decimals (coordinates)."""
    micro = np.rint(np.asarray(values, dtype=float) * 1e6).astype(np.int64)
    if len(micro) and micro.min() < 0:
        raise ValueError("coordinates must be non-negative")
    whole = pd.Series(micro // 1_000_000).astype("str")
    frac = pd.Series(micro % 1_000_000).astype("str").str.zfill(6)
    return whole + "." + frac


def _s_date(days: np.ndarray, present: np.ndarray | None = None) -> pd.Series:
    """ISO dates from day numbers (days since 1970-01-01)."""
    days = np.asarray(days, dtype=np.int64)
    if present is not None:
        days = np.where(present, days, -1)
    ok = days >= 0 if present is not None else np.ones(len(days), dtype=bool)
    if not ok.any():
        return _s_lookup([], np.full(len(days), -1))
    lo, hi = int(days[ok].min()), int(days[ok].max())
    table = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]")).tolist()
    return _s_lookup(table, np.where(ok, days - lo, -1))


def _s_bool(values: np.ndarray) -> pd.Series:
    return _s_lookup(["false", "true"], np.asarray(values, dtype=np.int64))


def _frame(columns: tuple[str, ...], data: dict, n: int) -> pd.DataFrame:
    out = {}
    for c in columns:
        v = data.get(c, "")
        if isinstance(v, str):
            v = _s_lookup([v], np.zeros(n, dtype=np.int64)) if v else _s_lookup([], np.full(n, -1))
        elif not isinstance(v, pd.Series):
            v = _str(v)
        out[c] = v.reset_index(drop=True)
    return pd.DataFrame(out, columns=list(columns))


def _day(year: int, month: int, day: int) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D").astype(np.int64))


def _schools_frame(
    county: str,
    stage: str,
    lay: _Layout,
    zones: _Zones,
    names: list[str],
    centre: tuple[float, float],
) -> pd.DataFrame:
    n, n_pub = lay.n, lay.n_pub
    zone_ids = [f"{county}-Z{k + 1:03d}" for k in range(zones.n)]
    lat, lon = _to_latlon(lay.x, lay.y, centre)
    data = {
        "school_id": [f"{county}-S{j + 1:03d}" for j in range(n)],
        "name": names,
        "county": county,
        "stage": stage,
        "kind": _s_lookup(["public", "private"], lay.private.astype(np.int64)),
        "capacity": _s_int(lay.capacity),
        "classes": _s_int(lay.classes),
        "zones": [";".join(zone_ids[z] for z in zones.of_school[j]) for j in range(n_pub)]
        + [""] * (n - n_pub),
        "lat": _s_fixed6(lat),
        "lon": _s_fixed6(lon),
        "resource_room": _s_bool(lay.resource_room),
        "nine_year": _s_bool(lay.nine_year),
        "group": [f"{county}-G{g}" if g else "" for g in lay.group.tolist()],
    }
    return _frame(SCHOOL_COLUMNS, data, n)


# --------------------------------------------------------------------------------------------
# applicants
# --------------------------------------------------------------------------------------------


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    raw = weights * (total / weights.sum())
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base


_PERMS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


def _applicants_frame(
    rng: np.random.Generator,
    county: str,
    stage: str,
    entry_year: int,
    migrant_share: float,
    n: int,
    lay: _Layout,
    zones: _Zones,
    demand: np.ndarray,
    centre: tuple[float, float],
) -> pd.DataFrame:
    """Applicants, drawn family by family (a family is a single child, twins or triplets)."""
    n_pub, n_zones = lay.n_pub, zones.n

    # ---- families: singles, twins and a few triplets (same zone, home, dates) -------------
    n_groups = int(round(0.015 * n / 2.04))
    n_trip = int(round(0.04 * n_groups))
    if 2 * n_groups + n_trip > n:
        n_groups, n_trip = 0, 0
    n_fam = n - n_groups - n_trip
    size = np.ones(n_fam, dtype=np.int64)
    size[:n_groups] = 2
    size[:n_trip] = 3
    size = size[rng.permutation(n_fam)]

    # ---- residence zone, proportional to the zone's demand --------------------------------
    per_zone = _largest_remainder(demand, n_fam)
    rz = np.repeat(np.arange(n_zones), per_zone)[rng.permutation(n_fam)]
    z_town = zones.town[rz]

    # ---- tier mix ---------------------------------------------------------------------------
    tilt = np.where(z_town, 1.4, 0.6)
    p_mig = np.clip(migrant_share * tilt / tilt.mean(), 0.0, 0.95)
    is_mig = rng.random(n_fam) < p_mig
    # 0: hukou = property = residence; 1: property, hukou elsewhere in county / city;
    # 2: hukou, no property; 3: property, hukou outside county; 4: everyone else; 5: migrant
    base = np.array([0.55, 0.10, 0.10, 0.03, 0.10])
    cls = np.searchsorted(np.cumsum(base / base.sum()), rng.random(n_fam), side="right")
    cls = np.minimum(cls, 4)
    cls[is_mig] = 5

    hz = np.full(n_fam, -1, dtype=np.int64)
    pz = np.full(n_fam, -1, dtype=np.int64)
    hukou_city = np.zeros(n_fam, dtype=bool)
    t1, t2, t3, t4, rest = (cls == 0), (cls == 1), (cls == 2), (cls == 3), (cls == 4)
    hz[t1] = rz[t1]
    pz[t1] = rz[t1]
    pz[t2] = rz[t2]
    if n_zones > 1:  # hukou in another zone of the county; else only in the city
        other = t2 & (rng.random(n_fam) < 0.6)
        shift = 1 + rng.integers(0, n_zones - 1, n_fam)
        hz[other] = ((rz + shift) % n_zones)[other]
    hz[t3] = rz[t3]
    pz[t4] = rz[t4]
    hukou_city[(hz >= 0) | t2] = True
    hukou_city[rest] = (rng.random(n_fam) < 0.3)[rest]

    # ---- dates ----------------------------------------------------------------------------
    back = 0 if stage == "primary" else 6
    b_start = _day(entry_year - 7 - back, 9, 1)
    b_end = _day(entry_year - 6 - back, 9, 1)  # exclusive: the cut-off is 31 August
    apply_day = _day(entry_year, 5, 15)
    u = rng.random(n_fam)
    birth = rng.integers(b_start, b_end, n_fam)
    under = u < 0.002  # born after the cut-off
    late = rng.integers(b_end, _day(entry_year - 6 - back, 12, 31) + 1, n_fam)
    birth[under] = late[under]
    older = (u >= 0.002) & (u < 0.007)  # deferred last year
    early = rng.integers(_day(entry_year - 8 - back, 9, 1), b_start, n_fam)
    birth[older] = early[older]

    prop_since = apply_day - rng.integers(60, 15 * 365, n_fam)
    since_birth = rng.random(n_fam) < np.where(t1, 0.4, 0.5)
    hukou_since = np.where(
        since_birth,
        birth + rng.integers(0, 90, n_fam),
        np.where(
            t1,
            prop_since + rng.integers(0, 400, n_fam),
            apply_day - rng.integers(90, 20 * 365, n_fam),
        ),
    )
    hukou_since = np.minimum(hukou_since, apply_day - 30)

    # ---- migrants: residence permit and social insurance (months) ---------------------------
    permit = rng.integers(1, 73, n_fam)
    permit[rng.random(n_fam) < 0.1] = 0
    social = np.clip(permit - rng.integers(0, 24, n_fam), 0, 72)
    social[rng.random(n_fam) < 0.15] = 0
    no_permit_social = np.where(rng.random(n_fam) < 0.7, 0, rng.integers(0, 13, n_fam))
    social = np.where(permit == 0, no_permit_social, social)

    # ---- home position ----------------------------------------------------------------------
    k = np.floor(rng.random(n_fam) * zones.n_anchors[rz]).astype(np.int64)
    sd = zones.spread[rz]
    hx = zones.anchors[rz, k, 0] + rng.normal(0.0, 1.0, n_fam) * sd
    hy = zones.anchors[rz, k, 1] + rng.normal(0.0, 1.0, n_fam) * sd

    # ---- family-level categories (the parents' status) --------------------------------------
    cat = np.zeros(n_fam, dtype=np.int64)
    u = rng.random(n_fam)
    edges = np.cumsum([0.0, 0.0055, 0.0020, 0.0010, 0.0008, 0.0007])
    for i, tag in enumerate(("military", "special_care", "fire_rescue", "police_hero", "martyr")):
        cat[(u >= edges[i]) & (u < edges[i + 1])] |= _BIT[tag]
    local = ~is_mig
    rural_tilt = np.where(z_town, 0.5, 1.5)
    p_lb = 0.03 * rural_tilt / (rural_tilt[local].mean() if local.any() else 1.0)
    cat[local & (rng.random(n_fam) < p_lb)] |= _BIT["left_behind"]
    u = rng.random(n_fam)
    cat[u < 0.002] |= _BIT["unsupported"]
    cat[(u >= 0.002) & (u < 0.004)] |= _BIT["orphan"]
    cat[rng.random(n_fam) < 0.02 * np.where(z_town, 0.8, 1.2)] |= _BIT["low_income"]

    # ---- older siblings (长幼随学): own catchment school, sometimes a nearby other one --------
    wants = rng.random(n_fam) < 0.04
    pick = np.floor(rng.random(n_fam) * zones.count[rz]).astype(np.int64)
    own_school = zones.members[rz, pick]
    nearby = zones.neighbour[rz]
    use_near = (rng.random(n_fam) < 0.2) & (nearby >= 0)
    sib = np.where(wants, np.where(use_near, nearby, own_school), -1)

    # ---- preferences: ranked multi-school zone schools; a private school first for ~4 % -----
    # zone code: 6 * zone + permutation of its (up to 3) schools, -1 outside multi-school zones
    zone_code = np.full(n_fam, -1, dtype=np.int64)
    multi = np.flatnonzero(zones.count[rz] >= 2)
    if len(multi):
        mem = zones.members[rz[multi]]
        safe = np.where(mem >= 0, mem, 0)
        d = np.hypot(lay.x[safe] - hx[multi, None], lay.y[safe] - hy[multi, None])
        score = d * np.exp(rng.normal(0.0, 0.6, d.shape))  # mostly the nearest first
        score[mem < 0] = np.inf
        perm = np.argsort(score, axis=1, kind="stable")
        code = np.zeros(27, dtype=np.int64)
        for i, p in enumerate(_PERMS):
            code[p[0] * 9 + p[1] * 3 + p[2]] = i
        zone_code[multi] = 6 * rz[multi] + code[perm[:, 0] * 9 + perm[:, 1] * 3 + perm[:, 2]]
    n_priv = lay.n - n_pub
    priv = np.full(n_fam, -1, dtype=np.int64)
    if n_priv:
        go_priv = rng.random(n_fam) < 0.04 * np.where(z_town, 1.2, 0.6)
        w = lay.capacity[n_pub:].astype(float) + 1.0
        choice = np.searchsorted(np.cumsum(w / w.sum()), rng.random(n_fam), side="right")
        priv = np.where(go_priv, np.minimum(choice, n_priv - 1), -1)
    school_ids = [f"{county}-S{j + 1:03d}" for j in range(lay.n)]
    pref_key = (priv + 1) * (6 * n_zones + 1) + (zone_code + 1)
    keys, pref_inv = np.unique(pref_key, return_inverse=True)
    pref_text = []
    for key in keys.tolist():
        p, zc = divmod(key, 6 * n_zones + 1)
        parts = [school_ids[n_pub + p - 1]] if p else []
        if zc:
            z, i = divmod(zc - 1, 6)
            ms = zones.members[z]
            parts.extend(school_ids[ms[q]] for q in _PERMS[i] if ms[q] >= 0)
        pref_text.append(";".join(parts))
    pref_inv = pref_inv.reshape(-1)

    # ---- expand families to applicants ------------------------------------------------------
    fam = np.repeat(np.arange(n_fam), size)
    in_group = size[fam] > 1
    gnum = np.cumsum(size > 1)[fam]
    gid = (f"{county}-T" + pd.Series(gnum).astype("str").str.zfill(5)).where(in_group, "")

    # child-level categories: disability (with the expert committee's plan) and talent
    cat_row = cat[fam]
    u = rng.random(n)
    disabled = u < 0.01
    cat_row[disabled] |= _BIT["disabled"]
    cat_row[(u >= 0.01) & (u < 0.011)] |= _BIT["talent"]
    v = rng.random(n)
    plan = np.where(disabled, np.where(v < 0.7, 0, np.where(v < 0.9, 1, 2)), -1)
    uniq, cat_inv = np.unique(cat_row, return_inverse=True)
    cat_text = [";".join(t for t in CATEGORY_TAGS if c & _BIT[t]) for c in uniq.tolist()]

    zone_ids = [f"{county}-Z{k + 1:03d}" for k in range(n_zones)]
    lat, lon = _to_latlon(hx[fam], hy[fam], centre)
    mig = is_mig[fam]
    has_h, has_p = (hz >= 0)[fam], (pz >= 0)[fam]
    ids = f"{county}-" + pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(6)
    data = {
        "applicant_id": ids,
        "county": county,
        "stage": stage,
        "birth_date": _s_date(birth[fam]),
        "hukou_zone": _s_lookup(zone_ids, hz[fam]),
        "hukou_city": _s_bool(hukou_city[fam]),
        "property_zone": _s_lookup(zone_ids, pz[fam]),
        "residence_zone": _s_lookup(zone_ids, rz[fam]),
        "residence_permit_months": _s_int(permit[fam], mig),
        "social_insurance_months": _s_int(social[fam], mig),
        "hukou_since": _s_date(hukou_since[fam], has_h),
        "property_since": _s_date(prop_since[fam], has_p),
        "lat": _s_fixed6(lat),
        "lon": _s_fixed6(lon),
        "categories": _s_lookup(cat_text, cat_inv.reshape(-1)),
        "disability_plan": _s_lookup(["mainstream", "special_school", "home_teaching"], plan),
        "sibling_group": gid,
        "sibling_school": _s_lookup(school_ids, sib[fam]),
        "preferences": _s_lookup(pref_text, pref_inv[fam]),
    }
    return _frame(APPLICANT_COLUMNS, data, n)
