"""``allocator template DIR``: templates with every column, meanings and validation."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.model.schema import APPLICANTS, SCHOOLS  # noqa: E402


def test_xlsx_template_has_every_column_meanings_and_validation(tmp_path):
    import openpyxl

    outcome = helpers.run_cli("template", tmp_path / "t")
    assert outcome.exit_code == 0, outcome.stderr
    for schema in (SCHOOLS, APPLICANTS):
        book = openpyxl.load_workbook(tmp_path / "t" / f"{schema.name}.xlsx")
        assert book.sheetnames == [schema.name, "columns"]
        sheet = book[schema.name]
        header = [cell.value for cell in sheet[1]]
        assert header == list(schema.names)
        for cell, column in zip(sheet[1], schema.columns, strict=True):
            assert column.description_zh and column.description_zh in cell.comment.text
            assert column.description_en in cell.comment.text
        lists = {rule.formula1 for rule in sheet.data_validations.dataValidation
                 if rule.type == "list"}
        assert {'"primary,junior"', '"true,false"'} <= lists
        notes = list(book["columns"].iter_rows(values_only=True))
        assert [row[1] for row in notes[1:]] == list(schema.names)
    applicants = openpyxl.load_workbook(tmp_path / "t" / "applicants.xlsx")["applicants"]
    rules = {rule.formula1 for rule in applicants.data_validations.dataValidation}
    assert '"mainstream,special_school,home_teaching"' in rules


def test_filled_in_xlsx_template_runs(tmp_path):
    import openpyxl

    assert helpers.run_cli("template", tmp_path / "t").exit_code == 0
    for name, rows in (("schools", helpers.ladder_schools()),
                       ("applicants", helpers.ladder_applicants())):
        path = tmp_path / "t" / f"{name}.xlsx"
        book = openpyxl.load_workbook(path)
        sheet = book[name]
        header = [cell.value for cell in sheet[1]]
        for row in rows:
            sheet.append([row.get(column) if row.get(column) != "" else None
                          for column in header])
        book.save(path)
    outcome = helpers.run_cli("run", tmp_path / "t", "--out", tmp_path / "out", "-q",
                              "--no-reports")
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning" not in outcome.stderr


def test_csv_template_and_column_descriptions(tmp_path):
    outcome = helpers.run_cli("template", tmp_path / "t", "--format", "csv")
    assert outcome.exit_code == 0
    header = (tmp_path / "t" / "applicants.csv").read_text(encoding="utf-8-sig").strip()
    assert header.split(",") == list(APPLICANTS.names)
    with (tmp_path / "t" / "columns.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(SCHOOLS.columns) + len(APPLICANTS.columns)
    capacity = next(row for row in rows if row["column"] == "capacity")
    assert capacity["中文名"] == "招生计划" and capacity["meaning"].startswith("seats")


def test_template_never_replaces_a_file(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "schools.xlsx").write_bytes(b"the planner's own workbook")
    outcome = helpers.run_cli("template", folder)
    assert outcome.exit_code == 2
    assert "schools.xlsx" in outcome.stderr and "nothing was written" in outcome.stderr
    assert sorted(path.name for path in folder.iterdir()) == ["schools.xlsx"]
    assert (folder / "schools.xlsx").read_bytes() == b"the planner's own workbook"
