"""Vacancy chains of ``moves.csv``: roots, steps and the order seats are taken."""

from __future__ import annotations

import numpy as np

from allocator.pipeline.moves import SeatChanges, vacancy_chains


def changes(previous, final, declined, capacity_before, capacity_now) -> SeatChanges:
    count = len(previous)
    return SeatChanges(np.array([f"p{k}" for k in range(count)], dtype=object),
                       np.array(["A", "B", "C"], dtype=object), np.array(previous),
                       np.array(final), np.array(declined), np.arange(count),
                       np.array(capacity_before), np.array(capacity_now))


def test_a_decline_starts_a_chain_that_ends_with_a_newly_placed_child():
    # p0 declines its seat at A; p1 moves B -> A; p2 moves C -> B; p3 (unplaced) gets C
    moves = vacancy_chains(changes([0, 1, 2, -1], [-1, 0, 1, 2], [True, False, False, False],
                                   [1, 1, 1], [1, 1, 1]))
    assert moves.to_dict("list") == {
        "applicant_id": ["p1", "p2", "p3"], "from_school_id": ["B", "C", ""],
        "to_school_id": ["A", "B", "C"], "chain": ["A:declined:p0"] * 3, "step": [1, 2, 3]}


def test_added_and_free_seats_start_chains_of_their_own():
    # A had a free seat and gains one: p1 (from B) takes the free one, p2 (new) the added one
    moves = vacancy_chains(changes([0, 1, -1], [0, 0, 0], [False, False, False],
                                   [2, 1, 1], [3, 1, 1]))
    assert dict(zip(moves["applicant_id"], moves["chain"], strict=True)) == {
        "p1": "A:free:1", "p2": "A:added:1"}
    assert (moves["step"] == 1).all()


def test_nobody_moving_gives_an_empty_table_with_the_contract_columns():
    moves = vacancy_chains(changes([0, 1], [0, 1], [False, False], [1, 1, 1], [1, 1, 1]))
    assert moves.empty
    assert list(moves.columns) == ["applicant_id", "from_school_id", "to_school_id", "chain",
                                   "step"]
