"""The compiled nearest-school search returns exactly the arcs of the NumPy blocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.problem import overflow
from allocator.problem.overflow import nearest_overflow


def _instance(seed: int, people: int, schools: int, units: int, ties: bool):
    rng = np.random.default_rng(seed)
    applicant_unit = rng.integers(0, units, people)
    school_unit = rng.integers(0, units, schools)
    public = rng.random(schools) < 0.8
    eligible = rng.random(people) < 0.9
    applicant_lat = 37.0 + rng.random(people) * 0.3
    applicant_lon = 112.0 + rng.random(people) * 0.3
    school_lat = 37.0 + rng.random(schools) * 0.3
    school_lon = 112.0 + rng.random(schools) * 0.3
    if ties:  # schools at one address and applicants with no known position
        school_lat[1::3], school_lon[1::3] = school_lat[0], school_lon[0]
        applicant_lat[::4] = np.nan
    school_group = rng.integers(-1, 3, schools)
    home_group = rng.integers(-1, 3, people)
    keys = rng.choice(people * schools, size=people, replace=False)
    positions = (applicant_lat, applicant_lon, school_lat, school_lon)
    return (eligible, applicant_unit, school_unit, public, positions, home_group,
            school_group, np.sort(keys).astype(np.int64))


def _both(instance, limit, same_group_first, monkeypatch):
    eligible, applicant_unit, school_unit, public, positions, home, group, listed = instance
    arguments = (eligible, applicant_unit, school_unit, public, positions, home, group, limit,
                 same_group_first, listed)
    monkeypatch.setattr(overflow, "COMPILED_MINIMUM", 10**12)
    blocks = nearest_overflow(*arguments)
    monkeypatch.setattr(overflow, "COMPILED_MINIMUM", 0)
    compiled = nearest_overflow(*arguments)
    return blocks, compiled


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("same_group_first", [False, True])
def test_compiled_search_equals_the_matrix_search(ties, same_group_first, monkeypatch):
    instance = _instance(7, 3000, 120, 4, ties)
    blocks, compiled = _both(instance, 10, same_group_first, monkeypatch)
    assert len(blocks[0]) > 20000
    for expected, got in zip(blocks, compiled, strict=True):
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), people=st.integers(1, 60), schools=st.integers(1, 25),
       units=st.integers(1, 3), limit=st.integers(1, 6), ties=st.booleans(),
       same_group_first=st.booleans())
def test_compiled_search_equals_the_matrix_search_on_small_instances(
        seed, people, schools, units, limit, ties, same_group_first):
    with pytest.MonkeyPatch.context() as monkeypatch:
        blocks, compiled = _both(_instance(seed, people, schools, units, ties), limit,
                                 same_group_first, monkeypatch)
    for expected, got in zip(blocks, compiled, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_equal_distances_rank_by_school_position_whatever_the_block(monkeypatch):
    # four schools at one address: the two kept are the first two positions, also when the
    # block holds another applicant with a longer list (the compiled search has no blocks)
    positions = (np.array([37.0, 37.1]), np.array([112.0, 112.1]),
                 np.full(4, 37.05), np.full(4, 112.05))
    arguments = (np.ones(2, bool), np.zeros(2, np.int64), np.zeros(4, np.int64),
                 np.ones(4, bool), positions, np.full(2, -1), np.full(4, -1), 2, False)
    alone = nearest_overflow(*arguments, np.zeros(0, np.int64))
    crowded = nearest_overflow(*arguments, np.array([4 + 3], np.int64))  # 2nd lists school 3
    assert alone[1].tolist() == [0, 1, 0, 1]
    assert crowded[1][:2].tolist() == [0, 1]
