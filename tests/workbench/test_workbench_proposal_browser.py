"""Zoning proposals, map tiles and plan downloads in headless Chromium.

The county is generated with communities and ``allocator zoning`` proposes its zones;
the workbench is started on it with that zoning folder in its own folder. Expected
figures come from ``allocator scenarios`` on the proposal's what-if file. The tile
server is a loopback fixture serving one magenta PNG for every ``/z/x/y.png``.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import select
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest
from conftest import act, edited_copy, settled, zone_moved

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(.ci/run installs it)")

COMMAND = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]
TILE_COLOUR = (255, 0, 255)
ERRORS: list[str] = []


class TileServer:
    """A loopback HTTP server answering every ``/z/x/y.png`` with one magenta tile."""

    def __init__(self):
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), TILE_COLOUR).save(buffer, "PNG")
        tile, paths = buffer.getvalue(), []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.paths = paths
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def tile_server():
    server = TileServer()
    yield server
    server.httpd.shutdown()


def start_workbench(county, work, *options):
    process = subprocess.Popen([*COMMAND, "workbench", str(county), "--port", "0",
                                "--work-dir", str(work), *options], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 120)
    address = process.stdout.readline().strip() if ready else ""
    if not re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", address):
        process.terminate()
        pytest.fail(f"the workbench did not start: {address!r}")
    return process, address


def write_declines(county, path) -> None:
    """Every 50th applicant of the county declines (its seat, or its application)."""
    applicants = pd.read_csv(county / "applicants.csv", dtype=str)["applicant_id"]
    pd.DataFrame({"applicant_id": applicants[::50], "response": "decline"}).to_csv(
        path, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def servers(proposal_county, tile_server, tmp_path_factory):
    """Two workbenches on the county, both holding the zoning folder: without and with tiles."""
    county, zoning = proposal_county
    addresses, processes = {}, []
    try:
        for name, options in (("plain", ()), ("tiles", (
                "--tiles", tile_server.origin + "/{z}/{x}/{y}.png",
                "--tiles-attribution", "Test tiles, loopback"))):
            work = tmp_path_factory.mktemp(f"workbench-{name}")
            shutil.copytree(zoning, work / zoning.name)
            write_declines(county, work / "declines.csv")
            process, addresses[name] = start_workbench(county, work, *options)
            processes.append(process)
        yield addresses
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def open_page(browser, address, requests=None):
    """A new page on ``address``, back at the base; ``requests`` collects every URL asked for."""
    import httpx

    origin, token = address.split("/?token=")
    httpx.post(f"{origin}/api/reset", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    if requests is not None:
        def record(route):
            requests.append(route.request.url)
            route.continue_()
        context.route("**/*", record)
    page = context.new_page()
    page.on("pageerror", lambda error: ERRORS.append(str(error)))
    page.goto(address)
    settled(page, 0)
    return page


def closed(page) -> None:
    """Close the page's context; no script error may have happened on it."""
    page.context.close()
    errors = list(ERRORS)
    ERRORS.clear()
    assert errors == []


def figures_of(page) -> dict[str, int]:
    hooks = ("placed", "first-choice", "outside-catchment", "sweep", "schools-oversubscribed",
             "surplus-seats")
    return {hook: int(re.sub(r"[^\d]", "", page.inner_text(f"[data-testid={hook}]")))
            for hook in hooks}


def expected_figures(summary: dict) -> dict[str, int]:
    counts = summary["counts"]
    by_source = counts["placed_by_source"]
    return {"placed": counts["placed"], "first-choice": counts["first_choice"],
            "outside-catchment": by_source.get("sweep", 0) + by_source.get("overflow", 0),
            "sweep": by_source.get("sweep", 0),
            "schools-oversubscribed": counts["schools_oversubscribed"],
            "surplus-seats": counts["surplus_seats"]}


def open_proposal(page) -> None:
    assert page.locator("[data-testid=proposal-select] option").all_inner_texts() == [
        "zoning-2026"]
    act(page, lambda: page.click("[data-testid=proposal-open]"))


def test_accepting_every_move_gives_the_figures_of_the_proposal(servers, browser,
                                                                proposal_county,
                                                                proposal_expected):
    page = open_page(browser, servers["plain"])
    assert figures_of(page) == expected_figures(proposal_expected["current"])
    open_proposal(page)
    moved = pd.read_csv(proposal_county[1] / "moved_communities.csv", dtype={"zone_id": str})
    rows = page.locator("[data-testid=proposal-move]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.zone)")) == sorted(
        moved["zone_id"])
    assert page.locator("#proposal-layer [data-testid=proposal-mark]").count() == len(moved)
    act(page, lambda: page.click("[data-testid=proposal-accept-all]"))
    assert figures_of(page) == expected_figures(proposal_expected["proposal"])
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.status)")) == {"accepted"}
    assert page.locator("[data-testid=edits] li").count() == len(moved)
    act(page, lambda: page.click("[data-testid=undo]"))  # accept all is one step
    assert figures_of(page) == expected_figures(proposal_expected["current"])
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.status)")) == {"pending"}
    closed(page)


def test_one_community_accepted_by_keyboard_is_an_ordinary_zone_move(servers, browser,
                                                                     proposal_county,
                                                                     tmp_path):
    from allocator.pipeline.run import run_scenario

    county = proposal_county[0]
    page = open_page(browser, servers["plain"])
    open_proposal(page)
    first = page.locator("[data-testid=proposal-move]").first
    zone = first.get_attribute("data-zone")
    target = first.locator("td").nth(2).inner_text().split()[0]
    first.locator("[data-testid=proposal-accept]").focus()
    act(page, lambda: page.keyboard.press("Enter"))
    expected = run_scenario(edited_copy(county, tmp_path / "one",
                                        zones=zone_moved(county, zone, target))).summary
    assert figures_of(page) == expected_figures(expected)
    assert page.locator(f"[data-testid=proposal-move][data-zone='{zone}']").get_attribute(
        "data-status") == "accepted"
    second = page.locator("[data-testid=proposal-move]").nth(1)
    act(page, lambda: second.locator("[data-testid=proposal-reject]").click())
    assert second.get_attribute("data-status") == "rejected"
    assert figures_of(page) == expected_figures(expected)
    closed(page)


def test_an_uploaded_what_if_file_is_shown_with_figures_from_the_roster(servers, browser,
                                                                        proposal_county):
    page = open_page(browser, servers["plain"])
    act(page, lambda: page.set_input_files("[data-testid=proposal-upload]",
                                           str(proposal_county[1] / "zoning-scenarios.yaml")))
    moved = pd.read_csv(proposal_county[1] / "moved_communities.csv")
    assert page.locator("[data-testid=proposal-move]").count() == len(moved)
    assert "报名名单" in page.inner_text("#proposal-source")
    act(page, lambda: page.click("[data-testid=language]"))
    assert "Accept all" in page.inner_text("[data-testid=proposal]")
    assert "from the roster" in page.inner_text("#proposal-source")
    closed(page)


def test_a_kept_plan_downloads_from_the_comparison(servers, browser, proposal_expected,
                                                   tmp_path):
    page = open_page(browser, servers["plain"])
    open_proposal(page)
    act(page, lambda: page.click("[data-testid=proposal-accept-all]"))
    page.fill("[data-testid=keep-name]", "建议")
    act(page, lambda: page.click("[data-testid=keep]"))
    act(page, lambda: page.click("[data-testid=undo]"))
    page.wait_for_selector("[data-testid=download-plan][data-plan='建议']")
    downloaded = {}
    for plan in ("base", "建议"):
        with page.expect_download() as download:
            page.click(f"[data-testid=download-plan][data-plan='{plan}']")
        path = tmp_path / f"{len(downloaded)}.zip"
        download.value.save_as(path)
        archive = zipfile.ZipFile(path)
        assert "report.html" in archive.namelist()
        downloaded[plan] = json.loads(archive.read("summary.json"))
    assert downloaded["建议"]["counts"] == proposal_expected["proposal"]["counts"]
    assert downloaded["base"]["counts"] == proposal_expected["current"]["counts"]
    closed(page)


def test_without_tiles_no_request_leaves_the_workbench(servers, browser, tile_server):
    requests: list[str] = []
    page = open_page(browser, servers["plain"], requests)
    open_proposal(page)
    page.click("#zoom-in")
    page.click("[data-testid=map-school] >> nth=0")
    page.wait_for_selector("[data-testid=school-detail]")
    origin = servers["plain"].split("/?")[0]
    assert requests and all(url.startswith(origin + "/") for url in requests), requests
    assert page.locator("[data-testid=map-tile]").count() == 0
    assert page.locator("[data-testid=tiles-attribution]").is_hidden()
    closed(page)


def test_tiles_are_requested_and_drawn_and_nothing_else_leaves(servers, browser, tile_server,
                                                               tmp_path):
    from PIL import Image

    requests: list[str] = []
    before = len(tile_server.paths)
    page = open_page(browser, servers["tiles"], requests)
    page.wait_for_function("document.querySelectorAll('[data-testid=map-tile][data-loaded]')"
                           ".length > 0", timeout=30_000)
    asked = tile_server.paths[before:]
    assert asked and all(re.fullmatch(r"/\d+/\d+/\d+\.png", path) for path in asked)
    origin = servers["tiles"].split("/?")[0]
    outside = [url for url in requests if not url.startswith(origin + "/")]
    assert outside and all(url.startswith(tile_server.origin + "/") for url in outside)
    assert page.inner_text("[data-testid=tiles-attribution]") == "Test tiles, loopback"
    shot = tmp_path / "map.png"
    page.locator("[data-testid=map]").screenshot(path=str(shot))
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    magenta = (pixels[:, 0] > 180) & (pixels[:, 2] > 180) & (pixels[:, 1] < 120)
    assert magenta.mean() > 0.3, "the tiles are drawn under the map's layers"
    zoom = page.locator("[data-testid=map-tile]").first.get_attribute("data-tile").split("/")[0]
    act(page, lambda: page.click("[data-testid=language]"))  # redraws: tiles stay put
    page.click("#zoom-in")
    page.click("#zoom-in")
    page.wait_for_function(f"[...document.querySelectorAll('[data-testid=map-tile]')].some("
                           f"t => t.dataset.tile.split('/')[0] !== '{zoom}')")
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests)
    closed(page)


def test_a_later_round_run_from_the_page_equals_allocator_run_after(servers, browser,
                                                                    proposal_county,
                                                                    tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import helpers

    from allocator.workbench.season import round_figures

    county = proposal_county[0]
    first = helpers.run_cli("run", county, "--out", tmp_path / "run1", "--no-reports", "-q")
    assert first.exit_code == 0, first.stderr
    scenario = tmp_path / "scenario"
    shutil.copytree(county, scenario)
    write_declines(county, scenario / "responses.csv")
    second = helpers.run_cli("run", scenario, "--out", tmp_path / "run2", "--after",
                             tmp_path / "run1", "--no-reports", "-q")
    assert second.exit_code == 0, second.stderr
    expected = round_figures(tmp_path / "run2")
    page = open_page(browser, servers["plain"])
    assert page.locator("[data-testid=season-responses] option").all_inner_texts() == [
        "declines.csv"]
    page.locator("[data-testid=season-run]").focus()
    act(page, lambda: page.keyboard.press("Enter"))
    page.wait_for_selector("[data-testid=season-round][data-round='round-2']")
    for key, value in expected["headline"].items():
        shown = page.inner_text(f"[data-testid=season-round] [data-testid=season-{key}]")
        assert int(re.sub(r"[^\d]", "", shown)) == value, key
    for row in expected["schools"]:
        cells = page.locator(f"[data-testid=season-school][data-school-id='{row['school_id']}']")
        assert int(cells.locator("[data-column=freed]").inner_text()) == row["freed"]
        assert int(cells.locator("[data-column=filled]").inner_text()) == row["filled"]
    assert "第 2 轮" in page.inner_text("[data-testid=season-round]")
    closed(page)
