"""Template tables for planners, built from the schemas of :mod:`allocator.model.schema`.

An XLSX template has the table's sheet (named after the table, header row
only, a comment on each header cell with its Chinese and English meaning, and
data validation: lists for choice and boolean columns, whole numbers for
integer columns) and a second sheet ``columns`` describing every column. The
loader reads the sheet named after the table, so a filled-in template is read
as it is. A CSV template is the header row (UTF-8 with a BOM, so Excel shows
Chinese) plus ``columns.csv`` with the same descriptions.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from allocator.model.headers import column_letter
from allocator.model.schema import APPLICANTS, SCHOOLS, Column, TableSchema

TEMPLATE_TABLES: tuple[TableSchema, ...] = (SCHOOLS, APPLICANTS)
#: Rows of the data sheet that carry data validation.
VALIDATED_ROWS = 100_000
BOOLEAN_CHOICES: tuple[str, ...] = ("true", "false")
REQUIREMENT_TEXT = {"always": "required 必填", "spatial": "required except under 'explicit' 必填",
                    "optional": "optional 选填"}
DESCRIPTION_HEADER: tuple[str, ...] = ("table", "column", "中文名", "含义", "meaning", "required",
                                       "kind", "allowed values")
SETTINGS_TEMPLATE = """\
# Run settings (CONTRACT.md). Fill in name and seed; see docs/input-files.md.
name: my-county-2025
seed: 20250701                  # lottery seed, published for audit (0 to 2**64 - 1)
policy: shanxi-2025             # built-in policy, or a path to a policy YAML in this folder
mechanism: deferred-acceptance
"""


def template_files(kind: str) -> list[str]:
    """Names of the files a template of ``kind`` (``xlsx`` or ``csv``) writes."""
    tables = [f"{schema.name}.{kind}" for schema in TEMPLATE_TABLES]
    extra = ["columns.csv"] if kind == "csv" else []
    return [*tables, *extra, "scenario.yaml"]


def write_template(folder: Path, kind: str = "xlsx") -> list[Path]:
    """Write template tables and settings into ``folder``.

    Parameters
    ----------
    folder : Path
        Created if missing; none of :func:`template_files` may exist in it yet.
    kind : str
        ``xlsx`` (workbooks with descriptions and data validation) or ``csv``.

    Returns
    -------
    list of Path
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for schema in TEMPLATE_TABLES:
        path = folder / f"{schema.name}.{kind}"
        if kind == "xlsx":
            _write_workbook(schema, path)
        else:
            path.write_bytes(_csv_bytes([list(schema.names)]))
        written.append(path)
    if kind == "csv":
        rows = [list(DESCRIPTION_HEADER)] + [
            description_row(schema, column) for schema in TEMPLATE_TABLES
            for column in schema.columns]
        written.append(folder / "columns.csv")
        written[-1].write_bytes(_csv_bytes(rows))
    written.append(folder / "scenario.yaml")
    written[-1].write_text(SETTINGS_TEMPLATE, encoding="utf-8")
    return written


def allowed_values(column: Column) -> tuple[str, ...]:
    """The values a template offers for ``column`` (choices, tags or booleans)."""
    if column.kind == "boolean":
        return BOOLEAN_CHOICES
    return column.choices


def description_row(schema: TableSchema, column: Column) -> list[str]:
    """One row of the column descriptions (see :data:`DESCRIPTION_HEADER`)."""
    label = column.aliases_zh[0] if column.aliases_zh else ""
    values = ", ".join(allowed_values(column))
    if column.minimum is not None:
        values = values or f">= {column.minimum:g}"
    return [schema.name, column.name, label, column.description_zh, column.description_en,
            REQUIREMENT_TEXT[column.required], column.kind, values]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _write_workbook(schema: TableSchema, path: Path) -> None:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = schema.name
    for position, column in enumerate(schema.columns):
        cell = sheet.cell(row=1, column=position + 1, value=column.name)
        cell.font = Font(bold=True)
        row = description_row(schema, column)
        cell.comment = Comment(f"{row[2]}：{row[3]}\n{row[4]}\n{row[5]}", "allocator",
                               width=320, height=120)
        sheet.column_dimensions[column_letter(position)].width = max(12, len(column.name) + 4)
        _add_validation(sheet, column, column_letter(position))
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("columns")
    notes.append(list(DESCRIPTION_HEADER))
    for column in schema.columns:
        notes.append(description_row(schema, column))
    book.save(path)


def _add_validation(sheet, column: Column, letter: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    cells = f"{letter}2:{letter}{VALIDATED_ROWS + 1}"
    values = allowed_values(column)
    if values and column.kind != "list":
        rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                              allow_blank=True, showErrorMessage=True,
                              errorTitle=column.name, error=", ".join(values))
    elif column.kind == "integer":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual",
                              formula1=f"{column.minimum or 0:g}", allow_blank=True,
                              showErrorMessage=True, errorTitle=column.name,
                              error="a whole number 整数")
    else:
        return
    rule.add(cells)
    sheet.add_data_validation(rule)
