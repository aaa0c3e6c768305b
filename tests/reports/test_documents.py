"""report.xlsx, the disclosure files and reproducibility of a run folder with reports."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer

SHEETS_AND_CSVS = {"schools": "schools.csv", "assignments": "assignments.csv",
                   "ledger": "ledger.csv", "surplus plan": "surplus_plan.csv"}


def sheet_rows(workbook, name: str) -> list[list]:
    return [list(row) for row in workbook[name].iter_rows(values_only=True)]


def same_cell(cell, text: str) -> bool:
    """An xlsx cell equals a CSV field (numbers compared as numbers, empty as None)."""
    if cell is None:
        return text == ""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return text != "" and math.isclose(float(text), float(cell), rel_tol=1e-12)
    return str(cell) == text


def test_workbook_opens_and_matches_the_csvs(county_run, county_result):
    # the workbook is the planner's reading of the CSVs: Chinese sheet names and headers,
    # categorical words translated, numbers as typed cells equal to the CSV's numbers
    from allocator.model.vocabulary import (
        CATEGORICAL,
        column_label,
        reason_text,
        sheet_name,
        value_label,
    )
    from allocator.reports.writer import tier_labels

    tiers = tier_labels(county_result, "zh")
    workbook = openpyxl.load_workbook(county_run / "report.xlsx", read_only=True)
    expected = {"summary", "schools", "assignments", "surplus plan", "recommendations",
                "warnings", "ledger", "metrics", "fairness"}
    assert {sheet_name(name, "zh") for name in expected} <= set(workbook.sheetnames)
    for sheet, csv_name in SHEETS_AND_CSVS.items():
        frame = pd.read_csv(county_run / csv_name, dtype=str, keep_default_na=False)
        rows = sheet_rows(workbook, sheet_name(sheet, "zh"))
        labels = [column_label(column, "zh", tiers) for column in frame.columns]
        assert [label.split(" (")[0] for label in rows[0]] == labels, sheet
        assert len(rows) - 1 == len(frame), sheet
        for row, record in zip(rows[1:], frame.itertuples(index=False), strict=True):
            for column, cell, field in zip(frame.columns, row, record, strict=True):
                if column == "reason":
                    field = reason_text(field, "zh", tiers)
                elif column in CATEGORICAL or field in ("True", "False"):
                    field = value_label(field.lower() if field in ("True", "False") else field,
                                        "zh", tiers) if field else ""
                assert same_cell(cell, field), (sheet, column, cell, field)


def test_workbook_has_typed_cells_and_a_frozen_filtered_header(county_run):
    workbook = openpyxl.load_workbook(county_run / "report.xlsx")
    schools = workbook["学校"]
    assert schools.freeze_panes == "A2" and schools.auto_filter.ref.startswith("A1:")
    plan = [cell.value for cell in next(schools.iter_cols(min_col=2, max_col=2))][1:]
    assert all(isinstance(value, int) for value in plan)
    summary = {row[0]: row[1] for row in workbook["概要"].iter_rows(values_only=True)}
    assert isinstance(summary["报名人数"], int) and summary["校验"] == "通过"
    assert not any("." in str(key) and "_" in str(key) for key in summary)  # no JSON paths


def test_disclosure_holds_application_numbers_only(county_run, county_result):
    admitted = pd.read_csv(county_run / "disclosure_admitted.csv", dtype=str,
                           keep_default_na=False)
    assert list(admitted.columns) == ["application_number", "school_id", "status", "tier",
                                      "tier_name", "route", "lottery", "appeal_id"]
    assignments = county_result.assignments
    placed = assignments[assignments["status"] == "placed"]
    listed = assignments[assignments["status"].isin(["placed", "unplaced"])]
    assert sorted(admitted["application_number"]) == sorted(listed["applicant_id"])
    schools = pd.read_csv(county_run / "disclosure.csv", dtype=str, keep_default_na=False)
    forbidden = ("applicant", "id_number", "birth", "lat", "lon", "sibling")
    for frame in (admitted, schools):
        assert not [c for c in frame.columns if any(word in c for word in forbidden)]
    assert {"plan", "catchment_zones", "conditions", "cutoff_tier", "redirected_away",
            "redirected_in"} <= set(schools.columns)
    assert schools["admitted"].astype(int).sum() == len(placed)


def test_an_id_number_like_application_number_is_masked():
    from allocator.reports.disclosure import masked_numbers

    numbers = masked_numbers(pd.Series(["14070220190101123X", "140702-000001"]))
    assert numbers.tolist() == ["**************123X", "140702-000001"]


def test_same_inputs_give_identical_files(county_result, county_run, tmp_path):
    again = write_run(county_result, tmp_path / "zh", extra_writers=[report_writer("zh")])
    for name in ("assignments.csv", "report.html", "report.xlsx", "disclosure.csv",
                 "ledger.csv"):
        assert (again / name).read_bytes() == (county_run / name).read_bytes(), name
    assert "义务教育招生学位分配报告" in (again / "report.html").read_text(encoding="utf-8")


def test_english_report(county_result, tmp_path, monkeypatch):
    monkeypatch.setattr("allocator.reports.page.font_face_css", lambda characters: "")
    written = write_run(county_result, tmp_path / "en", extra_writers=[report_writer("en")])
    page = (written / "report.html").read_text(encoding="utf-8")
    assert "Compulsory-school admission" in page and "Seat ledger by round" in page
    assert "学位台账" not in page


def test_the_font_subset_cache_gives_the_bytes_of_a_fresh_subset(tmp_path, monkeypatch):
    # report.html embeds a subset of the CJK font; subsetting costs seconds, so subsets are
    # cached on disk. A cached subset must be byte-identical to a fresh one (reports are
    # byte-identical run to run), and a second report must not subset again.
    from allocator.reports import page

    pytest.importorskip("noto_cjk_sans_otc")
    monkeypatch.setenv("ALLOCATOR_CACHE_DIR", str(tmp_path / "cache"))
    characters = "".join(sorted(set("城关第一小学招生计划")))
    first = page._cached_subset(characters)
    assert list((tmp_path / "cache" / "font-subsets").glob("*.b64"))

    def must_not_subset(*args):
        raise AssertionError("subset again instead of reading the cache")

    fresh = page._subset_base64(characters, str(__import__("noto_cjk_sans_otc").FONT_PATH))
    monkeypatch.setattr(page, "_subset_base64", must_not_subset)
    assert page._cached_subset(characters) == first == fresh
