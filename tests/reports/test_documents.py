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


def test_workbook_opens_and_matches_the_csvs(county_run):
    workbook = openpyxl.load_workbook(county_run / "report.xlsx", read_only=True)
    expected = {"summary", "schools", "assignments", "surplus plan", "recommendations",
                "warnings", "ledger", "metrics", "fairness"}
    assert expected <= set(workbook.sheetnames)
    for sheet, csv_name in SHEETS_AND_CSVS.items():
        frame = pd.read_csv(county_run / csv_name, dtype=str, keep_default_na=False)
        rows = sheet_rows(workbook, sheet)
        assert rows[0] == list(frame.columns), sheet
        assert len(rows) - 1 == len(frame), sheet
        for row, record in zip(rows[1:], frame.itertuples(index=False), strict=True):
            assert all(same_cell(cell, text) for cell, text in zip(row, record, strict=True)), (
                sheet, row, record)


def test_disclosure_holds_application_numbers_only(county_run, county_result):
    admitted = pd.read_csv(county_run / "disclosure_admitted.csv", dtype=str,
                           keep_default_na=False)
    assert list(admitted.columns) == ["school_id", "application_number", "tier", "route"]
    placed = county_result.assignments[county_result.assignments["status"] == "placed"]
    assert sorted(admitted["application_number"]) == sorted(placed["applicant_id"])
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
