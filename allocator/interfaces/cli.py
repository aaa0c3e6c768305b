"""Command line: ``allocator run``, ``allocator validate``, ``allocator generate``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from allocator import __version__
from allocator.interfaces.choices import LANGUAGE_METAVAR, LOG_LEVELS, MECHANISM_METAVAR, metavar
from allocator.interfaces.output_errors import report_input_problems, reported_output_errors
from allocator.interfaces.progress import log_step
from allocator.model.problems import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  # plain help: the rich renderer imports a Markdown parser (0.4 s a call)
                  rich_markup_mode=None,
                  help="Seat allocation for compulsory-school admission (义务教育招生).")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_INVALID_INPUT = 2
EXIT_FAILURE = 1


def _print_version(value: bool) -> None:
    if value:
        out.print(f"allocator {__version__}")
        raise typer.Exit()


def configure_logging(level: str) -> None:
    """Send the ``allocator`` loggers' records at ``level`` and above to stderr.

    Unknown levels are refused with exit 2 (the choices are listed in ``--help``).
    """
    import logging

    if level.lower() not in LOG_LEVELS:
        err.print(f"command line::--log-level: '{level}' is not one of "
                  f"{', '.join(LOG_LEVELS)}", markup=False)
        raise typer.Exit(EXIT_INVALID_INPUT)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("allocator")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="print the engine version and exit")] = False,
    log_level: Annotated[str, typer.Option(
        "--log-level", metavar=metavar(LOG_LEVELS),
        help="log messages of this level and above to stderr (steps are logged at info)")]
    = "warning",
) -> None:
    """Seat allocation for compulsory-school admission (义务教育招生)."""
    configure_logging(log_level)


def print_warnings(warnings: Iterable[object]) -> None:
    """Print input warnings (read, but not all of it) to stderr, one a line."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _report_input_error(error: InputError) -> None:
    report_input_problems(error)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario folder")],
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")],
    seed: Annotated[int | None, typer.Option(help="override the lottery seed")] = None,
    mechanism: Annotated[str | None, typer.Option(
        metavar=MECHANISM_METAVAR, help="override the mechanism")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress or summary")] = False,
    lang: Annotated[str, typer.Option("--lang", metavar=LANGUAGE_METAVAR,
                                      help="report language: zh or en")] = "zh",
    reports: Annotated[bool, typer.Option(
        "--reports/--no-reports",
        help="also write report.html, report.xlsx, disclosure and ledger files")] = True,
    after: Annotated[Path | None, typer.Option(
        "--after", help="later round: the run folder of the previous round")] = None,
    lottery: Annotated[str, typer.Option(
        "--lottery", help="later round: same (default) or reversed lottery order")] = "same",
) -> None:
    """Allocate every applicant of SCENARIO and write the run folder to --out."""
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.pipeline.relocate import portable
    from allocator.pipeline.run import run_scenario
    from allocator.pipeline.write import write_run

    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    if lottery not in ("same", "reversed") or (lottery != "same" and after is None):
        print(f"command line::--lottery: '{lottery}' needs --after and is same or reversed",
              file=sys.stderr)
        raise typer.Exit(EXIT_INVALID_INPUT)

    started = time.perf_counter()
    try:
        with reported_output_errors(), err.status("starting", spinner="dots") as status:
            # refuse before the work, not after; a later round may not replace its previous run
            check_output_folder(out_dir, [scenario] if after is None else [scenario, after])
            def progress(step: str) -> None:
                log_step(step)
                if not quiet:
                    status.update(step)
            writers = []
            if reports:  # the reports' stack (plots, templates, workbook) only when asked
                from allocator.reports.writer import report_writer

                writers.append(report_writer(lang, progress))
            if after is None:
                result = run_scenario(scenario, seed=seed, mechanism=mechanism,
                                      progress=progress)
            else:
                from allocator.pipeline.after import run_after, write_moves
                result = run_after(scenario, after, lottery, seed=seed, mechanism=mechanism,
                                   progress=progress)
                writers.insert(0, write_moves)
            progress("writing the run folder")
            written = write_run(portable(result, out_dir), out_dir, extra_writers=writers,
                                inputs=[] if after is None else [after])
    except InputError as error:
        _report_input_error(error)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    print_warnings(result.loaded.scenario.warnings)
    if not quiet:
        _print_summary(result.summary, written, time.perf_counter() - started, lang)


def _print_summary(summary: dict, written: Path, seconds: float, lang: str) -> None:
    from allocator.interfaces.summary_tables import run_summary_table

    out.print(run_summary_table(summary, seconds, lang, out.width))
    written_to = "结果已写入" if lang == "zh" else "results written to"
    out.print(f"{written_to} [bold]{written}[/bold]")


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario folder")]) -> None:
    """Check SCENARIO and list every problem as file:row:column: message."""
    from allocator.pipeline.load import load

    try:
        loaded = load(scenario)
    except InputError as error:
        _report_input_error(error)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    data = loaded.scenario
    print_warnings(data.warnings)
    out.print(f"{scenario}: valid ({len(data.schools):,} schools, "
              f"{len(data.applicants):,} applicants, policy {loaded.policy.name}, "
              f"mechanism {loaded.mechanism.name})")


@app.command()
def generate(
    folder: Annotated[Path, typer.Argument(help="scenario folder to create")],
    applicants: Annotated[int, typer.Option(help="number of applicants")] = 4000,
    counties: Annotated[int, typer.Option(help="number of counties")] = 1,
    seed: Annotated[int, typer.Option(help="generator seed (also the lottery seed)")] = 1,
    communities: Annotated[int | None, typer.Option(
        min=1, help="split zones into about this many residential communities per county "
                    "and write zones.csv (catchments become sets of communities)")] = None,
    partitioned: Annotated[str | None, typer.Option(
        metavar="parquet|folders",
        help="write a roster partitioned by county, county by county in bounded memory: "
             "parquet (applicants/county=<id>/*.parquet) or folders (one scenario folder "
             "per county); FOLDER must be new or empty")] = None,
) -> None:
    """Write a synthetic scenario (realistic county rosters) to FOLDER."""
    from allocator.synthetic import generate_province, split_into_communities, write_scenario

    if partitioned is not None:
        _generate_partitioned(folder, applicants, counties, seed, partitioned, communities)
        return
    schools_frame, applicants_frame = generate_province(applicants, counties, seed)
    zones_frame = None
    if communities is not None:
        schools_frame, applicants_frame, zones_frame = split_into_communities(
            schools_frame, applicants_frame, communities, seed)
    written = write_scenario(folder, schools_frame, applicants_frame,
                             name=f"synthetic-{counties}x{applicants}-{seed}", seed=seed,
                             zones=zones_frame)
    out.print(f"wrote {len(schools_frame):,} schools and {len(applicants_frame):,} applicants "
              f"to {written}")


def _generate_partitioned(folder: Path, applicants: int, counties: int, seed: int,
                          layout: str, communities: int | None) -> None:
    """``generate --partitioned``: one county generated and written at a time."""
    from allocator.synthetic import iter_province, write_partitioned

    if layout not in ("parquet", "folders"):
        err.print(f"--partitioned must be parquet or folders, not '{layout}'")
        raise typer.Exit(EXIT_INVALID_INPUT)
    if communities is not None:
        err.print("--communities needs the whole roster; it cannot be combined with "
                  "--partitioned")
        raise typer.Exit(EXIT_INVALID_INPUT)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        err.print(f"{folder}: exists and is not empty; a partitioned roster is written "
                  "into a new or empty folder")
        raise typer.Exit(EXIT_INVALID_INPUT)
    written = write_partitioned(folder, iter_province(applicants, counties, seed), layout,
                                name=f"synthetic-{counties}x{applicants}-{seed}", seed=seed)
    out.print(f"wrote {written[0]:,} counties ({layout}): {written[1]:,} schools and "
              f"{written[2]:,} applicants to {folder}")


@app.command()
def explain(
    run_dir: Annotated[Path, typer.Argument(help="run folder written by 'allocator run'")],
    applicant_id: Annotated[str, typer.Argument(help="application number")],
    lang: Annotated[str, typer.Option(metavar=LANGUAGE_METAVAR, help="zh or en")] = "zh",
    scenario: Annotated[Path | None, typer.Option(
        help="scenario folder to use if the run's inputs moved (checked by SHA-256)")] = None,
) -> None:
    """Tell one applicant's full story: effective list, tiers, cut-offs, why each refused."""
    from allocator.pipeline.explain import applicant_story, render_story
    from allocator.pipeline.rerun import rerun_recorded

    if lang not in ("zh", "en"):
        err.print("--lang must be zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    try:
        result = rerun_recorded(run_dir, scenario)
        from allocator.pipeline.after import LaterRoundResult
        if isinstance(result, LaterRoundResult):  # a later round: moves, waiting lists
            from allocator.pipeline.round_story import render_round_story, round_story
            out.print(render_round_story(round_story(result, applicant_id), lang),
                      markup=False)
            return
        story = applicant_story(result, applicant_id)
    except InputError as error:
        _report_input_error(error)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    except (KeyError, ValueError) as error:
        err.print(f"[bold red]{error}[/bold red]")
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    out.print(render_story(story, lang), markup=False)


@app.command()
def version() -> None:
    """Print the engine version."""
    out.print(f"allocator {__version__}")


#: Modules adding commands to the app; each defines ``register(app: typer.Typer)``.
COMMAND_MODULES: tuple[str, ...] = ("allocator.interfaces.scenario_commands",
                                     "allocator.interfaces.job_commands",
                                     "allocator.interfaces.report_commands",
                                     "allocator.interfaces.template_commands",
                                     "allocator.interfaces.workbench_commands",
                                     "allocator.interfaces.season_commands",
                                     "allocator.interfaces.zoning_commands")


def _register_command_modules() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_command_modules()


def main() -> None:
    """Entry point of the ``allocator`` command (exit 1 on unexpected errors).

    SIGTERM unwinds like Ctrl-C (``SystemExit``), so the atomic writers remove
    their hidden staging folders on that exit path too.
    """
    import os
    import signal

    # Allocator validates only its own configuration with pydantic; looking for third-party
    # pydantic plugins scans every installed distribution's metadata (0.05-0.2 s a run).
    # An explicit setting, even empty (load them all), wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        app()
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - last resort: one clear line, exit 1
        from rich.markup import escape

        from allocator.interfaces.extras import missing_extra_message

        message = missing_extra_message(error) if isinstance(error, ModuleNotFoundError) else None
        err.print("[bold red]error:[/bold red] "
                  + escape(message or f"{type(error).__name__}: {error}"))
        sys.exit(EXIT_FAILURE)
