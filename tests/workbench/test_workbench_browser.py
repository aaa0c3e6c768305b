"""The workbench in headless Chromium (Playwright driving Debian's chromium, no download).

One ``allocator workbench`` server for the module; every test starts from the base
scenario. Expected figures come from ``allocator run`` and ``allocator scenarios``
run as commands on the same plans.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import DEMO, act, edited_copy, settled, zone_moved

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(.ci/run installs it)")

COMMAND = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]
BUSY = "140702-S001"
ZONE, TO_SCHOOL = "140702-C116", "140702-S008"
#: Page hook -> how to read the expected value from summary.json's counts.
COUNTS = {"placed": lambda c: c["placed"], "first-choice": lambda c: c["first_choice"],
          "sweep": lambda c: c["placed_by_source"].get("sweep", 0),
          "outside-catchment": lambda c: c["placed_by_source"].get("sweep", 0)
          + c["placed_by_source"].get("overflow", 0),
          "schools-oversubscribed": lambda c: c["schools_oversubscribed"],
          "surplus-seats": lambda c: c["surplus_seats"]}


def allocator(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, check=False)


def run_summary(folder: Path, out: Path) -> dict:
    """``summary.json`` of ``allocator run`` (the command, as a separate process)."""
    done = allocator("run", folder, "--out", out)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def engine_summary(folder: Path) -> dict:
    """What ``allocator run`` writes as ``summary.json``, computed in this process (faster)."""
    from allocator.pipeline.run import run_scenario

    return json.loads(json.dumps(run_scenario(folder).summary))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("workbench-server")
    process = subprocess.Popen([*COMMAND, "workbench", str(DEMO), "--port", "0",
                                "--work-dir", str(work)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 120)
    address = process.stdout.readline().strip() if ready else ""
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", address), address
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def base_summary(tmp_path_factory):
    return run_summary(DEMO, tmp_path_factory.mktemp("base") / "run")


@pytest.fixture
def page(server, browser):
    origin, token = server.split("/?token=")
    httpx.post(f"{origin}/api/reset", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    opened = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(server)
    settled(opened, 0)
    yield opened
    opened.close()
    assert errors == []


def figure(page, hook: str) -> int:
    return int(re.sub(r"[^\d]", "", page.inner_text(f"[data-testid={hook}]")))


def assert_figures(page, summary: dict) -> None:
    counts = summary["counts"]
    for hook, read in COUNTS.items():
        assert figure(page, hook) == read(counts), hook
    for hook, key in (("distance-mean", "mean"), ("distance-p95", "p95")):
        assert page.inner_text(f"[data-testid={hook}]") == f"{counts['distance_km'][key]:.2f}"


def test_page_shows_the_figures_of_allocator_run(page, base_summary):
    assert_figures(page, base_summary)
    assert page.inner_text("[data-testid=placed]") == f"{base_summary['counts']['placed']:,}"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "已录取" in page.inner_text("#figures")


def test_map_holds_a_mark_for_every_school(page):
    schools = [line.split(",")[0] for line in
               (DEMO / "schools.csv").read_text(encoding="utf-8").splitlines()[1:]]
    marks = page.locator("[data-testid=map] [data-testid=map-school]")
    assert sorted(marks.evaluate_all("nodes => nodes.map(n => n.dataset.schoolId)")) == \
        sorted(schools)
    assert page.locator("[data-testid=school-row]").count() == len(schools)


def test_adding_a_class_gives_the_figures_of_that_plan(page, tmp_path, base_summary):
    row = page.locator(f"[data-testid=school-row][data-school-id='{BUSY}']")
    act(page, lambda: row.locator("[data-testid=add-class]").click())
    expected = engine_summary(edited_copy(DEMO, tmp_path / "plan", plans={BUSY: 45}))
    assert expected["counts"] != base_summary["counts"]
    assert_figures(page, expected)
    assert "+45" in row.locator("[data-testid=plan]").inner_text()
    act(page, lambda: page.click("[data-testid=undo]"))
    assert_figures(page, base_summary)


def test_zone_move_gives_the_figures_of_those_zones(page, tmp_path, base_summary):
    page.select_option("[data-testid=zone-select]", ZONE)
    page.select_option("[data-testid=zone-schools]", [TO_SCHOOL])
    act(page, lambda: page.click("[data-testid=zone-apply]"))
    expected = engine_summary(edited_copy(DEMO, tmp_path / "zones",
                                          zones=zone_moved(DEMO, ZONE, TO_SCHOOL)))
    assert_figures(page, expected)
    assert page.locator("[data-testid=edits] li").count() == 1
    act(page, lambda: page.keyboard.press("Control+z"))
    assert_figures(page, base_summary)
    act(page, lambda: page.click("[data-testid=redo]"))
    assert_figures(page, expected)


def test_saved_file_runs_to_the_same_figures(page, tmp_path):
    row = page.locator(f"[data-testid=school-row][data-school-id='{BUSY}']")
    act(page, lambda: row.locator("[data-testid=add-class]").click())
    page.select_option("[data-testid=zone-select]", ZONE)
    page.select_option("[data-testid=zone-schools]", [TO_SCHOOL, "140702-S003"])
    act(page, lambda: page.click("[data-testid=zone-apply]"))
    with page.expect_download() as download:
        page.click("[data-testid=save-scenario]")
    saved = tmp_path / "saved.yaml"
    download.value.save_as(saved)
    done = allocator("scenarios", saved, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "workbench" / "summary.json").read_text("utf-8"))
    assert_figures(page, summary)


def test_english_switch(page, base_summary):
    act(page, lambda: page.click("[data-testid=language]"))
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Placed at first choice" in page.inner_text("#figures")
    assert page.inner_text("[data-testid=placed]") == f"{base_summary['counts']['placed']:,}"
    assert page.inner_text("[data-testid=add-class] >> nth=0") == "+1"
    assert page.get_attribute("[data-testid=add-class] >> nth=0", "aria-label").startswith(
        "Add a class")
    act(page, lambda: page.click("[data-testid=language]"))
    assert "第一志愿录取" in page.inner_text("#figures")


def test_plan_below_zero_is_refused_and_the_plan_stays(page, base_summary):
    page.focus("[data-testid=map-school][data-school-id='140702-S003']")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=plan-input]")
    page.fill("[data-testid=plan-input]", "-5")
    act(page, lambda: page.click("[data-testid=plan-apply]"))
    problems = page.locator("[data-testid=edit-error] [data-testid=problem]").all_inner_texts()
    assert problems == ["schools.csv:4:capacity: -5 is below the minimum 0"]
    assert_figures(page, base_summary)
    assert page.locator("[data-testid=undo]").is_disabled()


def test_zone_with_no_school_is_refused_with_the_commands_message(page, base_summary,
                                                                   tmp_path):
    from allocator.workbench.edits import scenario_document, scenario_yaml

    page.select_option("[data-testid=zone-select]", ZONE)
    page.select_option("[data-testid=zone-schools]", [])
    act(page, lambda: page.click("[data-testid=zone-apply]"))
    shown = page.locator("[data-testid=edit-error] [data-testid=problem]").all_inner_texts()
    same = tmp_path / "workbench-edits.yaml"
    same.write_text(scenario_yaml(scenario_document(DEMO, {"catchments": {ZONE: {"serve": []}}})),
                    encoding="utf-8")
    done = allocator("scenarios", same, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert shown and shown == [line for line in done.stderr.splitlines()
                               if line.startswith("workbench-edits.yaml:")]
    assert_figures(page, base_summary)


def test_school_details_by_keyboard(page):
    page.focus(f"[data-testid=map-school][data-school-id='{BUSY}']")
    page.keyboard.press("Enter")
    detail = page.locator("[data-testid=school-detail]")
    detail.wait_for()
    assert "实验小学" in detail.inner_text()
    assert page.locator("[data-testid=refused-went] tr").count() > 0
    assert page.locator("#flows-layer line").count() > 0


def test_screenshots_are_not_blank(page, tmp_path):
    from PIL import Image

    shot = tmp_path / "page.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot).convert("L")
    dark = sum(image.histogram()[:160]) / (image.width * image.height)
    assert 0.005 < dark < 0.5
    assert os.path.getsize(shot) > 50_000


def test_new_school_placed_by_clicking_the_map(page):
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.45)
    assert page.locator("#marks-layer circle").count() == 1
    page.fill("[data-testid=new-school-id]", "140702-S051")
    page.fill("#new-name", "东城新区小学")
    page.select_option("#new-zones", ["140702-C139"])
    act(page, lambda: page.click("[data-testid=new-school-apply]"))
    mark = page.locator("[data-testid=map-school][data-school-id='140702-S051']")
    assert mark.count() == 1 and float(mark.get_attribute("cx")) > 0
    assert page.locator("[data-testid=school-row][data-school-id='140702-S051']").count() == 1
    assert "140702-S051" in page.inner_text("[data-testid=edits]")


def test_a_school_without_a_position_still_has_its_mark(browser, tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(DEMO.parent / "tiny", folder)
    lines = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("37.80,112.50", ",")
    (folder / "schools.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = subprocess.Popen([*COMMAND, "workbench", str(folder), "--port", "0", "--work-dir",
                                str(tmp_path / "work")], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 120)
        address = process.stdout.readline().strip() if ready else ""
        opened = browser.new_page()
        opened.goto(address)
        settled(opened, 0)
        schools = [line.split(",")[0] for line in lines[1:]]
        marks = opened.locator("[data-testid=map] [data-testid=map-school]")
        assert sorted(marks.evaluate_all("nodes => nodes.map(n => n.dataset.schoolId)")) == \
            sorted(schools)
        assert "无坐标" in opened.locator("[data-school-id=A] title").text_content()
        opened.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
