"""Our mechanisms next to peers, measured in the same run on the same instances.

For each size a generated province is compiled once (sibling groups dropped, so
every peer solves the plain hospital-resident problem) and solved by:

- our vectorised deferred acceptance (the reference time of each row),
- a pure-Python deferred acceptance (deque and heaps) on the same arrays,
- the ``matching`` library's hospital-resident solver (``pip install 'allocator[peers]'``),
  up to ``--matching-max`` applicants, where it still finishes in minutes;
- networkx min-cost flow (network simplex) on the rank-cost assignment graph, next to our
  OR-Tools min-cost-flow mechanism when it is registered, up to ``--networkx-max``.

Matchings of the deferred-acceptance peers must be identical to ours; the table
prints seconds and ratios (peer / ours). Usage:
``python -m benchmarks.peers [--sizes 1k,10k] [--matching-max 10000]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.reference import reference_deferred_acceptance
from benchmarks.generators import SIZES, materialise


def plain_problem(applicants: int, seed: int = 1) -> CompiledProblem:
    """The compiled province without sibling groups (a plain many-to-one instance)."""
    loaded = load(materialise("province", applicants, seed))
    problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    if hasattr(problem, "applicant_group"):
        problem = replace(problem, applicant_group=np.full(problem.applicant_count, -1))
    return problem


def timed(function, *arguments) -> tuple[float, object]:
    """Seconds and result of one call."""
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result


def matching_library(problem: CompiledProblem) -> np.ndarray:
    """Assigned school per applicant by ``matching``'s resident-optimal HR solver."""
    from matching.games import HospitalResident

    applicant = problem.arc_applicant()
    eligible = problem.exclusion[applicant] == ""
    resident_prefs: dict[int, list[int]] = {}
    for a, s in zip(applicant[eligible].tolist(), problem.arc_school[eligible].tolist(),
                    strict=True):
        resident_prefs.setdefault(a, []).append(s)
    order = np.argsort(problem.arc_priority[eligible], kind="stable")
    hospital_prefs: dict[int, list[int]] = {s: [] for s in range(problem.school_count)}
    for a, s in zip(applicant[eligible][order].tolist(),
                    problem.arc_school[eligible][order].tolist(), strict=True):
        hospital_prefs[s].append(a)
    hospital_prefs = {s: people for s, people in hospital_prefs.items() if people}
    capacities = {s: int(problem.school_capacity[s]) for s in hospital_prefs}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs,
                                                     capacities)
    result = game.solve(optimal="resident")
    assigned = np.full(problem.applicant_count, -1, dtype=np.int64)
    for hospital, residents in result.items():
        for resident in residents:
            assigned[resident.name] = hospital.name
    return assigned


def networkx_flow(problem: CompiledProblem) -> int:
    """Applicants placed by a networkx min-cost max-flow with cost = choice rank."""
    import networkx as nx

    graph = nx.DiGraph()
    applicant = problem.arc_applicant()
    rank = problem.arc_choice_rank()
    for s in range(problem.school_count):
        graph.add_edge(f"s{s}", "sink", capacity=int(problem.school_capacity[s]), weight=0)
    for a, s, r in zip(applicant.tolist(), problem.arc_school.tolist(), rank.tolist(),
                       strict=True):
        graph.add_edge("source", f"a{a}", capacity=1, weight=0)
        graph.add_edge(f"a{a}", f"s{s}", capacity=1, weight=int(r))
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    return int(sum(flow["source"].values()))


def measure(label: str, matching_max: int, networkx_max: int) -> dict:
    """One row of the table."""
    problem = plain_problem(SIZES[label])
    ours_s, ours = timed(deferred_acceptance, problem)
    row = {"size": label, "applicants": problem.applicant_count, "arcs": problem.arc_count,
           "ours_s": ours_s}
    python_s, python = timed(reference_deferred_acceptance, problem)
    row["python_da_ratio"] = python_s / ours_s
    row["python_da_same"] = bool(np.array_equal(python.assigned_school, ours.assigned_school))
    if problem.applicant_count <= matching_max:
        library_s, assigned = timed(matching_library, problem)
        row["matching_s"] = library_s
        row["matching_ratio"] = library_s / ours_s
        row["matching_same"] = bool(np.array_equal(assigned, ours.assigned_school))
    if problem.applicant_count <= networkx_max:
        networkx_s, placed = timed(networkx_flow, problem)
        row["networkx_s"], row["networkx_placed"] = networkx_s, placed
        from allocator.solvers.registry import MECHANISMS
        if "min-cost-flow" in MECHANISMS:
            flow_s, flow = timed(MECHANISMS["min-cost-flow"].solve, problem)
            row["networkx_ratio"] = networkx_s / flow_s
            row["mcf_placed"] = int((flow.assigned_school >= 0).sum())
    return row


def print_table(rows: list[dict]) -> None:
    """Seconds and ratios (peer / ours; our min-cost flow for networkx)."""
    print(f"{'size':>5} {'applicants':>10} {'arcs':>9} {'ours s':>8} {'py-DA x':>8} "
          f"{'matching s':>10} {'matching x':>10} {'same':>5} {'nx s':>7} {'nx/mcf x':>8}")
    for row in rows:
        def value(key, form, row=row):
            return format(row[key], form) if key in row else "-"
        print(f"{row['size']:>5} {row['applicants']:>10,} {row['arcs']:>9,} "
              f"{row['ours_s']:>8.4f} {value('python_da_ratio', '>7.1f')}x "
              f"{value('matching_s', '>10.2f')} {value('matching_ratio', '>9.0f')}x "
              f"{str(row.get('matching_same', '-')):>5} {value('networkx_s', '>7.2f')} "
              f"{value('networkx_ratio', '>7.1f')}x")
    print("target: at 10k applicants >= 100x faster than matching, identical matchings")


def main() -> None:
    """Parse arguments, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k")
    parser.add_argument("--matching-max", type=int, default=10_000)
    parser.add_argument("--networkx-max", type=int, default=1_000)
    arguments = parser.parse_args()
    print_table([measure(label, arguments.matching_max, arguments.networkx_max)
                 for label in arguments.sizes.split(",")])


if __name__ == "__main__":
    main()
