"""Where extra classes help most, as one min-cost flow (the optimisation behind the plan).

The scenario's aggregated flow graph (:mod:`allocator.solvers.min_cost_flow`) gets,
for every public school, an expansion arc to a budget node (capacity: the
per-school limit of classes x the class size) and one arc from the budget node to
the sink (capacity: the budget of classes x the largest class size). Solved
lexicographically: fewest children outside their catchment (redirected,
swept or not placed), then least distance, then fewest expansion seats. Seats
the optimum puts on a school's expansion arc, rounded up to whole classes and
taken in decreasing order until the budget is spent, are the candidate classes.
"""

from __future__ import annotations

import numpy as np

from allocator.problem.compiled import SOURCE_OVERFLOW, CompiledProblem
from allocator.solvers import min_cost_flow as mcf


def flow_classes(problem: CompiledProblem, class_size: np.ndarray, budget: int,
                 limit_per_school: int) -> np.ndarray:
    """Classes per school chosen by the flow optimum (sums to at most ``budget``)."""
    types = mcf.applicant_types(problem, mcf.DEFAULT_RESOLUTION_KM)
    base, list_start = mcf.build_graph(problem, types, mcf.DEFAULT_RESOLUTION_KM)
    schools = problem.school_count
    list_count = int(list_start[-1])
    outside = np.zeros(len(base.tails), dtype=np.int64)
    arcs = mcf._member_arcs(problem, types.representative)
    outside[:list_count] = problem.arc_source[arcs] == SOURCE_OVERFLOW
    sink = base.node_count - 1
    from_types = (base.tails < len(types.size)) & (np.arange(len(base.tails)) >= list_count)
    outside[from_types] = 1  # sweep pool and "not placed" arcs
    budget_node = base.node_count
    public = np.flatnonzero(problem.school_public & (class_size > 0))
    expansion_tails = len(types.size) + public
    tails = np.concatenate([base.tails, expansion_tails, [budget_node]])
    heads = np.concatenate([base.heads, np.full(len(public), budget_node), [sink]])
    capacities = np.concatenate([base.capacities, limit_per_school * class_size[public],
                                 [budget * int(class_size.max(initial=0))]])
    supplies = np.concatenate([base.supplies, [0]])
    added = len(public) + 1
    levels = [np.r_[outside, np.zeros(added, np.int64)],
              np.r_[base.level_costs[-1].astype(np.int64), np.zeros(added, np.int64)],
              np.r_[np.zeros(len(base.tails), np.int64), np.ones(len(public), np.int64), 0]]
    graph = mcf.FlowGraph(tails.astype(np.int64), heads.astype(np.int64),
                          capacities.astype(np.int64), supplies.astype(np.int64), levels,
                          schools + int(base.node_count - len(types.size)) + 2)
    flows, _ = mcf.lexicographic_flow(graph)
    seats = np.zeros(schools, dtype=np.int64)
    seats[public] = flows[len(base.tails):len(base.tails) + len(public)]
    return _whole_classes(seats, class_size, budget)


def _whole_classes(seats: np.ndarray, class_size: np.ndarray, budget: int) -> np.ndarray:
    """Seats rounded up to classes, the most used schools first, within the budget."""
    wanted = -(-seats // np.maximum(class_size, 1))
    classes = np.zeros(len(seats), dtype=np.int64)
    left = budget
    for school in np.lexsort((np.arange(len(seats)), -seats)):
        if left <= 0 or wanted[school] == 0:
            break
        classes[school] = min(int(wanted[school]), left)
        left -= classes[school]
    return classes
