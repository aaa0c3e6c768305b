"""Structured input problems, collected and reported all at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class InputProblem:
    """One problem found in the input.

    Attributes
    ----------
    file : str
        File name relative to the scenario folder (``schools.csv``).
    row : int | None
        Line number as a spreadsheet shows it: the header is row 1, the first
        data row is row 2. ``None`` when the problem concerns the whole file.
    column : str | None
        Column name, or the YAML key, the problem concerns.
    message : str
        What is wrong and, where possible, how to fix it.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = "" if self.column is None else self.column
        return f"{self.file}:{row}:{column}: {self.message}"


class InputError(Exception):
    """Raised once with every problem found in a scenario's input."""

    def __init__(self, problems: Iterable[InputProblem]):
        self.problems: list[InputProblem] = sorted(
            problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.message)
        )
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class ProblemCollector:
    """Gathers problems during validation so they are reported in one pass.

    Caps the number kept per (file, column, message kind) so a million bad rows
    do not produce a million lines; the count of the rest is reported instead.
    Warnings (input that is read, but not all of it, such as a column the
    contract does not know) are kept apart: they never stop a run.
    """

    limit_per_kind: int = 50
    problems: list[InputProblem] = field(default_factory=list)
    warnings: list[InputProblem] = field(default_factory=list)
    _counts: dict[tuple[str, str | None, str], int] = field(default_factory=dict)

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record a warning (shown to the user and listed in ``summary.json``)."""
        warning = InputProblem(file, row, column, message)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def add(self, file: str, row: int | None, column: str | None, message: str,
            kind: str | None = None) -> None:
        """Record one problem (``kind`` groups similar messages for the cap)."""
        key = (file, column, kind or message)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count <= self.limit_per_kind:
            self.problems.append(InputProblem(file, row, column, message))

    def add_rows(self, file: str, rows: Iterable[int], column: str | None,
                 messages: Iterable[str], kind: str) -> None:
        """Record one problem per row, sharing a ``kind`` for the cap."""
        for row, message in zip(rows, messages, strict=True):
            self.add(file, int(row), column, message, kind=kind)

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` when any problem has been recorded."""
        if not self._counts:
            return
        problems = list(self.problems)
        for (file, column, kind), count in self._counts.items():
            if count > self.limit_per_kind:
                problems.append(InputProblem(
                    file, None, column,
                    f"{count - self.limit_per_kind} more rows with the problem: {kind}"))
        raise InputError(problems)

    def __bool__(self) -> bool:
        return bool(self._counts)
