"""Shared fixtures: one generated county, run once per session with the reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer
from allocator.synthetic import generate_county, write_scenario


@pytest.fixture(scope="session")
def county_scenario(tmp_path_factory) -> Path:
    """A 700-child county of 10 schools (oversubscribed centre, surplus at the edge)."""
    folder = tmp_path_factory.mktemp("county") / "scenario"
    schools, applicants = generate_county("140799", 700, 5, n_schools=10)
    return write_scenario(folder, schools, applicants, name="report-test", seed=5)


@pytest.fixture(scope="session")
def county_result(county_scenario):
    """The deferred-acceptance run of :func:`county_scenario`."""
    return run_scenario(county_scenario)


@pytest.fixture(scope="session")
def county_run(county_result, tmp_path_factory) -> Path:
    """The run folder of :func:`county_result`, reports included (Chinese)."""
    return write_run(county_result, tmp_path_factory.mktemp("run") / "zh",
                     extra_writers=[report_writer("zh")])
