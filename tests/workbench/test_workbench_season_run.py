"""A later round run from the workbench: the same round as ``allocator run --after``.

The expected round is made with the commands (``allocator run``, then a copy of the
scenario with the responses file as ``responses.csv`` and ``allocator run --after``);
the workbench runs it from a responses file in its own folder.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import DEMO
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.workbench.app import create_app  # noqa: E402
from allocator.workbench.mapdata import map_geometry  # noqa: E402
from allocator.workbench.season import round_figures  # noqa: E402
from allocator.workbench.state import open_workbench  # noqa: E402

TOKEN = "season-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def responses_for(run: Path) -> list[dict[str, str]]:
    """Ten placed children decline, the next five unplaced ones decline their application."""
    with (run / "assignments.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    declines = [row["applicant_id"] for row in rows if row["school_id"]][:40:4]
    declines += [row["applicant_id"] for row in rows if not row["school_id"]][:5]
    return [{"applicant_id": applicant, "response": "decline"} for applicant in declines]


@pytest.fixture(scope="module")
def expected_round(tmp_path_factory):
    """Round 2 made by the commands, and the responses file it used."""
    work = tmp_path_factory.mktemp("season-cli")
    first = helpers.run_cli("run", DEMO, "--out", work / "run1", "--no-reports", "-q")
    assert first.exit_code == 0, first.stderr
    responses = helpers.write_table(work / "declines.csv", responses_for(work / "run1"))
    scenario = work / "scenario"
    shutil.copytree(DEMO, scenario)
    shutil.copyfile(responses, scenario / "responses.csv")
    second = helpers.run_cli("run", scenario, "--out", work / "run2", "--after", work / "run1",
                             "--no-reports", "-q")
    assert second.exit_code == 0, second.stderr
    return work / "run2", Path(responses)


@pytest.fixture
def client(tmp_path, expected_round):
    work = tmp_path / "work"
    bench = open_workbench(DEMO, work)
    shutil.copyfile(expected_round[1], work / "declines.csv")
    (work / "notes.csv").write_text("school_id,remark\nx,y\n", encoding="utf-8")
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    test_client = TestClient(create_app(bench, TOKEN, layers))
    test_client.work = work
    return test_client


def test_a_round_run_from_the_page_is_the_round_of_allocator_run_after(client,
                                                                       expected_round):
    season = client.get("/api/season", headers=BEARER).json()
    assert season == {"rounds": [], "responses": ["declines.csv"]}
    answer = client.post("/api/season/run", params={"responses": "declines.csv"},
                         headers=BEARER)
    assert answer.status_code == 200, answer.text
    (shown,) = answer.json()["rounds"]
    expected = round_figures(expected_round[0])
    assert shown["headline"] == expected["headline"]
    assert shown["headline"]["declined"] == 15
    assert [{key: row[key] for key in row if key != "name"} for row in shown["schools"]] == \
        expected["schools"]
    assert (shown["name"], shown["number"], shown["lottery"]) == ("round-2", 2, "same")
    assert (client.work / "season" / "round-2" / "moves.csv").is_file()
    assert not (DEMO / "responses.csv").exists(), "the scenario folder is never written"


def test_the_next_round_runs_after_the_previous_one(client, expected_round):
    client.post("/api/season/run", params={"responses": "declines.csv"}, headers=BEARER)
    answer = client.post("/api/season/run", params={"responses": "declines.csv",
                                                    "lottery": "reversed"}, headers=BEARER)
    assert answer.status_code == 200, answer.text
    second, third = answer.json()["rounds"]
    assert third["name"] == "round-3" and third["lottery"] == "reversed"
    # the same children declined again: they hold no seat any more, nothing is freed
    assert third["headline"]["declined"] == second["headline"]["declined"]
    assert sum(row["freed"] for row in third["schools"]) == 0


def test_unknown_files_and_bad_responses_are_refused(client, tmp_path):
    for name in ("notes.csv", "../declines.csv", "missing.csv"):
        answer = client.post("/api/season/run", params={"responses": name}, headers=BEARER)
        assert answer.status_code == 422
        assert answer.json()["problems"] == [
            f"season::: no responses file named '{name}' in the workbench's folder (a CSV "
            "with applicant_id and response)"]
    answer = client.post("/api/season/run", params={"responses": "declines.csv",
                                                    "lottery": "sideways"}, headers=BEARER)
    assert answer.json()["problems"] == ["season::: the lottery order is one of same, reversed"]
    (client.work / "bad.csv").write_text("applicant_id,response\nNOBODY,decline\n",
                                         encoding="utf-8")
    answer = client.post("/api/season/run", params={"responses": "bad.csv"}, headers=BEARER)
    assert answer.status_code == 422
    assert any(problem.startswith("bad.csv:2:applicant_id:")
               for problem in answer.json()["problems"]), answer.text
    assert json.dumps(client.get("/api/season", headers=BEARER).json()["rounds"]) == "[]"
