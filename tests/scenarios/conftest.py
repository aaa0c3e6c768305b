"""Shared fixtures: the demo county's what-ifs run once, small generated rosters."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.scenarios import run_scenario_file
from allocator.synthetic import generate_county, generate_province, write_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO_WHATIFS = ROOT / "scenarios" / "demo-county-whatifs.yaml"


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory):
    """Every scenario of the bundled what-if file, run once (warm where possible)."""
    out = tmp_path_factory.mktemp("demo-whatifs")
    runs = run_scenario_file(DEMO_WHATIFS, out)
    return out, {run.name: run for run in runs}


@pytest.fixture(scope="session")
def small_province(tmp_path_factory) -> Path:
    """Three counties, 2,400 applicants."""
    folder = tmp_path_factory.mktemp("province") / "roster"
    schools, applicants = generate_province(2400, 3, 11)
    write_scenario(folder, schools, applicants, name="small-province", seed=11)
    return folder


@pytest.fixture(scope="session")
def small_county(tmp_path_factory) -> Path:
    """One county of 300 applicants, for sweeps."""
    folder = tmp_path_factory.mktemp("county") / "county"
    schools, applicants = generate_county("T01", 300, 5)
    write_scenario(folder, schools, applicants, name="small-county", seed=5)
    return folder


def write_file(folder: Path, text: str, name: str = "whatifs.yaml") -> Path:
    """Write a scenario file beside (in the parent of) a scenario folder."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
