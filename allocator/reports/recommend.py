"""Capacity recommendations (挖潜扩容): where extra classes place the most children at home.

Objective, in order: fewer children outside their catchment (redirected, swept,
or not placed at all), then less total distance. Classes are chosen one at a
time; every candidate is evaluated exactly by re-solving the scenario's own
mechanism (and the sweep) on the compiled problem with the changed plan, so the
reported gain of each class is the gain a re-run of the scenario shows (a
mechanism not flagged ``fast``, such as ``exact-groups``, is evaluated with
deferred acceptance instead).
Candidates come from an optimisation: the min-cost-flow plan of
:mod:`allocator.reports.capacity_flow` (``method="flow"``, the default), or, with
``method="greedy"``, the public schools under the most pressure (those whose
catchment children are placed elsewhere). With ``allow_moves`` a class may
instead be moved from the school of the same county and stage with the most
idle surplus (at least one class of seats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.pipeline.run import RunResult
from allocator.problem.compiled import SOURCE_OVERFLOW, CompiledProblem
from allocator.problem.distance import haversine_km
from allocator.solvers.registry import Mechanism, get_mechanism
from allocator.solvers.result import PLACED_BY_MECHANISM, Allocation
from allocator.solvers.rounds import allocate

from .capacity_flow import flow_classes
from .frames import home_school


@dataclass(frozen=True)
class Evaluation:
    """Outcome of one plan: children outside their catchment and total distance."""

    outside: int
    distance_km: float
    allocation: Allocation

    def key(self) -> tuple[int, float]:
        """Lexicographic objective (lower is better)."""
        return self.outside, round(self.distance_km, 6)


def plan_of(problem: CompiledProblem) -> np.ndarray:
    """The approved plan per school (older compiled problems: the capacity)."""
    return np.asarray(getattr(problem, "school_plan", problem.school_capacity), dtype=np.int64)


def evaluate(problem: CompiledProblem, mechanism: Mechanism, plan: np.ndarray) -> Evaluation:
    """Solve with ``plan`` and measure the objective (excluded children not counted)."""
    changed = problem.with_capacity(plan)
    allocation = allocate(changed, mechanism)
    eligible = problem.exclusion == ""
    arc = np.maximum(allocation.assigned_arc, 0)
    by_mechanism = allocation.placed_by == PLACED_BY_MECHANISM
    inside = by_mechanism & (problem.arc_source[arc] != SOURCE_OVERFLOW)
    outside = int((eligible & ~inside).sum())
    distance = np.where(by_mechanism, problem.arc_distance[arc], np.nan).astype(np.float64)
    other = allocation.placed & ~by_mechanism
    school = np.maximum(allocation.assigned_school, 0)
    distance[other] = haversine_km(problem.applicant_lat[other], problem.applicant_lon[other],
                                   problem.school_lat[school[other]],
                                   problem.school_lon[school[other]])
    return Evaluation(outside, float(np.nansum(np.round(distance, 3))), allocation)


def _pressure(problem: CompiledProblem, evaluation: Evaluation, home: np.ndarray) -> np.ndarray:
    """Children of each school's catchment placed outside it (or not placed)."""
    allocation = evaluation.allocation
    arc = np.maximum(allocation.assigned_arc, 0)
    inside = (allocation.placed_by == PLACED_BY_MECHANISM) & (
        problem.arc_source[arc] != SOURCE_OVERFLOW)
    away = (problem.exclusion == "") & ~inside & (home >= 0)
    return np.bincount(home[away], minlength=problem.school_count)


def _donor(problem: CompiledProblem, evaluation: Evaluation, plan: np.ndarray,
           school: int, size: int) -> int:
    """School of the same unit with the most idle surplus of at least one class (-1 if none)."""
    free = plan - evaluation.allocation.school_counts(problem.school_count)
    same = (problem.school_unit == problem.school_unit[school]) & (free >= size)
    same[school] = False
    return int(np.argmax(np.where(same, free, -1))) if same.any() else -1


def recommend_classes(result: RunResult, classes: int, limit_per_school: int = 2,
                      candidates: int = 8, allow_moves: bool = False,
                      method: str = "flow") -> pd.DataFrame:
    """Choose up to ``classes`` extra classes; one row per class, in the order chosen.

    Parameters
    ----------
    result : RunResult
        A run; its mechanism is the one re-solved.
    classes : int
        Budget of extra classes (a class = the stage's class size).
    limit_per_school : int
        Most classes added to one school.
    candidates : int
        Schools under the most pressure evaluated at each step.
    allow_moves : bool
        Take each class from the school with the most idle surplus instead of adding it.
    method : {"flow", "greedy"}
        ``flow``: the classes are those of the min-cost-flow optimum
        (:mod:`allocator.reports.capacity_flow`), ordered by their exact gain;
        ``greedy``: at each step the best of the ``candidates`` schools under most pressure.
    """
    problem, mechanism = result.problem, result.loaded.mechanism
    if not mechanism.fast:  # e.g. exact-groups: each candidate would be a CP-SAT solve
        mechanism = get_mechanism("deferred-acceptance")
    sizes = dict(result.loaded.policy.class_size)
    stage = result.loaded.scenario.schools["stage"].to_numpy(dtype=object)
    size = np.array([sizes.get(value, 45) for value in stage], dtype=np.int64)
    plan = plan_of(problem).copy()
    added = np.zeros(problem.school_count, dtype=np.int64)
    home = home_school(problem)
    current = evaluate(problem, mechanism, plan)
    allowed = np.full(problem.school_count, limit_per_school, dtype=np.int64)
    if method == "flow":
        allowed = flow_classes(problem, np.where(problem.school_public, size, 0), classes,
                               limit_per_school)
        candidates = int((allowed > 0).sum())
    elif method != "greedy":
        raise ValueError(f"unknown method '{method}': choose flow or greedy")
    rows = []
    for step in range(1, classes + 1):
        choice = _best_change(problem, mechanism, plan, added, size, home, current,
                              allowed, candidates, allow_moves, method == "flow")
        if choice is None:
            break
        school, donor, evaluation = choice
        rows.append(_row(result, step, school, donor, plan, size, current, evaluation))
        plan[school] += size[school]
        if donor >= 0:
            plan[donor] -= size[school]
        added[school] += 1
        current = evaluation
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)


RECOMMENDATION_COLUMNS = ["step", "school_id", "name", "county", "stage", "seats_added",
                          "plan_before", "plan_after", "moved_from_school_id",
                          "outside_before", "outside_after", "gain_children",
                          "distance_before_km", "distance_after_km", "gain_distance_km"]


def _best_change(problem, mechanism, plan, added, size, home, current, allowed, candidates,
                 allow_moves, planned):
    pressure = _pressure(problem, current, home)
    open_schools = np.flatnonzero(problem.school_public & (added < allowed)
                                  & ((pressure > 0) | planned))
    ranked = open_schools[np.lexsort((open_schools, -pressure[open_schools]))][:candidates]
    best = None
    for school in ranked:
        trial = plan.copy()
        trial[school] += size[school]
        donor = _donor(problem, current, plan, school, size[school]) if allow_moves else -1
        if allow_moves and donor < 0:
            continue
        if donor >= 0:
            trial[donor] -= size[school]
        evaluation = evaluate(problem, mechanism, trial)
        if best is None or evaluation.key() < best[2].key():
            best = (int(school), donor, evaluation)
    if best is None or best[2].key() >= current.key():
        return None
    return best


def _row(result, step, school, donor, plan, size, before, after) -> dict:
    schools = result.loaded.scenario.schools
    return {"step": step, "school_id": str(schools["school_id"].iloc[school]),
            "name": str(schools["name"].iloc[school]),
            "county": str(schools["county"].iloc[school]),
            "stage": str(schools["stage"].iloc[school]), "seats_added": int(size[school]),
            "plan_before": int(plan[school]), "plan_after": int(plan[school] + size[school]),
            "moved_from_school_id": "" if donor < 0 else str(schools["school_id"].iloc[donor]),
            "outside_before": before.outside, "outside_after": after.outside,
            "gain_children": before.outside - after.outside,
            "distance_before_km": round(before.distance_km, 3),
            "distance_after_km": round(after.distance_km, 3),
            "gain_distance_km": round(before.distance_km - after.distance_km, 3)}
