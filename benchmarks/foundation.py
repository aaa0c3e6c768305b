"""Foundation benchmark: deferred acceptance and the end-to-end run, 1k to 1M applicants.

For each size it reports, on one generated instance measured in this run:

- the vectorised deferred-acceptance solve alone (best of ``--repeat``),
- a straightforward pure-Python (deque + heaps) deferred acceptance on the same
  compiled problem (sibling groups unlinked, as the baseline knows none), the
  baseline, and the ratio baseline / vectorised,
- the wall time and peak memory of ``allocator run`` in a child process, with
  ``--no-reports`` (the contract's run folder) and with the planners' reports.

Usage: ``python -m benchmarks.foundation [--sizes 1k,10k,100k,1M] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.reference import reference_deferred_acceptance
from benchmarks.generators import SIZES, materialise

RESULTS = Path(__file__).resolve().parent / "results"


def best_time(function, argument, repeat: int) -> tuple[float, object]:
    """Fastest of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(argument)
        best = min(best, time.perf_counter() - start)
    return best, result


def end_to_end(folder: Path, reports: bool = True) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``allocator run`` in a child process."""
    out = Path(tempfile.mkdtemp(prefix="allocator-bench-")) / "run"
    command = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()",
               "run", str(folder), "--out", str(out), "--quiet",
               "--reports" if reports else "--no-reports"]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    shutil.rmtree(out.parent, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"allocator run failed on {folder}")
    return wall, usage.ru_maxrss / 1024.0


def measure(label: str, repeat: int) -> dict:
    """All figures for one size."""
    folder = materialise("province", SIZES[label])
    loaded = load(folder)
    problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    # the baseline is plain Gale-Shapley: compare both on the problem without linked
    # sibling groups (benchmarks/siblings.py measures the family-level variant)
    problem = replace(problem, applicant_group=np.full(problem.applicant_count, -1))
    solve, fast = best_time(deferred_acceptance, problem, repeat)
    baseline, slow = best_time(reference_deferred_acceptance, problem, 1)
    if not np.array_equal(fast.assigned_arc, slow.assigned_arc):
        raise AssertionError(f"{label}: vectorised and baseline deferred acceptance differ")
    wall, peak = end_to_end(folder, reports=False)
    wall_reports, peak_reports = end_to_end(folder, reports=True)
    return {"size": label, "applicants": problem.applicant_count,
            "schools": problem.school_count, "arcs": problem.arc_count,
            "solve_s": solve, "baseline_s": baseline, "speedup": baseline / solve,
            "rounds": fast.statistics["rounds"], "run_s": wall, "peak_mib": peak,
            "run_reports_s": wall_reports, "peak_reports_mib": peak_reports}


def print_table(rows: list[dict]) -> None:
    """The figures as a plain table, ratios included."""
    header = (f"{'size':>5} {'applicants':>10} {'schools':>7} {'arcs':>10} {'DA s':>7} "
              f"{'baseline s':>10} {'speedup':>8} {'run s':>7} {'peak MiB':>8} "
              f"{'+reports s':>10} {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['size']:>5} {row['applicants']:>10,} {row['schools']:>7,} "
              f"{row['arcs']:>10,} {row['solve_s']:>7.3f} {row['baseline_s']:>10.3f} "
              f"{row['speedup']:>7.1f}x {row['run_s']:>7.1f} {row['peak_mib']:>8.0f} "
              f"{row['run_reports_s']:>10.1f} {row['peak_reports_mib']:>8.0f}")
    print("targets at 1M: speedup >= 5x, run < 60 s, peak < 4096 MiB "
          "('run' writes the contract's run folder; '+reports' adds the planners' reports)")


def main() -> None:
    """Parse arguments, measure every size, print and save the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k,1M")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    rows = []
    for label in arguments.sizes.split(","):
        rows.append(measure(label, arguments.repeat))
        print(f"measured {label}", file=sys.stderr, flush=True)
    print_table(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "foundation.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
