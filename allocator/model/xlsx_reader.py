"""Reading an XLSX table as users have it, with openpyxl's own cell types.

- The sheet: the only one, or the one named after the table (``applicants``);
  a workbook with several sheets and none so named is refused.
- Cells: dates become ``YYYY-MM-DD`` (a date-time with a time of day keeps it,
  and is refused by a date column), whole numbers lose the ``.0``, booleans
  become ``true``/``false``; text is trimmed.
- Formulas: read as the value Excel saved with the file; a formula cell
  without a saved value (a file written by a program and never opened in
  Excel) or holding an error (``#N/A``) is refused naming the cell, never read
  as empty.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.model.headers import column_letter
from allocator.model.problems import ProblemCollector

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!"})
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[ >/]")


def read_xlsx(path: Path, table: str, problems: ProblemCollector,
              ) -> tuple[pd.DataFrame, list[Any]] | None:
    """Read the table's sheet: (cells as text, header cells), or None when refused.

    Parameters
    ----------
    path : Path
        The workbook.
    table : str
        The table's base name (``schools``), which names the sheet to read when
        the workbook has several.
    problems : ProblemCollector
        Receives every refused cell or sheet.
    """
    import openpyxl

    file = path.name
    values_book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet_name = _choose_sheet(values_book.sheetnames, table, file, problems)
        if sheet_name is None:
            return None
        rows = [list(row) for row in values_book[sheet_name].iter_rows(values_only=True)]
    finally:
        values_book.close()
    rows = _without_trailing_empty_rows(rows)
    if not rows:
        problems.add(file, None, None, f"sheet '{sheet_name}' is empty; the first row must "
                                       "hold the column names")
        return None
    width = max(len(row) for row in rows)
    rows = [list(row) + [None] * (width - len(row)) for row in rows]
    if _has_formulas(path):
        _check_formulas(path, sheet_name, rows, file, problems)
    header, body = rows[0], rows[1:]
    cells = [[cell_text(value) for value in row] for row in body]
    frame = pd.DataFrame(cells, columns=range(width), dtype=object) if cells else \
        pd.DataFrame({position: pd.Series([], dtype=object) for position in range(width)})
    return frame, header


def cell_text(value: Any) -> str:
    """The text of one cell as the validator reads it (empty string = missing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _choose_sheet(names: list[str], table: str, file: str,
                  problems: ProblemCollector) -> str | None:
    if len(names) == 1:
        return names[0]
    named = [name for name in names if name.strip().lower() == table.lower()]
    if len(named) == 1:
        return named[0]
    problems.add(file, None, None,
                 f"the workbook has {len(names)} sheets ({', '.join(names)}) and none is "
                 f"named '{table}': name the sheet holding the table '{table}', or keep only "
                 "that sheet")
    return None


def _without_trailing_empty_rows(rows: list[list[Any]]) -> list[list[Any]]:
    end = len(rows)
    while end and all(value is None or str(value).strip() == "" for value in rows[end - 1]):
        end -= 1
    return rows[:end]


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet of the file holds a formula (``<f>`` element)."""
    with zipfile.ZipFile(path) as archive:
        return any(_FORMULA_ELEMENT.search(archive.read(name))
                   for name in archive.namelist()
                   if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _check_formulas(path: Path, sheet_name: str, rows: list[list[Any]], file: str,
                    problems: ProblemCollector) -> None:
    """Refuse formula cells without a saved value, or whose saved value is an error."""
    import openpyxl

    formula_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = formula_book[sheet_name]
        for row_number, row in enumerate(sheet.iter_rows(max_row=len(rows)), start=1):
            for position, cell in enumerate(row):
                formula = cell.value
                if not (isinstance(formula, str) and formula.startswith("=")):
                    continue
                saved = rows[row_number - 1][position]
                reference = f"{column_letter(position)}{row_number}"
                column = _column_name(rows[0], position)
                if saved is None:
                    problems.add(file, row_number, column,
                                 f"cell {reference} holds a formula without a saved value; "
                                 "open and save the file in Excel, or paste values",
                                 kind="formula without value")
                elif isinstance(saved, str) and saved in EXCEL_ERRORS:
                    problems.add(file, row_number, column,
                                 f"cell {reference} holds a formula whose value is the error "
                                 f"{saved}", kind="formula error")
    finally:
        formula_book.close()


def _column_name(header: list[Any], position: int) -> str:
    name = header[position] if position < len(header) else None
    text = "" if name is None else str(name).strip()
    return text or column_letter(position)
