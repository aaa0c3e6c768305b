"""The workbench's routes: the token, the payload (no names or ID numbers), the map layers."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import DEMO
from fastapi.testclient import TestClient

from allocator.workbench.app import create_app
from allocator.workbench.mapdata import hull, map_geometry, projection_for, zone_areas

TOKEN = "test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(bench):
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    return TestClient(create_app(bench, TOKEN, layers))


def test_every_route_but_health_needs_the_token(client):
    routes = [("get", "/"), ("get", "/api/state"), ("get", "/api/map"), ("post", "/api/edits"),
              ("post", "/api/undo"), ("post", "/api/redo"), ("post", "/api/reset"),
              ("post", "/api/scenario"), ("get", "/api/scenario.yaml"),
              ("get", "/api/school/140702-S001"), ("get", "/api/movers"), ("get", "/api/run.zip"),
              ("post", "/api/keep"), ("get", "/api/compare"), ("get", "/api/season"),
              ("get", "/api/proposals"), ("get", "/api/proposal"), ("post", "/api/proposal"),
              ("post", "/api/proposal/accept"), ("post", "/api/proposal/accept-all"),
              ("post", "/api/proposal/reject"), ("post", "/api/season/run")]
    app_routes = {route.path for route in client.app.app.routes if route.path != "/health"}
    assert app_routes == {path.replace("140702-S001", "{school_id}") for _, path in routes}
    for method, path in routes:
        assert getattr(client, method)(path).status_code == 401, path
        assert getattr(client, method)(path, headers={
            "Authorization": "Bearer wrong"}).status_code == 401, path
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/", params={"token": TOKEN}).status_code == 200
    assert client.get("/api/state", headers=BEARER).status_code == 200


def test_page_is_self_contained(client):
    page = client.get("/", params={"token": TOKEN}).text
    assert "@font-face" in page and 'data-testid="map"' in page
    assert not re.search(r"""(src|href)=["']https?://""", page), "nothing fetched from outside"


def test_state_holds_no_name_or_id_number(client, bench):
    bench.apply({"kind": "classes", "school": "140702-S001", "classes": 1})
    text = json.dumps(client.get("/api/state", headers=BEARER).json(), ensure_ascii=False)
    text += json.dumps(client.get("/api/movers", headers=BEARER).json(), ensure_ascii=False)
    text += json.dumps(client.get("/api/school/140702-S001", headers=BEARER).json())
    assert not re.search(r"\d{17}[\dXx]", text), "no national ID number"
    assert "birth_date" not in text and "name\": \"张" not in text


def test_edit_and_refusal_over_http(client, bench):
    added = client.post("/api/edits", headers=BEARER,
                        json={"kind": "classes", "school": "140702-S001", "classes": 1})
    assert added.status_code == 200 and added.json()["change"]["surplus_seats"] is not None
    refused = client.post("/api/edits", headers=BEARER,
                          json={"kind": "plan", "school": "140702-S001", "plan": -1})
    assert refused.status_code == 422
    assert refused.json()["problems"] == ["schools.csv:2:capacity: -1 is below the minimum 0"]
    assert len(bench.edits) == 1
    assert client.post("/api/edits", headers=BEARER, content=b"{").status_code == 422


def test_english_state_uses_the_report_words(client):
    state = client.get("/api/state", params={"lang": "en"}, headers=BEARER).json()
    assert state["words"]["placed"] == "Placed" and state["lang"] == "en"
    assert client.get("/api/state", headers=BEARER).json()["words"]["placed"] == "已录取"


def test_saved_file_and_run_folder(client, bench):
    bench.apply({"kind": "zone", "zone": "140702-C116", "serve": ["140702-S008"]})
    saved = yaml.safe_load(client.get("/api/scenario.yaml", headers=BEARER).text)
    assert saved["overrides"]["workbench"]["catchments"] == {
        "140702-C116": {"serve": ["140702-S008"]}}
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/run.zip", headers=BEARER).content))
    names = set(archive.namelist())
    assert {"assignments.csv", "schools.csv", "summary.json", "manifest.json"} <= names
    summary = json.loads(archive.read("summary.json"))
    assert summary["counts"] == bench.current.result.summary["counts"]


def test_school_story(client):
    story = client.get("/api/school/140702-S001", headers=BEARER).json()
    assert story["refused"] > 0 and story["cutoff_tier"]
    assert sum(d["children"] for d in story["refused_went_to"]) > 0
    assert client.get("/api/school/nope", headers=BEARER).status_code == 404


def test_hull_is_the_convex_hull():
    points = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [1, 0]], dtype=float)
    assert sorted(map(tuple, hull(points))) == [(0, 0), (0, 2), (2, 0), (2, 2)]


def test_zones_come_from_geojson_when_given(tmp_path):
    projection = projection_for(np.array([37.0, 38.0]), np.array([112.0, 113.0]))
    square = [[112.1, 37.1], [112.2, 37.1], [112.2, 37.2], [112.1, 37.2], [112.1, 37.1]]
    (tmp_path / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"zone": "Z1"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}), encoding="utf-8")
    areas = zone_areas(projection, pd.DataFrame(), tmp_path)
    assert list(areas) == ["Z1"] and len(areas["Z1"][0]) == 5


def test_homes_are_sent_only_as_counts(bench):
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(DEMO, loaded.schools, loaded.applicants)
    assert sum(count for _, _, count in layers["density"]["cells"]) == int(
        loaded.applicants["lat"].notna().sum())
    assert layers["zones_from"] == "homes" and len(layers["zones"]) > 10


def test_kept_plans_are_compared_side_by_side(client, bench):
    bench.kept.clear()
    client.post("/api/edits", headers=BEARER,
                json={"kind": "classes", "school": "140702-S001", "classes": 1})
    assert client.post("/api/keep", params={"name": "一个班"}, headers=BEARER).status_code == 200
    kept = bench.current.result
    client.post("/api/edits", headers=BEARER,
                json={"kind": "classes", "school": "140702-S001", "classes": 1})
    compared = client.get("/api/compare", headers=BEARER).json()
    assert compared["runs"] == ["base", "一个班", "current"]
    placed = next(row for row in compared["rows"] if row["metric"] == "surplus_seats")
    assert placed["一个班"] == kept.summary["counts"]["surplus_seats"]
    assert placed["current"] == bench.current.result.summary["counts"]["surplus_seats"]
    assert placed["current_change"] == 90
    for taken in ("一个班", "base", " "):
        refused = client.post("/api/keep", params={"name": taken}, headers=BEARER)
        assert refused.status_code == 422
    bench.kept.clear()


def test_invalid_scenario_is_refused_before_serving(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import helpers

    folder = helpers.copy_tiny(tmp_path / "bad")
    schools = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()
    header = schools[0].split(",")
    cells = schools[1].split(",")
    cells[header.index("capacity")] = "-3"
    (folder / "schools.csv").write_text("\n".join([schools[0], ",".join(cells), *schools[2:]])
                                        + "\n", encoding="utf-8")
    outcome = helpers.run_cli("workbench", folder, "--port", "0", "--work-dir", tmp_path / "w")
    assert outcome.exit_code == 2 and outcome.stdout == ""
    assert not (tmp_path / "w").exists(), "nothing written for an invalid scenario"
    assert "schools.csv:2:capacity: -3 is below the minimum 0" in outcome.problem_lines()
    validate = helpers.run_cli("validate", folder)
    assert outcome.problem_lines() == validate.problem_lines()
    assert helpers.run_cli("workbench").exit_code == 2  # neither a folder nor --store


def test_a_stored_scenario_opens_as_its_job_roster(tmp_path):
    from allocator.model.problems import InputError
    from allocator.pipeline.run import run_scenario
    from allocator.store.database import open_store
    from allocator.store.scenario_io import import_scenario
    from allocator.workbench.state import open_workbench
    from allocator.workbench.stored import stored_scenario_folder

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    import_scenario(engine, DEMO, name="demo")
    engine.dispose()
    folder = stored_scenario_folder(url, "demo", None, tmp_path / "work")
    assert folder.parent == tmp_path / "work"
    bench = open_workbench(folder, tmp_path / "work")
    assert bench.current.result.summary["counts"] == run_scenario(DEMO).summary["counts"]
    with pytest.raises(InputError, match="no scenario named 'other'"):
        stored_scenario_folder(url, "other", None, tmp_path / "work")
