"""Neutralising spreadsheet formulas in text cells (CSV and formula injection).

A spreadsheet opening a CSV runs a cell whose text starts with ``=``, ``+``,
``-`` or ``@`` as a formula (``=HYPERLINK(...)``, ``=cmd|...``), and tab and
carriage return can smuggle one in. Every file this project writes for people
(publication and report files, the workbook's sheets) passes its text cells
through :func:`neutralise_frame`: such a cell gets a leading ``'``, the usual
"treat as text" mark. Numbers are not text: a numeric column is never changed,
and a text cell that is a plain number (``-1.5``, ``+3``, ``1e-05``) is left as it is.

The contract's machine-readable files (``assignments.csv``, ``schools.csv``) are
data, not documents: they are written unchanged so that ids join exactly and runs
stay byte-identical (see docs/publication-and-explain.md).
"""

from __future__ import annotations

import re

import pandas as pd

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise_text(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would execute it, else unchanged.

    Parameters
    ----------
    value : str
        One cell's text.

    Returns
    -------
    str
        The text to write.
    """
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are passed through :func:`neutralise_text`.

    Numeric, boolean and missing cells are kept as they are, and a frame without
    any dangerous cell is returned unchanged (the same object), so normal outputs
    keep their bytes.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table about to be written for people to open.

    Returns
    -------
    pandas.DataFrame
        The safe table.
    """
    changed: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        risky = _starts_with_trigger(column)
        if risky.any():
            changed[name] = column.where(~risky, column[risky].map(neutralise_text))
    if not changed:
        return frame
    safe = frame.copy()
    for name, column in changed.items():
        safe[name] = column
    return safe


def _starts_with_trigger(column: pd.Series) -> pd.Series:
    """Whether each cell is text starting with a formula trigger (vectorised)."""
    try:
        starts = column.str.startswith(FORMULA_TRIGGERS, na=False)
    except AttributeError:  # no text in the column at all
        return pd.Series(False, index=column.index)
    return starts.fillna(False).astype(bool)
