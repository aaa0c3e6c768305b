"""Catchment membership by the padded zone table equals the binary search it replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.policy.catchments import Catchments, in_sorted, unique_sorted


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), zones=st.integers(1, 8), schools=st.integers(1, 10),
       widest=st.integers(1, 20))
def test_serves_equals_the_search_over_pair_keys(seed, zones, schools, widest):
    rng = np.random.default_rng(seed)
    pairs = [(school, zone) for zone in range(zones)
             for school in rng.choice(schools, size=min(widest, schools), replace=False)
             if rng.random() < 0.7]
    school_position = np.array([p[0] for p in pairs], dtype=np.int64)
    codes = np.array([p[1] for p in pairs], dtype=np.int64)
    order = np.lexsort((school_position, codes))
    catchments = Catchments(
        zones, unique_sorted(school_position * zones + codes),
        np.searchsorted(codes[order], np.arange(zones + 1)).astype(np.int64),
        school_position[order], {})
    arcs = 50 * zones  # enough arcs to take the padded path
    school = rng.integers(0, schools, arcs)
    zone = rng.integers(-1, zones, arcs)
    expected = in_sorted(school * zones + zone, catchments.pair_keys) & (zone >= 0)
    np.testing.assert_array_equal(catchments.serves(school, zone), expected)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), counties=st.integers(1, 4), schools=st.integers(1, 12),
       zones=st.integers(1, 6))
def test_slot_table_equals_the_search_over_pair_keys(seed, counties, schools, zones):
    import pandas as pd

    from allocator.policy.catchments import build_catchments

    rng = np.random.default_rng(seed)
    county = [f"C{c}" for c in rng.integers(0, counties, schools)]
    table = pd.DataFrame({"school_id": [f"S{i}" for i in range(schools)], "county": county})
    pairs = [(s, f"Z{z}") for s in range(schools) for z in range(zones) if rng.random() < 0.4]
    school_zones = pd.DataFrame({"school_position": [p[0] for p in pairs],
                                 "zone": [p[1] for p in pairs]}, dtype=object)
    school_zones["school_position"] = school_zones["school_position"].astype(np.int64)
    applicants = pd.DataFrame({"county": ["C0"], "hukou_zone": [""], "property_zone": [""],
                               "residence_zone": [""]})
    catchments = build_catchments(table, school_zones, applicants)
    assert catchments.zone_table is not None
    school = rng.integers(0, schools, 500)
    zone = rng.integers(-1, catchments.zone_count, 500)
    expected = in_sorted(school * catchments.zone_count + zone, catchments.pair_keys) & (zone >= 0)
    np.testing.assert_array_equal(catchments.serves(school, zone), expected)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), counties=st.integers(1, 4), zones=st.integers(1, 6),
       people=st.integers(1, 40))
def test_applicant_zone_codes_equal_the_lookup_of_county_and_zone_labels(seed, counties, zones,
                                                                          people):
    import pandas as pd

    from allocator.policy.catchments import ZONE_FIELDS, build_catchments

    rng = np.random.default_rng(seed)
    schools = pd.DataFrame({"county": [f"C{c}" for c in rng.integers(0, counties, 8)]})
    pairs = [(s, f"Z{z}") for s in range(8) for z in range(zones) if rng.random() < 0.4]
    school_zones = pd.DataFrame({"school_position": np.array([p[0] for p in pairs], np.int64),
                                 "zone": pd.Series([p[1] for p in pairs], dtype=object)})

    def pick(options):
        return [options[i] for i in rng.integers(0, len(options), people)]
    names = ["", *(f"Z{z}" for z in range(zones + 1))]
    applicants = pd.DataFrame({"county": pick([f"C{c}" for c in range(counties + 1)]),
                               **{field: pick(names) for field in ZONE_FIELDS}})
    catchments = build_catchments(schools, school_zones, applicants)
    labels = sorted({f"{schools['county'][s]}\x1f{z}" for s, z in pairs})
    for field in ZONE_FIELDS:
        expected = [labels.index(f"{c}\x1f{z}") if z and f"{c}\x1f{z}" in labels else -1
                    for c, z in zip(applicants["county"], applicants[field], strict=True)]
        assert catchments.applicant_zones[field].tolist() == expected
