"""``allocator zoning`` end to end on a generated county with communities: the outputs,
the what-if file through ``allocator scenarios``/``compare``, the proposed schools.csv
through ``allocator run``, and byte-identical repeats."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

OUTPUTS = ("schools.csv", "zoning-scenarios.yaml", "communities.csv", "moved_communities.csv",
           "demand.csv", "summary.json", "manifest.json", "report.html")


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "county"
    outcome = helpers.run_cli("generate", folder, "--applicants", "1500", "--seed", "4",
                              "--communities", "50")
    assert outcome.exit_code == 0, outcome.stderr
    return folder


@pytest.fixture(scope="module")
def zoning_run(county, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zoning") / "out"
    outcome = helpers.run_cli("zoning", county, "--out", out, "--time-limit", "6")
    assert outcome.exit_code == 0, outcome.stderr + outcome.stdout
    # the terminal table in the default language (Chinese), as the page
    assert "划片方案" in outcome.stdout and "保证检查：通过" in outcome.stdout
    assert "moved_children" not in outcome.stdout
    return out


def test_the_folder_holds_every_output_and_every_guarantee_passed(zoning_run):
    for name in OUTPUTS:
        assert (zoning_run / name).is_file(), name
    summary = json.loads((zoning_run / "summary.json").read_text(encoding="utf-8"))
    checks = {check["name"]: check["passed"] for check in summary["verification"]["checks"]}
    assert checks == {"every_community_served": True, "contiguity": True,
                      "own_community_kept": True, "plan_slack_respected": True,
                      "stability_cap_respected": True, "proposal_found": True,
                      "engine_re_run_verifies": True}
    moved = pd.read_csv(zoning_run / "moved_communities.csv")
    assert len(moved) == summary["projected"]["proposal"]["moved_communities"] > 0
    page = (zoning_run / "report.html").read_text(encoding="utf-8")
    assert 'data-testid="zoning-map"' in page and page.count("<circle") >= 50


def test_the_proposal_through_the_engine_reaches_at_least_the_baseline(zoning_run):
    engine = json.loads((zoning_run / "summary.json").read_text(encoding="utf-8"))["engine"]
    assert all(engine[plan]["verified"] for plan in engine)
    assert engine["proposal"]["outside_catchment"] <= engine["nearest_school"][
        "outside_catchment"]
    assert engine["proposal"]["outside_catchment"] < engine["current"]["outside_catchment"]


def test_the_what_if_file_runs_and_compares(zoning_run, tmp_path):
    runs = tmp_path / "runs"
    outcome = helpers.run_cli("scenarios", zoning_run / "zoning-scenarios.yaml", "--out", runs)
    assert outcome.exit_code == 0, outcome.stderr
    compared = helpers.run_cli("compare", runs / "current", runs / "proposal")
    assert compared.exit_code == 0, compared.stderr
    summary = json.loads((zoning_run / "summary.json").read_text(encoding="utf-8"))
    placed = json.loads((runs / "proposal" / "summary.json").read_text(encoding="utf-8"))
    assert placed["counts"]["placed"] == summary["engine"]["proposal"]["placed"]


def test_the_proposed_schools_csv_runs_and_verifies(county, zoning_run, tmp_path):
    proposed = tmp_path / "proposed"
    shutil.copytree(county, proposed)
    shutil.copy(zoning_run / "schools.csv", proposed / "schools.csv")
    outcome = helpers.run_cli("run", proposed, "--out", tmp_path / "run", "-q", "--no-reports")
    assert outcome.exit_code == 0, outcome.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verification"]["passed"]


def test_the_same_inputs_give_the_same_bytes(county, zoning_run, tmp_path):
    again = tmp_path / "again"
    outcome = helpers.run_cli("zoning", county, "--out", again, "--time-limit", "6")
    assert outcome.exit_code == 0, outcome.stderr
    for name in OUTPUTS:
        if name != "manifest.json":  # timings
            assert (again / name).read_bytes() == (zoning_run / name).read_bytes(), name


def test_the_command_refuses_to_overwrite_a_folder_it_did_not_write(county, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    outcome = helpers.run_cli("zoning", county, "--out", foreign, "--time-limit", "1")
    assert outcome.exit_code != 0
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
