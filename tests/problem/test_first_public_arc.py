"""The first public-round arc of each applicant, found by search, equals a scan of the arcs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.problem.compiled import CompiledProblem


@settings(max_examples=200, deadline=None)
@given(lists=st.lists(st.lists(st.booleans(), max_size=5), min_size=1, max_size=12))
def test_first_public_arc_equals_a_scan(lists):
    private = np.array([flag for flags in lists for flag in flags], dtype=bool)
    start = np.concatenate([[0], np.cumsum([len(flags) for flags in lists])]).astype(np.int64)
    problem = SimpleNamespace(applicant_count=len(lists), arc_private=private, arc_start=start)
    expected = [next((int(start[i]) + k for k, flag in enumerate(flags) if not flag), -1)
                for i, flags in enumerate(lists)]
    assert CompiledProblem.first_public_arc(problem).tolist() == expected
