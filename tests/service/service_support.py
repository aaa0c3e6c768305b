"""Helpers for the service tests: an app over a store holding the tiny scenario."""

from __future__ import annotations

import time
from pathlib import Path

from allocator.service.app import ServiceSettings, create_app
from allocator.store.database import open_store
from allocator.store.scenario_io import import_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FINAL_STATES = ("completed", "refused", "invalid", "failed")


def tiny_app(store_url: str, **options):
    """The service over ``store_url`` after importing scenarios/tiny."""
    engine = open_store(store_url, migrate=False)
    import_scenario(engine, TINY)
    engine.dispose()
    return create_app(ServiceSettings(store_url, frozenset({TOKEN}), **options))


def wait_for(client, job_key: str, timeout: float = 60.0) -> dict:
    """Poll ``GET /jobs/{job_key}`` until the job reaches a final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job_key}", headers=AUTH).json()
        if status.get("state") in FINAL_STATES:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_key} did not finish in {timeout} s")
