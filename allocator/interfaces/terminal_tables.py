"""Terminal tables that fit the width and never cut an id or a name.

Rich shrinks columns to the terminal's width and, by default, ends a cut cell
with an ellipsis (``城关第…``). Here id and name columns keep their full width on one
line (``no_wrap`` with a minimum width of their longest value) and every other
column folds onto further lines instead of being cut, so every character of
every cell is printed at 80 columns as at 200. (On a terminal too narrow even
for the ids and names, rich narrows them too; they then fold, never lose a
character.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.table import Table


def is_kept_whole(name: str) -> bool:
    """An id or a name column: ``school_id``, ``moved_from_school_id``, ``name``, ..."""
    return (name in ("id", "name", "run", "scenario") or name.endswith(("_id", "_name"))
            or name.startswith("school_id"))


def text_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    """A rich table whose ids and names are kept whole and whose other cells fold.

    Parameters
    ----------
    title : str
        The table's title.
    columns : sequence of str
        Column names (ids and names recognised by :func:`is_kept_whole`).
    rows : iterable of sequences
        Cell values; ``None`` prints as an empty cell.
    """
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    table = Table(title=title)
    for index, column in enumerate(columns):
        if is_kept_whole(str(column)):
            widest = max([1, *(cell_len(row[index]) for row in cells)])
            table.add_column(str(column), no_wrap=True, overflow="fold", min_width=widest)
        else:
            table.add_column(str(column), overflow="fold")
    for row in cells:
        table.add_row(*row)
    return table


def frame_table(title: str, frame) -> Table:
    """:func:`text_table` of a DataFrame (its columns and rows, index left out)."""
    return text_table(title, [str(column) for column in frame.columns],
                      frame.itertuples(index=False))
