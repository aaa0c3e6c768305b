"""How every command reports a refused output folder and a failed verification."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from allocator.model.problems import InputError
from allocator.pipeline.output_folder import OutputFolderRefused, VerificationFailed

EXIT_INVALID_INPUT = 2
EXIT_FAILURE = 1


@contextmanager
def reported_output_errors() -> Iterator[None]:
    """Turn a refused ``--out`` into exit 2 and a failed verification into exit 1.

    Both are reported in one or a few plain lines on standard error; neither
    writes anything (the writers refuse before they start).
    """
    try:
        yield
    except OutputFolderRefused as refused:
        print(f"--out {refused.folder}: {refused.reason}. Nothing was written.", file=sys.stderr)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    except VerificationFailed as failed:
        print(describe_failed_checks(failed.failed), file=sys.stderr)
        raise typer.Exit(EXIT_FAILURE) from None


def report_input_problems(error: InputError) -> None:
    """Print every problem of ``error`` (``file:row:column: message``) and a closing line.

    Every command reports invalid input this way, then exits 2 (nothing is written).
    """
    from rich.console import Console

    for problem in error.problems:
        print(str(problem), file=sys.stderr)
    Console(stderr=True, highlight=False).print(
        f"[bold red]{len(error.problems)} problem(s) in the input; nothing was written."
        "[/bold red]")


def describe_failed_checks(failed: list[dict]) -> str:
    """One line per failed check: name, violations and the first offending ids."""
    lines = ["verification failed; no run folder was written:"]
    for check in failed:
        where = ", ".join(check.get("examples") or check.get("groups") or [])
        lines.append(f"  {check['name']}: {check.get('violations', '?')} violation(s)"
                     + (f", for example {where}" if where else "")
                     + (f" ({check['description']})" if check.get("description") else ""))
    return "\n".join(lines)
