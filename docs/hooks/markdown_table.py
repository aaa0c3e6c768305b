"""Markdown tables for the generated reference pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value: object) -> str:
    """Text of one table cell: pipes escaped, line breaks flattened."""
    text = "" if value is None else str(value)
    return text.replace("|", r"\|").replace("\n", " ").strip()


def code(value: object) -> str:
    """An inline code span (empty stays empty)."""
    text = "" if value is None else str(value)
    return f"`{text}`" if text else ""


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
