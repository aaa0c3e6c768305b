"""Report commands: ``allocator report``, ``allocator fairness``, ``allocator recommend``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from allocator.interfaces.choices import LANGUAGE_METAVAR, MECHANISM_METAVAR
from allocator.interfaces.output_errors import reported_output_errors
from allocator.model.problems import InputError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_INVALID_INPUT = 2

Lang = Annotated[str, typer.Option("--lang", metavar=LANGUAGE_METAVAR,
                                   help="language of reports and tables: zh (default) or en")]
Seed = Annotated[int | None, typer.Option(help="override the lottery seed")]
MechanismOption = Annotated[str | None, typer.Option(metavar=MECHANISM_METAVAR,
                                                     help="override the mechanism")]


def _load(scenario: Path, seed: int | None, mechanism: str | None):
    from allocator.pipeline.run import run_scenario

    try:
        return run_scenario(scenario, seed=seed, mechanism=mechanism)
    except InputError as error:
        for problem in error.problems:
            err.print(str(problem), highlight=False, markup=False)
        raise typer.Exit(EXIT_INVALID_INPUT) from None


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)


def _print_frame(frame, title: str, columns: list[str] | None = None,
                 lang: str | None = None) -> None:
    from allocator.interfaces.terminal_tables import frame_table

    out.print(frame_table(title, frame[columns] if columns else frame, out.width, lang))


def report(
    scenario: Annotated[Path, typer.Argument(help="scenario folder")],
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")],
    lang: Lang = "zh", seed: Seed = None, mechanism: MechanismOption = None,
    classes: Annotated[int, typer.Option(help="class budget of the recommendations")] = 3,
) -> None:
    """Run SCENARIO and write the run folder with report.html, report.xlsx and disclosure files."""
    from allocator.interfaces.progress import reporter
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.pipeline.relocate import portable
    from allocator.pipeline.write import write_run
    from allocator.reports.writer import build_report, write_reports

    _check_lang(lang)
    with reported_output_errors(), err.status("starting", spinner="dots") as status:
        say = reporter(status)
        check_output_folder(out_dir, [scenario])
        say("running the scenario")
        result = _load(scenario, seed, mechanism)

        def writer(run_result, staging: Path) -> None:
            say("computing the report tables")
            report = build_report(run_result, lang, classes=classes)
            say("writing report.html, report.xlsx and the disclosure files")
            write_reports(report, staging)

        written = write_run(portable(result, out_dir), out_dir, extra_writers=[writer])
    out.print(f"reports written to [bold]{written}[/bold] (report.html, report.xlsx, "
              "disclosure.csv, disclosure_admitted.csv, disclosure_counts.csv, "
              "public_notice_*.csv, ledger.csv, surplus_plan.csv, metrics.csv)")


def fairness(
    scenario: Annotated[Path, typer.Argument(help="scenario folder")],
    seed: Seed = None,
    csv: Annotated[Path | None, typer.Option(help="also write the table to this CSV")] = None,
    lang: Lang = "zh",
) -> None:
    """Cost of fairness: deferred acceptance against the min-cost-flow optimum."""
    from allocator.interfaces.terminal_tables import frame_table
    from allocator.model.vocabulary import column_label, localise, table_title
    from allocator.reports.fairness import cost_of_fairness
    from allocator.reports.writer import tier_labels, write_report_csv

    _check_lang(lang)
    result = _load(scenario, seed, "deferred-acceptance")
    table = cost_of_fairness(result)
    # one row per mechanism in the table; shown as one column per mechanism
    shown = localise(table, lang, tier_labels(result, lang))
    mechanism = column_label("mechanism", lang)
    shown = shown.set_index(mechanism).T.reset_index().rename(
        columns={"index": column_label("measure", lang)})
    shown.columns = [str(column) for column in shown.columns]
    out.print(frame_table(table_title("cost of fairness", lang), shown, out.width))
    if csv is not None:
        write_report_csv(table, csv)


def recommend(
    scenario: Annotated[Path, typer.Argument(help="scenario folder")],
    classes: Annotated[int, typer.Option(help="budget of extra classes")] = 5,
    limit_per_school: Annotated[int, typer.Option(help="most classes added to one school")] = 2,
    allow_moves: Annotated[bool, typer.Option(help="move classes from idle surplus")] = False,
    method: Annotated[str, typer.Option(help="flow (optimum plan) or greedy")] = "flow",
    seed: Seed = None, mechanism: MechanismOption = None,
    csv: Annotated[Path | None, typer.Option(help="also write the table to this CSV")] = None,
    lang: Lang = "zh",
) -> None:
    """Where --classes extra classes place the most children inside their catchment."""
    from allocator.model.vocabulary import table_title
    from allocator.reports.recommend import recommend_classes
    from allocator.reports.writer import write_report_csv

    _check_lang(lang)
    table = recommend_classes(_load(scenario, seed, mechanism), classes, limit_per_school,
                              allow_moves=allow_moves, method=method)
    _print_frame(table, table_title("capacity recommendations", lang),
                 ["step", "school_id", "name", "seats_added", "moved_from_school_id",
                  "outside_after", "gain_children", "gain_distance_km"], lang)
    if csv is not None:
        write_report_csv(table, csv)


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the ``allocator`` app."""
    app.command()(report)
    app.command()(fairness)
    app.command()(recommend)
