"""The portal's HTTP API: submit a job, poll it, page results, fetch reports, appeal.

Every route but ``/health`` needs ``Authorization: Bearer <token>``, the OpenAPI
schema (``/openapi.json``) included; no documentation page is served. Job
submissions are checked at the door (mechanism, scenario, county, seed) and go to
a bounded queue served by one background worker that starts and stops with the
app. Bodies over the size limit get 413, bodies slower than the body timeout 408;
invalid fields get 422 naming the field's path (``loc``) and never echoing the
value sent; a job key nobody submitted gets 404 on every route, a job without
results yet gets 409 on the result routes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse

from allocator import __version__
from allocator.model.problems import InputError
from allocator.service.schemas import (
    KEY_PATTERN,
    AppealOutcome,
    AppealSubmission,
    AssignmentPage,
    JobStatus,
    JobSubmission,
    Report,
    ResponsesOutcome,
    ResponsesSubmission,
)
from allocator.service.security import (
    BODY_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    AccessLog,
    BodyLimit,
    check_token,
)
from allocator.service.typed import typed_row
from allocator.service.worker import JobQueue, KeyInUse, QueueFull
from allocator.store.appeals import AppealOnEarlierRound, AppealRefused, decide_appeal
from allocator.store.database import open_store
from allocator.store.jobs import (
    JobConflict,
    JobRequest,
    find_run,
    request_problems,
    stored_outcome,
)
from allocator.store.placements import assignment_page, disclosure_text
from allocator.store.responses import ResponsesConflict, store_response_rows
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
    #: Seconds a request body may take to arrive (408 after).
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS
    #: Seconds a request line and headers may take to arrive (connection closed after).
    head_timeout_seconds: float = 10.0
    #: Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``).
    keep_alive_seconds: float = 5.0
    #: Open connections and running requests at most (uvicorn answers 503 beyond).
    max_connections: int = 200

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
                  description=__doc__, openapi_url=None, docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       timeout=settings.body_timeout_seconds)
    app.add_middleware(AccessLog)
    app.add_exception_handler(RequestValidationError, _validation_error)

    def caller(request: Request) -> str:
        return check_token(request, settings.tokens)

    authorised = [Depends(caller)]
    _job_routes(app, state, authorised)
    _result_routes(app, state, authorised)

    @app.get("/openapi.json", dependencies=authorised, include_in_schema=False)
    def openapi() -> dict:
        return app.openapi()

    @app.get("/health", summary="liveness (no token needed)")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    """422 naming each field by its path; the value sent is never echoed back.

    FastAPI's own handler echoes the input, which fails on ``NaN`` or ``Infinity``
    (not JSON) with a 500, and would copy roster data into responses and logs.
    """
    assert isinstance(error, RequestValidationError)
    detail = [{"loc": list(item.get("loc", ())), "msg": str(item.get("msg", "")),
               "type": str(item.get("type", ""))} for item in error.errors()]
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                        content={"detail": detail})


def _unprocessable(problems: dict[str, str]) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
        {"loc": ["body", field], "msg": message, "type": "value_error"}
        for field, message in problems.items()])


def _conflict(message: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=[{
        "loc": ["body", "job_key"], "msg": message, "type": "conflict"}])


def _not_found(job_key: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=[{
        "loc": ["path", "job_key"], "msg": f"no job '{job_key}'", "type": "not_found"}])


def _job_routes(app: FastAPI, state: dict, authorised: list) -> None:
    @app.post("/jobs", status_code=status.HTTP_202_ACCEPTED, dependencies=authorised,
              responses={409: {}, 503: {}})
    def submit_job(submission: JobSubmission, response: Response) -> JobStatus:
        """Queue a batch job; the same key with the same inputs returns the stored result.

        Refused with 422 (naming the field) for an unknown mechanism, scenario or
        county; with 409 when the key holds a run made from other inputs (that
        run stays visible under ``GET /jobs/{job_key}``) or is queued or running
        with other options.
        """
        request = JobRequest(submission.job_key, submission.scenario, submission.county,
                             submission.seed, submission.mechanism, submission.after,
                             submission.lottery)
        problems = request_problems(state["engine"], request)
        if problems:
            raise _unprocessable(problems)
        try:
            stored_outcome(state["engine"], request)
            queued = state["jobs"].submit(request, actor="service")
        except (KeyInUse, JobConflict) as error:
            raise _conflict(str(error)) from None
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

    @app.post("/jobs/{job_key}/responses", status_code=status.HTTP_201_CREATED,
              dependencies=authorised, responses={200: {}, 404: {}, 409: {}, 422: {}})
    def submit_responses(job_key: JobKey, submission: ResponsesSubmission,
                         response: Response) -> ResponsesOutcome:
        """Store the families' responses to the job's run (validated like responses.csv).

        Every problem comes back at once as 422 (``msg`` is ``file:row:column:
        message``, the first item being row 2); the same set again returns 200 and
        stores nothing; a different set is refused with 409.
        """
        _run_of(state, job_key)
        try:
            outcome = store_response_rows(
                state["engine"], job_key, [item.model_dump() for item in submission.responses],
                actor=submission.actor)
        except InputError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
                {"loc": ["body", "responses", *([problem.row - 2] if problem.row else []),
                         problem.column or ""], "msg": str(problem), "type": "value_error"}
                for problem in error.problems]) from None
        except ResponsesConflict as error:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=[{
                "loc": ["body", "responses"], "msg": str(error), "type": "conflict"}]) from None
        if not outcome.created:
            response.status_code = status.HTTP_200_OK
        return ResponsesOutcome(job_key=outcome.job_key, run_id=outcome.run_id,
                                created=outcome.created, sha256=outcome.sha256,
                                counts=outcome.counts)

    @app.post("/jobs/{job_key}/appeals", status_code=status.HTTP_201_CREATED,
              dependencies=authorised, responses={404: {}, 409: {}, 422: {}})
    def submit_appeal(job_key: JobKey, appeal: AppealSubmission) -> AppealOutcome:
        """Record a corrected fact; place the child by a logged plan adjustment if due."""
        _run_of(state, job_key)
        try:
            decision = decide_appeal(state["engine"], job_key, appeal.applicant_id,
                                     appeal.field, appeal.value, appeal.actor, appeal.reason)
        except AppealOnEarlierRound as error:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=[{
                "loc": ["path", "job_key"], "msg": str(error), "type": "later_round"}]) from None
        except AppealRefused as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
                "loc": ["body", error.field if error.field in AppealSubmission.model_fields
                        else "value"], "msg": str(error), "type": "appeal_refused"}]) from None
        return AppealOutcome(**vars(decision))


def _run_of(state: dict, job_key: str):
    """The stored run of ``job_key``: 404 when no such job exists, 409 while it has none."""
    with state["engine"].connect() as connection:
        run = find_run(connection, job_key)
    if run is not None:
        return run
    known = state["jobs"].status(job_key)
    if known is None:
        raise _not_found(job_key)
    raise HTTPException(status.HTTP_409_CONFLICT, detail=[{
        "loc": ["path", "job_key"], "type": "no_results",
        "msg": f"job '{job_key}' is {known.state}; it has no results"
               + (" yet" if known.state in ("queued", "running") else "")}])


def _result_routes(app: FastAPI, state: dict, authorised: list) -> None:
    @app.get("/jobs/{job_key}/assignments", dependencies=authorised,
             responses={404: {}, 409: {}})
    def assignments(job_key: JobKey, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 100) -> AssignmentPage:
        """One page of current placements (the run plus decided appeals)."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            total, items = assignment_page(connection, run.id, offset, limit)
        return AssignmentPage(job_key=job_key, run_id=run.id, total=total, offset=offset,
                              limit=limit, items=[typed_row(item) for item in items])

    @app.get("/jobs/{job_key}/report", dependencies=authorised, responses={404: {}, 409: {}})
    def report(job_key: JobKey) -> Report:
        """The run's ``summary.json`` and per-school table."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            from allocator.store import models
            files = stored_texts(connection, models.run_files, run.id)
        schools = [typed_row(row, keep_text=frozenset({"school_id", "name"}))
                   for row in csv.DictReader(io.StringIO(files["schools.csv"]))]
        return Report(job_key=job_key, run_id=run.id, summary=json.loads(files["summary.json"]),
                      schools=schools)

    @app.get("/jobs/{job_key}/disclosure", dependencies=authorised, response_class=
             PlainTextResponse, responses={200: {"content": {"text/csv": {}}}, 404: {}, 409: {}})
    def disclosure(job_key: JobKey) -> PlainTextResponse:
        """The publication file (公示): application numbers, schools, tiers; no names."""
        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            text = disclosure_text(connection, run.id)
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8")

    @app.get("/jobs/{job_key}/public-notice", dependencies=authorised, response_class=
             PlainTextResponse, responses={200: {"content": {"text/csv": {}}}, 404: {}, 409: {}})
    def public_notice(job_key: JobKey, lang: Annotated[Literal["zh", "en"], Query(
                          description="language of the notice")] = "zh",
                      table: Annotated[Literal["admitted", "counts"], Query(
                          description="list of admitted children or counts")] = "admitted",
                      ) -> PlainTextResponse:
        """The public notice (公示) in words: the bytes of the run folder's public_notice_*.csv."""
        from allocator.store.public_notice import public_notice_texts

        run = _run_of(state, job_key)
        with state["engine"].connect() as connection:
            texts = public_notice_texts(connection, run.id, lang)
        return PlainTextResponse(texts[f"public_notice_{table}.csv"],
                                 media_type="text/csv; charset=utf-8")
