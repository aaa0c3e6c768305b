"""20 concurrent submissions over real HTTP on loopback; a bounded schemathesis fuzz run."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import httpx
import pandas as pd
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from service_support import AUTH, TINY, tiny_app, wait_for

from allocator.pipeline import run_scenario
from allocator.policy.lottery import lottery_draws

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SUBMISSIONS = 20
FUZZ_EXAMPLES = 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_service(store_url):
    """The service served by uvicorn on a free loopback port, stopped after the test."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(tiny_app(store_url), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "service did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def test_twenty_concurrent_submissions_complete_with_separate_results(live_service):
    def submit(seed: int) -> int:
        with httpx.Client(base_url=live_service, headers=AUTH, timeout=30) as http:
            return http.post("/jobs", json={"job_key": f"seed-{seed}", "seed": seed}).status_code

    with ThreadPoolExecutor(SUBMISSIONS) as pool:
        codes = list(pool.map(submit, range(1, SUBMISSIONS + 1)))
    assert codes == [202] * SUBMISSIONS
    ids = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"]
    with httpx.Client(base_url=live_service, headers=AUTH, timeout=30) as http:
        statuses = [wait_for(http, f"seed-{seed}", timeout=120)
                    for seed in range(1, SUBMISSIONS + 1)]
        pages = {seed: http.get(f"/jobs/seed-{seed}/assignments?limit=100").json()["items"]
                 for seed in range(1, SUBMISSIONS + 1)}
    assert {status["state"] for status in statuses} == {"completed"}
    assert len({status["run_id"] for status in statuses}) == SUBMISSIONS
    for seed, items in pages.items():  # each job used its own seed ...
        draws = lottery_draws(pd.Series(ids), pd.Series([""] * 9), seed)
        assert [item["lottery"] for item in items] == [  # typed JSON: numbers
            float(f"{int(d) / 2**64:.10f}") for d in draws], seed
    for seed in (1, SUBMISSIONS):  # ... and its placements are the engine's for that seed
        expected = run_scenario(TINY, seed=seed).assignments
        assert [item["school_id"] or "" for item in pages[seed]] == (  # null: not placed
            expected["school_id"].tolist())


def test_a_fuzz_run_finds_no_server_error(store_url):
    import schemathesis

    app = tiny_app(store_url)
    with TestClient(app) as client:
        schema = schemathesis.openapi.from_dict(client.get("/openapi.json",
                                                           headers=AUTH).json())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 6
        for operation in operations:
            _fuzz(client, operation)


def _fuzz(client, operation) -> None:
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case) -> None:
        body = case.body if isinstance(case.body, dict | list | str | int | float) else None
        response = client.request(case.method, case.formatted_path, params=case.query,
                                  json=body, headers={**(case.headers or {}), **AUTH})
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)

    check()
