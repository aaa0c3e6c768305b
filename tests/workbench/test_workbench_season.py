"""The workbench's season view: a later round of the demo county read back from its run folder.

Round 2 is made with the commands: ``allocator run`` for round 1, then a responses.csv
with declines and waits and five late applicants, then ``allocator run --after``. The
expected figures are counted here straight from the round's CSV files with the csv module.
"""

from __future__ import annotations

import csv
import json
import re
import select
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import DEMO
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.workbench.app import create_app  # noqa: E402
from allocator.workbench.mapdata import map_geometry  # noqa: E402
from allocator.workbench.season import read_rounds  # noqa: E402

TOKEN = "season-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def round_two(tmp_path_factory) -> Path:
    """The demo county's round 2: ten declines, fifteen waits, five late applicants."""
    work = tmp_path_factory.mktemp("season")
    scenario = work / "scenario"
    shutil.copytree(DEMO, scenario)
    first = helpers.run_cli("run", scenario, "--out", work / "run1", "--no-reports", "-q")
    assert first.exit_code == 0, first.stderr
    placed = [row for row in rows(work / "run1" / "assignments.csv") if row["school_id"]]
    declines = [row["applicant_id"] for row in placed[0:40:4]]
    waits = [row["applicant_id"] for row in placed
             if row["choice_rank"] != "1" and row["applicant_id"] not in declines][:15]
    helpers.write_table(scenario / "responses.csv",
                        [{"applicant_id": a, "response": "decline"} for a in declines]
                        + [{"applicant_id": a, "response": "wait"} for a in waits])
    applicants = (scenario / "applicants.csv").read_text(encoding="utf-8").splitlines()
    late = [re.sub(r"^[^,]+", f"140702-L{number:05d}", applicants[line])
            for number, line in enumerate((2, 3, 4, 6, 9))]
    (scenario / "applicants.csv").write_text("\n".join([*applicants, *late]) + "\n",
                                             encoding="utf-8")
    second = helpers.run_cli("run", scenario, "--out", work / "run2", "--after", work / "run1",
                             "--no-reports", "-q")
    assert second.exit_code == 0, second.stderr
    return work / "run2"


@pytest.fixture
def client(bench, round_two):
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    return TestClient(create_app(bench, TOKEN, layers, read_rounds([round_two])))


def expected_schools(folder: Path) -> dict[str, dict[str, int]]:
    """Per school, counted from assignments.csv and moves.csv row by row."""
    counts: dict[str, Counter] = {}
    for row in rows(folder / "assignments.csv"):
        if row["status"] == "declined" and row["previous_school_id"]:
            counts.setdefault(row["previous_school_id"], Counter())["freed"] += 1
        if not row["school_id"]:
            continue
        school = counts.setdefault(row["school_id"], Counter())
        school["late_placed"] += row["late"] == "true"
        school["waiting"] += (row["response"] == "wait" and row["choice_rank"] != "1"
                              and row["school_id"] == row["previous_school_id"])
    for move in rows(folder / "moves.csv"):
        counts.setdefault(move["to_school_id"], Counter())["filled"] += 1
        if move["from_school_id"]:
            counts.setdefault(move["from_school_id"], Counter())["moved_out"] += 1
    keys = ("freed", "filled", "moved_out", "late_placed", "waiting")
    return {school: {key: int(found[key]) for key in keys} for school, found in counts.items()}


def test_season_route_needs_the_token(client):
    assert client.get("/api/season").status_code == 401
    assert client.get("/api/season", headers={"Authorization": "Bearer no"}).status_code == 401
    assert client.get("/api/season", headers=BEARER).status_code == 200


def test_season_figures_equal_the_round_folders_files(client, round_two):
    season = client.get("/api/season", headers=BEARER).json()
    assert len(season["rounds"]) == 1
    shown = season["rounds"][0]
    assert shown["name"] == "run2" and shown["number"] == 2
    per_school = {row["school_id"]: {key: row[key] for key in ("freed", "filled", "moved_out",
                                                                 "late_placed", "waiting")}
                  for row in shown["schools"]}
    assert per_school == expected_schools(round_two)
    totals = Counter()
    for figures in per_school.values():
        totals.update(figures)
    assert totals["freed"] == 10 and totals["late_placed"] == 5 and totals["waiting"] > 0
    block = json.loads((round_two / "summary.json").read_text(encoding="utf-8"))["round"]
    moves = rows(round_two / "moves.csv")
    declined = sum(row["status"] == "declined" for row in rows(round_two / "assignments.csv"))
    headline = shown["headline"]
    assert headline["applicants_moved"] == sum(bool(m["from_school_id"]) for m in moves)
    assert headline["newly_placed"] == sum(not m["from_school_id"] for m in moves)
    assert headline["declined"] == declined == 10
    assert headline["late_applicants_placed"] == totals["late_placed"]
    assert headline["still_waiting"] == totals["waiting"]
    assert headline["longest_chain"] == max(int(m["step"]) for m in moves)
    assert headline == {key: block[key] for key in headline}
    text = json.dumps(season, ensure_ascii=False)
    assert not re.search(r"\d{17}[\dXx]", text) and "birth_date" not in text


def test_without_rounds_the_season_is_empty(bench):
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    plain = TestClient(create_app(bench, TOKEN, layers))
    assert plain.get("/api/season", headers=BEARER).json() == {"rounds": [], "responses": []}


def test_invalid_round_folder_is_refused_with_exit_2(tmp_path, round_two):
    first_round = round_two.parent / "run1"
    missing = tmp_path / "nowhere"
    emptied = tmp_path / "emptied"
    shutil.copytree(round_two, emptied)
    (emptied / "assignments.csv").write_text("", encoding="utf-8")
    outcome = helpers.run_cli("workbench", DEMO, "--port", "0", "--work-dir", tmp_path / "w",
                              "--round", first_round, "--round", missing, "--round", emptied)
    assert outcome.exit_code == 2 and outcome.stdout == ""
    assert not (tmp_path / "w").exists(), "nothing written"
    lines = outcome.problem_lines()
    assert f"{missing}::: --round: not a folder" in lines
    assert f"{first_round / 'moves.csv'}::: missing; --round needs a run folder of " \
           "'allocator run --after'" in lines
    assert f"{first_round / 'assignments.csv'}:1:previous_school_id: column missing " \
           "(not a later round?)" in lines
    assert f"{first_round / 'summary.json'}::round: no 'round' block (not a later round)" in lines
    assert f"{emptied / 'assignments.csv'}::: unreadable: No columns to parse from file" in lines
    assert len(lines) == 8, lines  # four columns, moves.csv, summary, nowhere, emptied


# ------------------------------------------------------------------ in Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
COMMAND = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


@pytest.fixture(scope="module")
def season_page(round_two, tmp_path_factory):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    work = tmp_path_factory.mktemp("season-server")
    process = subprocess.Popen([*COMMAND, "workbench", str(DEMO), "--port", "0", "--work-dir",
                                str(work), "--round", str(round_two)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        address = process.stdout.readline().strip() if ready else ""
        assert address.startswith("http://127.0.0.1:"), address
        with playwright_api.sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(address)
            page.wait_for_selector("[data-testid=season-school]", timeout=60_000)
            yield page
            browser.close()
            assert errors == []
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_season_panel_shows_a_row_per_school(season_page, round_two):
    expected = expected_schools(round_two)
    shown = season_page.locator("[data-testid=season-school]")
    assert shown.count() == len(expected)
    for school, figures in expected.items():
        row = season_page.locator(f"[data-testid=season-school][data-school-id='{school}']")
        cells = {column: int(row.locator(f"[data-column={column}]").inner_text())
                 for column in figures}
        assert cells == figures, school
    declined = json.loads((round_two / "summary.json").read_text(encoding="utf-8"))
    assert season_page.inner_text("[data-testid=season-declined]") == str(
        declined["round"]["declined"])
    assert "递补" in season_page.inner_text("[data-testid=season]")


def test_season_panel_in_english(season_page, tmp_path):
    season_page.click("[data-testid=language]")
    season_page.wait_for_function("document.querySelector('[data-testid=season-schools] thead')"
                                  ".textContent.includes('Still waiting')", timeout=60_000)
    assert season_page.inner_text("[data-testid=season] h2").startswith("Season")
    head = season_page.inner_text("[data-testid=season-schools] thead")
    assert "Seats freed (declined)" in head and "Moves out" in head
    assert "Longest vacancy chain" in season_page.inner_text("[data-testid=season]")
    season_page.locator("[data-testid=season]").screenshot(path=str(tmp_path / "season.png"))
    assert (tmp_path / "season.png").stat().st_size > 5_000
