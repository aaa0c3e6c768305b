"""The portal's HTTP API: submit a job, poll it, page results, fetch reports, appeal.

Every route but ``/health`` needs ``Authorization: Bearer <token>``. Job
submissions go to a bounded queue served by one background worker that starts
and stops with the app. Bodies over the size limit get 413; invalid fields get
422 naming the field's path (``loc``); an unknown job gets 404.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from allocator import __version__
from allocator.service.schemas import (
    KEY_PATTERN,
    AppealOutcome,
    AppealSubmission,
    AssignmentPage,
    JobStatus,
    JobSubmission,
    Report,
)
from allocator.service.security import MAX_BODY_BYTES, BodyLimit, check_token
from allocator.service.worker import JobQueue, KeyInUse, QueueFull
from allocator.store.appeals import AppealRefused, decide_appeal
from allocator.store.database import open_store
from allocator.store.jobs import JobRequest, find_run
from allocator.store.placements import assignment_page, disclosure_text
from allocator.store.run_records import stored_texts

TOKENS_VARIABLE = "ALLOCATOR_SERVICE_TOKENS"
PAGE_LIMIT = 1000

JobKey = Annotated[str, Path(pattern=KEY_PATTERN, description="idempotency key of the job")]


@dataclass(frozen=True)
class ServiceSettings:
    """Configuration of the service."""

    database_url: str
    tokens: frozenset[str]
    queue_size: int = 64
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_environment(cls, database_url: str, environ: Mapping[str, str]) -> ServiceSettings:
        """Tokens from ``ALLOCATOR_SERVICE_TOKENS`` (comma-separated; at least one)."""
        tokens = frozenset(t.strip() for t in environ.get(TOKENS_VARIABLE, "").split(",")
                           if t.strip())
        if not tokens:
            raise ValueError(f"set {TOKENS_VARIABLE} to one or more comma-separated tokens")
        return cls(database_url, tokens)


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the FastAPI app (the store is opened and migrated at startup)."""
    state: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        engine = open_store(settings.database_url)
        jobs = JobQueue(engine, settings.queue_size)
        jobs.start()
        state.update(engine=engine, jobs=jobs)
        try:
            yield
        finally:
            jobs.stop()
            engine.dispose()

    app = FastAPI(title="allocator portal service", version=__version__, lifespan=lifespan,
                  description=__doc__)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    def caller(request: Request) -> str:
        return check_token(request, settings.tokens)

    authorised = [Depends(caller)]
    _job_routes(app, state, authorised)
    _result_routes(app, state, authorised)

    @app.get("/health", summary="liveness (no token needed)")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _not_found(job_key: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=[{
        "loc": ["path", "job_key"], "msg": f"no job '{job_key}'", "type": "not_found"}])


def _job_routes(app: FastAPI, state: dict, authorised: list) -> None:
    @app.post("/jobs", status_code=status.HTTP_202_ACCEPTED, dependencies=authorised,
              responses={409: {}, 503: {}})
    def submit_job(submission: JobSubmission, response: Response) -> JobStatus:
        """Queue a batch job; the same key with the same inputs returns the stored result."""
        request = JobRequest(submission.job_key, submission.scenario, submission.county,
                             submission.seed, submission.mechanism)
        try:
            queued = state["jobs"].submit(request, actor="service")
        except KeyInUse as error:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=[{
                "loc": ["body", "job_key"], "msg": str(error), "type": "conflict"}]) from None
        except QueueFull as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error),
                                headers={"Retry-After": "5"}) from None
        response.headers["Location"] = f"/jobs/{submission.job_key}"
        return queued

    @app.get("/jobs/{job_key}", dependencies=authorised, responses={404: {}})
    def job_status(job_key: JobKey) -> JobStatus:
        """The job's state and, once completed, its run id and counts."""
        found = state["jobs"].status(job_key)
        if found is None:
            raise _not_found(job_key)
        return found

    @app.post("/jobs/{job_key}/appeals", status_code=status.HTTP_201_CREATED,
              dependencies=authorised, responses={404: {}, 422: {}})
    def submit_appeal(job_key: JobKey, appeal: AppealSubmission) -> AppealOutcome:
        """Record a corrected fact; place the child by a logged plan adjustment if due."""
        _run_of(state, job_key)
        try:
            decision = decide_appeal(state["engine"], job_key, appeal.applicant_id,
                                     appeal.field, appeal.value, appeal.actor, appeal.reason)
        except AppealRefused as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
                "loc": ["body", error.field if error.field in AppealSubmission.model_fields
                        else "value"], "msg": str(error), "type": "appeal_refused"}]) from None
        return AppealOutcome(**vars(decision))


def _run_of(state: dict, job_key: str):
    with state["engine"].connect() as connection:
        run = find_run(connection, job_key)
    if run is None:
        raise _not_found(job_key)
    return run


def _result_routes(app: FastAPI, state: dict, authorised: list) -> None:
    @app.get("/jobs/{job_key}/assignments", dependencies=authorised, responses={404: {}})
    def assignments(job_key: JobKey, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100) -> AssignmentPage:
        """One page of current placements (the run plus decided appeals)."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            total, items = assignment_page(connection, run.id, offset, limit)
        return AssignmentPage(job_key=job_key, run_id=run.id, total=total, offset=offset,
                              limit=limit, items=items)

    @app.get("/jobs/{job_key}/report", dependencies=authorised, responses={404: {}})
    def report(job_key: JobKey) -> Report:
        """The run's ``summary.json`` and per-school table."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            from allocator.store import models
            files = stored_texts(connection, models.run_files, run.id)
        schools = list(csv.DictReader(io.StringIO(files["schools.csv"])))
        return Report(job_key=job_key, run_id=run.id, summary=json.loads(files["summary.json"]),
                      schools=schools)

    @app.get("/jobs/{job_key}/disclosure", dependencies=authorised, response_class=
             PlainTextResponse, responses={200: {"content": {"text/csv": {}}}, 404: {}})
    def disclosure(job_key: JobKey) -> PlainTextResponse:
        """The publication file (公示): application numbers, schools, tiers; no names."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            text = disclosure_text(connection, run.id)
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8")
