"""The applicants frame of a county, drawn family by family and vectorised.

Hukou / property / residence-permit facts follow the tier mix of the Shanxi 2025 policy, with
twins, older-sibling requests (长幼随学), special groups and private-school applications mixed
in at realistic rates. Imports only sibling modules of :mod:`allocator.synthetic`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cells import (
    bool_column,
    contract_frame,
    date_column,
    day_number,
    fixed6_column,
    int_column,
    lookup_column,
    to_latlon,
)
from .contract import APPLICANT_COLUMNS, CATEGORY_BIT, CATEGORY_TAGS
from .layout import Layout
from .zones import Zones

__all__ = ["applicants_frame"]


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    raw = weights * (total / weights.sum())
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base


_PERMS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


def applicants_frame(
    rng: np.random.Generator,
    county: str,
    stage: str,
    entry_year: int,
    migrant_share: float,
    n: int,
    lay: Layout,
    zones: Zones,
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
    b_start = day_number(entry_year - 7 - back, 9, 1)
    b_end = day_number(entry_year - 6 - back, 9, 1)  # exclusive: the cut-off is 31 August
    apply_day = day_number(entry_year, 5, 15)
    u = rng.random(n_fam)
    birth = rng.integers(b_start, b_end, n_fam)
    under = u < 0.002  # born after the cut-off
    late = rng.integers(b_end, day_number(entry_year - 6 - back, 12, 31) + 1, n_fam)
    birth[under] = late[under]
    older = (u >= 0.002) & (u < 0.007)  # deferred last year
    early = rng.integers(day_number(entry_year - 8 - back, 9, 1), b_start, n_fam)
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
        cat[(u >= edges[i]) & (u < edges[i + 1])] |= CATEGORY_BIT[tag]
    local = ~is_mig
    rural_tilt = np.where(z_town, 0.5, 1.5)
    p_lb = 0.03 * rural_tilt / (rural_tilt[local].mean() if local.any() else 1.0)
    cat[local & (rng.random(n_fam) < p_lb)] |= CATEGORY_BIT["left_behind"]
    u = rng.random(n_fam)
    cat[u < 0.002] |= CATEGORY_BIT["unsupported"]
    cat[(u >= 0.002) & (u < 0.004)] |= CATEGORY_BIT["orphan"]
    cat[rng.random(n_fam) < 0.02 * np.where(z_town, 0.8, 1.2)] |= CATEGORY_BIT["low_income"]

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
    cat_row[disabled] |= CATEGORY_BIT["disabled"]
    cat_row[(u >= 0.01) & (u < 0.011)] |= CATEGORY_BIT["talent"]
    v = rng.random(n)
    plan = np.where(disabled, np.where(v < 0.7, 0, np.where(v < 0.9, 1, 2)), -1)
    uniq, cat_inv = np.unique(cat_row, return_inverse=True)
    cat_text = [";".join(t for t in CATEGORY_TAGS if c & CATEGORY_BIT[t]) for c in uniq.tolist()]

    zone_ids = [f"{county}-Z{k + 1:03d}" for k in range(n_zones)]
    lat, lon = to_latlon(hx[fam], hy[fam], centre)
    mig = is_mig[fam]
    has_h, has_p = (hz >= 0)[fam], (pz >= 0)[fam]
    ids = f"{county}-" + pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(6)
    data = {
        "applicant_id": ids,
        "county": county,
        "stage": stage,
        "birth_date": date_column(birth[fam]),
        "hukou_zone": lookup_column(zone_ids, hz[fam]),
        "hukou_city": bool_column(hukou_city[fam]),
        "property_zone": lookup_column(zone_ids, pz[fam]),
        "residence_zone": lookup_column(zone_ids, rz[fam]),
        "residence_permit_months": int_column(permit[fam], mig),
        "social_insurance_months": int_column(social[fam], mig),
        "hukou_since": date_column(hukou_since[fam], has_h),
        "property_since": date_column(prop_since[fam], has_p),
        "lat": fixed6_column(lat),
        "lon": fixed6_column(lon),
        "categories": lookup_column(cat_text, cat_inv.reshape(-1)),
        "disability_plan": lookup_column(["mainstream", "special_school", "home_teaching"], plan),
        "sibling_group": gid,
        "sibling_school": lookup_column(school_ids, sib[fam]),
        "preferences": lookup_column(pref_text, pref_inv[fam]),
    }
    return contract_frame(APPLICANT_COLUMNS, data, n)
