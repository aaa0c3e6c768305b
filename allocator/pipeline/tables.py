"""The run folder's tables: assignments, schools and the summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.pipeline.reasons import reasons
from allocator.policy.lottery import draw_text, lottery_numbers, lottery_text
from allocator.problem.compiled import (
    SOURCE_NAMES,
    TIE_MASK,
    TIER_SHIFT,
    CompiledProblem,
)
from allocator.problem.distance import haversine_km
from allocator.solvers.result import PLACED_BY_MECHANISM, PLACED_BY_SWEEP, Allocation
from allocator.verify.checks import envy_arcs, preferred_arcs

#: Contract columns first, then this project's extensions.
ASSIGNMENT_COLUMNS = ("applicant_id", "school_id", "status", "tier", "choice_rank",
                      "distance_km", "lottery", "reason", "county", "stage", "tier_name",
                      "source", "reason_code", "lottery_draw")


def school_outcomes(problem: CompiledProblem, allocation: Allocation) -> pd.DataFrame:
    """Per school: assigned, rejected applicants, cut-off key (internal, by position)."""
    counts = allocation.school_counts(problem.school_count)
    preferred = preferred_arcs(problem, allocation)
    by_mechanism = allocation.placed_by == PLACED_BY_MECHANISM
    rejected = np.bincount(problem.arc_school[preferred], minlength=problem.school_count)
    worst = np.full(problem.school_count, -1, dtype=np.int64)
    held = allocation.assigned_arc[by_mechanism]
    np.maximum.at(worst, problem.arc_school[held], problem.arc_priority[held])
    first = problem.arc_start[:-1][np.diff(problem.arc_start) > 0]
    demand = np.bincount(problem.arc_school[first], minlength=problem.school_count)
    return pd.DataFrame({"assigned": counts, "rejected": rejected, "worst_key": worst,
                         "first_choice_demand": demand})


def assignments_table(problem: CompiledProblem, allocation: Allocation, schools: pd.DataFrame,
                      applicants: pd.DataFrame) -> pd.DataFrame:
    """One row per applicant, in input order (CONTRACT.md columns first)."""
    school = allocation.assigned_school
    placed = school >= 0
    arc = allocation.assigned_arc
    has_arc = arc >= 0
    tier = per_arc(problem.arc_tier, arc, -1)
    source = per_arc(problem.arc_source, arc, -1)
    distance = per_arc(problem.arc_distance.astype(np.float64), arc, np.nan)
    swept = allocation.placed_by == PLACED_BY_SWEEP
    safe_school = np.maximum(school, 0)
    distance[swept] = haversine_km(problem.applicant_lat[swept], problem.applicant_lon[swept],
                                   problem.school_lat[safe_school[swept]],
                                   problem.school_lon[safe_school[swept]])
    choice_rank = np.where(has_arc, arc - problem.arc_start[:-1] + 1, -1)
    status = np.where(placed, "placed", np.where(problem.exclusion != "", "excluded", "unplaced"))
    tier_names = np.array(list(problem.tier_names) + [""], dtype=object)
    published = published_tiers(problem, tier)
    label = np.where(tier >= 0, published.astype(str) + " (" + tier_names[tier] + ")", "")
    cutoffs = first_choice_cutoffs(problem, allocation)
    code, reason = reasons(problem, allocation, label, source, choice_rank, cutoffs)
    school_ids = schools["school_id"].to_numpy(dtype=object)
    tier_column = pd.Series(published, dtype="Int64").mask(published < 0)
    rank_column = pd.Series(choice_rank, dtype="Int64").mask(choice_rank <= 0)
    frame = pd.DataFrame({
        "applicant_id": problem.applicant_ids,
        "school_id": np.where(placed, school_ids[safe_school], ""),
        "status": status,
        "tier": tier_column,
        "choice_rank": rank_column,
        "distance_km": np.round(distance, 3),
        "lottery": lottery_text(problem.draws),
        "reason": reason,
        "county": applicants["county"].to_numpy(dtype=object),
        "stage": applicants["stage"].to_numpy(dtype=object),
        "tier_name": tier_names[tier],
        "source": np.array(list(SOURCE_NAMES) + [""], dtype=object)[source],
        "reason_code": code,
        "lottery_draw": draw_text(problem.draws),
    })
    return frame[list(ASSIGNMENT_COLUMNS)]


def per_arc(values: np.ndarray, arc: np.ndarray, missing: float) -> np.ndarray:
    """``values[arc]`` per applicant, ``missing`` where the applicant holds no arc."""
    result = np.full(len(arc), missing, dtype=np.float64 if np.isnan(missing) else np.int64)
    held = arc >= 0
    result[held] = values[arc[held]]
    return result


def published_tiers(problem: CompiledProblem, tier: np.ndarray,
                    stage_of: np.ndarray | None = None) -> np.ndarray:
    """Tier numbers as published for each applicant's stage (-1 stays -1).

    ``tier`` is per applicant unless ``stage_of`` gives the stage of each entry.
    """
    stages = problem.applicant_stage if stage_of is None else stage_of
    result = np.full(len(tier), -1, dtype=np.int64)
    for stage, numbers in problem.tier_numbers.items():
        mask = (stages == stage) & (tier >= 0)
        result[mask] = numbers[tier[mask]]
    return result


def stage_tiers(problem: CompiledProblem, stage: str) -> list[tuple[int, str]]:
    """(published number, tier name) of every tier that applies to ``stage``, in order.

    The one tier vocabulary of a run: ``assignments.csv``, ``schools.csv``, the
    disclosure files and ``allocator explain`` all number a tier this way.
    """
    numbers = problem.tier_numbers.get(stage)
    if numbers is None:
        return list(enumerate(problem.tier_names))
    pairs = [(int(number), name) for number, name in zip(numbers, problem.tier_names,
                                                           strict=True) if number >= 0]
    return sorted(pairs)


def first_choice_cutoffs(problem: CompiledProblem, allocation: Allocation) -> np.ndarray:
    """Per applicant: cut-off of its first public school if that school turned people away."""
    outcome = school_outcomes(problem, allocation)
    worst = outcome["worst_key"].to_numpy()
    turned_away = (outcome["rejected"].to_numpy() > 0) & (worst >= 0)
    first = problem.first_public_arc()
    applicant = np.flatnonzero(first >= 0)
    first = first[applicant]
    text = np.full(problem.applicant_count, "", dtype=object)
    school = problem.arc_school[first]
    has = turned_away[school]
    tier = (worst[school[has]] >> TIER_SHIFT) & 0xFF
    names = np.array(problem.tier_names, dtype=object)
    lottery = _cutoff_lottery(problem, worst[school[has]])
    text[applicant[has]] = ["tier " + str(names[t]) + f", lottery {v:.4f}" for t, v in zip(
        tier, lottery, strict=True)]
    return text


def _cutoff_lottery(problem: CompiledProblem, worst_key: np.ndarray) -> np.ndarray:
    """Lottery number of the applicant holding each cut-off key."""
    tie = worst_key & TIE_MASK
    tier = (worst_key >> TIER_SHIFT) & 0xFF
    private = tier == len(problem.tier_names) - 1
    by_rank = np.empty(problem.applicant_count, dtype=np.int64)
    by_rank[problem.tie_rank] = np.arange(problem.applicant_count)
    by_lottery = np.argsort(problem.draws, kind="stable")
    rank = np.clip(tie, 0, max(problem.applicant_count - 1, 0))
    applicant = np.where(private & (problem.tier_names[-1] == "private_lottery"),
                         by_lottery[rank], by_rank[rank])
    return lottery_numbers(problem.draws)[applicant]


def schools_table(problem: CompiledProblem, allocation: Allocation,
                  schools: pd.DataFrame) -> pd.DataFrame:
    """One row per school: plan, assigned, surplus, oversubscription and cut-off."""
    outcome = school_outcomes(problem, allocation)
    capacity = problem.school_capacity
    oversubscribed = outcome["rejected"].to_numpy() > 0
    worst = outcome["worst_key"].to_numpy()
    has_cutoff = oversubscribed & (worst >= 0)
    cutoff_tier = np.where(has_cutoff, (worst >> TIER_SHIFT) & 0xFF, -1)
    published_cutoff = published_tiers(problem, cutoff_tier,
                                       schools["stage"].to_numpy(dtype=object))
    cutoff_lottery = np.where(has_cutoff, _cutoff_lottery(problem, np.maximum(worst, 0))
                              if problem.applicant_count else 0.0, np.nan)
    names = np.array(list(problem.tier_names), dtype=object)
    frame = pd.DataFrame({
        "school_id": problem.school_ids,
        "capacity": capacity,
        "assigned": outcome["assigned"].to_numpy(),
        "surplus": capacity - outcome["assigned"].to_numpy(),
        "oversubscribed": np.where(oversubscribed, "true", "false"),
        "cutoff_tier": pd.Series(published_cutoff, dtype="Int64").mask(~has_cutoff),
        "cutoff_lottery": [f"{v:.10f}" if ok else "" for v, ok in
                           zip(cutoff_lottery, has_cutoff, strict=True)],
        "cutoff_tier_name": np.where(has_cutoff, names[np.clip(cutoff_tier, 0, len(names) - 1)]
                                     if len(names) else "", ""),
        "name": schools["name"].to_numpy(dtype=object),
        "county": schools["county"].to_numpy(dtype=object),
        "stage": schools["stage"].to_numpy(dtype=object),
        "kind": schools["kind"].to_numpy(dtype=object),
        "first_choice_demand": outcome["first_choice_demand"].to_numpy(),
        "rejected_applicants": outcome["rejected"].to_numpy(),
    })
    return pd.concat([frame, _admitted_by_tier(problem, allocation)], axis=1)


def _admitted_by_tier(problem: CompiledProblem, allocation: Allocation) -> pd.DataFrame:
    """Counts of admitted applicants per school and tier (and by the sweep)."""
    by_mechanism = allocation.placed_by == PLACED_BY_MECHANISM
    held = allocation.assigned_arc[by_mechanism]
    columns: dict[str, np.ndarray] = {}
    for index, name in enumerate(problem.tier_names):
        at_tier = held[problem.arc_tier[held] == index]
        columns[f"admitted_{name}"] = np.bincount(problem.arc_school[at_tier],
                                                  minlength=problem.school_count)
    swept = allocation.placed_by == PLACED_BY_SWEEP
    columns["admitted_by_sweep"] = np.bincount(allocation.assigned_school[swept],
                                               minlength=problem.school_count)
    return pd.DataFrame(columns)


def envy_count(problem: CompiledProblem, allocation: Allocation) -> int:
    """Number of blocking (applicant, school) pairs."""
    return int(envy_arcs(problem, allocation).sum())


def summary_counts(assignments: pd.DataFrame, school_table: pd.DataFrame) -> dict[str, Any]:
    """Headline counts for ``summary.json`` and the terminal."""
    placed = assignments["status"] == "placed"
    distance = assignments.loc[placed, "distance_km"].dropna()
    return {
        "applicants": int(len(assignments)),
        "placed": int(placed.sum()),
        "unplaced": int((assignments["status"] == "unplaced").sum()),
        "excluded": int((assignments["status"] == "excluded").sum()),
        "placed_by_source": _value_counts(assignments.loc[placed, "reason_code"]),
        "placed_by_tier": _value_counts(assignments.loc[placed, "tier_name"]),
        "excluded_by_reason": _value_counts(
            assignments.loc[assignments["status"] == "excluded", "reason_code"]),
        "first_choice": int((assignments["choice_rank"] == 1).sum()),
        "counties": int(assignments["county"].nunique()),
        "schools": int(len(school_table)),
        "schools_oversubscribed": int((school_table["oversubscribed"] == "true").sum()),
        "schools_full": int((school_table["surplus"] == 0).sum()),
        "capacity": int(school_table["capacity"].sum()),
        "surplus_seats": int(school_table["surplus"].sum()),
        "distance_km": {
            "mean": _rounded(distance.mean()), "median": _rounded(distance.median()),
            "p95": _rounded(distance.quantile(0.95)), "max": _rounded(distance.max()),
        },
    }


def _value_counts(values: pd.Series) -> dict[str, int]:
    counts = values.value_counts()
    return {str(key): int(counts[key]) for key in sorted(counts.index, key=str)}


def _rounded(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 3)
