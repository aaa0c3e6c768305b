"""The columns and the ``round`` block a later round adds to a run folder."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.pipeline.moves import MOVE_COLUMNS
from allocator.pipeline.previous import PreviousRun, RosterLink
from allocator.pipeline.tables import school_outcomes
from allocator.policy.lottery import lottery_numbers
from allocator.problem.compiled import TIE_MASK, TIER_SHIFT
from allocator.problem.later import PRIVATE_TIER_NAME, LaterRoundProblem
from allocator.solvers.result import Allocation

#: Columns CONTRACT.md adds to ``assignments.csv`` in a later round.
ROUND_COLUMNS = ("previous_school_id", "response", "moved", "late")


def round_assignments(frame: pd.DataFrame, later: LaterRoundProblem, allocation: Allocation,
                      link: RosterLink, previous: pd.DataFrame) -> pd.DataFrame:
    """``assignments.csv`` of a later round: status ``declined`` and the round's columns.

    ``response`` is the effective one (the policy's default for a holder that
    gave none; empty for an applicant competing with its whole list); ``moved``
    is true for a holder now placed at another school (a newly placed
    applicant did not move); ``late`` marks applicants not in the previous run.
    A seat kept is described as in the previous run (tier, choice, reason).
    """
    frame = frame.copy()
    school_ids = later.problem.school_ids
    held_before = link.previous_school
    final = allocation.assigned_school
    frame["previous_school_id"] = np.where(held_before >= 0,
                                           school_ids[np.maximum(held_before, 0)], "")
    frame["response"] = later.response
    moved = (held_before >= 0) & (final >= 0) & (final != held_before)
    frame["moved"] = np.where(moved, "true", "false")
    frame["late"] = np.where(later.late, "true", "false")
    _round_reasons(frame, later, allocation, moved, link, previous)
    return frame


#: Columns describing a placement, copied from the previous run for a kept seat.
PLACEMENT_COLUMNS = ("tier", "choice_rank", "distance_km", "reason", "tier_name", "source",
                     "reason_code")


def _round_reasons(frame: pd.DataFrame, later: LaterRoundProblem, allocation: Allocation,
                   moved: np.ndarray, link: RosterLink, previous: pd.DataFrame) -> None:
    """Declined rows; a kept seat described as in the previous run; moves explained."""
    declined = later.response == "decline"
    frame.loc[declined, "status"] = "declined"
    frame.loc[declined, "reason_code"] = "declined"
    frame.loc[declined, "reason"] = "declined: gave up its seat or its application"
    stayed = later.continuing & (allocation.assigned_school == later.held_school)
    _copy_previous(frame, np.flatnonzero(stayed), link.previous_row, previous)
    waiting = frame_waiting(later, allocation)
    frame.loc[waiting, "reason"] = frame.loc[waiting, "reason"] + (
        "; still waiting: no seat opened at a school ranked higher")
    frame.loc[moved, "reason"] = ("moved up from " + frame.loc[moved, "previous_school_id"]
                                  + ": a seat opened at a school ranked higher; "
                                  + frame.loc[moved, "reason"])


def _copy_previous(frame: pd.DataFrame, rows: np.ndarray, previous_row: np.ndarray,
                   previous: pd.DataFrame) -> None:
    """The previous run's description of a seat kept (its list in this round is cut)."""
    source = previous_row[rows]
    for column in PLACEMENT_COLUMNS:
        if column not in previous.columns:
            continue
        text = previous[column].to_numpy(dtype=object)[source]
        if column in ("tier", "choice_rank"):
            values = pd.to_numeric(pd.Series(text).replace("", None), errors="coerce")
            frame[column] = frame[column].astype("Int64")
            frame.loc[rows, column] = values.astype("Int64").to_numpy()
        elif column == "distance_km":
            frame.loc[rows, column] = pd.to_numeric(pd.Series(text).replace("", None),
                                                    errors="coerce").to_numpy(dtype=np.float64)
        else:
            frame.loc[rows, column] = text


def round_schools(table: pd.DataFrame, later: LaterRoundProblem,
                  allocation: Allocation) -> pd.DataFrame:
    """``schools.csv`` of a later round: a private school's cut-off lottery number read
    with this round's lottery order (reversed, or late applicants last)."""
    problem = later.problem
    if not problem.tier_names or problem.tier_names[-1] != PRIVATE_TIER_NAME:
        return table
    worst = school_outcomes(problem, allocation)["worst_key"].to_numpy()
    private = ((worst >= 0) & (((worst >> TIER_SHIFT) & 0xFF) == len(problem.tier_names) - 1)
               & (table["cutoff_lottery"] != "").to_numpy())
    if not private.any():
        return table
    by_rank = np.empty(problem.applicant_count, dtype=np.int64)
    by_rank[later.lottery_rank] = np.arange(problem.applicant_count)
    holder = by_rank[np.clip(worst[private] & TIE_MASK, 0, problem.applicant_count - 1)]
    table = table.copy()
    table.loc[private, "cutoff_lottery"] = [
        f"{value:.10f}" for value in lottery_numbers(problem.draws)[holder]]
    return table


def frame_waiting(later: LaterRoundProblem, allocation: Allocation) -> np.ndarray:
    """Holders that wait and still hold their seat below a school they rank higher."""
    held = np.flatnonzero(later.held_arc)
    above = np.zeros(later.problem.applicant_count, dtype=bool)
    owner = later.problem.arc_applicant()[held]
    above[owner] = held > later.problem.arc_start[owner]
    stayed = later.continuing & (allocation.assigned_school == later.held_school)
    return stayed & (later.response == "wait") & above


def round_block(previous: PreviousRun, later: LaterRoundProblem, allocation: Allocation,
                link: RosterLink, moves: pd.DataFrame, lottery: str,
                rules: dict[str, Any]) -> dict[str, Any]:
    """The ``round`` block of ``summary.json`` (CONTRACT.md, "Later rounds")."""
    problem = later.problem
    previous_school, final = link.previous_school, allocation.assigned_school
    holder = previous_school >= 0
    placed = final >= 0
    capacity, before = problem.school_capacity, link.previous_capacity
    response = later.response
    assert tuple(moves.columns) == MOVE_COLUMNS
    return {
        "number": previous.round_number + 1,
        "previous_run": {"path": str(previous.folder.resolve()),
                         "assignments_sha256": previous.assignments_sha256},
        "previous_runs": len(previous.chain),
        "lottery": lottery,
        "late_applicants_rule": rules["late_applicants"],
        "default_response": rules["default_response"],
        "continuing": int(later.continuing.sum()),
        "responses": {word: int((holder & (response == word)).sum())
                      for word in ("accept", "wait", "decline")},
        "seats_freed": int((holder & (response == "decline")).sum()),
        "seats_left_by_moves": int((holder & placed & (final != previous_school)).sum()),
        "seats_added": int(np.maximum(capacity - before, 0).sum()),
        "seats_cut": int(np.maximum(before - capacity, 0).sum()),
        "applicants_moved": int((holder & placed & (final != previous_school)).sum()),
        "newly_placed": int((~holder & placed).sum()),
        "declined": int((response == "decline").sum()),
        "declined_this_round": int((holder & (response == "decline")).sum()
                                   + (~holder & ~link.previously_declined
                                      & (response == "decline")).sum()),
        "still_waiting": int(frame_waiting(later, allocation).sum()),
        "late_applicants": int(later.late.sum()),
        "late_applicants_placed": int((later.late & placed).sum()),
        "unplaced": int((~placed & (problem.exclusion == "")).sum()),
        "chains": int(moves["chain"].nunique()),
        "longest_chain": int(moves["step"].max()) if len(moves) else 0,
    }
