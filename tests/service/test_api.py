"""The portal's HTTP API: tokens, jobs, pages, reports, disclosure, appeals, 4xx with fields."""

from __future__ import annotations

import warnings

import pytest
from service_support import AUTH, TOKEN, tiny_app, wait_for

from allocator.store.jobs import JobRequest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROUTES = [("get", "/jobs/k"), ("post", "/jobs"), ("get", "/jobs/k/assignments"),
          ("get", "/jobs/k/report"), ("get", "/jobs/k/disclosure"),
          ("post", "/jobs/k/appeals")]


@pytest.fixture
def client(store_url):
    with TestClient(tiny_app(store_url)) as client:
        yield client


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_requests_without_a_valid_token_get_401(client, headers):
    for method, path in ROUTES:
        response = client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"][0]["loc"] == ["header", "authorization"]
    assert client.get("/health").status_code == 200


def test_a_job_is_queued_run_paged_reported_disclosed_and_appealed(client):
    submitted = client.post("/jobs", headers=AUTH, json={"job_key": "tiny-2025"})
    assert submitted.status_code == 202 and submitted.headers["location"] == "/jobs/tiny-2025"
    status = wait_for(client, "tiny-2025")
    assert (status["state"], status["run_id"], status["created"]) == ("completed", 1, True)
    assert status["counts"]["applicants"] == 9
    client.post("/jobs", headers=AUTH, json={"job_key": "tiny-2025"})
    assert wait_for(client, "tiny-2025")["created"] is False

    page = client.get("/jobs/tiny-2025/assignments?offset=2&limit=3", headers=AUTH).json()
    assert (page["total"], page["offset"], page["limit"]) == (9, 2, 3)
    assert [item["applicant_id"] for item in page["items"]] == ["a3", "a4", "a5"]
    report = client.get("/jobs/tiny-2025/report", headers=AUTH).json()
    assert report["summary"]["counts"]["placed"] == 6 and len(report["schools"]) == 4

    appeal = {"applicant_id": "a3", "field": "property_zone", "value": "Z1",
              "actor": "clerk-07", "reason": "deed verified"}
    assert client.post("/jobs/tiny-2025/appeals", headers=AUTH, json=appeal).status_code == 201
    appeal.update(field="hukou_since", value="2011-01-01")
    decided = client.post("/jobs/tiny-2025/appeals", headers=AUTH, json=appeal).json()
    assert (decided["decision"], decided["new_school_id"]) == ("placed", "A")
    disclosure = client.get("/jobs/tiny-2025/disclosure", headers=AUTH)
    assert disclosure.headers["content-type"].startswith("text/csv")
    assert "a3,A,placed,1,hukou_and_home,appeal," in disclosure.text


def _locations(response):
    return [tuple(item["loc"]) for item in response.json()["detail"]]


def test_malformed_and_oversized_payloads_get_4xx_naming_the_field(client):
    cases = [
        (client.post("/jobs", headers={**AUTH, "content-type": "application/json"},
                     content=b"{not json"), 422, ("body", 1)),
        (client.post("/jobs", headers=AUTH, json={"job_key": "ok", "seed": "x"}), 422,
         ("body", "seed")),
        (client.post("/jobs", headers=AUTH, json={"job_key": "ok", "colour": 1}), 422,
         ("body", "colour")),
        (client.post("/jobs", headers=AUTH, json={"job_key": "no spaces"}), 422,
         ("body", "job_key")),
        (client.get("/jobs/bad%20key", headers=AUTH), 422, ("path", "job_key")),
        (client.get("/jobs/k/assignments?limit=0", headers=AUTH), 422, ("query", "limit")),
        (client.get("/jobs/unknown", headers=AUTH), 404, ("path", "job_key")),
        (client.post("/jobs", headers=AUTH, json={"job_key": "k" * 70_000}), 413, ("body",)),
    ]
    for response, code, location in cases:
        assert response.status_code == code, (location, response.text)
        assert location in _locations(response), response.text


def test_appeals_with_bad_fields_are_refused_by_name(client):
    client.post("/jobs", headers=AUTH, json={"job_key": "t"})
    wait_for(client, "t")
    base = {"applicant_id": "a4", "field": "hukou_zone", "value": "Z1", "actor": "c",
            "reason": "r"}
    bad_field = client.post("/jobs/t/appeals", headers=AUTH, json={**base, "field": "name"})
    assert ("body", "field") in _locations(bad_field)
    bad_zone = client.post("/jobs/t/appeals", headers=AUTH, json={**base, "value": "Z9"})
    assert bad_zone.status_code == 422 and ("body", "value") in _locations(bad_zone)
    assert "zone 'Z9' is not served" in bad_zone.json()["detail"][0]["msg"]
    unknown = client.post("/jobs/t/appeals", headers=AUTH, json={**base, "applicant_id": "zz"})
    assert ("body", "applicant_id") in _locations(unknown)


def test_the_queue_is_bounded(engine):
    from allocator.service.worker import JobQueue, QueueFull

    queue = JobQueue(engine, size=2)  # worker not started: nothing is taken off the queue
    queue.submit(JobRequest("a"), "t")
    assert queue.submit(JobRequest("a"), "t").state == "queued"  # same key: not queued twice
    queue.submit(JobRequest("b"), "t")
    with pytest.raises(QueueFull):
        queue.submit(JobRequest("c"), "t")


def test_the_openapi_schema_validates(client):
    from openapi_spec_validator import validate

    assert client.get("/openapi.json").status_code == 401  # behind the token
    assert [client.get(page).status_code for page in ("/docs", "/redoc")] == [404, 404]
    schema = client.get("/openapi.json", headers=AUTH).json()
    validate(schema)
    assert {"/jobs", "/jobs/{job_key}", "/jobs/{job_key}/assignments",
            "/jobs/{job_key}/appeals", "/jobs/{job_key}/disclosure"} <= set(schema["paths"])


def test_serve_binds_loopback_only_and_needs_a_token(store_url):
    from typer.testing import CliRunner

    from allocator.interfaces.cli import app
    from allocator.service.app import ServiceSettings

    remote = CliRunner().invoke(app, ["serve", "--db", store_url, "--host", "0.0.0.0"])
    assert remote.exit_code == 1 and "refusing to bind 0.0.0.0" in remote.stderr
    with pytest.raises(ValueError, match="ALLOCATOR_SERVICE_TOKENS"):
        ServiceSettings.from_environment(store_url, {})
    settings = ServiceSettings.from_environment(store_url, {"ALLOCATOR_SERVICE_TOKENS": "a, b"})
    assert settings.tokens == frozenset({"a", "b"})


def test_a_full_queue_answers_503_and_a_busy_key_409(store_url, monkeypatch):
    from allocator.service.worker import JobQueue

    monkeypatch.setattr(JobQueue, "start", lambda self: None)  # nothing leaves the queue
    with TestClient(tiny_app(store_url, queue_size=1)) as client:
        assert client.post("/jobs", headers=AUTH, json={"job_key": "a"}).status_code == 202
        busy = client.post("/jobs", headers=AUTH, json={"job_key": "a", "seed": 3})
        assert busy.status_code == 409 and _locations(busy) == [("body", "job_key")]
        full = client.post("/jobs", headers=AUTH, json={"job_key": "b"})
        assert full.status_code == 503 and full.headers["retry-after"] == "5"


def test_changed_options_under_a_stored_key_are_refused_and_the_run_stays_visible(client):
    client.post("/jobs", headers=AUTH, json={"job_key": "k"})
    assert wait_for(client, "k")["state"] == "completed"
    refused = client.post("/jobs", headers=AUTH, json={"job_key": "k", "seed": 99})
    assert refused.status_code == 409 and _locations(refused) == [("body", "job_key")]
    assert "made from other inputs" in refused.json()["detail"][0]["msg"]
    status = client.get("/jobs/k", headers=AUTH).json()
    assert (status["state"], status["run_id"]) == ("completed", 1)
    assert client.get("/jobs/k/report", headers=AUTH).status_code == 200
