"""The admission season through the HTTP API: responses, later rounds, appeals."""

from __future__ import annotations

import warnings

import pytest
from service_support import AUTH, tiny_app, wait_for
from store_support import dump

from allocator.pipeline.after import run_after
from allocator.store.database import open_store
from allocator.store.faults import FAULT_VARIABLE
from allocator.store.jobs import find_run
from allocator.store.run_records import export_run, run_folder_files
from allocator.store.scenario_export import find_scenario, scenario_files

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

RESPONSES = [{"applicant_id": "a1", "response": "decline"},
             {"applicant_id": "a7", "response": "wait"},
             {"applicant_id": "a6", "response": "decline"}]


@pytest.fixture
def client(store_url):
    with TestClient(tiny_app(store_url)) as client:
        yield client


def _first_round(client) -> None:
    client.post("/jobs", headers=AUTH, json={"job_key": "r1"})
    assert wait_for(client, "r1")["state"] == "completed"


def _send(client, responses, key: str = "r1"):
    return client.post(f"/jobs/{key}/responses", headers=AUTH,
                       json={"responses": responses, "actor": "school-office"})


def test_a_later_round_through_the_service_equals_the_engine_on_exported_folders(
        client, store_url, tmp_path):
    _first_round(client)
    stored = _send(client, RESPONSES)
    assert stored.status_code == 201
    assert stored.json()["counts"] == {"accept": 0, "wait": 1, "decline": 2}
    submitted = client.post("/jobs", headers=AUTH,
                            json={"job_key": "r2", "after": "r1", "lottery": "reversed"})
    assert submitted.status_code == 202
    status = wait_for(client, "r2")
    assert (status["state"], status["run_id"]) == ("completed", 2), status
    report = client.get("/jobs/r2/report", headers=AUTH).json()
    assert report["summary"]["round"]["lottery"] == "reversed"
    engine = open_store(store_url, migrate=False)
    with engine.connect() as connection:
        export_run(connection, find_run(connection, "r1"), tmp_path / "r1")
        files = scenario_files(connection, find_scenario(connection, None)).files
        stored_files = run_folder_files(connection, find_run(connection, "r2"))
    engine.dispose()
    folder = tmp_path / "scenario"
    folder.mkdir()
    for name, text in {**files, "responses.csv": "applicant_id,response\na1,decline\n"
                       "a7,wait\na6,decline\n"}.items():
        (folder / name).write_text(text, encoding="utf-8")
    direct = run_after(folder, tmp_path / "r1", "reversed")
    placements = dict(zip(direct.assignments["applicant_id"], direct.assignments["school_id"],
                          strict=True))
    page = client.get("/jobs/r2/assignments", headers=AUTH).json()
    assert {item["applicant_id"]: item["school_id"] or "" for item in page["items"]} == \
        placements
    assert "a1,,declined" in stored_files["assignments.csv"]


def test_responses_sent_again_are_idempotent_and_other_ones_refused(client, store_url):
    _first_round(client)
    assert _send(client, RESPONSES).status_code == 201
    engine = open_store(store_url, migrate=False)
    before = dump(engine)
    again = _send(client, RESPONSES)
    assert again.status_code == 200 and again.json()["created"] is False
    changed = _send(client, RESPONSES[:1])
    assert changed.status_code == 409
    assert "holds other responses already" in changed.json()["detail"][0]["msg"]
    assert dump(engine) == before
    engine.dispose()


def test_bad_responses_get_422_listing_every_problem_and_nothing_is_stored(client, store_url):
    _first_round(client)
    engine = open_store(store_url, migrate=False)
    before = dump(engine)
    refused = _send(client, [{"applicant_id": "zz", "response": "decline"},
                             {"applicant_id": "a4", "response": "accept"},
                             {"applicant_id": "a2", "response": "perhaps"}])
    assert refused.status_code == 422
    messages = [item["msg"] for item in refused.json()["detail"]]
    assert messages[0] == ("responses.csv:2:applicant_id: unknown applicant zz: not an "
                           "applicant of this run")
    assert messages[1].startswith("responses.csv:3:response: 'accept' from applicant a4")
    assert any(m.startswith("responses.csv:4:response:") for m in messages)
    assert refused.json()["detail"][0]["loc"] == ["body", "responses", 0, "applicant_id"]
    assert _send(client, RESPONSES, key="nobody").status_code == 404
    assert dump(engine) == before
    engine.dispose()


def test_a_later_round_request_is_checked_at_the_door(client):
    _first_round(client)
    unknown = client.post("/jobs", headers=AUTH, json={"job_key": "r2", "after": "nope"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "after"]
    alone = client.post("/jobs", headers=AUTH, json={"job_key": "r2", "lottery": "reversed"})
    assert alone.status_code == 422
    assert alone.json()["detail"][0]["loc"] == ["body", "lottery"]
    odd = client.post("/jobs", headers=AUTH,
                      json={"job_key": "r2", "after": "r1", "lottery": "shuffled"})
    assert odd.status_code == 422


def test_an_appeal_to_a_round_a_later_round_followed_gets_409(client):
    _first_round(client)
    _send(client, RESPONSES)
    client.post("/jobs", headers=AUTH, json={"job_key": "r2", "after": "r1"})
    assert wait_for(client, "r2")["state"] == "completed"
    appeal = {"applicant_id": "a4", "field": "hukou_zone", "value": "Z1", "actor": "clerk",
              "reason": "hukou book"}
    refused = client.post("/jobs/r1/appeals", headers=AUTH, json=appeal)
    assert refused.status_code == 409
    assert "send it to job 'r2'" in refused.json()["detail"][0]["msg"]
    assert client.post("/jobs/r2/appeals", headers=AUTH, json=appeal).status_code == 201


def test_responses_failing_mid_write_leave_the_store_unchanged(client, store_url,
                                                               monkeypatch):
    _first_round(client)
    engine = open_store(store_url, migrate=False)
    before = dump(engine)
    monkeypatch.setenv(FAULT_VARIABLE, "responses_before_commit")
    with pytest.raises(Exception, match="responses_before_commit"):
        _send(client, RESPONSES)
    assert dump(engine) == before
    monkeypatch.delenv(FAULT_VARIABLE)
    assert _send(client, RESPONSES).status_code == 201
    engine.dispose()
