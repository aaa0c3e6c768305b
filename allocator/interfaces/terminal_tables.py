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

from collections.abc import Iterable, Mapping, Sequence

from rich.cells import cell_len
from rich.table import Table

#: Columns of a rich table take a border and one space of padding on each side.
CHROME_PER_COLUMN = 3


def is_kept_whole(name: str) -> bool:
    """An id or a name column: ``school_id``, ``moved_from_school_id``, ``name``, ..."""
    return (name in ("id", "name", "run", "scenario") or name.endswith(("_id", "_name"))
            or name.startswith("school_id"))


def column_widths(columns: Sequence[str], cells: list[list[str]], width: int,
                  headers: Sequence[str] | None = None) -> list[int]:
    """Width of each column so the table fits ``width`` cells and ids stay whole.

    Parameters
    ----------
    columns : sequence of str
        Column names (they decide which columns are ids and names).
    cells : list of lists of str
        The cells, row by row.
    width : int
        The terminal's width.
    headers : sequence of str, optional
        The headers shown (labels in the reader's language); the names by default.
    """
    headers = [str(header).replace("_", " ") for header in (headers or columns)]
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
    others, left = _whole_short_columns(others, widest, wanted, left, result)
    total = sum(widest[index] for index in others)
    for index in others:  # in proportion to their longest cell, at least one cell
        result[index] = max(1, widest[index] * left // max(total, 1))
    return result


def _whole_short_columns(others: list[int], widest: list[int], wanted: list[int], left: int,
                         result: list[int]) -> tuple[list[int], int]:
    """Give whole width to the columns no wider than an even share (numbers, short words).

    A number folded over two lines (``15.9`` above ``3``) reads as two numbers; a long
    text column folds at word boundaries instead. Such a column gets its header's longest
    word too when that still fits its share. Returns the columns still to size and the
    width left for them.
    """
    pending = list(others)
    while pending:
        share = left // len(pending)
        short = [index for index in pending if widest[index] <= share]
        if not short or len(short) == len(pending):
            break
        for index in short:
            result[index] = wanted[index] if wanted[index] <= share else widest[index]
            left -= result[index]
        pending = [index for index in pending if index not in short]
    return pending, left


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
               width: int = 80, headers: Sequence[str] | None = None) -> Table:
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
    headers : sequence of str, optional
        The headers shown, one per column (``columns`` by default, ``_`` as spaces).
    """
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    shown = [str(header) for header in (headers or columns)]
    table = Table(title=title, min_width=min(cell_len(title) + 4, width))  # title on one line
    for header, size in zip(shown, column_widths(columns, cells, width, shown), strict=True):
        table.add_column(header.replace("_", " "), overflow="fold", width=size)
    for row in cells:
        table.add_row(*row)
    return table


def frame_table(title: str, frame, width: int = 80, lang: str | None = None,
                tiers: Mapping[str, str] | None = None) -> Table:
    """:func:`text_table` of a DataFrame (its columns and rows, index left out).

    Parameters
    ----------
    title : str
        The table's title (already in the reader's language).
    frame : pandas.DataFrame
        The table, with the engine's column names and codes.
    width : int
        The terminal's width.
    lang : str, optional
        ``zh`` or ``en``: headers, categorical values and numbers through
        :func:`allocator.model.vocabulary.localise` (the one translation table);
        ``None`` shows the names and values as they are.
    tiers : mapping, optional
        Tier name -> the policy's label in ``lang``.
    """
    columns = [str(column) for column in frame.columns]
    if lang is None:
        return text_table(title, columns, frame.itertuples(index=False), width)
    from allocator.model.vocabulary import localise

    shown = localise(frame, lang, tiers)
    return text_table(title, columns, shown.itertuples(index=False), width,
                      headers=[str(column) for column in shown.columns])


def key_value_table(title: str, rows: Sequence[tuple[str, object]], lang: str,
                    width: int = 80) -> Table:
    """A two-column table of named figures (a run's summary), labels in ``lang``.

    Parameters
    ----------
    title : str
        The table's title.
    rows : sequence of (name, value)
        Figure names (keys of the vocabulary's columns) and their values; an int is
        shown with thousands separators, any other value as it is.
    lang : str
        ``zh`` or ``en``.
    width : int
        The terminal's width.
    """
    from allocator.model.vocabulary import column_label, format_number

    cells = [(column_label(name, lang), format_number(value, name, lang)
              if isinstance(value, int) and not isinstance(value, bool) else str(value))
             for name, value in rows]
    return text_table(title, ["item", "value"], cells, width,
                      headers=[column_label("item", lang), column_label("value", lang)])
