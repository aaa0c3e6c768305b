"""Speed to the floor: whole processes measured against baselines in the same run.

Every figure is a ratio of two whole-process wall times measured one after the
other in this run (best of ``--repeat``), so a loaded machine slows both sides:

- ``--help``: ``allocator --help`` in seconds (target under 0.5 s) and against
  ``python -c pass``;
- tiny: ``allocator run scenarios/tiny --no-reports`` against
  ``python -c "import numpy, pandas"`` (target within 1.5x);
- demo reports: ``allocator run scenarios/demo-county`` with the reports against
  the same run with ``--no-reports`` (target within 1.5x);
- 1M floor (``--province``): ``allocator run`` on a generated 1,000,000-applicant
  province (reports included) against pandas reading ``applicants.csv`` and
  ``schools.csv`` and writing a same-sized ``assignments.csv`` (target within 5x),
  with the run's own compile time from its manifest (target under 4 s).

The load average of the machine is printed with the figures, and the same ratios
of CPU time (user + system of each process), which a shared machine disturbs far
less than wall time.

Usage: ``python -m benchmarks.speed [--repeat 3] [--province [--roster DIR]
[--province-only]]``; with ``--province`` the run's peak resident memory and its
steps' timings (from its manifest) are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


#: Best CPU seconds (user + system) of the child processes, keyed like the wall figures:
#: on a shared machine CPU time moves far less with the load than wall time does.
CPU: dict[str, float] = {}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(command: list[str], key: str) -> float:
    """Wall seconds of one run of ``command``; its CPU seconds go to ``CPU[key]``."""
    cpu, start = _child_cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    CPU[key] = min(CPU.get(key, float("inf")), _child_cpu() - cpu)
    return elapsed


def wall(command: list[str], repeat: int, key: str = "") -> float:
    """Best wall time of ``command`` (a fresh process each time) over ``repeat`` runs."""
    return min(_measure(command, key or " ".join(command)) for _ in range(repeat))


def run_command(scenario: Path, out: Path, reports: bool) -> list[str]:
    """``allocator run`` into a fresh folder (removed first: the folder is the engine's)."""
    shutil.rmtree(out, ignore_errors=True)
    return [*CLI, "run", str(scenario), "--out", str(out), "-q",
            "--reports" if reports else "--no-reports"]


def timed_run(scenario: Path, out: Path, reports: bool, repeat: int, key: str = "") -> float:
    """Best wall time of ``allocator run`` (CPU seconds in ``CPU[key]``)."""
    return min(_measure(run_command(scenario, out, reports), key or str(scenario))
               for _ in range(repeat))


FLOOR = """
import sys, pandas as pd
folder, out = sys.argv[1], sys.argv[2]
applicants = pd.read_csv(folder + "/applicants.csv", dtype=str, keep_default_na=False)
schools = pd.read_csv(folder + "/schools.csv", dtype=str, keep_default_na=False)
table = applicants[["applicant_id", "county", "stage", "hukou_zone", "residence_zone",
                    "birth_date", "lat", "lon", "sibling_group"]]
table.to_csv(out, index=False, lineterminator="\\n")
"""


def fixed_costs(repeat: int, work: Path) -> dict[str, float]:
    """The three fixed-cost ratios of the issue, measured now."""
    demo = REPO / "scenarios" / "demo-county"
    figures = {"python_pass_s": wall([sys.executable, "-c", "pass"], repeat, "python_pass"),
               "help_s": wall([*CLI, "--help"], repeat, "help"),
               "import_numpy_pandas_s": wall([sys.executable, "-c", "import numpy, pandas"],
                                             repeat, "import_numpy_pandas"),
               "tiny_no_reports_s": timed_run(REPO / "scenarios" / "tiny", work / "tiny",
                                              False, repeat, "tiny_no_reports"),
               "demo_no_reports_s": timed_run(demo, work / "demo", False, repeat,
                                              "demo_no_reports"),
               "demo_reports_s": timed_run(demo, work / "demo", True, repeat, "demo_reports")}
    figures.update({f"{key}_cpu_s": value for key, value in CPU.items()})
    figures["tiny_ratio"] = figures["tiny_no_reports_s"] / figures["import_numpy_pandas_s"]
    figures["demo_reports_ratio"] = figures["demo_reports_s"] / figures["demo_no_reports_s"]
    figures["tiny_cpu_ratio"] = CPU["tiny_no_reports"] / CPU["import_numpy_pandas"]
    figures["demo_reports_cpu_ratio"] = CPU["demo_reports"] / CPU["demo_no_reports"]
    return figures


PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_run(scenario: Path, out: Path) -> tuple[float, float]:
    """Wall time and peak resident memory (MB, Linux) of one ``allocator run`` with reports."""
    command = run_command(scenario, out, True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], check=True,
                          capture_output=True, text=True)
    return time.perf_counter() - start, int(done.stdout.split()[-1]) / 1024


def province_floor(work: Path, roster: Path | None = None) -> dict[str, float]:
    """1M applicants: the run with reports against pandas' read-and-write floor.

    ``roster`` is an existing scenario folder to use instead of generating one
    (the generated one is ``allocator generate --applicants 1000000 --counties 117
    --seed 1``).
    """
    folder = roster or work / "province-1m"
    if roster is None:
        subprocess.run([*CLI, "generate", str(folder), "--applicants", "1000000", "--counties",
                        "117", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
    floor = wall([sys.executable, "-c", FLOOR, str(folder), str(work / "floor.csv")], 1)
    out = work / "province-run"
    run_s, peak_mb = peak_run(folder, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"floor_s": floor, "run_reports_s": run_s, "floor_ratio": run_s / floor,
            "peak_rss_mb": peak_mb, "compile_s": manifest["timings_seconds"]["compile"],
            **{f"step_{k}_s": v for k, v in manifest["timings_seconds"].items()}}


def main() -> None:
    """Measure and print every figure with the machine's load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--province", action="store_true",
                        help="also the 1,000,000-applicant floor (minutes)")
    parser.add_argument("--roster", type=Path, default=None,
                        help="with --province: an existing roster folder instead of a "
                             "generated one")
    parser.add_argument("--province-only", action="store_true",
                        help="with --province: skip the fixed-cost figures")
    arguments = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="allocator-speed-") as temporary:
        work = Path(temporary)
        figures = {} if arguments.province_only else fixed_costs(arguments.repeat, work)
        if arguments.province:
            figures.update(province_floor(work, arguments.roster))
    figures["load_average_before"] = load_before[0]
    figures["load_average_after"] = os.getloadavg()[0]
    print(f"load average (1 min) before {load_before[0]:.2f}, after "
          f"{figures['load_average_after']:.2f}; cores {os.cpu_count()}")
    if not arguments.province_only:
        print(f"allocator --help           {figures['help_s']:6.2f} s  (python -c pass "
              f"{figures['python_pass_s']:.2f} s; target < 0.5 s)")
        print(f"tiny, no reports           {figures['tiny_no_reports_s']:6.2f} s = "
              f"{figures['tiny_ratio']:.2f}x import numpy, pandas "
              f"({figures['import_numpy_pandas_s']:.2f} s; target <= 1.5x)")
        print(f"demo county with reports   {figures['demo_reports_s']:6.2f} s = "
              f"{figures['demo_reports_ratio']:.2f}x without ({figures['demo_no_reports_s']:.2f} s;"
              " target <= 1.5x)")
        print(f"CPU time (user + system)   tiny {figures['tiny_cpu_ratio']:.2f}x import numpy, "
              f"pandas ({figures['tiny_no_reports_cpu_s']:.2f} s / "
              f"{figures['import_numpy_pandas_cpu_s']:.2f} s); demo with reports "
              f"{figures['demo_reports_cpu_ratio']:.2f}x without "
              f"({figures['demo_reports_cpu_s']:.2f} s / {figures['demo_no_reports_cpu_s']:.2f} s)")
    if arguments.province:
        print(f"1M with reports            {figures['run_reports_s']:6.1f} s = "
              f"{figures['floor_ratio']:.2f}x the pandas floor ({figures['floor_s']:.1f} s; "
              f"target <= 5x); compile {figures['compile_s']:.1f} s (target < 4 s); "
              f"peak {figures['peak_rss_mb']:.0f} MB")
        steps = ", ".join(f"{name[5:-2]} {value:.1f} s" for name, value in figures.items()
                          if name.startswith("step_"))
        print(f"  steps: {steps}")
    results = REPO / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "speed.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
