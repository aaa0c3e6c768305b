"""``allocator template DIR``: empty scenario tables to fill in, with every column explained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_INVALID_INPUT = 2


def template(
    folder: Annotated[Path, typer.Argument(help="folder to write the template into")],
    kind: Annotated[str, typer.Option(
        "--format", help="xlsx (workbooks with meanings and drop-down lists) or csv")] = "xlsx",
) -> None:
    """Write template tables (schools, applicants) and scenario.yaml into FOLDER.

    Every column is there, with its Chinese and English meaning; an XLSX template
    offers drop-down lists for stage, kind, disability plan and yes/no columns.
    Existing files are never replaced.
    """
    from allocator.model.template import template_files, write_template

    if kind not in ("xlsx", "csv"):
        err.print(f"unknown format '{kind}': choose xlsx or csv")
        raise typer.Exit(EXIT_INVALID_INPUT)
    if folder.exists() and not folder.is_dir():
        err.print(f"{folder} exists and is not a folder; nothing was written")
        raise typer.Exit(EXIT_INVALID_INPUT)
    existing = [name for name in template_files(kind) if (folder / name).exists()]
    if existing:
        err.print(f"{folder} already holds {', '.join(existing)}; nothing was written "
                  "(a template never replaces a file)")
        raise typer.Exit(EXIT_INVALID_INPUT)
    written = write_template(folder, kind)
    out.print(f"wrote {', '.join(path.name for path in written)} to {folder}")


def register(app: typer.Typer) -> None:
    """Add ``template`` to the ``allocator`` command line."""
    app.command("template")(template)
