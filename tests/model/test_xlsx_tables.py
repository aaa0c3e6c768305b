"""XLSX tables as Excel users have them: typed cells, merged headers, formulas, sheets."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402
from xlsx_helpers import save_formula_values, write_workbook  # noqa: E402


def typed_applicant_rows() -> list[list]:
    """The ladder applicants with native Excel types: dates, booleans, numbers."""
    rows = helpers.ladder_applicants()
    header = list(rows[0])
    table: list[list] = [header]
    for row in rows:
        cells = []
        for column in header:
            value = row[column]
            if column in ("birth_date", "hukou_since") and value:
                value = dt.datetime.fromisoformat(value)  # what openpyxl reads from a date cell
            elif column == "hukou_city":
                value = {"true": True, "false": False}.get(value)
            elif value == "":
                value = None
            cells.append(value)
        table.append(cells)
    return table


def school_rows() -> list[list]:
    rows = helpers.ladder_schools()
    header = list(rows[0])
    return [header] + [[row[column] for column in header] for row in rows]


def xlsx_scenario(folder: Path, applicants: dict | None = None, schools: dict | None = None,
                  merged: dict | None = None) -> Path:
    helpers.write_ladder(folder)
    if applicants is not None:
        (folder / "applicants.csv").unlink()
        write_workbook(folder / "applicants.xlsx", applicants, merged)
    if schools is not None:
        (folder / "schools.csv").unlink()
        write_workbook(folder / "schools.xlsx", schools)
    return folder


def run(folder: Path, out: Path) -> helpers.CliOutcome:
    return helpers.run_cli("run", folder, "--out", out, "--no-reports", "-q")


def test_date_boolean_and_number_cells_are_read_natively(tmp_path):
    folder = xlsx_scenario(tmp_path / "x", applicants={"applicants": typed_applicant_rows()},
                           schools={"schools": school_rows()})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    reference = run(helpers.write_ladder(tmp_path / "csv"), tmp_path / "out-csv")
    assert reference.exit_code == 0
    assert (tmp_path / "out" / "assignments.csv").read_bytes() == (
        tmp_path / "out-csv" / "assignments.csv").read_bytes()
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert '"applicants.xlsx": "xlsx"' in manifest


def test_a_merged_header_cell_over_data_is_refused_naming_the_cell(tmp_path):
    rows = school_rows()
    position = rows[0].index("lon")
    rows[0][position - 1] = "位置"  # the planner's merged "position" header over lat and lon
    rows[0][position] = None
    folder = xlsx_scenario(tmp_path / "x", schools={"schools": rows})
    (folder / "schools.xlsx").unlink()
    letter = "ABCDEFGHIJKLMNOP"[position]
    write_workbook(folder / "schools.xlsx", {"schools": rows},
                   merged={"schools": f"{'ABCDEFGHIJKLMNOP'[position - 1]}1:{letter}1"})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert any(line.startswith(f"schools.xlsx:1:{letter}1: header cell {letter}1 has no name")
               for line in outcome.problem_lines()), outcome.stderr
    assert not (tmp_path / "out").exists()


def test_pandas_unnamed_header_is_refused(tmp_path):
    rows = school_rows()
    rows[0][rows[0].index("lon")] = "Unnamed: 9"
    folder = xlsx_scenario(tmp_path / "x", schools={"schools": rows})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert any("has no name" in line and line.startswith("schools.xlsx:1:")
               for line in outcome.problem_lines())


def test_formula_without_saved_value_is_refused_naming_the_cell(tmp_path):
    rows = school_rows()
    column = rows[0].index("capacity")
    rows[2][column] = "=1+1"
    folder = xlsx_scenario(tmp_path / "x", schools={"schools": rows})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    letter = "ABCDEFGHIJ"[column]
    assert (f"schools.xlsx:3:capacity: cell {letter}3 holds a formula without a saved value; "
            "open and save the file in Excel, or paste values") in outcome.problem_lines()
    assert not (tmp_path / "out").exists()


def test_formula_is_read_as_its_saved_value(tmp_path):
    rows = school_rows()
    column = rows[0].index("capacity")
    rows[2][column] = "=1+1"
    folder = xlsx_scenario(tmp_path / "x", schools={"schools": rows})
    save_formula_values(folder / "schools.xlsx", {f"{'ABCDEFGHIJ'[column]}3": "2"})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 0, outcome.stderr
    schools = (tmp_path / "out" / "schools.csv").read_text(encoding="utf-8")
    assert "\nB,2," in schools


def test_several_sheets_without_the_table_name_are_refused(tmp_path):
    folder = xlsx_scenario(tmp_path / "x", schools={"Sheet1": school_rows(),
                                                    "notes": [["anything"]]})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "schools.xlsx::: the workbook has 2 sheets (Sheet1, notes) and none is named 'schools': "
        "name the sheet holding the table 'schools', or keep only that sheet"]


def test_the_sheet_named_after_the_table_is_read(tmp_path):
    folder = xlsx_scenario(tmp_path / "x", schools={"notes": [["anything"]],
                                                    "schools": school_rows()})
    assert run(folder, tmp_path / "out").exit_code == 0


def test_header_spaces_are_trimmed_and_duplicates_by_spaces_refused(tmp_path):
    rows = school_rows()
    rows[0] = [f"  {name} " for name in rows[0]]
    folder = xlsx_scenario(tmp_path / "x", schools={"schools": rows})
    assert run(folder, tmp_path / "ok").exit_code == 0
    rows = [row + [row[rows[0].index("  capacity ")]] for row in rows]
    rows[0][-1] = "capacity  "
    (folder / "schools.xlsx").unlink()
    write_workbook(folder / "schools.xlsx", {"schools": rows})
    outcome = run(folder, tmp_path / "out")
    assert outcome.exit_code == 2
    assert any(line.startswith("schools.xlsx:1:capacity: column 'capacity' appears more than "
                               "once: columns F and L") for line in outcome.problem_lines()), \
        outcome.stderr
