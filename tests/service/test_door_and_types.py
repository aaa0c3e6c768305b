"""The service checks a job at the door, answers in typed JSON and logs no personal data."""

from __future__ import annotations

import logging
import warnings

import pytest
from service_support import AUTH, TOKEN, tiny_app, wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

JSON = {**AUTH, "content-type": "application/json"}


@pytest.fixture
def client(store_url):
    with TestClient(tiny_app(store_url)) as client:
        yield client


def _locations(response):
    return [tuple(item["loc"]) for item in response.json()["detail"]]


@pytest.mark.parametrize("seed", ["NaN", "Infinity", "-Infinity", "1e400", "true", "3.5",
                                  '"5"', "-1", str(2**63), "[1]"])
def test_a_seed_that_is_not_a_64_bit_integer_gets_422(client, seed):
    response = client.post("/jobs", headers=JSON,
                           content=f'{{"job_key": "k", "seed": {seed}}}'.encode())
    assert response.status_code == 422, response.text
    assert _locations(response) == [("body", "seed")]
    assert "input" not in response.json()["detail"][0]  # the value sent is not echoed


def test_non_finite_numbers_anywhere_in_a_body_get_422(client):
    for body in ('{"job_key": NaN}', '{"job_key": "k", "county": Infinity}',
                 '{"job_key": "k", "mechanism": -Infinity}'):
        response = client.post("/jobs", headers=JSON, content=body.encode())
        assert response.status_code == 422, (body, response.text)
    appeal = ('{"applicant_id": "a1", "field": "hukou_zone", "value": NaN, "actor": "c", '
              '"reason": "r"}')
    client.post("/jobs", headers=AUTH, json={"job_key": "t"})
    wait_for(client, "t")
    response = client.post("/jobs/t/appeals", headers=JSON, content=appeal.encode())
    assert response.status_code == 422 and _locations(response) == [("body", "value")]


def test_mechanism_scenario_and_county_are_checked_at_submit(client):
    cases = [({"mechanism": "bogus"}, ["mechanism"], "choose from deferred-acceptance"),
             ({"county": "Nowhere"}, ["county"], "no school of county 'Nowhere'"),
             ({"scenario": "missing"}, ["scenario"], "no scenario named 'missing'"),
             ({"mechanism": "bogus", "county": "Nowhere"}, ["mechanism", "county"], "")]
    for options, fields, message in cases:
        response = client.post("/jobs", headers=AUTH, json={"job_key": "k", **options})
        assert response.status_code == 422, options
        assert _locations(response) == [("body", field) for field in fields]
        assert message in response.json()["detail"][0]["msg"]
    assert client.get("/jobs/k", headers=AUTH).status_code == 404  # nothing was queued
    accepted = client.post("/jobs", headers=AUTH, json={
        "job_key": "k", "mechanism": "min-cost-flow", "county": "T",
        "scenario": "tiny-hand-checked", "seed": 11})
    assert accepted.status_code == 202
    assert wait_for(client, "k")["state"] == "completed"


def test_pages_and_reports_are_typed_json(client):
    client.post("/jobs", headers=AUTH, json={"job_key": "t"})
    assert wait_for(client, "t")["state"] == "completed"
    items = client.get("/jobs/t/assignments?limit=9", headers=AUTH).json()["items"]
    first = items[0]
    assert (first["applicant_id"], first["school_id"], first["tier"],
            first["choice_rank"], first["distance_km"]) == ("a1", "A", 1, 1, 0.0)
    assert isinstance(first["lottery"], float) and first["appeal_id"] is None
    unplaced = [item for item in items if item["status"] == "unplaced"]
    assert unplaced and all(item["school_id"] is None and item["tier"] is None
                            and item["choice_rank"] is None for item in unplaced)
    schools = client.get("/jobs/t/report", headers=AUTH).json()["schools"]
    school = next(row for row in schools if row["school_id"] == "A")
    assert (school["capacity"], school["assigned"], school["oversubscribed"]) == (2, 2, True)
    assert isinstance(school["cutoff_lottery"], float)
    assert isinstance(school["admitted_by_sweep"], int)
    assert all(isinstance(row["oversubscribed"], bool) for row in schools)


def test_result_routes_answer_like_the_status_route(store_url, monkeypatch):
    from allocator.service.worker import JobQueue

    monkeypatch.setattr(JobQueue, "start", lambda self: None)  # the job stays queued
    routes = ["/report", "/assignments", "/disclosure"]
    with TestClient(tiny_app(store_url)) as client:
        client.post("/jobs", headers=AUTH, json={"job_key": "q"})
        assert client.get("/jobs/q", headers=AUTH).json()["state"] == "queued"
        for route in routes:
            waiting = client.get(f"/jobs/q{route}", headers=AUTH)
            assert waiting.status_code == 409, route
            assert _locations(waiting) == [("path", "job_key")]
            assert "is queued; it has no results yet" in waiting.json()["detail"][0]["msg"]
            assert client.get(f"/jobs/nobody{route}", headers=AUTH).status_code == 404
        assert client.get("/jobs/nobody", headers=AUTH).status_code == 404


def test_the_access_log_names_routes_not_people(client, caplog):
    caplog.set_level(logging.INFO, logger="allocator.service.access")
    client.post("/jobs", headers=AUTH, json={"job_key": "t"})
    wait_for(client, "t")
    client.get("/jobs/t/assignments?offset=2&limit=3", headers=AUTH)
    client.post("/jobs/t/appeals", headers=AUTH, json={
        "applicant_id": "a3", "field": "hukou_since", "value": "2011-01-01",
        "actor": "clerk-王", "reason": "户口本 of 王小明"})
    client.get("/jobs/%E7%8E%8B%E5%B0%8F%E6%98%8E", headers=AUTH)  # a name in the path
    lines = [record.getMessage() for record in caplog.records
             if record.name == "allocator.service.access"]
    assert any(line.startswith("POST /jobs 202 ") for line in lines), lines
    assert any(line.startswith("GET /jobs/{job_key}/assignments 200 ") for line in lines)
    assert any(line.startswith("POST /jobs/{job_key}/appeals 201 ") for line in lines)
    text = "\n".join(lines)
    for secret in ("a3", "王", "offset", TOKEN, "testclient", "2011-01-01", "%E7"):
        assert secret not in text, secret


def test_a_conflict_found_by_the_worker_keeps_the_stored_run_visible(engine):
    from service_support import TINY

    from allocator.service.worker import JobQueue
    from allocator.store.jobs import JobRequest, run_job
    from allocator.store.scenario_io import import_scenario

    import_scenario(engine, TINY)
    stored = run_job(engine, JobRequest("k"))
    queue = JobQueue(engine, size=4)
    queue.start()
    try:  # past the door (a roster changed between submit and run): the worker refuses
        queue.submit(JobRequest("k", seed=99), "t")
        status = _final(queue, "k")
    finally:
        queue.stop()
    assert (status.state, status.run_id) == ("completed", stored.run_id)
    assert "re-submission was refused" in status.message
    assert "made from other inputs" in status.message


def test_a_failed_job_reports_the_kind_of_error_not_its_text(engine, monkeypatch):
    from allocator.service import worker
    from allocator.store.jobs import JobRequest

    def failing(*_arguments, **_options):
        raise ValueError("INSERT INTO applicants VALUES ('王小明', '2019-03-01')")

    monkeypatch.setattr(worker, "run_job", failing)
    queue = worker.JobQueue(engine, size=4)
    queue.start()
    try:
        queue.submit(JobRequest("k"), "t")
        status = _final(queue, "k")
    finally:
        queue.stop()
    assert status.state == "failed" and status.message.startswith("ValueError (details")
    assert "王小明" not in status.message and "INSERT" not in status.message


def _final(queue, job_key: str, timeout: float = 60.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = queue.status(job_key)
        if status.state not in ("queued", "running"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_key} did not finish")
