"""``allocator reconcile``: the autumn reconciliation (查漏补缺) of a run.

Two runs are reconciled: a six-child ``explicit`` instance whose every figure is
worked out by hand below, and the bundled demo county (``scenarios/demo-county``)
with a hand-made enrolment list and roll whose figures follow from the run's own
assignments.

The explicit instance (deferred acceptance, priorities as listed):

======  ===========  =====================  =======
school  capacity     priority               placed
======  ===========  =====================  =======
X       1            a1, a2, a5             a1
Y       2            a2, a3                 a2, a3
Z       1            a4, a6                 a4
======  ===========  =====================  =======

a5 (wants X only) and a6 (wants Z only) stay unplaced. The enrolment list:
a1 at X (as placed), a2 at Z (placed at Y: elsewhere), a4 at Z (as placed),
a5 at Y (unplaced, enrolled anyway); a3 (placed at Y) and a6 do not enrol.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

DEMO = helpers.REPO / "scenarios" / "demo-county"


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def by_key(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def reconcile(run: Path, enrolled: Path, out: Path, *extra: str | Path) -> helpers.CliOutcome:
    return helpers.run_cli("reconcile", run, "--enrolled", enrolled, "--out", out, "-q", *extra)


# --------------------------------------------------------------------------- the explicit run


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    scenario = helpers.write_explicit(
        folder / "scenario",
        preferences={"a1": ["X"], "a2": ["X", "Y"], "a3": ["Y"], "a4": ["Z"], "a5": ["X"],
                     "a6": ["Z"]},
        priorities={"X": ["a1", "a2", "a5"], "Y": ["a2", "a3"], "Z": ["a4", "a6"]},
        capacities={"X": 1, "Y": 2, "Z": 1})
    outcome = helpers.run_cli("run", scenario, "--out", folder / "run", "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    placed = {row["applicant_id"]: row["school_id"]
              for row in read_csv(folder / "run" / "assignments.csv")}
    assert placed == {"a1": "X", "a2": "Y", "a3": "Y", "a4": "Z", "a5": "", "a6": ""}
    return folder / "run"


SMALL_ENROLLED = [
    {"applicant_id": "a1", "school_id": "X", "enrolled_on": "2025-09-01"},
    {"applicant_id": "a2", "school_id": "Z", "enrolled_on": "2025-09-01"},
    {"applicant_id": "a4", "school_id": "Z", "enrolled_on": "2025-09-02"},
    {"applicant_id": "a5", "school_id": "Y", "enrolled_on": ""},
]


@pytest.fixture(scope="module")
def small_result(small_run, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("small-out")
    helpers.write_table(folder / "enrolled.csv", SMALL_ENROLLED)
    outcome = reconcile(small_run, folder / "enrolled.csv", folder / "out")
    assert outcome.exit_code == 0, outcome.stderr
    return folder / "out"


def test_each_child_gets_its_status_and_response(small_result):
    children = by_key(read_csv(small_result / "children.csv"), "applicant_id")
    assert {key: (row["status"], row["response"]) for key, row in children.items()} == {
        "a1": ("enrolled_as_placed", "accept"), "a2": ("enrolled_elsewhere", "decline"),
        "a3": ("no_show", "decline"), "a4": ("enrolled_as_placed", "accept"),
        "a5": ("enrolled_unplaced", "decline"), "a6": ("unplaced", "")}
    assert children["a2"]["placed_school_id"] == "Y"
    assert children["a2"]["enrolled_school_id"] == "Z"
    assert children["a4"]["enrolled_on"] == "2025-09-02"


def test_school_figures_match_the_hand_count(small_result):
    schools = by_key(read_csv(small_result / "schools.csv"), "school_id")
    columns = ("capacity", "placed", "enrolled", "enrolled_as_placed", "no_shows",
               "left_for_other_school", "arrived_from_other_school",
               "enrolled_without_placement", "seats_free")
    figures = {school: tuple(int(row[c]) for c in columns) for school, row in schools.items()}
    assert figures == {"X": (1, 1, 1, 1, 0, 0, 0, 0, 0),
                       "Y": (2, 2, 1, 0, 1, 1, 0, 1, 1),
                       "Z": (1, 1, 2, 1, 0, 0, 1, 0, -1)}
    summary = json.loads((small_result / "summary.json").read_text(encoding="utf-8"))
    assert summary["schools"]["over_plan"] == ["Z"]
    assert summary["counts"]["placed"] == 4 and summary["counts"]["enrolled"] == 4
    assert summary["counts"]["by_status"]["no_show"] == 1
    assert summary["responses"] == {"accept": 2, "decline": 3}
    assert summary["roll"] is None


def test_responses_file_is_ready_for_the_next_round(small_result):
    """CONTRACT.md "Later rounds": ``applicant_id,response``, at most one row per applicant,
    only accept/wait/decline, and accept only from a child that holds a seat."""
    text = (small_result / "responses.csv").read_text(encoding="utf-8")
    assert text == "applicant_id,response\na1,accept\na2,decline\na3,decline\na4,accept\n" \
                   "a5,decline\n"
    children = by_key(read_csv(small_result / "children.csv"), "applicant_id")
    for row in read_csv(small_result / "responses.csv"):
        if row["response"] == "accept":
            assert children[row["applicant_id"]]["placed_school_id"] != ""


def test_page_and_workbook_in_both_languages(small_run, small_result, tmp_path):
    from openpyxl import load_workbook

    page = (small_result / "reconciliation.html").read_text(encoding="utf-8")
    assert "秋季入学核查报告" in page and 'data-testid="no_show"' in page
    book = load_workbook(small_result / "reconciliation.xlsx", read_only=True)
    assert book.sheetnames == ["汇总", "儿童", "学校", "下一轮回复"]
    schools = list(book["学校"].iter_rows(values_only=True))
    assert schools[0][:6] == ("学校代码", "学校名称", "区县", "招生计划", "录取", "报到")
    assert [row[0] for row in schools[1:]] == ["X", "Y", "Z"]
    assert schools[3][-1] == -1  # Z: numbers stay numbers
    english = tmp_path / "en"
    helpers.write_table(tmp_path / "enrolled.csv", SMALL_ENROLLED)
    outcome = reconcile(small_run, tmp_path / "enrolled.csv", english, "--lang", "en")
    assert outcome.exit_code == 0, outcome.stderr
    assert "Autumn reconciliation" in (english / "reconciliation.html").read_text(
        encoding="utf-8")
    children = list(load_workbook(english / "reconciliation.xlsx", read_only=True)[
        "Children"].iter_rows(values_only=True))
    assert children[0][-2:] == ("Status", "Response")
    assert ("no-show", "decline") in {row[-2:] for row in children[1:]}
    for name in ("children.csv", "schools.csv", "responses.csv", "summary.json"):
        assert (english / name).read_bytes() == (small_result / name).read_bytes()


def test_same_inputs_give_byte_identical_folders(small_run, small_result, tmp_path):
    helpers.write_table(tmp_path / "enrolled.csv", SMALL_ENROLLED)
    assert reconcile(small_run, tmp_path / "enrolled.csv", tmp_path / "again").exit_code == 0
    assert helpers.snapshot(tmp_path / "again") == helpers.snapshot(small_result)


def test_an_xlsx_enrolment_list_reads_like_the_csv(small_run, small_result, tmp_path):
    import pandas as pd

    pd.DataFrame(SMALL_ENROLLED).to_excel(tmp_path / "enrolled.xlsx", index=False)
    assert reconcile(small_run, tmp_path / "enrolled.xlsx", tmp_path / "x").exit_code == 0
    for name in ("children.csv", "schools.csv", "responses.csv"):
        assert (tmp_path / "x" / name).read_bytes() == (small_result / name).read_bytes()
