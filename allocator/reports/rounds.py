"""The round section of a later round's reports: seats freed and filled, moves, waiting lists.

Tables (also sheets of ``report.xlsx``):

* ``round schools``: per school the seats held before the round, freed by declines,
  left by children moving away, added to the plan, filled by children moving in and
  by newly placed children, idle after the round, and its waiting list (children
  that rank it above their outcome);
* ``round chains``: how many vacancy chains have each length;
* ``round summary``: the ``round`` block of ``summary.json`` as two columns.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from allocator.pipeline.after import LaterRoundResult
from allocator.pipeline.run import RunResult
from allocator.verify.checks import preferred_arcs

TITLES = {
    "zh": {"round": "本轮递补概况", "round schools": "各校学位释放与递补", "round chains":
           "空位链长度分布", "not_for_round": "递补轮次不计算(按首轮方法重算会忽略已占学位)"},
    "en": {"round": "This round at a glance", "round schools": "Seats freed and filled by school",
           "round chains": "Vacancy chains by length",
           "not_for_round": "Not computed for a later round (a first-round re-solve would "
                            "ignore the seats held)"},
}


def is_later_round(result: RunResult) -> TypeGuard[LaterRoundResult]:
    """Whether ``result`` is a later round (it carries the round's problem)."""
    return isinstance(result, LaterRoundResult) and result.later is not None


def round_tables(result: LaterRoundResult) -> dict[str, pd.DataFrame]:
    """The round's report tables, keyed by sheet name."""
    return {"round summary": _summary(result.summary["round"]),
            "round schools": seats_by_school(result),
            "round chains": chain_lengths(result.moves)}


def _summary(block: dict[str, Any]) -> pd.DataFrame:
    """The round block as rows: ``round_item`` (a key, nested keys joined by ``.``) and
    ``round_value``; both are categorical words of the vocabulary, so the page and the
    workbook show them in the report's language (a number or a path stays as it is)."""
    rows = []
    for key, value in block.items():
        if isinstance(value, dict):
            rows += [(f"{key}.{inner}", str(item)) for inner, item in value.items()]
        else:  # 'lottery' here is the order of this round's lottery, not a lottery number
            rows.append(("lottery_order" if key == "lottery" else key, str(value)))
    return pd.DataFrame(rows, columns=["round_item", "round_value"])


def seats_by_school(result: LaterRoundResult) -> pd.DataFrame:
    """Per school: seats held before, freed, left, added, filled, idle, waiting list."""
    later = result.later
    assert later is not None
    problem, allocation = later.problem, result.allocation
    count = problem.school_count
    assignments = result.assignments
    index = pd.Index(problem.school_ids)
    before = index.get_indexer(assignments["previous_school_id"].replace("", None))
    final = allocation.assigned_school
    held = before >= 0
    declined = (assignments["status"] == "declined").to_numpy()
    moved_away = held & (final >= 0) & (final != before)
    arrivals = (final >= 0) & (final != before)

    def per_school(mask: np.ndarray, school: np.ndarray) -> np.ndarray:
        return np.bincount(school[mask], minlength=count)

    capacity = problem.school_capacity
    previous_capacity = _previous_capacity(result)
    waiting = preferred_arcs(problem, allocation)
    return pd.DataFrame({
        "school_id": problem.school_ids,
        "held_before": per_school(held, before),
        "freed_by_declines": per_school(held & declined, before),
        "left_by_moves": per_school(moved_away, before),
        "seats_added": np.maximum(capacity - previous_capacity, 0),
        "filled_by_moves": per_school(arrivals & held, final),
        "filled_by_newly_placed": per_school(arrivals & ~held, final),
        "idle_after": capacity - allocation.school_counts(count),
        "waiting_list": np.bincount(problem.arc_school[waiting], minlength=count),
    })


def _previous_capacity(result: LaterRoundResult) -> np.ndarray:
    """Seats per school in the previous round (this round's plan when unknown)."""
    if result.previous_capacity is not None:
        return result.previous_capacity
    return result.schools["capacity"].to_numpy()


def chain_lengths(moves: pd.DataFrame | None) -> pd.DataFrame:
    """Number of vacancy chains of each length (moves in the chain)."""
    if moves is None or moves.empty:
        return pd.DataFrame({"length": pd.Series(dtype=np.int64),
                             "chains": pd.Series(dtype=np.int64)})
    lengths = moves.groupby("chain")["step"].max().value_counts().sort_index()
    return pd.DataFrame({"length": lengths.index.astype(np.int64),
                         "chains": lengths.to_numpy(dtype=np.int64)})
