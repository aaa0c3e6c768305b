"""National scale: partitioned rosters in bounded memory, and the 2-worker speed-up.

Two measurements, each of whole processes (``allocator generate`` and ``allocator
province`` started as subprocesses; the resident memory of the process and of every
child, Dask's worker processes included, sampled every 0.2 s with psutil):

- scale (``--sizes``): for each size, a roster partitioned by county is generated with
  ``generate --partitioned`` (counties in proportion: ``--per-county`` applicants on
  average, 16.2 M entrants over about 2,900 county-level units nationally) and run with
  ``allocator province --workers N``. Printed: wall time, seconds per million applicants,
  peak RSS of the generator, of the driver and of each worker. Peaks that stay flat
  while the roster grows 16-fold, and seconds per million that stay flat, are the claim.
- speed-up (``--speedup SIZE``): the same roster run serially (``--serial``, in one
  process), on 1 worker and on 2 workers; ratios against the serial run of this run.

The load average is printed before and after each figure: on a shared machine the
absolute times mean little, the ratios measured back to back are what to compare.

Usage::

    python -m benchmarks.national --sizes 1000000,4000000,16000000
    python -m benchmarks.national --sizes 0 --speedup 1000000
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLI = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


@dataclass
class Measured:
    """Wall time and peak resident memory (bytes) of a process tree."""

    seconds: float
    driver_peak: int
    child_peaks: dict[int, int] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0
    #: CPU seconds (user + system) of each process of the tree, as last sampled.
    cpu: dict[int, float] = field(default_factory=dict)
    #: The run's own step timings (``timings_seconds`` of its manifest).
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def cpu_total(self) -> float:
        """CPU seconds of the whole tree."""
        return sum(self.cpu.values())

    @property
    def cpu_busiest(self) -> float:
        """CPU seconds of the busiest process: on idle cores, the wall time is at least this."""
        return max(self.cpu.values(), default=0.0)


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def measure(command: list[str], interval: float = 0.2) -> Measured:
    """Run ``command``; sample the RSS of it and its descendants until it ends."""
    import psutil

    before = load_average()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(process.pid)
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}
    done = threading.Event()

    last_report = [time.perf_counter()]

    def sample() -> None:
        while not done.is_set():
            if time.perf_counter() - last_report[0] > 120:  # long runs: peaks so far
                last_report[0] = time.perf_counter()
                shown = ", ".join(gib(peak) for peak in sorted(peaks.values(), reverse=True))
                print(f"    ... {command[3]} {last_report[0] - start:.0f} s, peaks so far "
                      f"{shown} GiB, load {load_average():.2f}", flush=True)
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for item in tree:
                with contextlib.suppress(psutil.Error):
                    peaks[item.pid] = max(peaks.get(item.pid, 0), item.memory_info().rss)
                    times = item.cpu_times()
                    cpu[item.pid] = times.user + times.system
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, error = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:])} failed ({process.returncode}): "
                           f"{error.decode(errors='replace')[-2000:]}")
    driver = peaks.pop(process.pid, 0)
    # children: the Dask worker processes and the small multiprocessing resource tracker
    return Measured(seconds, driver, peaks, before, load_average(), cpu)


def generate(folder: Path, applicants: int, counties: int, seed: int) -> Measured:
    """``allocator generate --partitioned parquet`` into a new folder."""
    shutil.rmtree(folder, ignore_errors=True)
    return measure([*CLI, "generate", str(folder), "--applicants", str(applicants),
                    "--counties", str(counties), "--seed", str(seed),
                    "--partitioned", "parquet"])


def province(roster: Path, out: Path, workers: int | None) -> Measured:
    """``allocator province`` (``workers=None``: ``--serial``) into a fresh folder."""
    shutil.rmtree(out, ignore_errors=True)
    mode = ["--serial"] if workers is None else ["--workers", str(workers)]
    run = measure([*CLI, "province", str(roster), "--out", str(out), *mode])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    run.steps = manifest["timings_seconds"]
    return run


def gib(size: int) -> str:
    """Bytes as GiB with 2 decimals."""
    return f"{size / 2**30:.2f}"


def scale(sizes: list[int], per_county: int, workers: int, work: Path, seed: int) -> None:
    """Generate and run each size; print the table of wall times and peaks."""
    print(f"cores {os.cpu_count()}; {workers} workers; about {per_county:,} applicants a "
          "county")
    print("| applicants | counties | generate s (peak GiB) | province s | s per million | "
          "driver peak GiB | worker peaks GiB | load before/after |")
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        counties = max(1, round(size / per_county))
        roster = work / f"roster-{size}"
        made = generate(roster, size, counties, seed)
        run = province(roster, work / f"out-{size}", workers)
        workers_peaks = sorted((peak for peak in run.child_peaks.values()
                                if peak > 100 * 2**20), reverse=True)
        print(f"| {size:,} | {counties:,} | {made.seconds:.1f} ({gib(made.driver_peak)}) | "
              f"{run.seconds:.1f} | {run.seconds / size * 1e6:.1f} | {gib(run.driver_peak)} | "
              f"{', '.join(gib(p) for p in workers_peaks)} | "
              f"{run.load_before:.2f} / {run.load_after:.2f} |", flush=True)
        shutil.rmtree(work / f"out-{size}", ignore_errors=True)
        shutil.rmtree(roster, ignore_errors=True)


def speedup(size: int, per_county: int, work: Path, seed: int, repeat: int,
            single: bool) -> None:
    """Serial vs 1 worker vs 2 workers on one roster; ratios against serial.

    With ``single``, the same roster as one scenario folder run ``--serial`` (the
    driver reads it whole) is a further baseline. Every run's ``assignments.csv`` must
    have the same SHA-256.
    """
    roster = work / f"speedup-{size}"
    counties = max(1, round(size / per_county))
    generate(roster, size, counties, seed)
    runs: list[tuple[str, Path, int | None]] = [("serial", roster, None),
                                                ("1 worker", roster, 1),
                                                ("2 workers", roster, 2)]
    if single:
        folder = work / f"single-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([*CLI, "generate", str(folder), "--applicants", str(size),
                        "--counties", str(counties), "--seed", str(seed)], check=True,
                       stdout=subprocess.DEVNULL)
        runs.insert(0, ("single folder, serial", folder, None))
    print(f"speed-up, {size:,} applicants in {counties} counties (best of {repeat}):")
    best: dict[str, Measured] = {}
    digests = set()
    for _ in range(repeat):
        for label, source, workers in runs:
            out = work / "out-speedup"
            run = province(source, out, workers)
            digests.add(hashlib.sha256((out / "assignments.csv").read_bytes()).hexdigest())
            if label not in best or run.seconds < best[label].seconds:
                best[label] = run
            print(f"  {label:22s} {run.seconds:7.1f} s  load {run.load_before:.2f} -> "
                  f"{run.load_after:.2f}; steps {run.steps}", flush=True)
    serial = best["serial"].seconds
    for label, run in best.items():
        print(f"{label:22s} {run.seconds:7.1f} s = {serial / run.seconds:.2f}x serial "
              f"(driver peak {gib(run.driver_peak)} GiB; load {run.load_before:.2f} -> "
              f"{run.load_after:.2f}); CPU {run.cpu_total:.1f} s in all, busiest process "
              f"{run.cpu_busiest:.1f} s")
    # load-independent: on idle cores a run takes at least its busiest process's CPU time,
    # and a serial run about its CPU time
    serial_cpu = best["serial"].cpu_total
    for label in ("1 worker", "2 workers"):
        print(f"CPU bound on idle cores, {label}: serial CPU / busiest process CPU = "
              f"{serial_cpu / max(best[label].cpu_busiest, 1e-9):.2f}x")
    print(f"assignments.csv identical in every run: {len(digests) == 1}")
    shutil.rmtree(roster, ignore_errors=True)
    shutil.rmtree(work / f"single-{size}", ignore_errors=True)
    shutil.rmtree(work / "out-speedup", ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """Command line of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,4000000,16000000",
                        help="comma-separated roster sizes (0: skip the scale table)")
    parser.add_argument("--per-county", type=int, default=5600,
                        help="average applicants per county (national: 16.2 M / 2,900)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--speedup", type=int, default=0,
                        help="roster size of the serial / 1 / 2 worker comparison (0: skip)")
    parser.add_argument("--speedup-per-county", type=int, default=8547,
                        help="applicants per county of the speed-up roster (1 M / 117)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--single", action="store_true",
                        help="also run the same roster as one folder, --serial")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the rosters and runs (default: a temporary one)")
    options = parser.parse_args(argv)
    work = options.work or Path(tempfile.mkdtemp(prefix="national-"))
    work.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"load_average": os.getloadavg(), "cores": os.cpu_count()}))
    try:
        sizes = [int(size) for size in options.sizes.split(",") if int(size) > 0]
        if sizes:
            scale(sizes, options.per_county, options.workers, work, options.seed)
        if options.speedup:
            speedup(options.speedup, options.speedup_per_county, work, options.seed,
                    options.repeat, options.single)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
