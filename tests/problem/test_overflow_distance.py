"""The in-place projected distance is bit-identical to the plain formula it replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.problem.overflow import projected_km


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), people=st.integers(1, 40), schools=st.integers(1, 12))
def test_projected_km_equals_the_plain_formula(seed, people, schools):
    rng = np.random.default_rng(seed)
    applicant_lat, applicant_lon = 35 + rng.random(people) * 5, 111 + rng.random(people) * 3
    school_lat, school_lon = 35 + rng.random(schools) * 5, 111 + rng.random(schools) * 3
    applicant_lat[rng.random(people) < 0.1] = np.nan  # unknown homes stay unknown
    scale = np.cos(np.radians(applicant_lat))[:, None] * 111.320
    dx = (school_lon[None, :] - applicant_lon[:, None]) * scale
    dy = (school_lat[None, :] - applicant_lat[:, None]) * 110.574
    plain = np.sqrt(dx * dx + dy * dy)
    fast = projected_km(applicant_lat, applicant_lon, school_lat, school_lon)
    np.testing.assert_array_equal(fast, plain)  # NaN where NaN, every other bit equal
