"""Command ``zoning``: propose catchments (划片) for the coming year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
    _print(written, lang)


def _print(written: Path, lang: str) -> None:
    import json

    import pandas as pd

    from allocator.interfaces.terminal_tables import frame_table
    from allocator.model.vocabulary import value_label

    summary = json.loads((written / "summary.json").read_text(encoding="utf-8"))
    frame = pd.DataFrame([{
        "zoning_plan": name, "outside_projected": figures["outside_catchment"],
        "outside_engine": summary["engine"][name]["outside_catchment"],
        "moved_communities": figures["moved_communities"],
        "moved_children": figures["moved_children"],
        "distance_mean_km": figures["distance_km_mean"]}
        for name, figures in summary["projected"].items()])
    title = ("划片方案" if lang == "zh" else "zoning") + f" · {summary['scenario']}"
    out.print(frame_table(title, frame, out.width, lang))
    statuses = sorted({instance["status"] for instance in summary["instances"]})
    out.print(("求解状态：" if lang == "zh" else "solver: ") + ", ".join(statuses))
    failed = [c["name"] for c in summary["verification"]["checks"] if not c["passed"]]
    verdict = value_label("passed" if not failed else "failed", lang)
    out.print(("保证检查：" if lang == "zh" else "guarantees: ") + verdict
              + ("" if not failed else ": " + ", ".join(failed)))
    out.print(f"written to [bold]{written}[/bold]")
    if failed:
        raise typer.Exit(EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    """Add the ``zoning`` command to the ``allocator`` app."""
    app.command()(zoning)
