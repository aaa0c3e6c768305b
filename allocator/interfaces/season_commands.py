"""Season commands: ``allocator reconcile`` (the autumn reconciliation, 查漏补缺)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from allocator.interfaces.choices import LANGUAGE_METAVAR
from allocator.interfaces.output_errors import report_input_problems, reported_output_errors
from allocator.model.problems import InputError

EXIT_INVALID_INPUT = 2
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def reconcile(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN",
                                            help="run folder written by 'allocator run'")],
    enrolled: Annotated[Path, typer.Option(
        "--enrolled", help="who enrolled where (报到): CSV, XLSX or Parquet")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write")],
    roll: Annotated[Path | None, typer.Option(
        "--roll", help="roll of school-age children (户籍和居住证名册)")] = None,
    lang: Annotated[str, typer.Option(
        "--lang", metavar=LANGUAGE_METAVAR, help="page and workbook language: zh or en")]
    = "zh",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary")] = False,
) -> None:
    """Reconcile RUN's placements with who enrolled (and the roll): statuses, gaps, responses."""
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.season.reconcile import reconcile as reconcile_run
    from allocator.season.reconcile_inputs import load_inputs
    from allocator.season.reconcile_report import write_reconciliation

    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    inputs = [run_dir, enrolled, *([roll] if roll is not None else [])]
    try:
        with reported_output_errors():
            check_output_folder(out_dir, inputs)  # refuse before the work, not after
            result = reconcile_run(load_inputs(run_dir, enrolled, roll))
            written = write_reconciliation(result, out_dir, lang, inputs)
    except InputError as error:
        report_input_problems(error)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    if not quiet:
        _print_summary(result.summary, written, lang)


def _print_summary(summary: dict, written: Path, lang: str) -> None:
    from allocator.interfaces.terminal_tables import key_value_table
    from allocator.season.reconcile_labels import column_label, status_label, word

    counts = summary["counts"]
    rows: list[tuple[str, object]] = [(column_label("placed", lang), counts["placed"]),
                                      (column_label("enrolled", lang), counts["enrolled"])]
    rows += [(status_label(status, lang), number)
             for status, number in counts["by_status"].items()]
    rows.append((word("responses", lang), ", ".join(
        f"{status_label(kind, lang)} {number:,}" for kind, number in
        summary["responses"].items())))
    if summary["roll"] is not None:
        roll = summary["roll"]
        rows += [(column_label(key, lang), roll[key])
                 for key in ("children", "no_application", "applied_not_placed",
                             "guaranteed_not_enrolled")]
    title = f"{word('title', lang)} · {summary['run']['scenario']}"
    out.print(key_value_table(title, rows, lang, out.width))
    out.print(f"reconciliation written to [bold]{written}[/bold]")


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the ``allocator`` app."""
    app.command()(reconcile)
