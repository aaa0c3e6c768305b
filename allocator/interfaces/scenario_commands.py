"""Commands ``scenarios``, ``compare``, ``sweep`` and ``province`` (what-ifs and scale)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from allocator.interfaces.choices import LANGUAGE_METAVAR
from allocator.interfaces.output_errors import reported_output_errors
from allocator.interfaces.progress import reporter
from allocator.model.problems import InputError

EXIT_INVALID_INPUT = 2
EXIT_FAILURE = 1
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _names(text: str | None) -> list[str] | None:
    return [item.strip() for item in text.split(",") if item.strip()] if text else None


def _invalid(error: InputError) -> typer.Exit:
    for problem in error.problems:
        print(str(problem), file=sys.stderr)
    err.print(f"[bold red]{len(error.problems)} problem(s); nothing was run.[/bold red]")
    return typer.Exit(EXIT_INVALID_INPUT)


def scenarios(
    file: Annotated[Path, typer.Argument(help="scenario file (YAML)")],
    only: Annotated[str | None, typer.Option(help="comma-separated scenario names")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="parent of the run folders")]
    = None,
    cold: Annotated[bool, typer.Option(help="never reuse the compiled base problem")] = False,
    reports: Annotated[bool, typer.Option(
        "--reports/--no-reports",
        help="also write report.html, report.xlsx, disclosure and ledger files into each run "
             "folder (a few seconds per scenario; default: no, compare the runs instead)")]
    = False,
    lang: Annotated[str, typer.Option("--lang", metavar=LANGUAGE_METAVAR,
                                      help="report language: zh or en")] = "zh",
) -> None:
    """Run the named what-if scenarios of FILE: one run folder each under --out."""
    from allocator.scenarios.runner import run_scenario_file

    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)

    target = out_dir or Path("out") / file.stem
    try:
        with reported_output_errors(), err.status("preparing scenarios",
                                                  spinner="dots") as status:
            writers = []
            if reports:
                from allocator.reports.writer import report_writer

                writers.append(report_writer(lang, reporter(status)))
            runs = run_scenario_file(file, target, _names(only), warm=not cold,
                                     progress=reporter(status), extra_writers=writers)
    except InputError as error:
        raise _invalid(error) from None
    from allocator.interfaces.summary_tables import scenarios_table

    table = scenarios_table(f"{file.name} -> {target}", runs, lang, out.width)
    out.print(table)
    for run in runs:
        if run.first_round is not None:
            out.print(f"{run.name}: later round after the first round in {run.first_round}")
    if not all(run.result.verified for run in runs):
        from allocator.interfaces.output_errors import describe_failed_checks

        for run in runs:
            if not run.result.verified:
                failed = [check.to_dict() for check in run.result.checks
                          if check.required and not check.passed]
                print(f"{run.name}: {describe_failed_checks(failed)}", file=sys.stderr)
        raise typer.Exit(EXIT_FAILURE)


def compare(
    runs: Annotated[list[Path], typer.Argument(help="run folders; the first is the reference")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="write CSV and HTML here")]
    = None,
    movers: Annotated[int, typer.Option(help="movers to list in the terminal")] = 10,
    lang: Annotated[str, typer.Option(
        metavar=LANGUAGE_METAVAR,
        help="language of comparison.html and the tables: zh or en")] = "zh",
) -> None:
    """Compare run folders: metrics, seats by school, who moved where and why."""
    from allocator.model.vocabulary import table_title
    from allocator.scenarios.compare import compare_runs, write_comparison

    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    try:
        comparison = compare_runs(list(runs))
    except (ValueError, FileNotFoundError) as error:
        err.print(f"[bold red]{error}[/bold red]")
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    for run, changes in comparison.changes.items():
        for change in changes:
            out.print(f"[dim]{run}:[/dim] {change}")
    out.print(_table(table_title("metrics", lang), comparison.metrics, lang))
    out.print(_table(table_title("seats by school", lang), comparison.schools[
        ["run", "school_id", "status", "capacity_before", "capacity_after", "assigned_before",
         "assigned_after"]], lang))
    why = comparison.movers.groupby(["run", "why"]).size().rename("applicants").reset_index()
    out.print(_table(table_title("who moved", lang), why, lang))
    out.print(_table(table_title("first movers", lang, movers), comparison.movers[
        ["run", "applicant_id", "school_id_before", "school_id_after", "why"]].head(movers),
        lang))
    out.print(_table(table_title("placed by category", lang), comparison.categories, lang))
    if out_dir is not None:
        with reported_output_errors():
            written = write_comparison(comparison, out_dir, inputs=list(runs), lang=lang)
        for path in written:
            out.print(f"wrote {path}")


def _table(title: str, frame, lang: str | None = None) -> Table:
    from allocator.interfaces.terminal_tables import frame_table

    return frame_table(title, frame, out.width, lang)


def _season_means(result):
    """Expected moves, newly placed, declined and idle seats by scenario and lottery."""
    from allocator.scenarios.season_sweep import expected_season

    expected = expected_season(result.season)
    shown = expected[expected["metric"].isin(["moves", "newly_placed", "declined",
                                              "idle_seats"])]
    return (shown.pivot_table(index=["scenario", "lottery"], columns="metric", values="mean")
            .round(2).reset_index())


def sweep(
    file: Annotated[Path, typer.Argument(help="scenario file (YAML)")],
    seeds: Annotated[int, typer.Option(help="number of lottery seeds per scenario")],
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
    only: Annotated[str | None, typer.Option(help="comma-separated scenario names")] = None,
    first_seed: Annotated[int, typer.Option(help="seeds are first_seed, first_seed+1, ...")]
    = 1,
    workers: Annotated[int, typer.Option(help="LocalCluster workers")] = 2,
    out_dir: Annotated[Path | None, typer.Option("--out", help="folder for tables and plots")]
    = None,
    lang: Annotated[str, typer.Option(
        metavar=LANGUAGE_METAVAR, help="language of the tables: zh or en")] = "zh",
) -> None:
    """Run scenarios x seeds on Dask (LocalCluster by default) and tabulate outcomes."""
    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    from rich.progress import Progress

    from allocator.model.vocabulary import table_title
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.scenarios.sweep import run_sweep, write_sweep

    target = out_dir or Path("out") / f"{file.stem}-sweep"
    with reported_output_errors():
        check_output_folder(target, [file])
    try:
        with Progress(console=err) as bar:
            task = bar.add_task("sweep", total=None)
            result = run_sweep(file, list(range(first_seed, first_seed + seeds)),
                               _names(only), scheduler, workers,
                               progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total))
    except InputError as error:
        raise _invalid(error) from None
    with reported_output_errors():
        written = write_sweep(result, target, inputs=[file])
    for path in written:
        out.print(f"wrote {path}")
    summary = result.runs.groupby("scenario")[["placed", "first_choice", "distance_km_mean"]]
    out.print(_table(table_title("mean over seeds", lang), summary.mean().round(2).reset_index(),
                     lang))
    if not result.season.empty:
        out.print(_table(table_title("season over seeds", lang), _season_means(result), lang))
    for failure in result.failures.itertuples():
        err.print(f"[bold red]failed:[/bold red] scenario {failure.scenario}, seed "
                  f"{failure.seed}: {failure.error}")
    if len(result.failures):
        raise typer.Exit(EXIT_FAILURE)


def province(
    folder: Annotated[Path, typer.Argument(
        help="scenario folder with many counties, or a roster partitioned by county "
             "(applicants/county=<id>/*.parquet, or one scenario folder per county)")],
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")],
    serial: Annotated[bool, typer.Option(help="counties one after another")] = False,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (workers share the roster and --out's parent folder)"
    )] = None,
    workers: Annotated[int, typer.Option(min=1, help="LocalCluster worker processes")] = 2,
    parquet_copy: Annotated[bool, typer.Option(
        help="partitioned rosters: also write assignments.parquet/county=<id>/")] = False,
) -> None:
    """Allocate a province county by county, counties in parallel (byte-identical)."""
    from allocator.scenarios.dask_counties import ClusterMismatch
    from allocator.scenarios.province import run_province

    try:
        with reported_output_errors(), err.status("starting", spinner="dots") as status:
            result = run_province(folder, out_dir, parallel=not serial, scheduler=scheduler,
                                  workers=workers, progress=reporter(status),
                                  parquet_copy=parquet_copy)
    except InputError as error:
        raise _invalid(error) from None
    except ClusterMismatch as mismatch:
        err.print(f"[bold red]{mismatch}[/bold red]; nothing was written")
        raise typer.Exit(EXIT_FAILURE) from None
    counts = result["summary"]["counts"]
    out.print(f"{counts['applicants']:,} applicants in {counts['counties']} counties: "
              f"{counts['placed']:,} placed; timings "
              f"{result['manifest']['timings_seconds']}; written to {out_dir}")
    if not result["summary"]["verification"]["passed"]:
        raise typer.Exit(EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the ``allocator`` app."""
    app.command()(scenarios)
    app.command()(compare)
    app.command()(sweep)
    app.command()(province)
