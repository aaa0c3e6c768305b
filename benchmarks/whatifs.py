"""What-if benchmarks: cold vs warm re-solves swept by capacity-shock size, and sweep throughput.

1. On one county of ``--applicants`` (default 5,000) the base is compiled once. Each
   capacity what-if changes the plan of ``shock`` schools by one class (45 seats, up or
   down, seeded). Cold = compile + solve; warm = reuse the compiled problem with the new
   plans (:func:`allocator.scenarios.warm.with_plan`; classes stay) + solve.
   Warm and cold allocations must be identical. Then ``--whatifs`` (default 1,000) warm
   what-ifs are timed end to end (target: under 2 minutes).
2. Sweep throughput: the demo county's what-if file, 4 scenarios x ``--seeds`` seeds on a
   LocalCluster of 2 worker processes, against the same tasks run one by one here.

Usage: ``python -m benchmarks.whatifs [--applicants 5000] [--whatifs 1000] [--seeds 5]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.scenarios.runner import allocate
from allocator.scenarios.warm import with_plan
from benchmarks.generators import materialise

ROOT = Path(__file__).resolve().parents[1]
SHOCKS = (1, 5, 20)


def shocked_plans(plan: np.ndarray, shock: int, count: int, seed: int) -> list[np.ndarray]:
    """``count`` plans, each with ``shock`` schools one class (45 seats) up or down."""
    rng = np.random.default_rng(seed)
    plans = []
    for _ in range(count):
        changed = plan.copy()
        schools = rng.choice(len(plan), size=min(shock, len(plan)), replace=False)
        changed[schools] = np.maximum(0, changed[schools] + rng.choice([-45, 45], len(schools)))
        plans.append(changed)
    return plans


def cold_vs_warm(applicants: int, repeat: int = 5) -> list[dict]:
    """Mean seconds per what-if, cold and warm, for each shock size."""
    loaded = load(materialise("county", applicants))
    base = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    plan = loaded.scenario.schools["capacity"].to_numpy(dtype=np.int64)
    rows = []
    for shock in SHOCKS:
        cold_s = warm_s = 0.0
        for changed in shocked_plans(plan, shock, repeat, seed=shock):
            schools = loaded.scenario.schools.assign(capacity=changed,
                                                     classes=loaded.scenario.schools["classes"])
            start = time.perf_counter()
            cold_problem = compile_problem(replace(loaded.scenario, schools=schools),
                                           loaded.policy, loaded.seed)
            cold = allocate(cold_problem, loaded.mechanism)
            cold_s += time.perf_counter() - start
            start = time.perf_counter()
            warm = allocate(with_plan(base, changed), loaded.mechanism)
            warm_s += time.perf_counter() - start
            if not np.array_equal(cold.assigned_school, warm.assigned_school):
                raise AssertionError(f"shock {shock}: warm and cold allocations differ")
        rows.append({"shock": shock, "cold_s": cold_s / repeat, "warm_s": warm_s / repeat,
                     "gain": cold_s / warm_s})
    return rows


def many_warm(applicants: int, whatifs: int) -> float:
    """Seconds for ``whatifs`` warm capacity what-ifs (mixed shock sizes)."""
    loaded = load(materialise("county", applicants))
    start = time.perf_counter()
    base = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    plan = loaded.scenario.schools["capacity"].to_numpy(dtype=np.int64)
    per_shock = -(-whatifs // len(SHOCKS))
    plans = [p for shock in SHOCKS for p in shocked_plans(plan, shock, per_shock, seed=7)]
    for changed in plans[:whatifs]:
        allocate(with_plan(base, changed), loaded.mechanism).school_counts(
            base.school_count)
    return time.perf_counter() - start


def sweep_throughput(seeds: int) -> dict:
    """Scenarios per second on 2 local worker processes, and one by one in this process.

    The LocalCluster is started (and its workers import the engine) before the clock
    starts; its start-up time is reported on its own.
    """
    import tempfile

    from dask.distributed import Client, LocalCluster

    from allocator.scenarios import run_sweep
    from allocator.scenarios.build import prepare_scenarios
    from allocator.scenarios.spec import read_scenario_file
    from allocator.scenarios.sweep import sweep_task

    path = ROOT / "scenarios" / "demo-county-whatifs.yaml"
    names = ["baseline", "two_classes", "inflow", "move_zone"]
    seed_list = list(range(1, seeds + 1))
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    with Client(cluster) as client:
        client.run(lambda: __import__("allocator.pipeline.run"))
        startup_s = time.perf_counter() - start
        start = time.perf_counter()
        result = run_sweep(path, seed_list, only=names, scheduler=cluster.scheduler_address)
        dask_s = time.perf_counter() - start
    cluster.close()
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        prepared = prepare_scenarios(read_scenario_file(path), names, Path(work))
        for name in names:
            for seed in seed_list:
                sweep_task(str(prepared[name].folder), name, seed)
        serial_s = time.perf_counter() - start
    tasks = len(names) * seeds
    return {"tasks": tasks, "failed": len(result.failures), "startup_s": startup_s,
            "dask_s": dask_s, "dask_per_s": tasks / dask_s, "serial_s": serial_s,
            "serial_per_s": tasks / serial_s, "ratio": serial_s / dask_s}


def main() -> None:
    """Measure and print every table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--whatifs", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=10)
    arguments = parser.parse_args()
    print(f"capacity what-ifs on one county of {arguments.applicants:,} applicants")
    print(f"{'shock':>6} {'cold s':>8} {'warm s':>8} {'gain':>7}")
    for row in cold_vs_warm(arguments.applicants):
        print(f"{row['shock']:>6} {row['cold_s']:>8.3f} {row['warm_s']:>8.4f} "
              f"{row['gain']:>6.1f}x")
    seconds = many_warm(arguments.applicants, arguments.whatifs)
    print(f"{arguments.whatifs:,} warm what-ifs: {seconds:.1f} s (target < 120 s)")
    row = sweep_throughput(arguments.seeds)
    print(f"sweep of {row['tasks']} demo-county runs: 2 Dask workers {row['dask_s']:.1f} s "
          f"({row['dask_per_s']:.2f}/s; cluster start {row['startup_s']:.1f} s not included), "
          f"one by one "
          f"{row['serial_s']:.1f} s ({row['serial_per_s']:.2f}/s): {row['ratio']:.2f}x; "
          f"{row['failed']} failed")


if __name__ == "__main__":
    main()
