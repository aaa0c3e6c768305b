"""Counties of a partitioned roster as Dask tasks, on a local cluster or a real one.

Tasks carry file names only (a few hundred bytes each); workers read their county's
partition and write its parts themselves, so nothing large crosses the network.
Before any task starts, every worker must run the same engine (version and the
SHA-256 of its source) and see the roster and the parts folder (a shared filesystem).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from allocator.scenarios.county_task import CountyJob, CountyOutcome, solve_county


class ClusterMismatch(RuntimeError):
    """Workers that run another engine, or cannot see the roster or the parts folder."""


def run_on_dask(jobs: list[CountyJob], scheduler: str | None, workers: int,
                say: Callable[[str], None],
                keep: Callable[[CountyOutcome], CountyOutcome] = lambda outcome: outcome,
                timings: dict[str, float] | None = None) -> list[CountyOutcome]:
    """Solve every job on Dask; outcomes in the jobs' order.

    Parameters
    ----------
    jobs : list of CountyJob
        One per county, in county-id order.
    scheduler : str, optional
        Address of a running Dask scheduler; else a LocalCluster of ``workers`` processes
        with one thread each.
    workers : int
        Worker processes of the LocalCluster.
    say : callable
        Progress lines.
    keep : callable
        Called with each outcome as it arrives; what it returns is kept (the driver keeps
        a light copy, so what it holds does not grow with the counties' sizes).
    timings : dict, optional
        Receives ``dask_start``: seconds to start the cluster (or connect) and check the
        workers, the driver's fixed cost of a parallel run.

    Raises
    ------
    ClusterMismatch
        When a worker runs another engine or cannot see the input or parts folder.
    """
    from dask.distributed import Client, as_completed

    clock = time.perf_counter()
    cluster = None if scheduler else local_cluster(workers)
    try:
        with Client(scheduler or cluster) as client:
            if jobs:
                check_workers(client, jobs[0].root, jobs[0].parts)
            if timings is not None:
                timings["dask_start"] = time.perf_counter() - clock
            # largest counties first, so the slowest task does not start last; a window of
            # tasks in flight, so the scheduler's state does not grow with the counties
            waiting = sorted(jobs, key=lambda job: -job.county.size)
            window = max(4, 4 * len(client.scheduler_info().get("workers", {})))
            futures: dict[Any, int] = {}
            flying = as_completed()

            def submit_next() -> None:
                if waiting:
                    job = waiting.pop(0)
                    future = client.submit(solve_county, job, pure=False)
                    futures[future] = job.index
                    flying.add(future)

            for _ in range(window):
                submit_next()
            outcomes: dict[int, CountyOutcome] = {}
            for done, future in enumerate(flying, start=1):
                outcome = keep(future.result())
                outcomes[futures.pop(future)] = outcome
                say(f"county {outcome.county} done ({done} of {len(jobs)})")
                future.release()
                submit_next()
            return [outcomes[job.index] for job in jobs]
    finally:
        if cluster is not None:
            cluster.close()


def local_cluster(workers: int, processes: bool = True):
    """A LocalCluster of ``workers`` one-thread workers, with glibc's malloc left as it is.

    Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_`` in its workers (to hand freed memory back
    to the system). Setting it at all turns off glibc's adaptive mmap threshold, so every
    array above 128 KiB is mapped and unmapped again: the county tasks then spent about four
    times the system time of the same work in one process.
    """
    import dask
    from dask.distributed import LocalCluster

    environ = {name: value for name, value in
               dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if name != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                            dashboard_address=None)


def check_workers(client, root: str, parts: str) -> None:
    """Refuse workers whose engine differs, or that cannot see ``root`` and ``parts``."""
    mine = worker_identity(root, parts)
    theirs = client.run(worker_identity, root, parts, True)
    wrong = {address: seen for address, seen in theirs.items()
             if seen["engine"] != mine["engine"]}
    if wrong:
        shown = "; ".join(f"{address} runs {seen['engine']}" for address, seen in
                          sorted(wrong.items()))
        raise ClusterMismatch(f"workers run another engine than this one ({mine['engine']}): "
                              f"{shown}; install the same allocator version on every worker")
    blind = sorted(address for address, seen in theirs.items()
                   if not (seen["roster"] and seen["parts"]))
    if blind:
        raise ClusterMismatch(f"workers {', '.join(blind)} cannot see the roster {root} or "
                              f"the parts folder {parts}: both must be on a filesystem every "
                              "worker shares, at the same path")


def worker_identity(root: str, parts: str, one_thread: bool = False) -> dict:
    """Engine version and source digest of this process, and whether it sees the folders.

    With ``one_thread`` (on workers), also limits pyarrow to one thread per process: the
    workers already use every core, more threads would only compete for them.
    """
    from allocator import __version__
    from allocator.pipeline.run import engine_source_sha256

    if one_thread:
        try:
            import pyarrow

            pyarrow.set_cpu_count(1)
        except ImportError:
            pass
    return {"engine": f"{__version__} ({engine_source_sha256()[:12]})",
            "roster": os.path.isdir(root), "parts": os.path.isdir(parts)}
