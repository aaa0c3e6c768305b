"""Empty and degenerate inputs: a valid run or a clear input error, never exit 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

APPLICANT_COLUMNS = list(helpers.ladder_applicants()[0])
SCHOOL_COLUMNS = list(helpers.ladder_schools()[0])


def run(folder: Path, out: Path, *extra: str) -> helpers.CliOutcome:
    return helpers.run_cli("run", folder, "--out", out, "-q", *extra)


@pytest.mark.parametrize("mechanism", ["deferred-acceptance", "immediate-acceptance",
                                       "min-cost-flow"])
def test_header_only_roster_is_a_valid_run(tmp_path, mechanism):
    # Issue 9: exit 1 with "zero-size array to reduction operation maximum".
    folder = helpers.write_ladder(tmp_path / "s", applicants=[],
                                  applicant_columns=APPLICANT_COLUMNS)
    outcome = run(folder, tmp_path / "out", "--mechanism", mechanism)
    assert outcome.exit_code == 0, outcome.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["applicants"] == 0
    assert summary["counts"]["surplus_seats"] == 5
    assert summary["verification"]["passed"]
    assert (tmp_path / "out" / "assignments.csv").read_text(encoding="utf-8").count("\n") == 1


def test_header_only_schools_is_a_clear_error(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s", schools=[], school_columns=SCHOOL_COLUMNS,
                                  applicants=[], applicant_columns=APPLICANT_COLUMNS)
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "schools.csv::: the table has no rows: a scenario needs at least one school"]
    assert not (tmp_path / "out").exists()


def test_empty_file_is_a_clear_error(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s", applicants=b"")
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "applicants.csv::: the file is empty; the first line must hold the column names"]


def test_county_with_no_schools_is_a_clear_error(tmp_path):
    applicants = helpers.ladder_applicants()
    applicants[0].update(county="ELSEWHERE", hukou_zone="", property_zone="",
                         residence_zone="")
    outcome = run(helpers.write_ladder(tmp_path / "s", applicants=applicants), tmp_path / "o")
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "applicants.csv:2:county: county 'ELSEWHERE' has no school in schools.csv"]


def test_school_with_plan_zero_runs(tmp_path):
    # (with classes left at 1, a certified child may still be placed there up to the
    # class-size ceiling, as the policy allows; with no class, nobody is)
    schools = helpers.ladder_schools()
    schools[0].update(capacity=0, classes=0)
    outcome = run(helpers.write_ladder(tmp_path / "s", schools=schools), tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    rows = (tmp_path / "out" / "assignments.csv").read_text(encoding="utf-8").splitlines()
    assert not any(",A," in row for row in rows[1:])


def test_stage_with_no_applicants_runs(tmp_path):
    schools = [*helpers.ladder_schools(),
               {"school_id": "J", "county": "T", "stage": "junior", "capacity": 50,
                "classes": 1, "zones": "Z1"}]
    outcome = run(helpers.write_ladder(tmp_path / "s", schools=schools), tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr


def test_applicants_of_a_stage_without_schools_run_unplaced(tmp_path):
    applicants = helpers.ladder_applicants()
    applicants[3]["stage"] = "junior"
    outcome = run(helpers.write_ladder(tmp_path / "s", applicants=applicants), tmp_path / "o")
    assert outcome.exit_code == 0, outcome.stderr
    row = [line for line in (tmp_path / "o" / "assignments.csv").read_text(
        encoding="utf-8").splitlines() if line.startswith("p4,")]
    assert ",unplaced," in row[0]
