"""Shared fixtures: the demo county opened in a workbench once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from allocator.workbench.state import Workbench, open_workbench

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "scenarios" / "demo-county"


@pytest.fixture(scope="session")
def demo_bench(tmp_path_factory) -> Workbench:
    """The demo county's workbench (tests reset it before use)."""
    return open_workbench(DEMO, tmp_path_factory.mktemp("workbench"))


@pytest.fixture
def bench(demo_bench) -> Workbench:
    """The demo county's workbench, back at the base scenario with no edits."""
    demo_bench.reset()
    demo_bench.undone.clear()
    demo_bench.kept.clear()
    demo_bench.proposal = None
    return demo_bench


def edited_copy(folder: Path, target: Path, plans: dict[str, int] | None = None,
                zones: dict[str, str] | None = None) -> Path:
    """A copy of ``folder`` with plans (seats added, one class per 45) and zone cells set."""
    shutil.copytree(folder, target)
    schools = pd.read_csv(target / "schools.csv", dtype=str, keep_default_na=False)
    for school, seats in (plans or {}).items():
        at = schools["school_id"] == school
        schools.loc[at, "capacity"] = str(int(schools.loc[at, "capacity"].iloc[0]) + seats)
        classes = int(schools.loc[at, "classes"].iloc[0])
        schools.loc[at, "classes"] = str(max(classes + seats // 45, -(-int(
            schools.loc[at, "capacity"].iloc[0]) // 45)))
    for school, cell in (zones or {}).items():
        schools.loc[schools["school_id"] == school, "zones"] = cell
    schools.to_csv(target / "schools.csv", index=False, lineterminator="\n")
    return target


def zone_moved(folder: Path, zone: str, to_school: str) -> dict[str, str]:
    """Zone cells of every school after ``zone`` is served by ``to_school`` alone."""
    schools = pd.read_csv(folder / "schools.csv", dtype=str, keep_default_na=False)
    cells = {}
    for school, cell in zip(schools["school_id"], schools["zones"], strict=True):
        items = [item for item in cell.split(";") if item and item != zone]
        if school == to_school:
            items.append(zone)
        if ";".join(items) != cell:
            cells[school] = ";".join(items)
    return cells


@pytest.fixture(scope="session")
def proposal_county(tmp_path_factory) -> tuple[Path, Path]:
    """A generated county with communities, and the run folder of ``allocator zoning`` on it.

    Generated rather than the bundled demo, so the tests read their expectations from
    the commands' own outputs and do not depend on the demo's zones.
    """
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    import helpers

    root = tmp_path_factory.mktemp("proposal")
    county = root / "county"
    made = helpers.run_cli("generate", county, "--applicants", "1500", "--seed", "4",
                           "--communities", "50")
    assert made.exit_code == 0, made.stderr
    zoning = root / "zoning-2026"
    proposed = helpers.run_cli("zoning", county, "--out", zoning, "--time-limit", "6")
    assert proposed.exit_code == 0, proposed.stderr + proposed.stdout
    return county, zoning


@pytest.fixture(scope="session")
def proposal_expected(proposal_county, tmp_path_factory) -> dict[str, dict]:
    """``summary.json`` of each scenario of the zoning what-if file (``allocator scenarios``)."""
    import json
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    import helpers

    _, zoning = proposal_county
    out = tmp_path_factory.mktemp("proposal-runs") / "runs"
    done = helpers.run_cli("scenarios", zoning / "zoning-scenarios.yaml", "--out", out)
    assert done.exit_code == 0, done.stderr
    return {name: json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
            for name in ("current", "proposal")}


def settled(page, after: int) -> None:
    """Wait until the page has rendered an answer newer than revision ``after``."""
    page.wait_for_function(f"Number(document.body.dataset.revision) > {after} && "
                           "document.body.dataset.busy === '0'", timeout=60_000)


def act(page, action) -> None:
    """Run ``action`` on the page and wait for the re-solve it causes to be shown."""
    revision = int(page.evaluate("document.body.dataset.revision"))
    action()
    settled(page, revision)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (the browser tests skip when either is missing)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()
