"""The batch job: one transaction, idempotent by key, refused on changed inputs, fault-proof."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select, update
from store_support import TINY, dump

from allocator.pipeline import run_scenario
from allocator.store import models
from allocator.store.faults import FAULT_VARIABLE, InjectedFault
from allocator.store.jobs import JobConflict, JobRequest, run_job
from allocator.store.scenario_io import import_scenario

CHECKPOINTS = ("after_inputs", "after_assignments", "after_lottery", "before_commit")


@pytest.fixture
def tiny_store(engine):
    import_scenario(engine, TINY)
    return engine


def _placements(engine, run_id):
    with engine.connect() as connection:
        rows = connection.execute(select(models.assignments.c.applicant_id,
                                         models.assignments.c.school_id).where(
            models.assignments.c.run_id == run_id)).all()
    return dict(rows)


def test_a_job_stores_the_engine_result_with_its_audit_record(tiny_store):
    outcome = run_job(tiny_store, JobRequest("2025-T-1"), actor="portal")
    direct = run_scenario(TINY)
    assert outcome.created
    assert _placements(tiny_store, outcome.run_id) == dict(zip(
        direct.assignments["applicant_id"], direct.assignments["school_id"], strict=True))
    with tiny_store.connect() as connection:
        run = connection.execute(select(models.runs)).one()
        draws = connection.execute(select(models.lottery_draws).order_by(
            models.lottery_draws.c.lottery_order)).all()
        events = connection.execute(select(models.audit_events.c.kind,
                                           models.audit_events.c.actor)).all()
    assert run.seed == "7" and run.mechanism == "deferred-acceptance"
    assert len(run.roster_sha256) == len(run.policy_sha256) == 64
    assert [d.draw for d in draws] == sorted(d.draw for d in draws) and len(draws) == 9
    assert ("job_completed", "portal") in events


def test_the_same_key_and_inputs_return_the_stored_run_without_writing(tiny_store):
    first = run_job(tiny_store, JobRequest("k"))
    before = dump(tiny_store)
    again = run_job(tiny_store, JobRequest("k"))
    assert (again.run_id, again.created) == (first.run_id, False)
    assert again.summary == first.summary
    assert dump(tiny_store) == before


def test_the_same_key_with_changed_inputs_is_refused(tiny_store):
    run_job(tiny_store, JobRequest("k"))
    with tiny_store.begin() as connection:
        connection.execute(update(models.applicants).where(
            models.applicants.c.applicant_id == "a4").values(residence_permit_months="36"))
    before = dump(tiny_store)
    with pytest.raises(JobConflict, match="job key 'k' already holds run 1 made from other"):
        run_job(tiny_store, JobRequest("k"))
    with pytest.raises(JobConflict, match="Use a new job key"):
        run_job(tiny_store, JobRequest("k", seed=8))
    assert dump(tiny_store) == before
    assert run_job(tiny_store, JobRequest("k2")).created


def test_a_job_failing_at_any_point_of_the_write_leaves_the_store_unchanged(tiny_store,
                                                                          monkeypatch):
    run_job(tiny_store, JobRequest("earlier"))
    before = dump(tiny_store)
    for point in CHECKPOINTS:
        monkeypatch.setenv(FAULT_VARIABLE, point)
        with pytest.raises(InjectedFault, match=point):
            run_job(tiny_store, JobRequest("k"))
        assert dump(tiny_store) == before, point
    monkeypatch.delenv(FAULT_VARIABLE)
    assert run_job(tiny_store, JobRequest("k")).created


def test_a_job_killed_mid_write_leaves_the_store_unchanged(tiny_store, store_url):
    before = dump(tiny_store)
    command = [sys.executable, "-c", "from allocator.interfaces.cli import main; main()",
               "job", "run", "--db", store_url, "--job-key", "k"]
    environment = {**os.environ, FAULT_VARIABLE: "after_lottery:kill"}
    killed = subprocess.run(command, env=environment, capture_output=True, timeout=120)
    assert killed.returncode == -9
    assert dump(tiny_store) == before
    assert run_job(tiny_store, JobRequest("k")).created


def test_a_county_job_allocates_that_county_only(engine, tmp_path):
    from allocator.synthetic import generate_province, write_scenario

    schools, applicants = generate_province(300, 2, 5)
    write_scenario(tmp_path / "province", schools, applicants, name="two-counties", seed=5)
    import_scenario(engine, tmp_path / "province")
    county = str(schools["county"].iloc[0])
    outcome = run_job(engine, JobRequest("one-county", county=county))
    expected = int((applicants["county"].astype(str) == county).sum())
    assert outcome.summary["counts"]["applicants"] == expected < len(applicants)


def test_two_jobs_racing_on_one_key_store_one_run(tiny_store):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: run_job(tiny_store, JobRequest("race")), range(2)))
    assert sorted(outcome.created for outcome in outcomes) == [False, True]
    assert outcomes[0].run_id == outcomes[1].run_id
    with tiny_store.connect() as connection:
        assert len(connection.execute(select(models.runs)).all()) == 1


def test_a_job_whose_verification_fails_writes_nothing(tiny_store, monkeypatch):
    from dataclasses import replace

    from allocator.store import jobs
    from allocator.verify.checks import CheckResult

    def failing(*args, **kwargs):
        result = run_scenario(*args, **kwargs)
        broken = CheckResult("capacity", False, 1, True, "no school over capacity")
        return replace(result, checks=[broken])

    monkeypatch.setattr(jobs, "run_scenario", failing)
    before = dump(tiny_store)
    with pytest.raises(jobs.JobFailed, match=r"verification failed \(capacity\)"):
        run_job(tiny_store, JobRequest("k"))
    assert dump(tiny_store) == before
