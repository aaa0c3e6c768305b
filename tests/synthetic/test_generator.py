"""Tests of the synthetic roster generator (allocator.synthetic)."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from allocator.synthetic import (
    county_seed,
    generate_county,
    generate_province,
    province_plan,
    write_scenario,
)

# Column names of the data contract (CONTRACT.md), written out here on purpose.
# fmt: off
CONTRACT_SCHOOL_COLUMNS = [
    "school_id", "name", "county", "stage", "kind", "capacity", "classes", "zones",
    "lat", "lon", "resource_room", "nine_year", "group",
]
# The project's extensions, after the contract's columns (docs/data-reference.md).
SCHOOL_EXTENSIONS = ["feeds_into"]
CONTRACT_APPLICANT_COLUMNS = [
    "applicant_id", "county", "stage", "birth_date", "hukou_zone", "hukou_city",
    "property_zone", "residence_zone", "residence_permit_months", "social_insurance_months",
    "hukou_since", "property_since", "lat", "lon", "categories", "disability_plan",
    "sibling_group", "sibling_school", "preferences", "feeder_school",
]
TAGS = {
    "martyr", "military", "police_hero", "fire_rescue", "special_care", "talent", "disabled",
    "left_behind", "unsupported", "orphan", "low_income",
}
# fmt: on


@pytest.fixture(scope="module")
def county():
    return generate_county("140702", 4000, 20250701, n_schools=50, migrant_share=0.15)


@pytest.fixture(scope="module")
def province():
    return generate_province(30_000, 8, 11)


def _split(cell: str) -> list[str]:
    return [x for x in cell.split(";") if x] if cell else []


def _zone_capacity(schools: pd.DataFrame) -> dict[str, int]:
    cap: dict[str, int] = {}
    public = schools[schools.kind == "public"]
    for zones, c in zip(public.zones, public.capacity.astype(int), strict=True):
        for z in _split(zones):
            cap[z] = cap.get(z, 0) + c
    return cap


# ---- format ---------------------------------------------------------------------------------


def test_columns_are_the_contract_columns(county):
    schools, applicants = county
    assert list(schools.columns) == CONTRACT_SCHOOL_COLUMNS + SCHOOL_EXTENSIONS
    assert list(applicants.columns) == CONTRACT_APPLICANT_COLUMNS
    for frame in county:
        assert not frame.isna().any().any()
        for col in frame.columns:
            assert all(isinstance(v, str) for v in frame[col].head(50))


def test_columns_match_the_project_schema():
    schema = pytest.importorskip("allocator.model.schema")
    assert [c.name for c in schema.SCHOOLS.columns] == (CONTRACT_SCHOOL_COLUMNS
                                                        + SCHOOL_EXTENSIONS)
    assert [c.name for c in schema.APPLICANTS.columns] == CONTRACT_APPLICANT_COLUMNS
    assert set(schema.CATEGORY_TAGS) == TAGS


def test_value_formats(county):
    schools, applicants = county
    assert schools.school_id.is_unique and applicants.applicant_id.is_unique
    assert schools.school_id.str.fullmatch(r"140702-S\d{3}").all()
    assert applicants.applicant_id.str.fullmatch(r"140702-\d{6}").all()
    # never anything that looks like an 18-digit national id number
    assert not applicants.applicant_id.str.contains(r"\d{15,}").any()
    assert set(schools.kind) == {"public", "private"}
    for col in ("resource_room", "nine_year"):
        assert set(schools[col]) <= {"true", "false"}
    assert set(applicants.hukou_city) <= {"true", "false"}
    iso = r"\d{4}-\d{2}-\d{2}"
    assert applicants.birth_date.str.fullmatch(iso).all()
    for col in ("hukou_since", "property_since"):
        present = applicants[col][applicants[col] != ""]
        assert present.str.fullmatch(iso).all()
    for frame in county:
        lat, lon = frame.lat.astype(float), frame.lon.astype(float)
        assert lat.between(35.0, 40.5).all() and lon.between(110.5, 114.5).all()
        assert frame.lat.str.fullmatch(r"\d+\.\d{6}").all()
    assert (schools.name.str.len() > 0).all() and schools.name.is_unique
    assert schools.name.str.contains("小学|学校").all()
    assert (applicants.feeder_school == "").all()
    assert (applicants.county == "140702").all() and (applicants.stage == "primary").all()


def test_categories_and_disability_plan(county):
    _, applicants = county
    tags = applicants.categories.map(_split)
    assert set().union(*tags) <= TAGS
    disabled = tags.map(lambda t: "disabled" in t)
    assert (applicants.disability_plan[~disabled] == "").all()
    assert set(applicants.disability_plan[disabled]) <= {
        "mainstream",
        "special_school",
        "home_teaching",
    }
    assert (applicants.disability_plan[disabled] != "").all()
    assert 0.004 < disabled.mean() < 0.02
    share = {t: tags.map(lambda x, t=t: t in x).mean() for t in TAGS}
    assert 0.01 < share["left_behind"] < 0.05
    assert 0.01 < share["low_income"] < 0.03
    assert share["military"] > share["martyr"]


# ---- determinism ----------------------------------------------------------------------------


def test_same_seed_same_frames_and_bytes(tmp_path):
    a = generate_county("X1", 1500, 7, migrant_share=0.2)
    b = generate_county("X1", 1500, 7, migrant_share=0.2)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    p1 = write_scenario(tmp_path / "one", *a, name="t", seed=7)
    p2 = write_scenario(tmp_path / "two", *b, name="t", seed=7)
    for f in ("scenario.yaml", "schools.csv", "applicants.csv"):
        assert (p1 / f).read_bytes() == (p2 / f).read_bytes()


def test_different_seed_different_frames():
    a = generate_county("X1", 1500, 7)
    b = generate_county("X1", 1500, 8)
    assert not a[0].equals(b[0])
    assert not a[1].equals(b[1])


# ---- province -------------------------------------------------------------------------------


def test_province_plan():
    plan = province_plan(30_000, 8, 11)
    assert list(plan.county) == [f"C{k:03d}" for k in range(1, 9)]
    assert plan.n_applicants.sum() == 30_000 and (plan.n_applicants >= 50).all()
    assert plan.n_applicants.nunique() > 4  # uneven sizes
    assert plan.migrant_share.between(0.03, 0.30).all()
    # a county's seed depends on (seed, index) only
    assert list(plan.seed) == [county_seed(11, k) for k in range(1, 9)]
    assert list(province_plan(60_000, 12, 11).seed[:8]) == list(plan.seed)
    with pytest.raises(ValueError):
        province_plan(100, 3, 1)


def test_province_counties_are_independent(province):
    schools, applicants = province
    plan = province_plan(30_000, 8, 11)
    assert len(applicants) == 30_000
    assert list(schools.county.unique()) == list(plan.county)
    for k in (0, 5):
        row = plan.iloc[k]
        alone_s, alone_a = generate_county(
            row.county,
            int(row.n_applicants),
            int(row.seed),
            n_schools=int(row.n_schools),
            migrant_share=float(row.migrant_share),
        )
        got_s = schools[schools.county == row.county].reset_index(drop=True)
        got_a = applicants[applicants.county == row.county].reset_index(drop=True)
        pd.testing.assert_frame_equal(got_s, alone_s)
        pd.testing.assert_frame_equal(got_a, alone_a)


# ---- referential integrity ------------------------------------------------------------------


@pytest.mark.parametrize("which", ["county", "province"])
def test_referential_integrity(which, request):
    schools, applicants = request.getfixturevalue(which)
    assert schools.school_id.is_unique and applicants.applicant_id.is_unique
    private = schools.kind == "private"
    assert (schools.zones[private] == "").all()
    assert (schools.zones[~private] != "").all()
    county_of = dict(zip(schools.school_id, schools.county, strict=True))
    public_ids = set(schools.school_id[~private])
    served = {
        (c, z)
        for c, zs in zip(schools.county[~private], schools.zones[~private], strict=True)
        for z in _split(zs)
    }
    for col in ("hukou_zone", "property_zone", "residence_zone"):
        present = applicants[applicants[col] != ""]
        assert {(c, z) for c, z in zip(present.county, present[col], strict=True)} <= served
    assert (applicants.residence_zone != "").all()
    for ids, c in zip(applicants.preferences, applicants.county, strict=True):
        for s in _split(ids):
            assert county_of[s] == c
    sib = applicants[applicants.sibling_school != ""]
    assert set(sib.sibling_school) <= public_ids
    assert (sib.sibling_school.map(county_of) == sib.county).all()
    # multi-school zones list their schools; private applications come first
    zone_schools: dict[str, set[str]] = {}
    for sid, zs in zip(schools.school_id[~private], schools.zones[~private], strict=True):
        for z in _split(zs):
            zone_schools.setdefault(z, set()).add(sid)
    for rz, prefs in zip(applicants.residence_zone, applicants.preferences, strict=True):
        listed = [s for s in _split(prefs) if s in public_ids]
        if len(zone_schools[rz]) > 1:
            assert set(listed) == zone_schools[rz]
        else:
            assert listed == []
    for prefs in applicants.preferences:
        assert all(s in public_ids for s in _split(prefs)[1:])


# ---- realism --------------------------------------------------------------------------------


def test_proportions(county):
    schools, applicants = county
    n = len(applicants)
    migrant = (
        (applicants.hukou_zone == "")
        & (applicants.property_zone == "")
        & (applicants.residence_permit_months != "")
    )
    assert abs(migrant.mean() - 0.15) < 0.04
    permit = applicants.residence_permit_months[migrant].astype(int)
    assert permit.between(0, 72).all() and 0.02 < (permit == 0).mean() < 0.25
    assert applicants.social_insurance_months[migrant].astype(int).between(0, 72).all()
    assert (applicants.residence_permit_months[~migrant] == "").all()

    same = (
        (applicants.hukou_zone == applicants.property_zone)
        & (applicants.hukou_zone == applicants.residence_zone)
        & (applicants.hukou_zone != "")
    )
    assert 0.45 < same.mean() < 0.62
    has_p = applicants.property_zone != ""
    assert (applicants.property_since[has_p] != "").all()
    assert (applicants.property_since[~has_p] == "").all()
    assert ((applicants.hukou_since != "") == (applicants.hukou_zone != "")).all()

    twins = applicants[applicants.sibling_group != ""]
    assert 0.008 < len(twins) / n < 0.025
    sizes = twins.sibling_group.value_counts()
    assert sizes.between(2, 3).all()
    for col in ("residence_zone", "hukou_zone", "property_zone", "birth_date", "lat", "lon"):
        assert (twins.groupby("sibling_group")[col].nunique() == 1).all()
    assert 0.02 < (applicants.sibling_school != "").mean() < 0.07

    capacity = schools.capacity.astype(int)
    assert 1.0 <= capacity.sum() / n <= 1.2
    public_cap = capacity[schools.kind == "public"].sum()
    assert 1.03 <= public_cap / n <= 1.16
    demand = applicants.residence_zone.value_counts()
    over = [z for z, c in _zone_capacity(schools).items() if demand.get(z, 0) > c]
    assert len(over) >= 1
    under = [z for z, c in _zone_capacity(schools).items() if demand.get(z, 0) < 0.8 * c]
    assert len(under) >= 1

    born = applicants.birth_date
    assert born.between("2018-09-01", "2019-08-31").mean() > 0.98
    assert 0 < (born > "2019-08-31").mean() < 0.01

    zones = {z for zs in schools.zones for z in _split(zs)}
    multi = {z for z, ss in _multi(schools).items() if ss > 1}
    assert 0.1 < len(multi) / len(zones) < 0.3
    private_ids = set(schools.school_id[schools.kind == "private"])
    first = applicants.preferences.map(lambda p: _split(p)[0] if p else "")
    assert 0.02 < first.isin(private_ids).mean() < 0.07


def _multi(schools: pd.DataFrame) -> dict[str, int]:
    count: dict[str, int] = {}
    for zs in schools.zones:
        for z in _split(zs):
            count[z] = count.get(z, 0) + 1
    return count


def test_schools(county):
    schools, _ = county
    classes = schools.classes.astype(int)
    capacity = schools.capacity.astype(int)
    assert classes.between(1, 8).all()
    assert (capacity <= classes * 45).all() and (capacity >= 1).all()
    assert (capacity == classes * 45).any()
    assert (schools.kind == "private").sum() >= 1
    assert 0.1 < (schools.resource_room == "true").mean() < 0.6
    assert 0.02 < (schools.nine_year == "true").mean() < 0.25
    groups = schools.group[schools.group != ""]
    assert groups.str.fullmatch(r"140702-G\d+").all() and groups.nunique() >= 2
    # town-centre schools are bigger than outer ones
    lat, lon = schools.lat.astype(float), schools.lon.astype(float)
    d = np.hypot(lat - lat.median(), (lon - lon.median()) * 0.8)
    inner = capacity[d <= d.quantile(0.25)].mean()
    outer = capacity[d >= d.quantile(0.75)].mean()
    assert inner > 2 * outer


@pytest.mark.parametrize(("n", "n_schools"), [(1, None), (50, None), (60, 1), (200, 2), (900, 40)])
def test_small_counties(n, n_schools):
    schools, applicants = generate_county("T", n, 3, n_schools=n_schools)
    assert len(applicants) == n
    assert len(schools) == (n_schools or 3)
    private = schools.kind == "private"
    if len(schools) < 10:
        assert private.sum() == 0
    if len(schools) >= 30:
        assert private.sum() >= 1
    served = {z for zs in schools.zones[~private] for z in _split(zs)}
    assert set(applicants.residence_zone) <= served


def test_junior_stage():
    schools, applicants = generate_county("J", 2000, 5, stage="junior")
    assert (schools.stage == "junior").all() and (applicants.stage == "junior").all()
    classes, capacity = schools.classes.astype(int), schools.capacity.astype(int)
    assert (capacity <= classes * 50).all() and (capacity == classes * 50).any()
    assert schools.name.str.contains("中学|学校").all()
    assert applicants.birth_date.between("2012-09-01", "2013-08-31").mean() > 0.98
    assert (applicants.feeder_school == "").all()
    assert (schools.nine_year == "true").any()


def test_invalid_arguments():
    with pytest.raises(ValueError):
        generate_county("X", 0, 1)
    with pytest.raises(ValueError):
        generate_county("X", 10, 1, stage="senior")
    with pytest.raises(ValueError):
        generate_county("X", 10, 1, migrant_share=0.9)
    with pytest.raises(ValueError):
        generate_county("a;b", 10, 1)
    with pytest.raises(TypeError):
        generate_province(1000, 2, 1, seed=3)


# ---- writing --------------------------------------------------------------------------------


def test_write_scenario(tmp_path):
    schools, applicants = generate_county("W", 300, 2)
    out = write_scenario(
        tmp_path / "s",
        schools,
        applicants,
        name="w-2025",
        seed=2,
        extra_settings={"note": "synthetic"},
    )
    settings = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert list(settings) == ["name", "seed", "policy", "mechanism", "entry_year", "note"]
    assert settings["policy"] == "shanxi-2025"
    assert settings["mechanism"] == "deferred-acceptance"
    assert settings["entry_year"] == 2025
    back = pd.read_csv(out / "applicants.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, applicants, check_dtype=False)
    raw = (out / "schools.csv").read_bytes()
    assert b"\r\n" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    assert raw.splitlines()[0].decode() == ",".join(CONTRACT_SCHOOL_COLUMNS + SCHOOL_EXTENSIONS)
    with pytest.raises(ValueError):
        write_scenario(
            tmp_path / "t", schools, applicants, name="x", seed=1, extra_settings={"seed": 5}
        )


@pytest.mark.slow
def test_million_applicants_is_fast():
    t0 = time.perf_counter()
    schools, applicants = generate_province(1_000_000, 117, 2025)
    elapsed = time.perf_counter() - t0
    assert len(applicants) == 1_000_000
    assert 6000 <= len(schools) <= 8000
    assert elapsed < 30
    assert re.fullmatch(r"C117", schools.county.iloc[-1])
