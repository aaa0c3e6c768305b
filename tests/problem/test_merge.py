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


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4)), max_size=6),
                       max_size=5))
def test_applicant_order_equals_a_stable_sort(blocks):
    # arcs as nearest_overflow builds them: block by block, each block's applicants ascending
    # and distinct from other blocks', each applicant's arcs contiguous
    from allocator.problem.overflow import _applicant_order

    seen, applicant = set(), []
    for block in blocks:
        for who, arcs in sorted({w: a for w, a in block if w not in seen}.items()):
            applicant.extend([who] * arcs)
        seen.update(w for w, _ in block)
    applicant = np.array(applicant, dtype=np.int64)
    destination = _applicant_order(applicant)
    order = np.argsort(applicant, kind="stable")
    placed = np.empty(len(applicant), dtype=np.int64)
    placed[destination] = np.arange(len(applicant))
    np.testing.assert_array_equal(placed, order)
