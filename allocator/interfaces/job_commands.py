"""Portal batch-job commands: ``job run``, ``audit verify``, ``appeal``, ``db``, ``serve``.

Exit status: 0 success; 2 invalid input (every problem listed as
``file:row:column: message``); 3 refused (the job key holds a run made from other
inputs, or an appeal that cannot be decided as asked); 1 anything else, including
an audit that finds a difference.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from allocator.interfaces.choices import LANGUAGE_METAVAR, LANGUAGE_NAMES, MECHANISM_METAVAR
from allocator.interfaces.output_errors import report_input_problems, reported_output_errors
from allocator.model.problems import InputError, InputProblem

EXIT_FAILURE, EXIT_INVALID_INPUT, EXIT_REFUSED = 1, 2, 3
DATABASE_VARIABLE = "ALLOCATOR_DB"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Database = Annotated[str, typer.Option(
    "--db", envvar=DATABASE_VARIABLE,
    help="store URL: sqlite:///portal.db (default allocator.db) or postgresql://...")]
JobKey = Annotated[str, typer.Option("--job-key", help="idempotency key of the job")]
Actor = Annotated[str, typer.Option(help="who acts, for the audit log")]

PLAIN_HELP = {"no_args_is_help": True, "rich_markup_mode": None}  # see cli.py: no Markdown import
job_app = typer.Typer(**PLAIN_HELP, help="The portal's batch admission job.")
audit_app = typer.Typer(**PLAIN_HELP, help="Lottery and result audit.")
db_app = typer.Typer(**PLAIN_HELP, help="The store: schema, import and export.")


def _engine(url: str):
    from allocator.store.database import open_store

    return open_store(url)


def _invalid(error: InputError) -> typer.Exit:
    report_input_problems(error)
    return typer.Exit(EXIT_INVALID_INPUT)


def _refused(message: str) -> typer.Exit:
    err.print(f"[bold red]refused:[/bold red] {message}")
    return typer.Exit(EXIT_REFUSED)


@job_app.command("run")
def job_run(
    job_key: JobKey,
    database: Database = "sqlite:///allocator.db",
    county: Annotated[str | None, typer.Option(help="allocate one county only")] = None,
    scenario: Annotated[str | None, typer.Option(help="stored scenario (default: the only one)")]
    = None,
    seed: Annotated[int | None, typer.Option(help="override the lottery seed")] = None,
    mechanism: Annotated[str | None, typer.Option(
        metavar=MECHANISM_METAVAR, help="override the mechanism")] = None,
    after: Annotated[str | None, typer.Option(
        "--after", help="later round: job key of the stored previous round")] = None,
    lottery: Annotated[str, typer.Option(
        "--lottery", help="later round: same (default) or reversed lottery order")] = "same",
    actor: Actor = "cli",
) -> None:
    """Allocate the verified roster and store the result in one transaction (idempotent).

    With --after K1: a later round from the roster as it stands now, the stored run
    of K1 and the responses stored for it (every held seat guaranteed).
    """
    from allocator.store.errors import StoreFailure
    from allocator.store.jobs import JobConflict, JobFailed, JobRequest, run_job
    from allocator.store.scenario_export import UnknownScenario

    request = JobRequest(job_key, scenario, county, seed, mechanism, after, lottery)
    try:
        outcome = run_job(_engine(database), request, actor=actor)
    except InputError as error:
        raise _invalid(error) from None
    except JobConflict as error:
        raise _refused(str(error)) from None
    except (JobFailed, UnknownScenario, StoreFailure) as error:
        err.print(f"[bold red]failed:[/bold red] {error}")
        raise typer.Exit(EXIT_FAILURE) from None
    counts = outcome.summary["counts"]
    state = (f"stored as run {outcome.run_id}" if outcome.created else
             f"run {outcome.run_id} already stored for these inputs, nothing written")
    out.print(f"job {outcome.job_key}: {state}; "
              f"{counts['placed']:,} of {counts['applicants']:,} applicants placed")


@audit_app.command("verify")
def audit_verify(
    database: Database = "sqlite:///allocator.db",
    job_key: Annotated[str | None, typer.Option("--job-key", help="run of this job key")] = None,
    run_id: Annotated[int | None, typer.Option("--run-id", help="run id")] = None,
    actor: Actor = "cli",
) -> None:
    """Re-run a recorded run from the store and confirm a byte-identical result."""
    from allocator.store.audit_verify import UnknownRun, verify_run
    from allocator.store.errors import StoreFailure

    if (job_key is None) == (run_id is None):
        err.print("give exactly one of --job-key and --run-id")
        raise typer.Exit(EXIT_FAILURE)
    try:
        report = verify_run(_engine(database), job_key=job_key, run_id=run_id, actor=actor)
    except (UnknownRun, StoreFailure) as error:
        err.print(f"[bold red]failed:[/bold red] {error}")
        raise typer.Exit(EXIT_FAILURE) from None
    for note in report.notes:
        out.print(f"note: {note}")
    if report.identical:
        out.print(f"run {report.run_id} (job {report.job_key}): confirmed, byte-identical "
                  f"(assignments.csv SHA-256 {report.assignments_sha256})")
        return
    for line in report.differences:
        print(line)
    err.print(f"[bold red]run {report.run_id} (job {report.job_key}): "
              f"{len(report.differences)} difference(s)[/bold red]")
    raise typer.Exit(EXIT_FAILURE)


def appeal(
    job_key: JobKey,
    applicant: Annotated[str, typer.Option(help="application number")],
    field: Annotated[str, typer.Option(help="applicants.csv column to correct")],
    value: Annotated[str, typer.Option(help="the corrected, verified value")],
    actor: Annotated[str, typer.Option(help="who decides (for the audit log)")],
    reason: Annotated[str, typer.Option(help="why: the verified document or decision")],
    database: Database = "sqlite:///allocator.db",
) -> None:
    """Record a corrected fact, recompute the tier, place by a logged plan adjustment if due."""
    from allocator.store.appeals import AppealRefused, decide_appeal
    from allocator.store.audit_verify import UnknownRun
    from allocator.store.errors import StoreFailure

    try:
        decision = decide_appeal(_engine(database), job_key, applicant, field, value, actor,
                                 reason)
    except (AppealRefused, UnknownRun) as error:
        raise _refused(str(error)) from None
    except StoreFailure as error:
        err.print(f"[bold red]failed:[/bold red] {error}")
        raise typer.Exit(EXIT_FAILURE) from None
    out.print(f"appeal {decision.appeal_id}: {decision.decision}; tier {decision.old_tier or '-'}"
              f" -> {decision.new_tier or '-'}; school {decision.old_school_id or '-'} -> "
              f"{decision.new_school_id or '-'}")
    out.print(decision.explanation)


@db_app.command("upgrade")
def db_upgrade(database: Database = "sqlite:///allocator.db") -> None:
    """Create the schema or migrate it to the latest revision."""
    from allocator.store.database import current_revision

    engine = _engine(database)
    out.print(f"store at revision {current_revision(engine)}")


@db_app.command("import")
def db_import(
    folder: Annotated[Path, typer.Argument(help="scenario folder")],
    database: Database = "sqlite:///allocator.db",
    name: Annotated[str | None, typer.Option(help="name in the store")] = None,
    actor: Actor = "cli",
) -> None:
    """Validate a scenario folder and store it (names and ID numbers only masked)."""
    from allocator.store.errors import StoreFailure
    from allocator.store.scenario_io import import_scenario

    try:
        scenario_id = import_scenario(_engine(database), folder, name=name, actor=actor)
    except InputError as error:
        raise _invalid(error) from None
    except StoreFailure as error:
        err.print(f"[bold red]failed:[/bold red] {error}")
        raise typer.Exit(EXIT_FAILURE) from None
    out.print(f"imported {folder} as scenario {scenario_id}")


@db_app.command("import-responses")
def db_import_responses(
    file: Annotated[Path, typer.Argument(help="responses.csv: applicant_id, response")],
    job_key: JobKey,
    database: Database = "sqlite:///allocator.db",
    actor: Actor = "cli",
) -> None:
    """Store the responses (accept, wait, decline) to the completed run of --job-key."""
    from allocator.store.errors import StoreFailure
    from allocator.store.responses import ResponsesConflict, UnknownJob, import_responses

    try:
        outcome = import_responses(_engine(database), job_key, file, actor=actor)
    except InputError as error:
        raise _invalid(error) from None
    except ResponsesConflict as error:
        raise _refused(str(error)) from None
    except (UnknownJob, StoreFailure, OSError) as error:
        err.print(f"[bold red]failed:[/bold red] {error}")
        raise typer.Exit(EXIT_FAILURE) from None
    counts = ", ".join(f"{count:,} {word}" for word, count in outcome.counts.items())
    state = "stored" if outcome.created else "already stored, nothing written"
    out.print(f"responses to job {outcome.job_key} (run {outcome.run_id}): {state}; {counts}")


@db_app.command("export-scenario")
def db_export_scenario(
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write")],
    database: Database = "sqlite:///allocator.db",
    scenario: Annotated[str | None, typer.Option(help="stored scenario")] = None,
    county: Annotated[str | None, typer.Option(help="one county only")] = None,
) -> None:
    """Write a stored scenario back to a folder (personal columns masked)."""
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.store.run_records import write_folder_atomically
    from allocator.store.scenario_export import find_scenario, scenario_files

    with reported_output_errors():
        check_output_folder(out_dir, _database_files(database))
        with _engine(database).connect() as connection:
            files = scenario_files(connection, find_scenario(connection, scenario), county,
                                   for_job=False)
        written = write_folder_atomically(files.files, out_dir, kind="scenario",
                                          inputs=_database_files(database))
    out.print(f"wrote {written}")


@db_app.command("export-run")
def db_export_run(
    job_key: JobKey,
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")],
    database: Database = "sqlite:///allocator.db",
    public_notice: Annotated[str | None, typer.Option(
        "--public-notice", metavar=LANGUAGE_METAVAR,
        help="also write public_notice_admitted.csv and public_notice_counts.csv of the "
             "current placements in this language")] = None,
) -> None:
    """Write a stored run back to a run folder (byte-identical to the original files).

    With --public-notice zh|en the folder also holds the public notices (公示) of the
    current placements (appeals included), the bytes the service's /public-notice sends.
    """
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.store.jobs import find_run
    from allocator.store.public_notice import public_notice_texts
    from allocator.store.run_records import run_folder_files, write_folder_atomically

    if public_notice not in (None, *LANGUAGE_NAMES):
        raise _invalid(InputError([InputProblem(
            "command line", None, "--public-notice",
            f"unknown language '{public_notice}': choose zh or en")]))

    with reported_output_errors():
        check_output_folder(out_dir, _database_files(database))
        with _engine(database).connect() as connection:
            run = find_run(connection, job_key)
            if run is None:
                err.print(f"no stored run with job key '{job_key}'")
                raise typer.Exit(EXIT_FAILURE)
            files = run_folder_files(connection, run)
            if public_notice is not None:
                files.update(public_notice_texts(connection, run.id, public_notice))
        written = write_folder_atomically(files, out_dir, kind="run",
                                          inputs=_database_files(database))
    out.print(f"wrote {written}")


def _database_files(url: str) -> list[Path]:
    """The SQLite file behind ``url`` (an output folder may not contain it), if any."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        return [Path(url[len(prefix):])]
    return []


def serve(
    database: Database = "sqlite:///allocator.db",
    host: Annotated[str, typer.Option(help="address to bind (loopback by default)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    allow_remote: Annotated[bool, typer.Option(help="allow a non-loopback --host")] = False,
) -> None:
    """Start the HTTP service for the portal (tokens from ALLOCATOR_SERVICE_TOKENS).

    Idle connections close after 5 s, request heads must arrive within 10 s and
    bodies within 30 s; the access log names routes, statuses and times only.
    """
    import uvicorn

    from allocator.service.app import ServiceSettings, create_app
    from allocator.service.server import uvicorn_options

    if host not in LOOPBACK_HOSTS and not allow_remote:
        err.print(f"refusing to bind {host}: the service binds loopback unless --allow-remote")
        raise typer.Exit(EXIT_FAILURE)
    settings = ServiceSettings.from_environment(database, os.environ)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                **uvicorn_options(settings))


def register(app: typer.Typer) -> None:
    """Add the portal commands to the ``allocator`` command line."""
    app.add_typer(job_app, name="job")
    app.add_typer(audit_app, name="audit")
    app.add_typer(db_app, name="db")
    app.command("appeal")(appeal)
    app.command("serve")(serve)
