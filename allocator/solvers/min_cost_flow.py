"""The system optimum as a lexicographic min-cost flow over applicant types.

Objective, in strict lexicographic order (each level is never traded for a
later one):

1. place as many children as possible (counting the county-wide sweep, 统筹);
2. honour the priority tiers: as many children as possible placed at tier 0,
   then at tiers 0-1, then 0-2, ... (a school reached only through the sweep
   counts as a tier below every tier of the policy);
3. minimise the total home-to-school distance, in distance classes of
   ``resolution_km`` (default 0.1 km).

Graph. Applicants with the same (county, stage) unit and the same effective
list, arc by arc the same school, tier and distance class, form one *type*
node with supply = its size, so the graph grows with the number of types, not
applicants. Arcs: type -> school (one per list entry, capacity = type size),
type -> unit pool -> every public school of the unit (the sweep, when the
policy has it), type -> sink ("not placed"), school -> sink (capacity = seats).

Cost scheme. Each level is a small non-negative cost vector on the type arcs
(an indicator of "not placed", of "tier >= j", or the distance class). Levels
are combined with weights ``w_i = 1 + sum_{k>i} w_k * B * max(c_k)``, where
``B`` bounds the number of type nodes on a simple cycle of the residual graph
(schools of the unit + pool + sink; no arc crosses a unit, so every unit is
solved on its own graph with its own sink): a residual cycle passes each type
node once, entering by a cancelled arc and leaving by a new one, so each level
changes by at most ``B * max(c_k)`` around it. The weighted cost of a cycle
therefore has the sign of the first level it changes, and a weighted optimum is
lexicographically optimal (no lexicographically improving cycle is left).
When the weights of all levels do not fit OR-Tools' 64-bit cost range, levels
are solved in packs: after each pack, node potentials (shortest paths in the
residual graph, Bellman-Ford) fix every arc whose reduced cost is non-zero to
its current flow, which keeps exactly the optimal face of that pack (LP
complementary slackness), and the next pack optimises inside it.

Individuals. Inside a type, members are taken in tie-break order (lottery
last) and drawn into the type's flows in the order of its list (best choice
first); members sent to the pool are left for the pipeline's final sweep,
which places exactly that many (the sweep uses the same free public seats).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from ortools.graph.python import min_cost_flow as ortools_flow

from allocator.problem.compiled import SCHOOL_SHIFT, CompiledProblem
from allocator.solvers.result import Allocation

DEFAULT_RESOLUTION_KM = 0.1
_COST_LIMIT = 1 << 60
_DISTANCE_BITS = 20
_TIER_BITS = 8


@dataclass(frozen=True)
class FlowGraph:
    """Arcs, capacities and supplies of the aggregated flow problem.

    Attributes
    ----------
    tails, heads, capacities : np.ndarray
        One entry per arc (int64).
    supplies : np.ndarray
        Supply per node (types positive, the sink negative).
    level_costs : list of np.ndarray
        The lexicographic cost levels, best-first, one value per arc.
    cycle_bound : int
        Maximum number of type nodes on a simple residual cycle.
    node_unit : np.ndarray, optional
        (County, stage) unit of every node (-1 for the shared sink).
    """

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    supplies: np.ndarray
    level_costs: list[np.ndarray]
    cycle_bound: int
    node_unit: np.ndarray | None = None

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.supplies)


@dataclass(frozen=True)
class ApplicantTypes:
    """Applicants grouped into types (identical unit and effective list)."""

    of_applicant: np.ndarray   # type per applicant, -1 = not in the graph
    representative: np.ndarray  # one applicant per type (its list speaks for the type)
    size: np.ndarray
    unit: np.ndarray


def min_cost_flow(problem: CompiledProblem, resolution_km: float = DEFAULT_RESOLUTION_KM,
                  aggregate: bool = True) -> Allocation:
    """System optimum: most children placed, then tiers lexicographically, then distance.

    Parameters
    ----------
    problem : CompiledProblem
        The compiled problem (never changed).
    resolution_km : float
        Width of a distance class; distances are compared in whole classes.
    aggregate : bool
        Group identical applicants into types (False: one node per applicant,
        the same optimum on a larger graph; used by the benchmark).

    Returns
    -------
    Allocation
        Placements on list arcs; children sent to the sweep pool are left
        unplaced for the pipeline's final sweep. ``statistics`` holds the
        graph size (types, nodes, arcs) and the number of solver calls.
    """
    original = problem
    problem = schools_in_id_order(problem)
    types = applicant_types(problem, resolution_km, aggregate)
    graph, list_arc_start = build_graph(problem, types, resolution_km)
    flows, solves = flow_by_unit(graph, np.bincount(problem.school_unit,
                                                    minlength=problem.school_unit.max(initial=0)
                                                    + 1))
    list_flows = flows[:list_arc_start[-1]]
    assigned_arc = keep_groups_together(
        problem, draw_members(problem, types, list_arc_start, list_flows))
    problem = original
    statistics = {"types": len(types.size), "nodes": graph.node_count,
                  "arcs": len(graph.tails), "solver_calls": solves}
    return Allocation.from_arcs("min-cost-flow", assigned_arc, problem.arc_school, statistics)


def schools_in_id_order(problem: CompiledProblem) -> CompiledProblem:
    """The same problem with schools numbered in ``school_id`` order (arcs unchanged).

    Among equally good optima the solver's choice follows node numbering; numbering
    schools by id (and types by content, see :func:`applicant_types`) makes the
    result independent of the row order of the input files.
    """
    order = np.argsort(problem.school_ids.astype(str), kind="stable")
    if np.array_equal(order, np.arange(len(order))):
        return problem
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    school = rank[problem.arc_school.astype(np.int64)]
    priority = (problem.arc_priority & ((1 << SCHOOL_SHIFT) - 1)) | (school << SCHOOL_SHIFT)
    return replace(
        problem, school_ids=problem.school_ids[order], school_unit=problem.school_unit[order],
        school_capacity=problem.school_capacity[order],
        school_public=problem.school_public[order], school_lat=problem.school_lat[order],
        school_lon=problem.school_lon[order], school_plan=problem.school_plan[order],
        school_ceiling=problem.school_ceiling[order], arc_school=school.astype(np.int32),
        arc_priority=priority)


def distance_class(distance_km: np.ndarray, resolution_km: float) -> np.ndarray:
    """Whole distance classes (unknown distance = class 0)."""
    classes = np.rint(np.nan_to_num(distance_km.astype(np.float64), nan=0.0) / resolution_km)
    return np.clip(classes, 0, (1 << _DISTANCE_BITS) - 1).astype(np.int64)


def _sweep_units(problem: CompiledProblem) -> np.ndarray:
    """Units that have a public school with seats, when the policy sweeps (else none)."""
    if not problem.final_sweep:
        return np.zeros(0, dtype=np.int64)
    open_public = problem.school_public & (problem.school_capacity > 0)
    return np.unique(problem.school_unit[open_public])


def applicant_types(problem: CompiledProblem, resolution_km: float,
                    aggregate: bool = True) -> ApplicantTypes:
    """Group applicants with the same unit and list (school, tier, distance class per arc)."""
    n = problem.applicant_count
    length = np.diff(problem.arc_start)
    sweepable = np.isin(problem.applicant_unit, _sweep_units(problem))
    member = (problem.exclusion == "") & ((length > 0) | sweepable)
    people = np.flatnonzero(member)
    if not aggregate:
        of_applicant = np.full(n, -1, dtype=np.int64)
        of_applicant[people] = np.arange(len(people))
        return ApplicantTypes(of_applicant, people, np.ones(len(people), dtype=np.int64),
                              problem.applicant_unit[people].astype(np.int64))
    width = int(length.max()) if n else 0
    codes = np.full((len(people), width + 3), -1, dtype=np.int64)
    codes[:, 0] = problem.applicant_unit[people]
    codes[:, 1] = length[people]
    codes[:, 2] = _sibling_group(problem)[people]  # siblings share one type (同胞同校)
    arc_code = ((problem.arc_school.astype(np.int64) << (_TIER_BITS + _DISTANCE_BITS))
                | (problem.arc_tier.astype(np.int64) << _DISTANCE_BITS)
                | distance_class(problem.arc_distance, resolution_km))
    rows = np.repeat(np.arange(len(people)), length[people])
    arcs = _member_arcs(problem, people)
    positions = arcs - np.repeat(problem.arc_start[people], length[people])
    codes[rows, positions + 3] = arc_code[arcs]
    keys = np.ascontiguousarray(codes).view(np.dtype((np.void, codes.shape[1] * 8))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    of_applicant = np.full(n, -1, dtype=np.int64)
    of_applicant[people] = inverse.ravel()
    representative = people[first]
    size = np.bincount(inverse.ravel(), minlength=len(first)).astype(np.int64)
    return ApplicantTypes(of_applicant, representative, size,
                          problem.applicant_unit[representative].astype(np.int64))


def _member_arcs(problem: CompiledProblem, people: np.ndarray) -> np.ndarray:
    """Arc indices of ``people`` in CSR order."""
    start = problem.arc_start[people]
    length = problem.arc_start[people + 1] - start
    offsets = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    return np.repeat(start, length) + offsets


def build_graph(problem: CompiledProblem, types: ApplicantTypes,
                resolution_km: float) -> tuple[FlowGraph, np.ndarray]:
    """The flow graph of :mod:`this module <allocator.solvers.min_cost_flow>`.

    Returns the graph and the CSR offsets of each type's list arcs (arcs
    ``0 .. offsets[-1]`` are the list arcs, type by type, in list order).
    """
    type_count, school_count = len(types.size), problem.school_count
    sweep_units = _sweep_units(problem)
    pool_node = type_count + school_count + np.arange(len(sweep_units))
    sink = type_count + school_count + len(sweep_units)
    rep = types.representative
    arcs = _member_arcs(problem, rep)
    length = np.diff(problem.arc_start)[rep]
    list_start = np.concatenate([[0], np.cumsum(length)]).astype(np.int64)
    list_type = np.repeat(np.arange(type_count), length)
    pooled = np.flatnonzero(np.isin(types.unit, sweep_units))
    pool_of_type = pool_node[np.searchsorted(sweep_units, types.unit[pooled])]
    public = np.flatnonzero(problem.school_public & np.isin(problem.school_unit, sweep_units))
    pool_of_school = pool_node[np.searchsorted(sweep_units, problem.school_unit[public])]
    capacity = problem.school_capacity.astype(np.int64)
    parts = [  # (tails, heads, capacities, kind) with kind 0 list, 1 pool, 2 unplaced, 3 other
        (list_type, type_count + problem.arc_school[arcs], types.size[list_type], 0),
        (pooled, pool_of_type, types.size[pooled], 1),
        (np.arange(type_count), np.full(type_count, sink), types.size, 2),
        (pool_of_school, type_count + public, capacity[public], 3),
        (type_count + np.arange(school_count), np.full(school_count, sink), capacity, 3),
    ]
    tails = np.concatenate([p[0] for p in parts]).astype(np.int64)
    heads = np.concatenate([p[1] for p in parts]).astype(np.int64)
    capacities = np.concatenate([p[2] for p in parts]).astype(np.int64)
    kind = np.concatenate([np.full(len(p[0]), p[3], np.int8) for p in parts])
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:type_count] = types.size
    supplies[sink] = -types.size.sum()
    levels = _level_costs(problem, arcs, kind, resolution_km)
    unit_schools = np.bincount(problem.school_unit) if school_count else np.zeros(1, int)
    bound = int(unit_schools.max(initial=0)) + 2
    node_unit = np.concatenate([types.unit, problem.school_unit, sweep_units, [-1]])
    return (FlowGraph(tails, heads, capacities, supplies, levels, bound,
                      node_unit.astype(np.int64)), list_start)


def _level_costs(problem: CompiledProblem, list_arcs: np.ndarray, kind: np.ndarray,
                 resolution_km: float) -> list[np.ndarray]:
    """Cost levels: not placed, then ``tier >= j`` for each j, then distance class."""
    tier = np.full(len(kind), -1, dtype=np.int64)
    tier[kind == 0] = problem.arc_tier[list_arcs]
    tier[kind == 1] = len(problem.tier_names)  # reached only through the sweep
    levels = [(kind == 2).astype(np.int8)]  # small dtypes: 13 M arcs at 1 M applicants
    present = np.unique(tier[tier >= 0])
    for level in present[1:]:  # "tier >= j" only where some arc has tier j: no repeated level
        levels.append((tier >= level).astype(np.int8))
    distance = np.zeros(len(kind), dtype=np.int32)
    distance[kind == 0] = distance_class(problem.arc_distance[list_arcs], resolution_km)
    levels.append(distance)
    return levels


def flow_by_unit(graph: FlowGraph, unit_schools: np.ndarray) -> tuple[np.ndarray, int]:
    """:func:`lexicographic_flow` solved county by county (no arc crosses a unit).

    Each unit's graph has its own sink and the cycle bound of its own schools, so
    weights stay small and each solve fits the processor's caches. Returns the
    flows of ``graph``'s arcs and the number of solver calls.
    """
    if graph.node_unit is None:
        return lexicographic_flow(graph)
    flows = np.zeros(len(graph.tails), dtype=np.int64)
    sink = graph.node_count - 1
    arc_unit = graph.node_unit[graph.tails]
    order = np.argsort(arc_unit, kind="stable")
    units, starts = np.unique(arc_unit[order], return_index=True)
    ends = np.r_[starts[1:], len(order)]
    pieces: list[np.ndarray] = []
    parts: list[FlowGraph] = []
    for unit, start, end in zip(units, starts, ends, strict=True):
        arcs = order[start:end]
        nodes, local = np.unique(np.concatenate([graph.tails[arcs], graph.heads[arcs]]),
                                 return_inverse=True)
        supplies = graph.supplies[nodes].copy()
        if nodes[-1] == sink:
            supplies[-1] = -supplies[:-1].sum()
        bound = int(unit_schools[unit]) + 2 if unit >= 0 else graph.cycle_bound
        pieces.append(arcs)
        parts.append(FlowGraph(local[:len(arcs)], local[len(arcs):], graph.capacities[arcs],
                               supplies, [level[arcs] for level in graph.level_costs], bound))
    calls = 0
    for arcs, (part_flows, solves) in zip(pieces, _solve_parts(parts), strict=True):
        flows[arcs] = part_flows
        calls += solves
    return flows, calls


#: Below this many arcs the units are solved in this process (a pool costs ~1 s to start).
PARALLEL_MIN_ARCS = 2_000_000


def solver_workers() -> int:
    """Processes for the per-unit solves: ``ALLOCATOR_WORKERS`` or the cores (at most 4).

    1 inside a daemonic process (a Dask or pool worker may not start children).
    """
    if multiprocessing.current_process().daemon:
        return 1
    configured = os.environ.get("ALLOCATOR_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 4))


def _solve_parts(parts: list[FlowGraph]) -> list[tuple[np.ndarray, int]]:
    """Solve independent unit graphs, in worker processes when large (same results)."""
    workers = min(solver_workers(), len(parts))
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if (workers <= 1 or not forkable
            or sum(len(part.tails) for part in parts) < PARALLEL_MIN_ARCS):
        return [lexicographic_flow(part) for part in parts]
    # fork: the children only run numpy and OR-Tools' single-threaded solver on the parts
    # they are given (spawn would re-import __main__, which breaks notebooks and stdin)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(lexicographic_flow, parts, chunksize=4))


def lexicographic_flow(graph: FlowGraph) -> tuple[np.ndarray, int]:
    """Flow per arc that is lexicographically optimal for ``graph.level_costs``.

    Returns the flows and the number of solver calls.
    """
    flows = np.zeros(len(graph.tails), dtype=np.int64)
    active = graph.capacities > 0
    supplies = graph.supplies.copy()
    packs = _packs(graph)
    for number, pack in enumerate(packs):
        cost = _weighted(graph, pack)
        index = np.flatnonzero(active)
        solved = _solve(graph, index, cost[index], supplies)
        flows[index] = solved
        if number + 1 < len(packs):
            reduced = _reduced_costs(graph, index, cost[index], solved)
            fixed_full = index[reduced < 0]
            np.subtract.at(supplies, graph.tails[fixed_full], graph.capacities[fixed_full])
            np.add.at(supplies, graph.heads[fixed_full], graph.capacities[fixed_full])
            active[index[reduced != 0]] = False
            flows[index[reduced > 0]] = 0
    return flows, len(packs)


def _packs(graph: FlowGraph) -> list[list[int]]:
    """Consecutive levels grouped so that each group's weights fit the cost range."""
    packs: list[list[int]] = []
    for level in range(len(graph.level_costs)):
        if packs and _fits(graph, packs[-1] + [level]):
            packs[-1].append(level)
        else:
            packs.append([level])
    return packs


def level_weights(graph: FlowGraph, pack: list[int]) -> list[int]:
    """Exact (Python int) weights of the levels of ``pack``, best level first."""
    weights = [0] * len(pack)
    later = 0
    for position in range(len(pack) - 1, -1, -1):
        weights[position] = 1 + later
        top = int(graph.level_costs[pack[position]].max(initial=0))
        later += weights[position] * graph.cycle_bound * top
    return weights


def _fits(graph: FlowGraph, pack: list[int]) -> bool:
    top = sum(w * int(graph.level_costs[level].max(initial=0))
              for w, level in zip(level_weights(graph, pack), pack, strict=True))
    return top * (graph.node_count + 2) < _COST_LIMIT


def _weighted(graph: FlowGraph, pack: list[int]) -> np.ndarray:
    cost = np.zeros(len(graph.tails), dtype=np.int64)
    for weight, level in zip(level_weights(graph, pack), pack, strict=True):
        cost += np.int64(weight) * graph.level_costs[level].astype(np.int64)
    return cost


def _solve(graph: FlowGraph, index: np.ndarray, cost: np.ndarray,
           supplies: np.ndarray) -> np.ndarray:
    """One OR-Tools SimpleMinCostFlow solve over the arcs ``index``."""
    solver = ortools_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(graph.tails[index], graph.heads[index],
                                                graph.capacities[index], cost)
    solver.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status.name}")
    return np.asarray(solver.flows(np.arange(len(index))), dtype=np.int64)


def _reduced_costs(graph: FlowGraph, index: np.ndarray, cost: np.ndarray,
                   flow: np.ndarray) -> np.ndarray:
    """Reduced cost of each arc under shortest-path potentials of the residual graph."""
    tails, heads = graph.tails[index], graph.heads[index]
    forward = flow < graph.capacities[index]
    backward = flow > 0
    u = np.concatenate([tails[forward], heads[backward]])
    v = np.concatenate([heads[forward], tails[backward]])
    w = np.concatenate([cost[forward], -cost[backward]])
    order = np.argsort(v, kind="stable")
    u, v, w = u[order], v[order], w[order]
    targets, starts = np.unique(v, return_index=True)
    potential = np.zeros(graph.node_count, dtype=np.int64)
    for _ in range(graph.node_count + 1):  # Bellman-Ford from a virtual root
        if len(u) == 0:
            break
        best = np.minimum.reduceat(potential[u] + w, starts)
        better = best < potential[targets]
        if not better.any():
            break
        potential[targets[better]] = best[better]
    else:
        raise RuntimeError("negative cycle left in an optimal flow")
    return cost + potential[tails] - potential[heads]


def draw_members(problem: CompiledProblem, types: ApplicantTypes, list_start: np.ndarray,
                 list_flows: np.ndarray) -> np.ndarray:
    """Arc per applicant: members in tie-break order take the type's seats in list order."""
    assigned = np.full(problem.applicant_count, -1, dtype=np.int64)
    people = np.flatnonzero(types.of_applicant >= 0)
    if people.size == 0:
        return assigned
    people = people[np.lexsort((problem.tie_rank[people], types.of_applicant[people]))]
    member_type = types.of_applicant[people]
    type_first = np.searchsorted(member_type, np.arange(len(types.size)))
    rank_in_type = np.arange(len(people)) - type_first[member_type]
    position = np.arange(len(list_flows)) - np.repeat(list_start[:-1], np.diff(list_start))
    seat_position = np.repeat(position, list_flows)
    flow_total = np.concatenate([[0], np.cumsum(list_flows)])
    seats = flow_total[list_start[1:]] - flow_total[list_start[:-1]]
    seat_start = flow_total[list_start[:-1]]
    seated = rank_in_type < seats[member_type]
    chosen = seat_position[seat_start[member_type[seated]] + rank_in_type[seated]]
    assigned[people[seated]] = problem.arc_start[people[seated]] + chosen
    return assigned


def _sibling_group(problem: CompiledProblem) -> np.ndarray:
    """Sibling-group code per applicant (-1 = none; older problems have no groups)."""
    group = getattr(problem, "applicant_group", None)
    if group is None:
        return np.full(problem.applicant_count, -1, dtype=np.int64)
    return np.asarray(group, dtype=np.int64)


def keep_groups_together(problem: CompiledProblem, assigned_arc: np.ndarray) -> np.ndarray:
    """Leave every sibling group split across schools to the group-aware final sweep.

    Members of a group are one type and take consecutive seats (they share one
    lottery draw), so a split happens only at the edge of two flows; the whole
    group is then released and the sweep seats it together or not at all.
    """
    group = _sibling_group(problem)
    grouped = np.flatnonzero(group >= 0)
    if grouped.size == 0 or getattr(problem, "groups_together", "required") != "required":
        return assigned_arc
    school = np.where(assigned_arc >= 0, problem.arc_school[np.maximum(assigned_arc, 0)], -1)
    order = grouped[np.lexsort((school[grouped], group[grouped]))]
    same = group[order][1:] == group[order][:-1]
    split_groups = np.unique(group[order][1:][same & (school[order][1:] != school[order][:-1])])
    released = assigned_arc.copy()
    released[grouped[np.isin(group[grouped], split_groups)]] = -1
    return released
