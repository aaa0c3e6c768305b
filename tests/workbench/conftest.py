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
