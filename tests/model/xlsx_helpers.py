"""Writing test workbooks as Excel users have them (typed cells, merged headers, formulas)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def write_workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]],
                   merged: Mapping[str, str] | None = None) -> Path:
    """Write ``sheets`` (name -> rows of typed values); ``merged`` maps sheet -> range."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        if merged and name in merged:
            sheet.merge_cells(merged[name])
    book.save(path)
    return path


def save_formula_values(path: Path, values: Mapping[str, str]) -> None:
    """Add Excel's saved value to formula cells (openpyxl writes formulas without one).

    ``values`` maps a cell reference (``E2``) to the value Excel would have saved.
    """
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    for name, data in contents.items():
        if not name.startswith("xl/worksheets/sheet"):
            continue
        text = data.decode("utf-8")
        for reference, value in values.items():
            text = re.sub(rf'(<c r="{reference}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                          rf"\1\2<v>{value}</v>", text)
        contents[name] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
