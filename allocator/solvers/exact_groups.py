"""Exact mode for linked sibling groups: a CP-SAT model over the public arcs.

With groups placed together a stable matching may not exist (Roth 1984, the couples
problem); family-level deferred acceptance may leave blocking pairs. This finds the
fewest, for county-size instances, and measures the heuristic.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.result import Allocation
from allocator.solvers.units import Units, build_units, expand_to_members

#: Share of the remaining time given to each stage (the last stage takes the rest).
STAGE_SHARES = (0.6, 0.5, 0.5, 0.5, 1.0)
#: Above this many variables presolve takes the whole budget: search from the hint. Probing
#: and symmetry detection are always off (they cost more than they save on these models).
PRESOLVE_LIMIT = 150_000


def exact_groups(problem: CompiledProblem, time_limit_s: float = 60.0,
                 workers: int = 2) -> Allocation:
    """Fewest blocking pairs with every sibling group together (CP-SAT, staged).

    On the public arcs of placeable applicants, with the heuristic's units
    (:func:`allocator.solvers.units.build_units`): a group follows its lead's list
    and a member without an arc at the lead's school is placed with the group.

    Variables: ``x[u, s]`` (unit ``u`` holds ``s``), ``b[a, s]`` (arc ``a -> s``
    is a blocking pair), ``f[a, s]`` (``s`` is full with applicants ranked above
    ``a``), ``P[s, k]`` (seats held among the first ``k`` arcs of ``s`` in priority
    order) and ``h[a, k]`` (``a`` holds one of its first ``k`` choices).

    1. Each unit holds at most one school: ``sum_s x[u, s] <= 1``.
    2. Capacity: ``sum_u size_u * x[u, s] <= capacity_s``.
    3. Groups together: a member's arc at ``s`` holds iff its lead holds
       ``s`` (the member's arc reuses ``x[lead, s]``); a member with no arc at
       ``s`` takes a seat there without an arc (``extra_s``).
    4. School prefix (linear size): ``P[s, k] = P[s, k-1] + x(arc k)``, so
       ``above(a, s)`` is the ``P`` just before ``a`` in ``s``'s order.
    5. Fullness: ``f[a, s] => above(a, s) + extra_s >= capacity_s``.
    6. Blocking: ``b[a, s] + h[a, rank of s] + f[a, s] >= 1`` with the own-list
       prefix ``h[a, k] = h[a, k-1] + x(a, k)``; with 2. this is exactly
       :func:`allocator.verify.checks.envy_arcs`.
    7. Never fewer placed than the heuristic, ``sum size * x >= placed(DA)``,
       when the heuristic respects tier 0 (else tier 0 wins; the sweep follows).

    Objectives, solved in stages, each optimum fixed as a constraint of the next:

    a. minimise ``(arcs + 1) * blocking(tier 0) + blocking`` — tier 0 comes
       first (respected whenever any assignment can), then all blocking pairs;
    b. maximise placed applicants;
    c. minimise total distance (metres; unknown distances cost 0);
    d. maximise the units kept where the heuristic placed them (when the
       heuristic is already optimal for a-c, it is the answer);
    e. minimise a weight hashed from (lead applicant id, school id), so equal
       optima are told apart by ids, never by the row order of the input.

    Blocking pairs come first: "placed first" would trade a stable assignment
    for one more child placed by displacing a higher-priority one. Constraint 7
    and the heuristic's solution as hint make a time-limited run never worse
    than the heuristic. Independent (county, stage) units are solved apart.

    Parameters
    ----------
    problem : CompiledProblem
        The public round's problem (private arcs and excluded applicants are ignored).
    time_limit_s, workers : float, int
        Wall-clock budget for all stages together; CP-SAT search workers.

    Returns
    -------
    Allocation
        ``statistics``: ``status`` (``OPTIMAL`` when every stage of every part is
        proved, else ``FEASIBLE``), stage statuses, values, the heuristic's, ``wall_s``.
    """
    start = time.perf_counter()
    sub, kept = problem.restrict(~problem.arc_private, problem.exclusion == "")
    units = build_units(sub)
    heuristic = deferred_acceptance(sub)
    assigned = np.full(sub.applicant_count, -1, dtype=np.int64)
    parts, arcs_left = [], sub.arc_count
    for members in independent_parts(sub, units):
        part, part_arcs = sub.restrict(np.ones(sub.arc_count, dtype=bool), members)
        now = time.perf_counter()
        deadline = now + (start + time_limit_s - now) * part.arc_count / max(arcs_left, 1)
        arcs_left -= part.arc_count
        model = build_model(part, units, heuristic, members)
        values, statistics = solve_in_stages(model, deadline, workers)
        chosen = part_arcs[model.unit_arc[values > 0]]
        assigned[sub.arc_applicant()[chosen]] = chosen
        parts.append(statistics)
    statistics = _merge(parts, time.perf_counter() - start)
    allocation = expand_to_members(sub, units, Allocation.from_arcs(
        "exact-groups", assigned, sub.arc_school.astype(np.int64), statistics))
    arc = np.full(len(allocation.assigned_arc), -1, dtype=np.int64)
    held = allocation.assigned_arc >= 0
    arc[held] = kept[allocation.assigned_arc[held]]
    return Allocation("exact-groups", arc, allocation.assigned_school, allocation.placed_by,
                      statistics)


def independent_parts(problem: CompiledProblem, units: Units) -> list[np.ndarray]:
    """Applicant masks of the (county, stage) units, solved apart when nothing links them.

    Each objective is a sum over independent parts, so exact parts make an exact whole.
    """
    arc_applicant = problem.arc_applicant()
    unit = problem.applicant_unit
    separable = (np.array_equal(unit[arc_applicant], problem.school_unit[problem.arc_school])
                 and np.array_equal(unit, unit[units.lead]))
    if not separable:
        return [np.ones(problem.applicant_count, dtype=bool)]
    return [unit == code for code in np.unique(unit[arc_applicant])]


@dataclass
class GroupModel:
    """The CP-SAT model, its stage objectives and a hint for every variable."""

    model: cp_model.CpModel
    unit_arc: np.ndarray
    unit_size: np.ndarray
    unit_vars: list
    objectives: list = field(default_factory=list)
    senses: list = field(default_factory=list)
    bounds: list = field(default_factory=list)
    blocking_flags: list = field(default_factory=list)
    tier0_flags: list = field(default_factory=list)
    weight: int = 1  # of a tier-0 blocking pair in objective a
    hint: dict = field(default_factory=dict)
    heuristic_values: dict = field(default_factory=dict)


def link_arcs(problem: CompiledProblem, units: Units) -> tuple[np.ndarray, np.ndarray]:
    """Unit variable of every arc (-1: never held) and the units' first arcs.

    A unit variable is the first arc of a lead or single at a school; a
    member's first arc at its lead's school reuses it (constraint 3).
    """
    arc_applicant = problem.arc_applicant()
    key = units.lead[arc_applicant] * problem.school_count + problem.arc_school
    own_key = arc_applicant * problem.school_count + problem.arc_school
    _, first_own = np.unique(own_key, return_index=True)
    first = np.zeros(problem.arc_count, dtype=bool)
    first[first_own] = True
    proposing = first & (units.size[arc_applicant] > 0)
    unit_arc = np.flatnonzero(proposing)
    variable = np.full(problem.arc_count, -1, dtype=np.int64)
    if len(unit_arc):
        order = np.argsort(key[unit_arc], kind="stable")
        sorted_keys = key[unit_arc][order]
        position = np.minimum(np.searchsorted(sorted_keys, key), len(unit_arc) - 1)
        found = first & (sorted_keys[position] == key)
        variable[found] = order[position[found]]
    return variable.astype(np.int64), unit_arc


def build_model(problem: CompiledProblem, units: Units, heuristic: Allocation,
                members: np.ndarray) -> GroupModel:
    """Constraints 1-7 and the stage objectives for ``members``; the heuristic is the hint."""
    variable, unit_arc = link_arcs(problem, units)
    model = cp_model.CpModel()
    unit_vars = [model.new_bool_var(f"x{arc}") for arc in unit_arc]
    lead = problem.arc_applicant()[unit_arc]
    size = units.size[lead]
    # members of each unit seated at its school without an arc of their own
    extra = size - np.bincount(variable[variable >= 0], minlength=len(unit_arc))
    group_model = GroupModel(model, unit_arc, size, unit_vars)
    held = (heuristic.assigned_school[lead] == problem.arc_school[unit_arc]).astype(np.int64)
    group_model.hint.update(zip(unit_vars, held.tolist(), strict=True))
    blocking, tier0 = _add_blocking(group_model, problem, variable, extra, held)
    group_model.blocking_flags, group_model.tier0_flags = blocking, tier0
    respects_tier0 = not any(group_model.hint[flag] for flag in tier0)
    _add_unit_constraints(group_model, problem, int(heuristic.placed[members].sum()),
                          respects_tier0)
    group_model.weight = weight = problem.arc_count + 1
    group_model.bounds = [0, int(size[np.unique(lead, return_index=True)[1]].sum()), None,
                          None, None]
    group_model.objectives = [weight * sum(tier0) + sum(blocking),
                              cp_model.LinearExpr.weighted_sum(unit_vars, size.tolist()),
                              _distance(problem, variable, unit_vars),
                              cp_model.LinearExpr.weighted_sum(unit_vars, held.tolist()),
                              cp_model.LinearExpr.weighted_sum(
                                  unit_vars, _canonical_weights(problem, unit_arc).tolist())]
    group_model.senses = ["min", "max", "min", "max", "min"]
    return group_model


def _canonical_weights(problem: CompiledProblem, unit_arc: np.ndarray) -> np.ndarray:
    """A weight per (lead applicant id, school id) from a hash: ties broken by ids.

    Equal optima of stages a-d are then told apart by the ids alone, never by the
    row order of the input (the order in which the model's variables were made).
    """
    leads = problem.applicant_ids[problem.arc_applicant()[unit_arc]]
    schools = problem.school_ids[problem.arc_school[unit_arc]]
    return np.array([int.from_bytes(hashlib.blake2b(f"{a}\x1f{s}".encode(),
                                                    digest_size=3).digest(), "big") + 1
                     for a, s in zip(leads, schools, strict=True)], dtype=np.int64)


def _add_unit_constraints(group_model: GroupModel, problem, heuristic_placed,
                          floor: bool) -> None:
    """Constraints 1, 2 and (when ``floor``) 7."""
    model, unit_vars, size = group_model.model, group_model.unit_vars, group_model.unit_size
    lead = problem.arc_applicant()[group_model.unit_arc]
    school = problem.arc_school[group_model.unit_arc]
    for indices in _runs(lead):
        if len(indices) > 1:
            model.add_at_most_one(unit_vars[i] for i in indices)
    by_school = np.argsort(school, kind="stable")
    for indices in _runs(school[by_school]):
        chosen = by_school[indices]
        seats = int(problem.school_capacity[school[chosen[0]]])
        if size[chosen].sum() > seats:
            model.add(cp_model.LinearExpr.weighted_sum(
                [unit_vars[i] for i in chosen], size[chosen].tolist()) <= seats)
    if floor:
        model.add(cp_model.LinearExpr.weighted_sum(unit_vars, size.tolist())
                  >= heuristic_placed)
    group_model.heuristic_values["placed"] = heuristic_placed


def _runs(values: np.ndarray) -> list[np.ndarray]:
    """Index ranges of the runs of equal consecutive values."""
    if len(values) == 0:
        return []
    return np.split(np.arange(len(values)), np.flatnonzero(np.diff(values)) + 1)


def _add_blocking(group_model: GroupModel, problem, variable, extra, held):
    """Constraints 4-6; returns the blocking booleans (all, and of tier-0 arcs)."""
    above = _school_prefixes(group_model, problem, variable, held)
    seats = _extra_seats(group_model, problem, extra, held)
    blocking, tier0 = [], []
    for applicant in range(problem.applicant_count):
        holds, holds_value = None, 0
        for arc in range(problem.arc_start[applicant], problem.arc_start[applicant + 1]):
            if variable[arc] >= 0:
                holds, holds_value = _extend_holds(group_model, holds, holds_value,
                                                   variable[arc], held)
            if problem.school_capacity[problem.arc_school[arc]] <= 0:
                continue  # nobody can hold a seat there, so nobody is refused one
            flag = _blocking_flag(group_model, problem, arc, holds, holds_value, above, seats)
            blocking.append(flag)
            if problem.arc_tier[arc] == 0:
                tier0.append(flag)
    group_model.heuristic_values["blocking_pairs"] = sum(
        group_model.hint[flag] for flag in blocking)
    return blocking, tier0


def _extend_holds(group_model: GroupModel, holds, holds_value: int, index: int, held):
    """Own-list prefix: ``h_k = h_{k-1} + x_k`` (boolean by constraint 1)."""
    unit_var, value = group_model.unit_vars[index], holds_value + int(held[index])
    if holds is None:
        return unit_var, value
    prefix = group_model.model.new_bool_var("h")
    group_model.model.add(prefix == holds + unit_var)
    group_model.hint[prefix] = value
    return prefix, value


def _blocking_flag(group_model: GroupModel, problem, arc, holds, holds_value, above, seats):
    """Constraints 5 and 6 for one arc; the hint follows the heuristic's values."""
    model = group_model.model
    above_expr, above_value, above_most = above
    extra_expr, extra_value, extra_most = seats
    school = problem.arc_school[arc]
    capacity = int(problem.school_capacity[school])
    flag = model.new_bool_var(f"b{arc}")
    clause = [flag] if holds is None else [flag, holds]
    full_value = 0
    if above_most[arc] + extra_most[school] >= capacity:  # else never full above ``arc``
        full = model.new_bool_var(f"f{arc}")
        before = above_expr[arc] if above_expr[arc] is not None else 0
        model.add(before + extra_expr[school] >= capacity).only_enforce_if(full)
        full_value = int(above_value[arc] + extra_value[school] >= capacity)
        group_model.hint[full] = full_value
        clause.append(full)
    model.add_bool_or(clause)
    group_model.hint[flag] = int(holds_value == 0 and full_value == 0)
    return flag


def _school_prefixes(group_model: GroupModel, problem, variable, held):
    """``above(a, s)`` per arc as the prefix variable before it (None when 0)."""
    model, unit_vars = group_model.model, group_model.unit_vars
    above_expr: list = [None] * problem.arc_count
    above_value, above_most = np.zeros((2, problem.arc_count), dtype=np.int64)
    order = np.argsort(problem.arc_priority, kind="stable")
    school = problem.arc_school[order]
    for indices in _runs(school):
        prefix, value, most = None, 0, 0
        seats = int(problem.school_capacity[school[indices[0]]])
        for arc in order[indices]:
            above_expr[arc], above_value[arc], above_most[arc] = prefix, value, most
            if variable[arc] < 0:
                continue
            value, most = value + int(held[variable[arc]]), most + 1
            step = model.new_int_var(0, max(seats, 0), f"P{arc}")
            model.add(step == (prefix if prefix is not None else 0) + unit_vars[variable[arc]])
            group_model.hint[step] = value
            prefix = step
    return above_expr, above_value, above_most


def _extra_seats(group_model: GroupModel, problem, extra, held):
    """Seats per school taken by members without an arc there: expression, hint, maximum."""
    expressions: list = [0] * problem.school_count
    values, most = np.zeros((2, problem.school_count), dtype=np.int64)
    school = problem.arc_school[group_model.unit_arc]
    for index in np.flatnonzero(extra > 0):
        target = school[index]
        expressions[target] = expressions[target] + int(extra[index]) * group_model.unit_vars[
            index]
        values[target] += int(extra[index]) * int(held[index])
        most[target] += int(extra[index])
    return expressions, values, most


def _distance(problem, variable, unit_vars):
    """Total distance in metres of the arcs held (constraint c)."""
    metres = np.nan_to_num(problem.arc_distance.astype(float), nan=0.0) * 1000.0
    weights = np.zeros(len(unit_vars), dtype=np.int64)
    has = variable >= 0
    np.add.at(weights, variable[has], np.rint(metres[has]).astype(np.int64))
    return cp_model.LinearExpr.weighted_sum(unit_vars, weights.tolist())


def solve_in_stages(group_model: GroupModel, deadline: float,
                    workers: int) -> tuple[np.ndarray, dict]:
    """Solve objectives a, b, c in turn; returns the unit values and statistics.

    A stage whose hint already meets a trivial bound (no blocking pair, every
    unit with a school placed) is optimal without a search.
    """
    statuses: list[str] = []
    results: list[int] = []
    for stage, (objective, sense, share, bound) in enumerate(zip(
            group_model.objectives, group_model.senses, STAGE_SHARES, group_model.bounds,
            strict=True)):
        if bound is not None and bound == _hint_value(group_model, stage):
            status, best = "OPTIMAL", bound
        else:
            status, best = _solve_stage(group_model, objective, sense, workers,
                                        (deadline - time.perf_counter()) * share)
        statuses.append(status)
        if best is None:
            break
        results.append(best)
        group_model.model.add(objective <= best if sense == "min" else objective >= best)
    values = np.array([group_model.hint[var] for var in group_model.unit_vars], dtype=np.int64)
    return values, _statistics(group_model, statuses, results)


def _solve_stage(group_model: GroupModel, objective, sense: str, workers: int,
                 seconds: float) -> tuple[str, int | None]:
    """One CP-SAT solve from the current hint; the hint becomes the solution found."""
    model = group_model.model
    model.clear_hints()
    for var, value in group_model.hint.items():
        model.add_hint(var, value)
    model.minimize(objective) if sense == "min" else model.maximize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_presolve = len(group_model.hint) <= PRESOLVE_LIMIT
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None
    group_model.hint = {var: solver.value(var) for var in group_model.hint}
    return solver.status_name(status), int(round(solver.objective_value))


def _hint_value(group_model: GroupModel, stage: int) -> int:
    """Value of objective a (stage 0) or b (stage 1) at the hint."""
    hint = group_model.hint
    if stage == 1:
        return int(sum(int(size) * hint[var] for var, size in zip(
            group_model.unit_vars, group_model.unit_size, strict=True)))
    return (group_model.weight * sum(hint[flag] for flag in group_model.tier0_flags)
            + sum(hint[flag] for flag in group_model.blocking_flags))


def _statistics(group_model: GroupModel, statuses: list[str], results: list[int]) -> dict:
    """Solver status, the values of the solution returned and the heuristic's."""
    hint = group_model.hint
    optimal = len(statuses) == len(group_model.objectives) and set(statuses) == {"OPTIMAL"}
    statistics = {"status": "OPTIMAL" if optimal else "FEASIBLE", "stage_status": statuses,
                  "variables": len(hint), "placed": _hint_value(group_model, 1),
                  "blocking_pairs": sum(hint[flag] for flag in group_model.blocking_flags),
                  "tier0_blocking_pairs": sum(hint[flag] for flag in group_model.tier0_flags),
                  **{f"heuristic_{key}": value
                     for key, value in group_model.heuristic_values.items()}}
    if len(results) >= 3:
        statistics["distance_km"] = results[2] / 1000.0
    return statistics


def _merge(parts: list[dict], wall_s: float) -> dict:
    """One statistics dictionary for the whole problem (sums over the parts)."""
    proved = sum(p["status"] == "OPTIMAL" for p in parts)
    merged = {"status": "OPTIMAL" if proved == len(parts) else "FEASIBLE", "parts": len(parts),
              "parts_optimal": proved, "stage_status": [p["stage_status"] for p in parts],
              "wall_s": wall_s}
    for key in ("variables", "blocking_pairs", "tier0_blocking_pairs", "placed",
                "heuristic_placed", "heuristic_blocking_pairs", "distance_km"):
        if all(key in p for p in parts):
            merged[key] = sum(p[key] for p in parts)
    return merged
