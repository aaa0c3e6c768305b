"""Workbench benchmark: server time of warm edits, and page load in headless Chromium.

1. Server time of an edit: ``POST /api/edits`` (re-solve, figures, school rows) and
   ``POST /api/undo`` through the app in process, on the demo county (target under
   0.3 s) and on a generated 50,000-applicant county (target under 1.5 s). Edits: one
   class more at the school turning most children away, and a zone moved to the
   nearest other public school. The list of movers (``GET /api/movers``, loaded by the
   page after the figures) is timed apart.
2. Zoning proposal and downloads: on a generated county with communities, the proposal
   of ``allocator zoning`` loaded from the work folder (``POST /api/proposal``), one
   community accepted, every move accepted at once (``/api/proposal/accept-all``), and a
   plan's run folder with its reports zipped (``GET /api/run.zip``).
3. Page load: ``allocator workbench`` started as a command; headless Chromium (Debian's,
   through Playwright) opens the printed address; time until the figures, the map and
   the school table are drawn (target under 2 s).

Wall-clock times depend on what else the machine runs; the CPU time of the server
process for the same request is printed under each (on a shared machine it is the
better estimate of the wall time on an idle one).

Usage: ``python -m benchmarks.workbench [--applicants 50000] [--repeats 5]
[--parts edits,proposal,page]``.
"""

from __future__ import annotations

import argparse
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from allocator.synthetic import generate_province, write_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo-county"
COMMAND = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


def edits_for(bench) -> list[dict]:
    """A class at the busiest school; a zone of it moved to the nearest other public school."""
    schools = bench.engine.base.schools
    busiest = str(schools.sort_values("rejected_applicants", ascending=False)["school_id"].iloc[0])
    typed = bench.engine.loaded.scenario.schools
    public = typed[(typed["kind"] == "public") & (typed["school_id"] != busiest)]
    here = typed[typed["school_id"] == busiest].iloc[0]
    distance = np.hypot(public["lat"] - here["lat"], public["lon"] - here["lon"])
    nearest = str(public["school_id"].iloc[int(np.argmin(distance.to_numpy()))])
    zone = here["zones"].split(";")[0]
    return [{"kind": "classes", "school": busiest, "classes": 1},
            {"kind": "zone", "zone": zone, "serve": [nearest]}]


def time_edits(folder: Path, repeats: int) -> dict[str, list[float]]:
    """Seconds per request, by kind of request, through the app in process."""
    from fastapi.testclient import TestClient

    from allocator.workbench.app import create_app
    from allocator.workbench.mapdata import map_geometry
    from allocator.workbench.state import open_workbench

    clock = time.perf_counter()
    bench = open_workbench(folder, Path(tempfile.mkdtemp(prefix="bench-workbench-")))
    scenario = bench.engine.loaded.scenario
    _, layers = map_geometry(folder, scenario.schools, scenario.applicants)
    opened = time.perf_counter() - clock
    client = TestClient(create_app(bench, "t", layers))
    headers = {"Authorization": "Bearer t"}
    timings: dict[str, list[float]] = {"open (load, compile, solve, map)": [opened]}
    for _ in range(repeats):
        for edit in edits_for(bench):
            for name, call in ((f"edit: {edit['kind']}", lambda e=edit: client.post(
                    "/api/edits", json=e, headers=headers)),
                               ("movers list", lambda: client.get("/api/movers",
                                                                  headers=headers)),
                               ("undo", lambda: client.post("/api/undo", headers=headers))):
                bench.engine.forget_recent()
                clock, cpu = time.perf_counter(), time.process_time()
                answer = call()
                timings.setdefault(name, []).append(time.perf_counter() - clock)
                timings.setdefault(f"  {name}, CPU time", []).append(time.process_time() - cpu)
                assert answer.status_code == 200, answer.text
                if name.startswith("edit"):
                    timings.setdefault(f"  of which re-solve ({edit['kind']})", []).append(
                        answer.json()["solve"]["seconds"])
    return timings


def time_proposal(applicants: int, communities: int, repeats: int) -> dict[str, list[float]]:
    """Seconds per proposal request (and a zipped download) through the app in process."""
    from fastapi.testclient import TestClient

    from allocator.interfaces.cli import app
    from allocator.pipeline.write import write_run
    from allocator.reports.writer import report_writer
    from allocator.workbench.app import create_app
    from allocator.workbench.mapdata import map_geometry
    from allocator.workbench.state import open_workbench

    work = Path(tempfile.mkdtemp(prefix="bench-proposal-"))
    county = work / "county"
    for arguments in (["generate", county, "--applicants", applicants, "--seed", 4,
                       "--communities", communities],
                      ["zoning", county, "--out", work / "bench" / "zoning", "--time-limit", 20]):
        from typer.testing import CliRunner

        outcome = CliRunner().invoke(app, [str(argument) for argument in arguments])
        assert outcome.exit_code == 0, outcome.output
    bench = open_workbench(county, work / "bench")
    scenario = bench.engine.loaded.scenario
    _, layers = map_geometry(county, scenario.schools, scenario.applicants)
    client = TestClient(create_app(bench, "t", layers))
    headers = {"Authorization": "Bearer t"}
    timings: dict[str, list[float]] = {}

    def timed(name: str, call) -> dict:
        bench.engine.forget_recent()
        clock = time.perf_counter()
        answer = call()
        timings.setdefault(name, []).append(time.perf_counter() - clock)
        assert answer.status_code == 200, answer.text[:300]
        return answer.json() if "json" in answer.headers["content-type"] else {}

    for _ in range(repeats):
        state = timed("load the proposal", lambda: client.post(
            "/api/proposal", params={"name": "zoning"}, headers=headers))
        first = state["proposal"]["moves"][0]
        edit = {"kind": "zone", "zone": first["zone"], "serve": first["to"]}
        timed("baseline: the same zone move as an edit", lambda edit=edit: client.post(
            "/api/edits", json=edit, headers=headers))
        client.post("/api/reset", headers=headers)
        timed("accept one community", lambda edit=edit: client.post(
            "/api/proposal/accept", params={"zone": edit["zone"]}, headers=headers))
        timed(f"accept all ({len(state['proposal']['moves'])} moves)", lambda: client.post(
            "/api/proposal/accept-all", headers=headers))
        clock = time.perf_counter()
        write_run(bench.current.result, work / "baseline-run", extra_writers=[report_writer("zh")])
        timings.setdefault("baseline: write_run with reports", []).append(
            time.perf_counter() - clock)
        timed("download the plan with reports", lambda: client.get(
            "/api/run.zip", params={"plan": "current", "reports": "true"}, headers=headers))
        client.post("/api/reset", headers=headers)
    shutil.rmtree(work, ignore_errors=True)
    return timings


def page_load(folder: Path, repeats: int) -> list[float]:
    """Seconds from opening the address until the page has drawn the plan."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    server = subprocess.Popen([*COMMAND, "workbench", str(folder), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        select.select([server.stdout], [], [], 120)
        address = server.stdout.readline().strip()
        assert re.match(r"http://127\.0\.0\.1:\d+/", address), address
        seconds = []
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for _ in range(repeats):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                clock = time.perf_counter()
                page.goto(address)
                page.wait_for_function("Number(document.body.dataset.revision) > 0 && "
                                       "document.body.dataset.busy === '0'")
                seconds.append(time.perf_counter() - clock)
                page.close()
            browser.close()
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(title: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    for name, values in timings.items():
        print(f"  {name:34s} median {statistics.median(values):6.3f} s   "
              f"max {max(values):6.3f} s   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="edits,proposal,page",
                        help="comma-separated: edits, proposal, page")
    arguments = parser.parse_args()
    parts = set(arguments.parts.split(","))
    if "proposal" in parts:
        report("generated county with communities (8,000 applicants, 250 communities): "
               "zoning proposal and download", time_proposal(8000, 250, arguments.repeats))
    if "edits" in parts:
        edits_parts(arguments)
    if "page" in parts:
        report("demo county: page load in headless Chromium",
               {"page load": page_load(DEMO, arguments.repeats)})


def edits_parts(arguments: argparse.Namespace) -> None:
    """Warm edits on the demo county and on a generated county of ``--applicants``."""
    report("demo county (4,000 applicants): server time per request",
           time_edits(DEMO, arguments.repeats))
    with tempfile.TemporaryDirectory(prefix="bench-county-") as work:
        schools, applicants = generate_province(arguments.applicants, 1, 7)
        folder = write_scenario(Path(work) / "county", schools, applicants,
                                name=f"bench-{arguments.applicants}", seed=7)
        report(f"generated county ({arguments.applicants:,} applicants, {len(schools)} schools): "
               "server time per request", time_edits(folder, arguments.repeats))


if __name__ == "__main__":
    main()
