"""Min-cost-flow benchmark: the aggregated model against a non-aggregated one and networkx.

For each size (one generated Shanxi-like province, the same instance for every
model) it reports the applicant types, nodes and arcs of the flow graph and the
solve time of:

- ``min-cost-flow`` as registered (applicant types, OR-Tools SimpleMinCostFlow),
- the same lexicographic model with one node per applicant (OR-Tools),
- networkx's network simplex on the per-applicant graph with one weighted cost
  (only up to ``--networkx-limit`` applicants: it is pure Python).

Peak memory is the process's maximum RSS after each size. Usage:
``python -m benchmarks.min_cost_flow [--sizes 10k,100k,1M] [--networkx-limit 10000]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.solvers import min_cost_flow as mcf
from benchmarks.generators import SIZES, materialise

RESULTS = Path(__file__).resolve().parent / "results"


def timed(function, *arguments):
    """Seconds and result of one call."""
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result


def networkx_solve(problem) -> float:
    """Seconds for network simplex on the per-applicant graph (single weighted cost)."""
    import networkx as nx

    types = mcf.applicant_types(problem, mcf.DEFAULT_RESOLUTION_KM, aggregate=False)
    graph, _ = mcf.build_graph(problem, types, mcf.DEFAULT_RESOLUTION_KM)
    packs = mcf._packs(graph)
    cost = mcf._weighted(graph, packs[-1] if len(packs) == 1 else packs[0])
    network = nx.DiGraph()
    for node, supply in enumerate(graph.supplies.tolist()):
        network.add_node(node, demand=-supply)
    for tail, head, capacity, weight in zip(graph.tails.tolist(), graph.heads.tolist(),
                                            graph.capacities.tolist(), cost.tolist(),
                                            strict=True):
        if network.has_edge(tail, head):
            continue
        network.add_edge(tail, head, capacity=capacity, weight=weight)
    seconds, _ = timed(nx.network_simplex, network)
    return seconds


def measure(size: int, networkx_limit: int) -> dict:
    folder = materialise("province", size, 1)
    loaded = load(folder)
    problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    row: dict = {"applicants": size, "arcs_in_lists": int(problem.arc_count)}
    for label, aggregate in (("aggregated", True), ("per_applicant", False)):
        types = mcf.applicant_types(problem, mcf.DEFAULT_RESOLUTION_KM, aggregate)
        graph, _ = mcf.build_graph(problem, types, mcf.DEFAULT_RESOLUTION_KM)
        seconds, allocation = timed(mcf.min_cost_flow, problem, mcf.DEFAULT_RESOLUTION_KM,
                                    aggregate)
        row[label] = {"types": len(types.size), "nodes": graph.node_count,
                      "arcs": len(graph.tails), "solver_calls": allocation.statistics[
                          "solver_calls"], "seconds": round(seconds, 2),
                      "placed": int(allocation.placed.sum())}
    if size <= networkx_limit:
        row["networkx_seconds"] = round(networkx_solve(problem), 2)
    row["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--networkx-limit", type=int, default=10_000)
    arguments = parser.parse_args()
    rows = [measure(SIZES[name], arguments.networkx_limit)
            for name in arguments.sizes.split(",")]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "min_cost_flow.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
