"""The portal's batch admission job: roster from the store, results back in one piece.

Steps of :func:`run_job`:

1. Read the verified roster (one county, or all) and export it as a scenario folder.
2. Fingerprint the inputs: SHA-256 of every file plus the job's options.
3. If the job key is already stored: same fingerprint -> return that run without
   writing; different fingerprint -> refuse (:class:`JobConflict`).
4. Run the engine (load, compile, solve, sweep, verify); a failed verification
   writes nothing (:class:`JobFailed`).
5. Write the run, its input files, assignments, ordered lottery draws and an audit
   event in ONE transaction: a crash at any point leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from allocator.model.problems import InputError, InputProblem
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.solvers.registry import MECHANISMS
from allocator.store import models
from allocator.store.audit_log import record_event
from allocator.store.errors import database_errors
from allocator.store.faults import checkpoint
from allocator.store.run_records import insert_run, read_run_folder, sha256_text
from allocator.store.scenario_export import UnknownScenario, find_scenario, scenario_files
from allocator.store.scenario_io import ScenarioFiles

log = logging.getLogger("allocator.store")


class JobConflict(RuntimeError):
    """The job key is stored already, with other inputs."""


class JobFailed(RuntimeError):
    """The engine's verification failed; nothing was written."""


@dataclass(frozen=True)
class JobOutcome:
    """What a job returned: the stored run and whether this call created it."""

    run_id: int
    job_key: str
    created: bool
    summary: dict[str, Any]


@dataclass(frozen=True)
class JobRequest:
    """What a job allocates: a stored scenario, optionally one county, seed, mechanism."""

    job_key: str
    scenario: str | None = None
    county: str | None = None
    seed: int | None = None
    mechanism: str | None = None
    after: str | None = None
    lottery: str = "same"


def input_fingerprint(scenario_name: str, request: JobRequest, files: dict[str, str],
                      previous_assignments_sha256: str = "") -> str:
    """SHA-256 over the job's options and the SHA-256 of every input file.

    A later round's fingerprint also covers the previous run's job key, its
    ``assignments.csv`` and the lottery order (a first round's is unchanged).
    """
    basis: dict[str, Any] = {
        "scenario": scenario_name, "county": request.county, "seed": request.seed,
        "mechanism": request.mechanism,
        "files": {name: sha256_text(text) for name, text in sorted(files.items())}}
    if request.after is not None:
        basis["round"] = {"after": request.after, "lottery": request.lottery,
                          "previous_assignments_sha256": previous_assignments_sha256}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode("utf-8")).hexdigest()


def find_run(connection: Connection, job_key: str) -> Row | None:
    """The stored run of ``job_key``, if any."""
    return connection.execute(select(models.runs).where(
        models.runs.c.job_key == job_key)).first()


def run_job(engine: Engine, request: JobRequest, actor: str = "cli",
            progress: Callable[[str], None] | None = None) -> JobOutcome:
    """Run the batch job described by ``request`` (idempotent by job key).

    Parameters
    ----------
    engine : Engine
        The store.
    request : JobRequest
        Job key, scenario name (None = the only one), county, seed and mechanism
        overrides; ``after`` (a stored job key) and ``lottery`` make it a later round
        (:mod:`allocator.store.rounds`).
    actor : str
        Who started the job, for the audit log.
    progress : callable, optional
        Called with the name of each engine step.

    Raises
    ------
    JobConflict
        The key is stored with different inputs.
    JobFailed
        Verification failed (nothing written).
    InputError
        The stored roster is not a valid scenario, or a later round's responses or
        previous run do not fit it (nothing written).
    """
    if request.after is not None or request.lottery != "same":
        return _run_later_round(engine, request, actor, progress)
    scenario, files, fingerprint, existing = _prepare(engine, request)
    if existing is not None:
        return _existing_outcome(engine, existing, fingerprint)
    with tempfile.TemporaryDirectory(prefix="allocator-job-") as temporary:
        folder = Path(temporary)
        scenario_folder = ScenarioFiles(files).write(folder / "scenario")
        result = run_scenario(scenario_folder, seed=request.seed, mechanism=request.mechanism,
                              progress=progress)
        if not result.verified:
            failed = [c.name for c in result.checks if c.required and not c.passed]
            raise JobFailed(f"verification failed ({', '.join(failed)}); nothing was written")
        run_files = read_run_folder(write_run(result, folder / "run"))
    with database_errors(f"storing job {request.job_key}"):
        return _store_run(engine, request, scenario.id, files, fingerprint, run_files, result,
                          actor)


def _run_later_round(engine: Engine, request: JobRequest, actor: str,
                     progress: Callable[[str], None] | None) -> JobOutcome:
    """A later round after the stored run of ``request.after`` (see :mod:`rounds`)."""
    from allocator.store.rounds import insert_round, later_round_files

    request, scenario, files, fingerprint, existing, previous = _prepare_later(engine, request)
    if existing is not None:
        return _existing_outcome(engine, existing, fingerprint)
    assert request.seed is not None and request.mechanism is not None
    result, run_files = later_round_files(previous, files, request.lottery, request.seed,
                                          request.mechanism, progress)
    if not result.verified:
        failed = [c.name for c in result.checks if c.required and not c.passed]
        raise JobFailed(f"verification failed ({', '.join(failed)}); nothing was written")
    with database_errors(f"storing job {request.job_key}"):
        return _store_run(engine, request, scenario.id, files, fingerprint, run_files, result,
                          actor, lambda connection, run_id: insert_round(
                              connection, run_id, previous, request.lottery))


def _prepare_later(engine: Engine, request: JobRequest):
    """As :func:`_prepare`, for a later round (plus the filled request and previous run).

    The request gets the previous run's county, seed and mechanism where it names
    none; the scenario is the previous run's unless named.
    """
    from allocator.store.rounds import find_previous, lottery_problem, round_inputs

    problem = lottery_problem(request.lottery, request.after)
    if problem is not None:
        raise InputError([InputProblem("command line", None, "--lottery", problem)])
    assert request.after is not None
    with _snapshot(engine) as connection:
        previous = find_previous(connection, request.after)
        run = previous.run
        request = replace(
            request, county=request.county if request.county is not None else (run.county or None),
            seed=request.seed if request.seed is not None else int(run.seed),
            mechanism=request.mechanism or run.mechanism)
        scenario = find_scenario(connection, request.scenario) if request.scenario else \
            connection.execute(select(models.scenarios).where(
                models.scenarios.c.id == run.scenario_id)).one()
        _check_county(connection, scenario.id, request.county)
        files = round_inputs(scenario_files(connection, scenario, request.county).files, previous)
        fingerprint = input_fingerprint(scenario.name, request, files, run.assignments_sha256)
        existing = find_run(connection, request.job_key)
    return request, scenario, files, fingerprint, existing, previous


def _store_run(engine: Engine, request: JobRequest, scenario_id: int, files: dict[str, str],
               fingerprint: str, run_files: dict[str, str], result, actor: str,
               link: Callable[[Connection, int], None] | None = None) -> JobOutcome:
    """Write the run, its files and an audit event in one transaction (step 5)."""
    try:
        with engine.begin() as connection:
            run_id = insert_run(connection, job_key=request.job_key, scenario_id=scenario_id,
                                county=request.county, fingerprint=fingerprint, inputs=files,
                                run_files=run_files, result=result)
            if link is not None:
                link(connection, run_id)
            record_event(connection, "job_completed", actor, run_id=run_id, details={
                "job_key": request.job_key, "input_sha256": fingerprint,
                "roster_sha256": sha256_text(files["applicants.csv"]),
                "seed": result.loaded.seed, "mechanism": result.loaded.mechanism.name,
                "counts": {k: v for k, v in result.summary["counts"].items()
                           if isinstance(v, int)}})
            checkpoint("before_commit")
    except IntegrityError:
        with engine.connect() as connection:  # a concurrent job with this key won the race
            existing = find_run(connection, request.job_key)
        if existing is None:
            raise
        return _existing_outcome(engine, existing, fingerprint)
    log.info("job %s stored as run %s (%s applicants)", request.job_key, run_id,
             result.summary["counts"]["applicants"])
    return JobOutcome(run_id, request.job_key, True, result.summary)


def _prepare(engine: Engine, request: JobRequest) -> tuple[Row, dict[str, str], str, Row | None]:
    """Scenario, roster files, input fingerprint and the key's stored run, in one snapshot."""
    with _snapshot(engine) as connection:
        scenario = find_scenario(connection, request.scenario)
        _check_county(connection, scenario.id, request.county)
        files = scenario_files(connection, scenario, request.county).files
        fingerprint = input_fingerprint(scenario.name, request, files)
        existing = find_run(connection, request.job_key)
    return scenario, files, fingerprint, existing


def stored_outcome(engine: Engine, request: JobRequest) -> JobOutcome | None:
    """The run already stored under the request's key, without running anything.

    Returns
    -------
    JobOutcome or None
        The stored run when the key holds one made from the same inputs; None when
        the key holds no run yet.

    Raises
    ------
    JobConflict
        The key holds a run made from other inputs (roster, policy or options).
    """
    with engine.connect() as connection:
        if find_run(connection, request.job_key) is None:
            return None
    if request.after is not None:
        *_rest, fingerprint, existing, _previous = _prepare_later(engine, request)
        return None if existing is None else _existing_outcome(engine, existing, fingerprint)
    _scenario, _files, fingerprint, existing = _prepare(engine, request)
    return None if existing is None else _existing_outcome(engine, existing, fingerprint)


def request_problems(engine: Engine, request: JobRequest) -> dict[str, str]:
    """What is wrong with a job request before it is queued, by field name.

    Checks that the mechanism is one the engine provides, that the scenario is
    stored (or, unnamed, that exactly one is) and that the county has schools in
    it. The seed's range is the caller's to check (the service's schema does).

    Returns
    -------
    dict
        Field name (``mechanism``, ``scenario``, ``county``) -> message; empty when
        the request can be queued.
    """
    problems: dict[str, str] = {}
    if request.mechanism is not None and request.mechanism not in MECHANISMS:
        problems["mechanism"] = (f"unknown mechanism '{request.mechanism}'; choose from "
                                 f"{', '.join(MECHANISMS)}")
    problems.update(_round_problems(engine, request))
    with engine.connect() as connection:
        try:
            scenario = find_scenario(connection, request.scenario)
        except UnknownScenario as error:
            problems["scenario"] = str(error)
            return problems
        try:
            _check_county(connection, scenario.id, request.county)
        except InputError as error:
            problems["county"] = error.problems[0].message + f" '{scenario.name}'"
    return problems


def _round_problems(engine: Engine, request: JobRequest) -> dict[str, str]:
    """Problems of the ``after`` and ``lottery`` fields of a request."""
    from allocator.store.rounds import lottery_problem

    problems: dict[str, str] = {}
    message = lottery_problem(request.lottery, request.after)
    if message is not None:
        problems["lottery"] = message
    if request.after is not None:
        with engine.connect() as connection:
            if find_run(connection, request.after) is None:
                problems["after"] = f"no stored run with job key '{request.after}'"
    return problems


def _snapshot(engine: Engine):
    """A read-only connection seeing one consistent snapshot of the roster.

    PostgreSQL needs REPEATABLE READ for that; a SQLite transaction is one already.
    """
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _check_county(connection: Connection, scenario_id: int, county: str | None) -> None:
    if county is None:
        return
    found = connection.scalar(select(models.schools.c.school_id).where(
        models.schools.c.scenario_id == scenario_id, models.schools.c.county == county).limit(1))
    if found is None:
        raise InputError([InputProblem("schools.csv", None, "county",
                                       f"no school of county '{county}' in the stored scenario")])


def _existing_outcome(engine: Engine, run: Row, fingerprint: str) -> JobOutcome:
    if run.input_sha256 != fingerprint:
        raise JobConflict(
            f"job key '{run.job_key}' already holds run {run.id} made from other inputs "
            f"(stored fingerprint {run.input_sha256[:12]}, now {fingerprint[:12]}); the roster, "
            "policy or options changed since. Use a new job key for a new run.")
    log.info("job %s already stored as run %s; nothing written", run.job_key, run.id)
    return JobOutcome(run.id, run.job_key, False, stored_summary(engine, run.id))


def stored_summary(engine: Engine, run_id: int) -> dict[str, Any]:
    """``summary.json`` of a stored run."""
    with engine.connect() as connection:
        text = connection.scalar(select(models.run_files.c.content).where(
            models.run_files.c.run_id == run_id, models.run_files.c.file_name == "summary.json"))
    return json.loads(text or "{}")
