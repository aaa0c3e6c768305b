"""Spreadsheet formula injection: no publication or report cell is a live formula.

A roster whose application numbers, school name and zone ids start with ``=``, ``+``,
``-`` and ``@`` runs with the reports; every cell of every publication and report
CSV, of the workbook and of a comparison is then either safe text, a number, or
neutralised with a leading ``'``. The contract's files keep the ids exactly.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from allocator.pipeline.cell_safety import neutralise_frame, neutralise_text
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer
from allocator.scenarios.compare import compare_runs, write_comparison

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

HOSTILE_IDS = {"a1": "=1+2", "a3": "@SUM(A1)", "a4": "@a4", "a5": "-a5", "a6": "+86 139"}
HOSTILE_NAME = '=HYPERLINK("http://x.example","点击")'
REPORT_FILES = ("disclosure.csv", "disclosure_admitted.csv", "disclosure_counts.csv",
                "ledger.csv", "surplus_plan.csv", "metrics.csv", "public_notice_schools.csv",
                "public_notice_admitted.csv", "public_notice_counts.csv")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def live_formula(cell: str) -> bool:
    """Whether a spreadsheet would run ``cell`` (text, not a number, starting with a trigger)."""
    return bool(cell) and cell[0] in "=+-@\t\r" and not _NUMBER.fullmatch(cell)


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+2", "'=1+2"), ("+86 139", "'+86 139"), ("-a5", "'-a5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\r=1", "'\r=1"), ("-1.5", "-1.5"), ("+3", "+3"), ("1e-05", "1e-05"),
    ("-", "'-"), ("a=1", "a=1"), ("", ""), ("实验小学", "实验小学")])
def test_neutralise_text(text, expected):
    assert neutralise_text(text) == expected


def test_a_safe_frame_is_returned_unchanged_and_numbers_are_never_touched():
    safe = pd.DataFrame({"id": ["a", "b"], "value": [-1.5, 2.0]})
    assert neutralise_frame(safe) is safe
    risky = pd.DataFrame({"id": ["=x", "b"], "value": [-1.5, -2.0], "n": [-1, 3]})
    out = neutralise_frame(risky)
    assert out["id"].tolist() == ["'=x", "b"]
    assert out["value"].tolist() == [-1.5, -2.0] and out["n"].tolist() == [-1, 3]
    assert risky["id"].tolist() == ["=x", "b"]  # the input is not mutated


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> tuple[Path, Path]:
    folder = helpers.copy_tiny(tmp_path_factory.mktemp("hostile") / "scenario")
    applicants = pd.read_csv(folder / "applicants.csv", dtype=str, keep_default_na=False)
    applicants["applicant_id"] = applicants["applicant_id"].replace(HOSTILE_IDS)
    for column in ("hukou_zone", "property_zone", "residence_zone"):
        applicants[column] = applicants[column].replace({"Z3": "-Z3"})
    applicants.to_csv(folder / "applicants.csv", index=False, lineterminator="\n")
    schools = pd.read_csv(folder / "schools.csv", dtype=str, keep_default_na=False)
    schools.loc[0, "name"] = HOSTILE_NAME
    schools["zones"] = schools["zones"].str.replace("Z3", "-Z3")
    schools.to_csv(folder / "schools.csv", index=False, lineterminator="\n")
    result = run_scenario(folder)
    run = write_run(result, tmp_path_factory.mktemp("run") / "run",
                    extra_writers=[report_writer("en")])
    return folder, run


def test_every_publication_and_report_csv_is_neutralised(hostile_run):
    _, run = hostile_run
    for name in REPORT_FILES:
        rows = list(csv.reader(io.StringIO((run / name).read_text(encoding="utf-8-sig"))))
        live = [cell for row in rows for cell in row if live_formula(cell)]
        assert live == [], name
    admitted = (run / "disclosure_admitted.csv").read_text(encoding="utf-8")
    assert "'=1+2" in admitted and "'@SUM(A1)" in admitted
    assert HOSTILE_NAME.replace('"', '""') in (run / "disclosure.csv").read_text(
        encoding="utf-8")  # kept, behind its quote mark


def test_every_workbook_text_cell_is_neutralised(hostile_run):
    _, run = hostile_run
    workbook = openpyxl.load_workbook(run / "report.xlsx")
    found = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and live_formula(cell.value):
                    found.append((sheet.title, cell.coordinate, cell.value))
    assert found == []
    assert "'=1+2" in [row[0] for row in workbook["assignments"].iter_rows(values_only=True)]


def test_the_contract_files_keep_the_ids_exactly(hostile_run):
    """assignments.csv is data: the ids must join with the roster (documented choice)."""
    folder, run = hostile_run
    roster = pd.read_csv(folder / "applicants.csv", dtype=str, keep_default_na=False)
    assignments = pd.read_csv(run / "assignments.csv", dtype=str, keep_default_na=False)
    assert assignments["applicant_id"].tolist() == roster["applicant_id"].tolist()


def test_a_comparison_is_neutralised(hostile_run, tmp_path):
    folder, run = hostile_run
    schools = pd.read_csv(folder / "schools.csv", dtype=str, keep_default_na=False)
    schools.loc[schools["school_id"] == "D", "capacity"] = "2"
    schools.to_csv(folder / "schools.csv", index=False, lineterminator="\n")
    other = write_run(run_scenario(folder), tmp_path / "other")
    written = write_comparison(compare_runs([run, other]), tmp_path / "comparison")
    assert "'@a4" in (tmp_path / "comparison" / "movers.csv").read_text(encoding="utf-8")
    for path in written:
        if path.suffix != ".csv":
            continue
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert [cell for row in rows for cell in row if live_formula(cell)] == [], path.name
