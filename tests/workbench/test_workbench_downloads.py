"""Downloading any plan of the page (base, kept plans, current) and the page's network policy."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from conftest import DEMO
from fastapi.testclient import TestClient

from allocator.interfaces.workbench_commands import tile_setting
from allocator.model.problems import InputError
from allocator.workbench.app import create_app
from allocator.workbench.mapdata import map_geometry

TOKEN = "test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TILES = {"url": "http://127.0.0.1:9/{z}/{x}/{y}.png", "attribution": "test tiles"}


def client_for(bench, tiles=None) -> TestClient:
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    return TestClient(create_app(bench, TOKEN, layers, tiles=tiles))


def zipped_summary(response) -> dict:
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"assignments.csv", "schools.csv", "summary.json", "manifest.json"} <= set(
        archive.namelist())
    return json.loads(archive.read("summary.json"))


def test_every_plan_of_the_page_downloads_with_its_own_figures(bench):
    client = client_for(bench)
    school = str(bench.engine.tables.schools["school_id"][0])
    bench.apply({"kind": "classes", "school": school, "classes": 1})
    bench.keep("方案甲")
    kept_counts = bench.current.result.summary["counts"]
    bench.apply({"kind": "classes", "school": school, "classes": 1})
    assert bench.current.result.summary["counts"] != kept_counts
    answers = {plan: client.get("/api/run.zip", params={"plan": plan}, headers=BEARER)
               for plan in ("base", "方案甲", "current")}
    assert zipped_summary(answers["base"])["counts"] == bench.engine.base.summary["counts"]
    assert zipped_summary(answers["方案甲"])["counts"] == kept_counts
    assert zipped_summary(answers["current"])["counts"] == \
        bench.current.result.summary["counts"]
    disposition = answers["方案甲"].headers["content-disposition"]
    assert "filename*=UTF-8''demo-county-%E6%96%B9%E6%A1%88%E7%94%B2.zip" in disposition
    downloads = bench.engine.work_folder / "downloads"
    assert sorted(path.name for path in downloads.glob("*.zip")) == [
        "plan-0.zip", "plan-1.zip", "plan-2.zip"]


def test_the_reports_come_in_the_asked_language(bench):
    answer = client_for(bench).get("/api/run.zip", params={"plan": "base", "reports": "true",
                                                             "lang": "en"}, headers=BEARER)
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert "report.html" in archive.namelist()
    assert 'lang="en"' in archive.read("report.html").decode("utf-8")


def test_an_unknown_plan_is_refused(bench):
    answer = client_for(bench).get("/api/run.zip", params={"plan": "../x"}, headers=BEARER)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        "edit::: no plan named '../x'; the page has base, current"]


def test_the_page_may_fetch_only_from_its_server_and_the_tile_server(bench):
    policy = client_for(bench).get("/", params={"token": TOKEN}).headers[
        "content-security-policy"]
    assert "connect-src 'self'" in policy and "img-src 'self' data:;" in policy
    assert "http" not in policy
    with_tiles = client_for(bench, TILES).get("/", params={"token": TOKEN}).headers[
        "content-security-policy"]
    assert "img-src 'self' data: http://127.0.0.1:9;" in with_tiles
    assert client_for(bench, TILES).get("/api/map", headers=BEARER).json()["tiles"] == TILES
    assert client_for(bench).get("/api/map", headers=BEARER).json()["tiles"] is None


def test_a_tile_template_without_its_placeholders_is_refused():
    assert tile_setting(None, "x") is None
    assert tile_setting("https://tiles.example/{z}/{x}/{y}.png", " © someone ") == {
        "url": "https://tiles.example/{z}/{x}/{y}.png", "attribution": "© someone"}
    with pytest.raises(InputError) as refused:
        tile_setting("file:///tiles/{z}/{x}.png", "")
    assert [str(problem) for problem in refused.value.problems] == [
        "command line::--tiles: give an http:// or https:// address",
        "command line::--tiles: the template lacks {y}"]
