"""The CP-SAT catchment model, solved lexicographically (after Gillani et al. 2023).

Steps, each a CP-SAT solve over the same constraints, the previous objectives held at
their best value found:

1. fewest children beyond their school's plan (the children the engine must place outside
   their catchment): ``sum_s max(0, demand_s - plan_s)``;
2. stability: fewest communities whose school changes against today's zones;
3. then fewest children in them;
4. least distance: children x km from each community to its school (plus a small term per
   community, so that communities without children still go to a near school).

Constraints: each community has one of its candidate schools (multi-school communities keep
their published schools); each school keeps its own community; every catchment is
contiguous (flow, :mod:`allocator.zoning.contiguity`); demand stays within the school's
limit (plan plus the policy slack, or today's demand where that is higher); optionally at
most ``max_moved`` communities change school. Solves run on deterministic time with one
worker and a fixed seed, so the same inputs give the same proposal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from allocator.zoning.contiguity import (
    Flows,
    Membership,
    add_flow_contiguity,
    add_order_contiguity,
    catchment_members,
    disconnected_schools,
    tree_flows,
)
from allocator.zoning.instance import ZoningInstance
from allocator.zoning.rebalance import rebalance

PHASES: tuple[str, ...] = ("outside_catchment", "moved_communities", "moved_children",
                           "distance")
#: Share of the time budget of each step.
SHARES: tuple[float, ...] = (0.3, 0.3, 0.2, 0.2)
#: Share of a step's budget spent on its bound (the model without contiguity).
BOUND_SHARE = 0.25
_STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
           cp_model.INFEASIBLE: "infeasible", cp_model.MODEL_INVALID: "invalid",
           cp_model.UNKNOWN: "unknown"}


@dataclass(frozen=True)
class Phase:
    """One lexicographic step: status, best objective, proven bound, time."""

    name: str
    status: str
    objective: float
    bound: float
    seconds: float

    @property
    def gap(self) -> float:
        """Relative gap between best objective and bound (0 when optimal)."""
        if self.status == "optimal":
            return 0.0
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)

    def to_dict(self) -> dict:
        """Plain form for ``summary.json``."""
        return {"name": self.name, "status": self.status, "objective": self.objective,
                "bound": self.bound, "gap": round(self.gap, 6), "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Proposal:
    """The optimiser's answer for one instance (``assignment`` None when none was found)."""

    assignment: np.ndarray | None
    phases: tuple[Phase, ...]
    variables: int

    @property
    def status(self) -> str:
        """``optimal`` when every step was proven optimal, else the weakest step's status."""
        statuses = [phase.status for phase in self.phases]
        for status in ("infeasible", "invalid", "unknown", "feasible"):
            if status in statuses:
                return status
        return "optimal"


@dataclass
class _Model:
    model: cp_model.CpModel
    membership: Membership
    objectives: dict[str, Any]
    flows: Flows
    beyond: list[Any]


def build_model(instance: ZoningInstance, max_moved: int | None,
                contiguity: str = "flow") -> _Model:
    """Variables, constraints and the three objective expressions (not yet solved).

    ``contiguity`` is ``flow`` (exact), ``order`` (nearer-neighbour ordering: no flow
    variables, a restriction of the contiguous catchments) or ``none`` (the relaxation
    that gives each step its bound).
    """
    model = cp_model.CpModel()
    membership: Membership = {}
    for community in range(instance.community_count):
        if instance.fixed[community]:
            for school in instance.fixed[community]:
                membership[(community, school)] = 1
            continue
        choices = []
        for school in instance.candidates[community]:
            variable = model.new_bool_var(f"x_{community}_{school}")
            membership[(community, int(school))] = variable
            choices.append(variable)
        model.add_exactly_one(choices)
    for school, community in enumerate(instance.own):
        if not instance.fixed[community]:
            model.add(membership[(int(community), school)] == 1)
    flows: Flows = {}
    if contiguity == "order":
        add_order_contiguity(model, instance, membership)
    elif contiguity == "flow":
        flows = add_flow_contiguity(model, instance, membership)
    demand = _demand_expressions(instance, membership)
    total = int(instance.children.sum()) + int(instance.fixed_demand().sum())
    beyond = []
    for school in range(instance.school_count):
        model.add(demand[school] <= int(instance.limit[school]))
        over = model.new_int_var(0, total, f"over_{school}")
        model.add(over >= demand[school] - int(instance.capacity[school]))
        beyond.append(over)
    moved = _moved(instance, membership)
    if max_moved is not None:
        model.add(sum(moved.values()) <= max_moved)
    moved_children = sum(moved_var * int(instance.children[c])
                         for c, moved_var in moved.items())
    distance = sum(variable * _distance_cost(instance, c, s)
                   for (c, s), variable in membership.items() if not isinstance(variable, int))
    return _Model(model, membership, {"outside_catchment": sum(beyond),
                                      "moved_communities": sum(moved.values()),
                                      "moved_children": moved_children, "distance": distance},
                  flows, beyond)


def _demand_expressions(instance: ZoningInstance, membership: Membership) -> list:
    fixed = instance.fixed_demand()
    terms: list[list] = [[] for _ in range(instance.school_count)]
    for (community, school), variable in membership.items():
        if not isinstance(variable, int) and instance.children[community]:
            terms[school].append(variable * int(instance.children[community]))
    return [sum(terms[school]) + int(fixed[school]) for school in range(instance.school_count)]


def _moved(instance: ZoningInstance, membership: Membership) -> dict[int, Any]:
    """``1 - x[c, today's school]`` per single-school community (1 if that is not allowed)."""
    moved: dict[int, Any] = {}
    for community, school in enumerate(instance.current):
        if school < 0 or instance.fixed[community]:
            continue
        keep = membership.get((community, int(school)))
        moved[community] = 1 if keep is None else 1 - keep
    return moved


def _distance_cost(instance: ZoningInstance, community: int, school: int) -> int:
    km = float(instance.distance_km[community, school])
    return int(round(100 * km * int(instance.children[community]))) + int(round(10 * km))


def propose(instance: ZoningInstance, *, max_moved: int | None = None,
            time_limit: float = 60.0, seed: int = 0, contiguity: str = "flow") -> Proposal:
    """Solve the steps in order; each holds the previous objectives at their best.

    Each step runs two solves (see the module notes): a bound from the model without
    contiguity (small, with its LP), then the search on the full model from the best
    contiguous plan so far (no LP: on the flow model it costs far more wall time than
    its deterministic time says). A relaxed optimum that is contiguous ends the step.

    Parameters
    ----------
    instance : ZoningInstance
        One county and stage.
    max_moved : int, optional
        Hard cap on communities whose school changes.
    time_limit : float
        Deterministic-time budget (CP-SAT's deterministic seconds, near wall seconds on an
        idle core) for the steps together, shared as :data:`SHARES`; a step stopped by it
        reports its gap.
    seed : int
        CP-SAT random seed (the same inputs and seed give the same proposal).
    contiguity : {"flow", "order"}
        Contiguity constraints (see :func:`build_model`).
    """
    built = build_model(instance, max_moved, contiguity)
    relaxed = build_model(instance, max_moved, "none")
    variables = len(built.model.proto.variables)
    assignment = rebalance(instance, instance.current) if max_moved is None else instance.current
    phases: list[Phase] = []
    for name, share in zip(PHASES, SHARES, strict=True):
        budget = max(time_limit * share, 0.2)
        phase, assignment = _step(name, built, relaxed, instance, assignment,
                                  budget, seed)
        phases.append(phase)
        if phase.status not in ("optimal", "feasible"):
            return Proposal(None, tuple(phases), variables)
        for model in (built, relaxed):
            model.model.add(model.objectives[name] <= int(phase.objective))
    return Proposal(assignment, tuple(phases), variables)


def _step(name: str, built: _Model, relaxed: _Model, instance: ZoningInstance,
          start: np.ndarray, budget: float, seed: int) -> tuple[Phase, np.ndarray]:
    """One lexicographic step: a bound (relaxed model), then the contiguous search."""
    clock = time.perf_counter()
    relaxed.model.minimize(relaxed.objectives[name])
    _hint(relaxed, start, instance)
    solver = _solver(seed, BOUND_SHARE * budget)
    status = solver.solve(relaxed.model)
    bound = float(solver.best_objective_bound)
    if status == cp_model.INFEASIBLE:
        return Phase(name, "infeasible", float("nan"), float("nan"),
                     time.perf_counter() - clock), start
    if status == cp_model.OPTIMAL:
        found = _read(solver, relaxed, instance)
        if _contiguous(instance, found):
            return Phase(name, "optimal", float(round(solver.objective_value)), bound,
                         time.perf_counter() - clock), found
    built.model.minimize(built.objectives[name])
    _hint(built, start, instance)
    solver = _solver(seed, (1 - BOUND_SHARE) * budget, linearization=0)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Phase(name, _STATUS.get(status, "unknown"), float("nan"), bound,
                     time.perf_counter() - clock), start
    best = float(round(solver.objective_value))
    optimal = status == cp_model.OPTIMAL or best <= bound
    return Phase(name, "optimal" if optimal else "feasible", best, min(bound, best),
                 time.perf_counter() - clock), _read(solver, built, instance)


def _solver(seed: int, budget: float, linearization: int = 1) -> cp_model.CpSolver:
    """One worker, a fixed seed and deterministic time: the same inputs, the same answer."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(budget, 0.1)
    solver.parameters.linearization_level = linearization
    return solver


def _contiguous(instance: ZoningInstance, assignment: np.ndarray) -> bool:
    return not disconnected_schools(instance, catchment_members(instance, assignment))


def _hint(built: _Model, assignment: np.ndarray, instance: ZoningInstance) -> None:
    """A complete starting point: assignment and, for the flow model, its tree flows."""
    built.model.clear_hints()
    for (community, school), variable in built.membership.items():
        if not isinstance(variable, int) and assignment[community] >= 0:
            built.model.add_hint(variable, int(assignment[community] == school))
    over = np.maximum(instance.demand(assignment) - instance.capacity, 0)
    for school, variable in enumerate(built.beyond):
        built.model.add_hint(variable, int(over[school]))
    if built.flows:
        values = tree_flows(instance, assignment)
        for key, flow in built.flows.items():
            built.model.add_hint(flow, values.get(key, 0))


def _read(solver: cp_model.CpSolver, built: _Model, instance: ZoningInstance) -> np.ndarray:
    assignment = np.full(instance.community_count, -1, dtype=np.int64)
    for (community, school), variable in built.membership.items():
        if not isinstance(variable, int) and solver.value(variable):
            assignment[community] = school
    return assignment
