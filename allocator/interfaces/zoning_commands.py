"""Command ``zoning``: propose catchments (划片) for the coming year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from allocator.interfaces.output_errors import report_input_problems, reported_output_errors
from allocator.model.problems import InputError

EXIT_INVALID_INPUT = 2
EXIT_FAILURE = 1
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def zoning(
    scenario: Annotated[Path, typer.Argument(help="scenario folder (zones.csv optional)")],
    out_dir: Annotated[Path, typer.Option("--out", help="zoning folder to write")],
    candidates: Annotated[int, typer.Option(
        min=1, help="nearest schools a community may be given (besides today's)")] = 6,
    time_limit: Annotated[float, typer.Option(
        min=0.1, help="solver budget per county and stage (deterministic seconds)")] = 60.0,
    max_moved: Annotated[int | None, typer.Option(
        min=0, help="hard cap on communities changing school, per county and stage "
                    "(default: the policy's zoning.max_moved_communities)")] = None,
    seed: Annotated[int, typer.Option(help="solver seed")] = 0,
    contiguity: Annotated[str, typer.Option(
        help="flow (exact) or order (a nearer neighbour in the same catchment: no flow "
             "variables, a restriction)")] = "flow",
    lang: Annotated[str, typer.Option(help="report language: zh or en")] = "zh",
) -> None:
    """Propose catchments for SCENARIO: contiguous, within plan, stable, near."""
    from allocator.pipeline.output_folder import check_output_folder
    from allocator.zoning.design import ZoningOptions, design_zones
    from allocator.zoning.evaluate import engine_figures, run_engine
    from allocator.zoning.outputs import write_zoning

    if contiguity not in ("flow", "order"):
        err.print(f"unknown contiguity '{contiguity}': choose flow or order")
        raise typer.Exit(EXIT_INVALID_INPUT)
    if lang not in ("zh", "en"):
        err.print(f"unknown language '{lang}': choose zh or en")
        raise typer.Exit(EXIT_INVALID_INPUT)
    try:
        with reported_output_errors(), err.status("reading", spinner="dots") as status:
            check_output_folder(out_dir, [scenario])
            status.update("solving")
            result = design_zones(scenario, ZoningOptions(candidates, time_limit, max_moved,
                                                          seed, contiguity))
            status.update("running the engine on the plans")
            engine = {name: engine_figures(run) for name, run in run_engine(result).items()}
            written = write_zoning(result, engine, out_dir, lang)
    except InputError as error:
        report_input_problems(error)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    _print(written)


def _print(written: Path) -> None:
    import json

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    table = Table(title=f"zoning · {summary['scenario']}")
    for column in ("plan", "outside (projected)", "outside (engine)", "moved communities",
                   "moved children", "mean km"):
        table.add_column(column)
    for name, figures in summary["projected"].items():
        engine = summary["engine"][name]
        table.add_row(name, f"{figures['outside_catchment']:,}",
                      f"{engine['outside_catchment']:,}", f"{figures['moved_communities']:,}",
                      f"{figures['moved_children']:,}", f"{figures['distance_km_mean']:.2f}")
    out.print(table)
    statuses = sorted({instance["status"] for instance in summary["instances"]})
    out.print(f"solver: {', '.join(statuses)}")
    failed = [c["name"] for c in summary["verification"]["checks"] if not c["passed"]]
    out.print("guarantees: " + ("all passed" if not failed else "FAILED: " + ", ".join(failed)))
    out.print(f"written to [bold]{written}[/bold]")
    if failed:
        raise typer.Exit(EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    """Add the ``zoning`` command to the ``allocator`` app."""
    app.command()(zoning)
