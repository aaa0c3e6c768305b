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
prints seconds and ratios (peer / ours).

``--whole-process`` (issue 12, item 3) writes the 10,000-applicant instance as an
``explicit``-policy scenario folder (each applicant's effective list as its complete
``preferences``, each school's full priority order in ``priorities.csv``), runs
``allocator run`` on it as a real process with the reports (best of ``--repeat``), and
sets it against the ``matching`` library's solve alone on the same files (target: the
whole process at least 10x faster, identical matching), with the load average. Usage:
``python -m benchmarks.peers [--sizes 1k,10k] [--matching-max 10000] [--whole-process]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

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


CLI = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


def write_explicit_instance(problem: CompiledProblem, folder: Path) -> Path:
    """The compiled instance as an ``explicit`` scenario folder (excluded applicants left out).

    ``applicants.csv`` holds each applicant's effective list, in order, as its complete
    ``preferences``; ``priorities.csv`` each school's full order (best first), so the
    lottery decides nothing the files do not say and every solver reads one instance.
    """
    applicant = problem.arc_applicant()
    eligible = problem.exclusion[applicant] == ""
    applicant_ids = np.asarray(problem.applicant_ids, dtype=object)
    school_ids = np.asarray(problem.school_ids, dtype=object)
    arcs = pd.DataFrame({"applicant_id": applicant_ids[applicant[eligible]],
                         "school_id": school_ids[problem.arc_school[eligible]],
                         "priority": problem.arc_priority[eligible]})
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"school_id": school_ids, "capacity": problem.school_capacity}).to_csv(
        folder / "schools.csv", index=False)
    preferences = arcs.groupby("applicant_id", sort=False)["school_id"].agg(";".join)
    preferences.reset_index(name="preferences").to_csv(folder / "applicants.csv", index=False)
    ranked = arcs.sort_values(["school_id", "priority"], kind="stable")
    ranked["rank"] = ranked.groupby("school_id").cumcount() + 1
    ranked[["school_id", "applicant_id", "rank"]].to_csv(folder / "priorities.csv", index=False)
    (folder / "scenario.yaml").write_text("name: peers-explicit\nseed: 1\npolicy: explicit\n",
                                          encoding="utf-8")
    return folder


def matching_on_files(folder: Path) -> tuple[float, float, float, dict[str, str]]:
    """``matching``'s resident-optimal HR on the files: build s, solve s, solve CPU s, matching."""
    from matching.games import HospitalResident

    applicants = pd.read_csv(folder / "applicants.csv", dtype=str, keep_default_na=False)
    schools = pd.read_csv(folder / "schools.csv", dtype={"school_id": str})
    priorities = pd.read_csv(folder / "priorities.csv", dtype={"school_id": str,
                                                               "applicant_id": str})
    resident_prefs = {a: p.split(";") for a, p in zip(applicants["applicant_id"],
                                                      applicants["preferences"], strict=True)}
    ordered = priorities.sort_values(["school_id", "rank"], kind="stable")
    hospital_prefs = ordered.groupby("school_id", sort=False)["applicant_id"].agg(list).to_dict()
    capacities = {s: int(c) for s, c in zip(schools["school_id"], schools["capacity"],
                                            strict=True) if s in hospital_prefs}
    start = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    built, cpu = time.perf_counter(), time.process_time()
    result = game.solve(optimal="resident")
    solved, solve_cpu = time.perf_counter(), time.process_time() - cpu
    assigned = {resident.name: hospital.name for hospital, residents in result.items()
                for resident in residents}
    return built - start, solved - built, solve_cpu, assigned


def whole_process(applicants: int, repeat: int) -> dict:
    """``allocator run`` with reports (a real process) against ``matching``'s solve alone."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="allocator-peers-") as temporary:
        folder = write_explicit_instance(plain_problem(applicants), Path(temporary) / "explicit")
        out = Path(temporary) / "run"
        best = best_cpu = float("inf")
        for _ in range(repeat):
            shutil.rmtree(out, ignore_errors=True)
            cpu, start = _child_cpu(), time.perf_counter()
            subprocess.run([*CLI, "run", str(folder), "--out", str(out), "-q"], check=True,
                           stdout=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, _child_cpu() - cpu)
        build_s, solve_s, solve_cpu, assigned = matching_on_files(folder)
        ours = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
        same = {a: s for a, s in zip(ours["applicant_id"], ours["school_id"], strict=True)
                if s} == assigned
        reports = (out / "report.html").is_file() and (out / "report.xlsx").is_file()
    return {"applicants": applicants, "whole_process_s": best, "matching_build_s": build_s,
            "matching_solve_s": solve_s, "ratio": solve_s / best, "same": same,
            "whole_process_cpu_s": best_cpu, "matching_solve_cpu_s": solve_cpu,
            "cpu_ratio": solve_cpu / best_cpu,
            "reports_written": reports, "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def print_whole_process(row: dict) -> None:
    """The item-3 figure, with the machine's load."""
    print(f"load average (1 min) before {row['load_before']:.2f}, after "
          f"{row['load_after']:.2f}; cores {os.cpu_count()}")
    print(f"{row['applicants']:,} applicants, explicit: allocator run with reports "
          f"{row['whole_process_s']:.2f} s (whole process); matching solve alone "
          f"{row['matching_solve_s']:.2f} s (+ {row['matching_build_s']:.2f} s building its "
          f"objects) = {row['ratio']:.1f}x; identical matching: {row['same']}; reports "
          f"written: {row['reports_written']}; target >= 10x")
    print(f"CPU time: allocator run {row['whole_process_cpu_s']:.2f} s; matching solve alone "
          f"{row['matching_solve_cpu_s']:.2f} s = {row['cpu_ratio']:.1f}x")


def _child_cpu() -> float:
    """User + system seconds of the finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Parse arguments, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k")
    parser.add_argument("--matching-max", type=int, default=10_000)
    parser.add_argument("--networkx-max", type=int, default=1_000)
    parser.add_argument("--whole-process", action="store_true",
                        help="only the item-3 figure: allocator run (a real process, reports "
                             "included) against matching's solve, 10,000 applicants")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    if arguments.whole_process:
        print_whole_process(whole_process(SIZES["10k"], arguments.repeat))
        return
    print_table([measure(label, arguments.matching_max, arguments.networkx_max)
                 for label in arguments.sizes.split(",")])


if __name__ == "__main__":
    main()
