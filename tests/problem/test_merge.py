"""Merging the overflow arcs into the listed arcs equals a stable sort by applicant."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.problem.compile import _merge_by_applicant

applicants = st.lists(st.integers(0, 15), max_size=40).map(sorted)


@settings(max_examples=200, deadline=None)
@given(first=applicants, second=applicants)
def test_merge_equals_a_stable_sort_of_the_concatenation(first, second):
    a = {"applicant": np.array(first, dtype=np.int64),
         "tag": np.arange(len(first), dtype=np.int32)}
    b = {"applicant": np.array(second, dtype=np.int64),
         "tag": np.arange(len(second), dtype=np.int32) + 1000}
    merged = _merge_by_applicant(a, b)
    together = {name: np.concatenate([a[name], b[name]]) for name in a}
    order = np.argsort(together["applicant"], kind="stable")
    for name in a:
        np.testing.assert_array_equal(merged[name], together[name][order])
        assert merged[name].dtype == together[name].dtype
