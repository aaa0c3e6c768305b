"""Terminal tables that fit the width and never cut an id or a name.

Rich shrinks columns to the terminal's width and, by default, ends a cut cell
with an ellipsis (``城关第…``). Here the column widths are chosen first: id and
name columns get the width of their longest value, so each stays whole on one
line; the other columns share what is left and fold onto further lines rather
than lose a character; headers wrap between words (``school_id`` is shown as
``school id``). On a terminal too narrow even for the ids and names, they fold
too, still without losing a character.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.table import Table

#: Columns of a rich table take a border and one space of padding on each side.
CHROME_PER_COLUMN = 3


def is_kept_whole(name: str) -> bool:
    """An id or a name column: ``school_id``, ``moved_from_school_id``, ``name``, ..."""
    return (name in ("id", "name", "run", "scenario") or name.endswith(("_id", "_name"))
            or name.startswith("school_id"))


def column_widths(columns: Sequence[str], cells: list[list[str]], width: int) -> list[int]:
    """Width of each column so the table fits ``width`` cells and ids stay whole.

    Parameters
    ----------
    columns : sequence of str
        Column names.
    cells : list of lists of str
        The cells, row by row.
    width : int
        The terminal's width.
    """
    headers = [str(column).replace("_", " ") for column in columns]
    widest = [max([1, *(cell_len(row[index]) for row in cells)]) for index in range(len(columns))]
    words = [max(cell_len(word) for word in header.split() or [""]) for header in headers]
    wanted = [max(cells_width, word) for cells_width, word in zip(widest, words, strict=True)]
    available = max(width - CHROME_PER_COLUMN * len(columns) - 1, len(columns))
    if sum(wanted) <= available:
        return wanted
    if sum(widest) <= available:  # every cell whole; headers wrap in what is left
        return _widen(widest, wanted, available - sum(widest))
    kept = [is_kept_whole(str(column)) for column in columns]
    fixed = sum(w for w, keep in zip(widest, kept, strict=True) if keep)
    others = [index for index, keep in enumerate(kept) if not keep]
    left = available - fixed
    if left < len(others):  # not even the ids fit: every column shares the width
        share = max(available // len(columns), 1)
        return [min(w, share) for w in wanted]
    result = [w if keep else 0 for w, keep in zip(widest, kept, strict=True)]
    total = sum(widest[index] for index in others)
    for index in others:  # in proportion to their longest cell, at least one cell
        result[index] = max(1, widest[index] * left // total)
    return result


def _widen(widths: list[int], wanted: list[int], extra: int) -> list[int]:
    """Hand out ``extra`` cells one at a time to the columns still below what they want."""
    widths = list(widths)
    while extra > 0 and any(w < want for w, want in zip(widths, wanted, strict=True)):
        for index, want in enumerate(wanted):
            if extra > 0 and widths[index] < want:
                widths[index] += 1
                extra -= 1
    return widths


def text_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]],
               width: int = 80) -> Table:
    """A rich table of at most ``width`` cells whose ids and names are kept whole.

    Parameters
    ----------
    title : str
        The table's title.
    columns : sequence of str
        Column names (ids and names recognised by :func:`is_kept_whole`).
    rows : iterable of sequences
        Cell values; ``None`` prints as an empty cell.
    width : int
        The terminal's width (``console.width``).
    """
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    table = Table(title=title)
    for column, size in zip(columns, column_widths(columns, cells, width), strict=True):
        table.add_column(str(column).replace("_", " "), overflow="fold", width=size)
    for row in cells:
        table.add_row(*row)
    return table


def frame_table(title: str, frame, width: int = 80) -> Table:
    """:func:`text_table` of a DataFrame (its columns and rows, index left out)."""
    return text_table(title, [str(column) for column in frame.columns],
                      frame.itertuples(index=False), width)
