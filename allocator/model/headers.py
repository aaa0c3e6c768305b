"""Every column accounted for: header cells trimmed, named, unique, and each one known,
ignored on purpose, or reported.

Two passes, both recording into a :class:`~allocator.model.problems.ProblemCollector`:

1. :func:`clean_header` (while reading, any format): trims each header cell; an
   empty cell (a merged cell in Excel) or pandas' ``Unnamed: N`` over a column
   that holds data is an error naming the cell (``J1``); a column empty from
   top to bottom is dropped; two columns with the same name after trimming are
   an error naming both.
2. :func:`account_for_columns` (while validating, knowing the table's schema):
   a column close to a known one (case, spaces, a typo, a Chinese header) is
   an error with "did you mean ...?"; personal and portal columns are accepted
   and ignored; any other column is a warning (not read), shown in the
   terminal and listed in ``summary.json``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.model.schema import IGNORED_COLUMNS, TableSchema

_UNNAMED = re.compile(r"^Unnamed: \d+(_level_\d+)?$")
_SEPARATORS = re.compile(r"[\s\-./]+")


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 -> A, 26 -> AA."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def clean_header(frame: pd.DataFrame, header: Sequence[object], file: str,
                 problems: ProblemCollector) -> pd.DataFrame:
    """Name the columns of ``frame`` by the trimmed ``header`` cells, refusing bad ones.

    Parameters
    ----------
    frame : DataFrame
        The table's cells as text, one column per header cell, in file order.
    header : sequence
        The header cells as read (``None`` for an empty cell).
    file : str
        File name used in problems.
    problems : ProblemCollector
        Receives one problem per unnamed or repeated column.

    Returns
    -------
    DataFrame
        The frame with trimmed, unique column names; empty unnamed columns dropped.
    """
    names = ["" if cell is None else str(cell).strip() for cell in header]
    keep: list[int] = []
    first_at: dict[str, int] = {}
    for position, name in enumerate(names):
        cell = f"{column_letter(position)}1"
        if name == "" or _UNNAMED.match(name):
            values = frame.iloc[:, position].astype(str).str.strip()
            if bool((values != "").any()):
                problems.add(file, 1, cell,
                             f"header cell {cell} has no name (a merged or empty cell?) but "
                             "its column holds data; give the column its own name")
            continue
        if name in first_at:
            earlier = first_at[name]
            problems.add(file, 1, name,
                         f"column '{name}' appears more than once: columns "
                         f"{column_letter(earlier)} and {column_letter(position)} (compared "
                         "after trimming spaces); keep one")
            continue
        first_at[name] = position
        keep.append(position)
    if len(keep) == len(names):
        return frame.set_axis(names, axis=1)
    return frame.iloc[:, keep].set_axis([names[position] for position in keep], axis=1)


def account_for_columns(columns: Sequence[str], schema: TableSchema, file: str,
                        problems: ProblemCollector, skip: frozenset[str] = frozenset()) -> None:
    """Refuse near-misses of known columns; warn about columns that are not read.

    Parameters
    ----------
    columns : sequence of str
        The table's trimmed, unique header names.
    schema : TableSchema
        The table's known columns.
    file : str
        File name used in problems and warnings.
    problems : ProblemCollector
        Receives the errors (``did you mean``) and the warnings.
    skip : frozenset of str
        Columns already refused for another reason.
    """
    known = set(schema.names)
    for name in columns:
        if name in known or name in skip or name.lower() in IGNORED_COLUMNS:
            continue
        suggestion = closest_column(name, schema)
        if suggestion is not None:
            problems.add(file, 1, name,
                         f"unknown column '{name}': did you mean '{suggestion}'? Headers are "
                         "compared exactly (after trimming spaces); rename it, or the column "
                         "would be silently ignored", kind="near-miss column")
        else:
            problems.warn(file, 1, name, "column is not part of the data contract and is not "
                                         "read")


def closest_column(name: str, schema: TableSchema) -> str | None:
    """The known column ``name`` most likely meant, or None when none is close.

    Close means: equal after ignoring case and spaces, hyphens, dots and
    slashes; the column's Chinese header or alias; or at most one edit per four
    characters (at least one) away, transpositions counting as one edit.
    """
    normalised = _normalise(name)
    for column in schema.columns:
        if normalised == _normalise(column.name) or name in column.aliases_zh:
            return column.name
    best: tuple[int, str] | None = None
    for column in schema.columns:
        distance = edit_distance(normalised, _normalise(column.name))
        if distance <= max(1, len(column.name) // 4) and (best is None or distance < best[0]):
            best = (distance, column.name)
    return None if best is None else best[1]


def _normalise(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower()).strip("_")


def edit_distance(first: str, second: str) -> int:
    """Optimal-string-alignment distance (insertions, deletions, substitutions, swaps)."""
    if abs(len(first) - len(second)) > 3:
        return abs(len(first) - len(second))
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, start=1):
        current = [i] + [0] * len(second)
        for j, other in enumerate(second, start=1):
            cost = 0 if char == other else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == second[j - 2] and first[i - 2] == other:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
