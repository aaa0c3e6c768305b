"""A small, fast and reproducible XLSX writer (Office Open XML, SpreadsheetML).

openpyxl writes about 6,000 cells a second; this writer builds the sheet XML
with string joins (about a million cells a second), writes no timestamps and
fixes every zip entry's date, so the same tables give a byte-identical file.
Numbers are written as numbers, everything else as inline strings, missing
values as empty cells. Inline strings are never evaluated, and text a spreadsheet
would still treat as a formula once edited (``=``, ``+``, ``-``, ``@``, tab, CR
first) gets a leading ``'`` (:mod:`allocator.pipeline.cell_safety`). The result
opens in Excel, LibreOffice and openpyxl.
"""

from __future__ import annotations

import zipfile
from html import escape as _html_escape
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.pipeline.cell_safety import neutralise_text

_FIXED_DATE = (2025, 1, 1, 0, 0, 0)
_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ILLEGAL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])
#: Cells that escaping, dropping illegal characters or neutralising a formula would change.
_NEEDS_CLEANING = r"[<>&\x00-\x08\x0b\x0c\x0e-\x1f]|^[=+\-@\t\r]"


def escape(text: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` as entities (plus ``entities``), like ``xml.sax.saxutils.escape``.

    ``xml.sax.saxutils`` imports ``urllib.request`` and so ``http`` and ``ssl``: about a
    tenth of a second of every run with reports, for three replacements.
    """
    escaped = _html_escape(text, quote=False)
    for character, entity in (entities or {}).items():
        escaped = escaped.replace(character, entity)
    return escaped


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _string_cells(values: pd.Series, letter: str, rows: np.ndarray) -> np.ndarray:
    strings = values.astype(object).where(values.notna(), "").astype(str)
    # plain lists: iterating an Arrow-backed string column or numpy integers is ~5x slower
    text = strings.tolist()
    # only cells with markup, control characters or a formula's first character change
    touched = strings.str.contains(_NEEDS_CLEANING, regex=True).tolist()
    cleaned = [escape(neutralise_text(value).translate(_ILLEGAL)) if change else value
               for value, change in zip(text, touched, strict=True)]
    return np.array([f'<c r="{letter}{row}" t="inlineStr"><is><t xml:space="preserve">{value}'
                     '</t></is></c>' if value else "" for value, row in
                     zip(cleaned, rows.tolist(), strict=True)], dtype=object)


def _number_cells(values: pd.Series, letter: str, rows: np.ndarray) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").astype(np.float64).to_numpy()
    is_integer = np.isfinite(numbers) & (numbers == np.round(numbers))
    finite = np.isfinite(numbers).tolist()
    text = [repr(int(v)) if whole else repr(v) for v, whole in
            zip(numbers.tolist(), is_integer.tolist(), strict=True)]
    return np.array([f'<c r="{letter}{row}"><v>{value}</v></c>' if shown else ""
                     for value, shown, row in zip(text, finite, rows.tolist(), strict=True)],
                    dtype=object)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool)


def _mixed_cells(values: pd.Series, letter: str, rows: np.ndarray) -> np.ndarray:
    """Numbers as number cells, everything else as text cells, value by value."""
    numeric = values.map(_is_number).to_numpy(dtype=bool)
    cells = _string_cells(values.where(~numeric, None), letter, rows)
    if numeric.any():
        cells[numeric] = _number_cells(values[numeric], letter, rows[numeric])
    return cells


def sheet_xml(frame: pd.DataFrame) -> str:
    """The worksheet XML of ``frame`` (a header row, then one row per record)."""
    rows = np.arange(2, len(frame) + 2)
    header = "".join(f'<c r="{column_letter(i)}1" t="inlineStr"><is><t>{escape(str(name))}'
                     '</t></is></c>' for i, name in enumerate(frame.columns))
    columns = []
    for i, name in enumerate(frame.columns):
        values = frame[name]
        numeric = (pd.api.types.is_numeric_dtype(values)
                   and not pd.api.types.is_bool_dtype(values))
        builder = _number_cells if numeric else _string_cells
        if values.dtype == object and values.map(_is_number).any():
            builder = _mixed_cells  # e.g. a summary sheet: counts next to words
        columns.append(builder(values, column_letter(i), rows))
    body = ["<row r=\"1\">" + header + "</row>"]
    for position, row in enumerate(rows):
        cells = "".join(column[position] for column in columns)
        body.append(f'<row r="{row}">{cells}</row>')
    last = f"{column_letter(max(len(frame.columns) - 1, 0))}{len(frame) + 1}"
    # frozen header row, a filter on every column, widths that fit the text
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>')
    widths = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{width}" customWidth="1"/>'
                     for i, width in enumerate(_widths(frame)))
    cols = f"<cols>{widths}</cols>" if widths else ""
    autofilter = f'<autoFilter ref="A1:{last}"/>' if len(frame.columns) else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NAMESPACE}">{view}{cols}<sheetData>{"".join(body)}'
            f'</sheetData>{autofilter}</worksheet>')


def _display_width(value: str) -> int:
    """Width in character cells: a CJK character takes two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in value)


def _widths(frame: pd.DataFrame, sample: int = 500, widest: int = 60) -> list[int]:
    """Column widths from the header and the first ``sample`` values."""
    widths = []
    for position, name in enumerate(frame.columns):
        values = [str(value) for value in frame.iloc[:sample, position].tolist()]
        longest = max([_display_width(str(name)), *map(_display_width, values)])
        widths.append(min(widest, longest + 2))
    return widths


def write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` (name -> frame, in order) to ``path``."""
    names = [name[:31] for name in sheets]
    parts = {"[Content_Types].xml": _content_types(len(names)), "_rels/.rels": _root_rels(),
             "xl/workbook.xml": _workbook(names), "xl/_rels/workbook.xml.rels":
             _workbook_rels(len(names))}
    for number, frame in enumerate(sheets.values(), 1):
        parts[f"xl/worksheets/sheet{number}.xml"] = sheet_xml(frame)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'{sheets}</Types>')


def _root_rels() -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def _workbook(names: list[str]) -> str:
    sheets = "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" '
                     f'r:id="rId{n}"/>' for n, name in enumerate(names, 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NAMESPACE}" xmlns:r="{_RELATIONSHIPS}">'
            f'<sheets>{sheets}</sheets></workbook>')


def _workbook_rels(count: int) -> str:
    relations = "".join(f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
                        f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, count + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">{relations}</Relationships>')
