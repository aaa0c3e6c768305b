"""Siblings benchmark: family-level deferred acceptance and the exact mode.

(a) Family-level against plain deferred acceptance, on one generated province
    with 3 % of applicants in twin groups (``province-siblings-3pct``): the
    same compiled problem solved with its groups (family-level) and with
    ``applicant_group`` set to -1 (plain), best of ``--repeat``, and the ratio.
(b) The exact mode (CP-SAT) against the family-level heuristic on the same
    public problem, over several seeds: solve time, solver status, blocking
    pairs and placed applicants of each, and how often the heuristic is worse.

Usage: ``python -m benchmarks.siblings [--sizes 10k,100k,1M] [--exact-sizes 1k,10k,50k]
[--seeds 3] [--time-limit 120]``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.exact_groups import exact_groups
from allocator.verify.checks import envy_arcs
from benchmarks.generators import materialise

GENERATOR = "province-siblings-3pct"
RESULTS = Path(__file__).resolve().parent / "results"
SIZES = {"1k": 1_000, "10k": 10_000, "50k": 50_000, "100k": 100_000, "1M": 1_000_000}


def compiled(applicants: int, seed: int) -> CompiledProblem:
    """The compiled problem of the cached generated instance."""
    loaded = load(materialise(GENERATOR, applicants, seed))
    return compile_problem(loaded.scenario, loaded.policy, loaded.seed)


def best_time(function, argument, repeat: int) -> tuple[float, object]:
    """Fastest of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(argument)
        best = min(best, time.perf_counter() - start)
    return best, result


def family_versus_plain(label: str, repeat: int) -> dict:
    """Part (a) for one size."""
    problem = compiled(SIZES[label], 1)
    plain = replace(problem, applicant_group=np.full(problem.applicant_count, -1))
    plain_s, _ = best_time(deferred_acceptance, plain, repeat)
    family_s, family = best_time(deferred_acceptance, problem, repeat)
    grouped = problem.applicant_group >= 0
    return {"size": label, "applicants": problem.applicant_count,
            "in_groups_pct": 100.0 * grouped.mean(),
            "groups": int(np.unique(problem.applicant_group[grouped]).size),
            "plain_s": plain_s, "family_s": family_s, "ratio": family_s / plain_s,
            "blocking_pairs": int(envy_arcs(problem, family).sum())}


def exact_versus_heuristic(label: str, seed: int, time_limit: float) -> dict:
    """Part (b) for one size and seed, on the public arcs of placeable applicants."""
    problem = compiled(SIZES[label], seed)
    public, _ = problem.restrict(~problem.arc_private, problem.exclusion == "")
    heuristic_s, heuristic = best_time(deferred_acceptance, public, 1)
    start = time.perf_counter()
    exact = exact_groups(public, time_limit_s=time_limit)
    exact_s = time.perf_counter() - start
    exact_envy, heuristic_envy = envy_arcs(public, exact), envy_arcs(public, heuristic)
    tier0 = public.arc_tier == 0
    return {"size": label, "seed": seed, "applicants": problem.applicant_count,
            "arcs": public.arc_count, "status": exact.statistics["status"],
            "exact_s": exact_s, "heuristic_s": heuristic_s,
            "blocking_exact": int(exact_envy.sum()),
            "blocking_heuristic": int(heuristic_envy.sum()),
            "tier0_exact": int(exact_envy[tier0].sum()),
            "tier0_heuristic": int(heuristic_envy[tier0].sum()),
            "placed_exact": int(exact.placed.sum()),
            "placed_heuristic": int(heuristic.placed.sum())}


def print_family(rows: list[dict]) -> None:
    """Part (a) as a table."""
    print(f"{'size':>5} {'applicants':>10} {'in groups':>9} {'groups':>6} {'plain DA s':>10} "
          f"{'family DA s':>11} {'ratio':>6} {'blocking':>8}")
    for row in rows:
        print(f"{row['size']:>5} {row['applicants']:>10,} {row['in_groups_pct']:>8.2f}% "
              f"{row['groups']:>6} {row['plain_s']:>10.3f} {row['family_s']:>11.3f} "
              f"{row['ratio']:>5.2f}x {row['blocking_pairs']:>8}")


def print_exact(rows: list[dict]) -> None:
    """Part (b) per instance, then a summary per size."""
    if not rows:
        return
    print(f"{'size':>5} {'seed':>4} {'arcs':>8} {'status':>8} {'exact s':>8} {'DA s':>6} "
          f"{'x DA':>8} {'BP exact':>8} {'BP DA':>6} {'tier-0 BP exact/DA':>18} "
          f"{'placed exact':>12} {'placed DA':>9}")
    for row in rows:
        print(f"{row['size']:>5} {row['seed']:>4} {row['arcs']:>8,} {row['status']:>8} "
              f"{row['exact_s']:>8.1f} {row['heuristic_s']:>6.3f} "
              f"{row['exact_s'] / row['heuristic_s']:>7.0f}x {row['blocking_exact']:>8} "
              f"{row['blocking_heuristic']:>6} "
              f"{str(row['tier0_exact']) + ' / ' + str(row['tier0_heuristic']):>18} "
              f"{row['placed_exact']:>12,} "
              f"{row['placed_heuristic']:>9,}")
    for label in dict.fromkeys(row["size"] for row in rows):
        print(summary_line(label, [row for row in rows if row["size"] == label]))


def summary_line(label: str, rows: list[dict]) -> str:
    """How often and by how much the heuristic is worse than the exact mode.

    Worse means lexicographically worse in the exact mode's order: more tier-0
    blocking pairs, else more blocking pairs, else fewer placed.
    """
    def key(row: dict, who: str) -> tuple[int, int, int]:
        return (row[f"tier0_{who}"], row[f"blocking_{who}"], -row[f"placed_{who}"])

    worse = [row for row in rows if key(row, "heuristic") > key(row, "exact")]
    tier0 = [row["tier0_heuristic"] - row["tier0_exact"] for row in rows]
    extra = [row["blocking_heuristic"] - row["blocking_exact"] for row in rows]
    optimal = sum(row["status"] == "OPTIMAL" for row in rows)
    ratio = np.median([row["exact_s"] / row["heuristic_s"] for row in rows])
    return (f"{label}: heuristic worse on {len(worse)}/{len(rows)} instances (tier-0 blocking "
            f"pairs removed by exact: max {max(tier0)}; blocking pairs heuristic - exact: "
            f"min {min(extra)}, max {max(extra)}); exact proved optimal on {optimal}/"
            f"{len(rows)}; exact time / heuristic time {ratio:,.0f}x (median)")


def main(argv: list[str] | None = None) -> None:
    """Run both parts and store the figures as JSON next to the other benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--exact-sizes", default="1k,10k,50k")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)
    family = [family_versus_plain(label, arguments.repeat)
              for label in filter(None, arguments.sizes.split(","))]
    if family:
        print_family(family)
    exact: list[dict] = []
    for label in filter(None, arguments.exact_sizes.split(",")):
        for seed in range(1, arguments.seeds + 1):
            exact.append(exact_versus_heuristic(label, seed, arguments.time_limit))
            print(f"  measured: {exact[-1]}", flush=True)
    print_exact(exact)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stored = RESULTS / "siblings.json"
    figures = json.loads(stored.read_text()) if stored.is_file() else {}
    figures.update({key: rows for key, rows in (("family", family), ("exact", exact)) if rows})
    stored.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
