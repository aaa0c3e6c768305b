"""The published lottery algorithm (``blake2b-64/1``), re-run as a notary would."""

from __future__ import annotations

import hashlib

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.policy.lottery import lottery_draws


def notary_draw(message: str, seed: int) -> int:
    """The algorithm exactly as the module docstring publishes it."""
    digest = hashlib.blake2b(message.encode("utf-8"), key=str(seed).encode("ascii"),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big")


ids = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(ids, st.sampled_from(["", "T1", "家庭2"])), min_size=1,
                     max_size=30, unique_by=lambda row: row[0]),
       seed=st.integers(0, 2**63 - 1))
def test_draws_follow_the_published_algorithm(rows, seed):
    applicant_ids = pd.Series([row[0] for row in rows], dtype=object)
    groups = pd.Series([row[1] for row in rows], dtype=object)
    draws = lottery_draws(applicant_ids, groups, seed)
    expected = [notary_draw(f"group:{group}" if group else f"applicant:{applicant}", seed)
                for applicant, group in rows]
    assert [int(draw) for draw in draws] == expected
