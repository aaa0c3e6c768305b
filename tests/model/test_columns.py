"""Every column accounted for: near-misses refused with "did you mean", the rest warned."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.model.headers import closest_column, edit_distance  # noqa: E402
from allocator.model.schema import APPLICANTS, SCHOOLS  # noqa: E402


def renamed(rows: list[dict], old: str, new: str) -> list[dict]:
    return [{(new if key == old else key): value for key, value in row.items()} for row in rows]


def test_misspelt_hukou_zone_in_the_demo_county_is_refused(tmp_path):
    # The report of issue 9: 'hukou_zon' validated and 350 children changed school.
    folder = tmp_path / "demo"
    helpers.shutil.copytree(helpers.REPO / "scenarios" / "demo-county", folder)
    path = folder / "applicants.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("hukou_zone", "hukou_zon", 1), encoding="utf-8")
    outcome = helpers.run_cli("validate", folder)
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "applicants.csv:1:hukou_zon: unknown column 'hukou_zon': did you mean 'hukou_zone'? "
        "Headers are compared exactly (after trimming spaces); rename it, or the column would "
        "be silently ignored"]


@pytest.mark.parametrize("header, meant", [
    ("hukou_zon", "hukou_zone"), ("Hukou_Zone", "hukou_zone"), ("hukou zone", "hukou_zone"),
    ("HUKOU-ZONE", "hukou_zone"), ("birth_dtae", "birth_date"), ("prefrences", "preferences"),
    ("报名号", "applicant_id"), ("出生日期", "birth_date"), ("Applicant ID", "applicant_id"),
])
def test_near_misses_of_applicant_columns(header, meant):
    assert closest_column(header, APPLICANTS) == meant


@pytest.mark.parametrize("header, meant", [
    ("学校编号", "school_id"), ("招生计划", "capacity"), ("capacty", "capacity"),
    ("Capacity", "capacity"), ("zone", "zones"), ("Lat", "lat"),
])
def test_near_misses_of_school_columns(header, meant):
    assert closest_column(header, SCHOOLS) == meant


@pytest.mark.parametrize("header", ["notes", "remarks", "备注", "comment", "phone", "address"])
def test_columns_far_from_every_known_one_are_not_near_misses(header):
    assert closest_column(header, SCHOOLS) is None
    assert closest_column(header, APPLICANTS) is None


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("birth_dtae", "birth_date") == 1
    assert edit_distance("lat", "lon") == 2
    assert edit_distance("", "abc") == 3


def test_chinese_header_is_refused_with_did_you_mean(tmp_path):
    schools = renamed(helpers.ladder_schools(), "capacity", "招生计划")
    outcome = helpers.run_cli("validate", helpers.write_ladder(tmp_path / "s", schools=schools))
    assert outcome.exit_code == 2
    lines = outcome.problem_lines()
    assert "schools.csv:1:capacity: required column is missing" in lines
    assert any(line.startswith("schools.csv:1:招生计划: unknown column '招生计划': did you mean "
                               "'capacity'?") for line in lines)


def test_unknown_column_is_a_warning_in_the_terminal_and_summary(tmp_path):
    applicants = [dict(row, remarks="called twice") for row in helpers.ladder_applicants()]
    folder = helpers.write_ladder(tmp_path / "s", applicants=applicants)
    validated = helpers.run_cli("validate", folder)
    assert validated.exit_code == 0
    warning = ("applicants.csv:1:remarks: column is not part of the data contract and is not "
               "read")
    assert f"warning: {warning}" in validated.stderr.splitlines()
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "out", "--no-reports", "-q")
    assert outcome.exit_code == 0
    assert f"warning: {warning}" in outcome.stderr.splitlines()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["warnings"] == [warning]
    assert "verification" in summary and "counts" in summary


def test_personal_and_portal_columns_are_ignored_without_warning(tmp_path):
    applicants = [dict(row, name="王小明", national_id="", verified="true", Name="x")
                  for row in helpers.ladder_applicants()]
    folder = helpers.write_ladder(tmp_path / "s", applicants=applicants)
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "out", "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning" not in outcome.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["warnings"] == []


def test_csv_headers_differing_only_by_spaces_are_refused_naming_both(tmp_path):
    text = helpers.csv_text(helpers.ladder_schools())
    header, rest = text.split("\n", 1)
    rows = rest.strip("\n").split("\n")
    text = header + ", capacity \n" + "\n".join(row + ",9" for row in rows) + "\n"
    outcome = helpers.run_cli("run", helpers.write_ladder(tmp_path / "s", schools=text),
                              "--out", tmp_path / "out")
    assert outcome.exit_code == 2
    assert any(line.startswith("schools.csv:1:capacity: column 'capacity' appears more than "
                               "once: columns F and L") for line in outcome.problem_lines()), \
        outcome.stderr
    assert not (tmp_path / "out").exists()


def test_an_empty_header_cell_over_data_is_refused_and_an_empty_column_dropped(tmp_path):
    text = helpers.csv_text(helpers.ladder_schools())
    lines = text.strip("\n").split("\n")
    dropped = "\n".join(line + "," for line in lines) + "\n"  # a trailing empty column
    folder = helpers.write_ladder(tmp_path / "ok", schools=dropped)
    assert helpers.run_cli("validate", folder).exit_code == 0
    with_data = "\n".join([lines[0] + ","] + [line + ",x" for line in lines[1:]]) + "\n"
    folder = helpers.write_ladder(tmp_path / "bad", schools=with_data)
    outcome = helpers.run_cli("validate", folder)
    assert outcome.exit_code == 2
    assert outcome.problem_lines()[0].startswith("schools.csv:1:L1: header cell L1 has no name")
