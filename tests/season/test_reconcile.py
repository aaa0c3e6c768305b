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
import shutil
import subprocess
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
               "enrolled_without_placement", "seats_free", "next_round_plan")
    figures = {school: tuple(int(row[c]) for c in columns) for school, row in schools.items()}
    assert figures == {"X": (1, 1, 1, 1, 0, 0, 0, 0, 0, 1),
                       "Y": (2, 2, 1, 0, 1, 1, 0, 1, 1, 1),
                       "Z": (1, 1, 2, 1, 0, 0, 1, 0, -1, 1)}
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
    assert "未提供适龄儿童名册" in page  # no roll given: the page says so
    book = load_workbook(small_result / "reconciliation.xlsx", read_only=True)
    assert book.sheetnames == ["汇总", "儿童", "学校", "下一轮回复"]
    schools = list(book["学校"].iter_rows(values_only=True))
    assert schools[0][:6] == ("学校代码", "学校名称", "区县", "招生计划", "录取", "报到")
    assert [row[0] for row in schools[1:]] == ["X", "Y", "Z"]
    assert schools[3][-2:] == (-1, 1)  # Z: numbers stay numbers
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


# --------------------------------------------------------------------------- the demo county


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "run"
    outcome = helpers.run_cli("run", DEMO, "--out", out, "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    return out


@pytest.fixture(scope="module")
def demo_case(demo_run, tmp_path_factory) -> dict:
    """A hand-made enrolment list and roll for the demo run.

    School A (the school of the first placed child) and school B (the next other
    school): everyone placed at A enrols there except its last two (``no_show``
    does not enrol, ``mover`` enrols at B); everyone placed at B enrols at B; one
    excluded child enrols at B; roll child R6, who never applied, enrols at A.
    Nobody placed at any other school enrols.
    """
    rows = read_csv(demo_run / "assignments.csv")
    placed = [row for row in rows if row["status"] == "placed"]
    school_a = placed[0]["school_id"]
    school_b = next(row["school_id"] for row in placed if row["school_id"] != school_a)
    at_a = [row["applicant_id"] for row in placed if row["school_id"] == school_a]
    at_b = [row["applicant_id"] for row in placed if row["school_id"] == school_b]
    excluded = next(row["applicant_id"] for row in rows if row["status"] == "excluded")
    no_show, mover = at_a[-2], at_a[-1]
    enrolled = ([{"applicant_id": a, "school_id": school_a} for a in at_a[:-2]]
                + [{"applicant_id": mover, "school_id": school_b}]
                + [{"applicant_id": a, "school_id": school_b} for a in at_b]
                + [{"applicant_id": excluded, "school_id": school_b},
                   {"roll_id": "R6", "school_id": school_a, "name": "王小明"}])
    county = "140702"
    roll = [
        {"roll_id": "R1", "county": county, "zone": "Z001", "categories": "left_behind",
         "applicant_id": at_a[0], "registration": "hukou", "birth_date": "2019-02-03"},
        {"roll_id": "R2", "county": county, "zone": "Z001", "categories": "orphan",
         "applicant_id": no_show, "registration": "hukou"},
        {"roll_id": "R3", "county": county, "zone": "Z001", "categories": "low_income",
         "registration": "residence_permit"},
        {"roll_id": "R4", "county": county, "zone": "Z002", "name": "李小红",
         "national_id": "110101201901020011"},
        {"roll_id": "R5", "county": county, "zone": "Z002", "applicant_id": excluded},
        {"roll_id": "R6", "county": county, "zone": "Z002", "categories": "disabled",
         "disability_plan": "mainstream"},
        {"roll_id": "R7", "county": county, "zone": "Z002", "categories": "disabled",
         "disability_plan": "special_school"},
    ]
    folder = tmp_path_factory.mktemp("demo-case")
    helpers.write_table(folder / "enrolled.csv", enrolled)
    helpers.write_table(folder / "roll.csv", roll)
    outcome = reconcile(demo_run, folder / "enrolled.csv", folder / "out", "--roll",
                        folder / "roll.csv")
    assert outcome.exit_code == 0, outcome.stderr
    return {"out": folder / "out", "a": school_a, "b": school_b, "at_a": at_a, "at_b": at_b,
            "placed": len(placed), "excluded": excluded, "no_show": no_show, "mover": mover}


def test_demo_school_figures(demo_case):
    schools = by_key(read_csv(demo_case["out"] / "schools.csv"), "school_id")
    a, b = schools[demo_case["a"]], schools[demo_case["b"]]
    n_a, n_b = len(demo_case["at_a"]), len(demo_case["at_b"])
    assert (int(a["placed"]), int(a["enrolled"]), int(a["enrolled_as_placed"]),
            int(a["no_shows"]), int(a["left_for_other_school"]),
            int(a["enrolled_without_placement"])) == (n_a, n_a - 2 + 1, n_a - 2, 1, 1, 1)
    assert (int(b["placed"]), int(b["enrolled"]), int(b["enrolled_as_placed"]),
            int(b["arrived_from_other_school"]), int(b["enrolled_without_placement"]),
            int(b["no_shows"])) == (n_b, n_b + 2, n_b, 1, 1, 0)
    for school_id, row in schools.items():
        placed, enrolled = int(row["placed"]), int(row["enrolled"])
        assert placed == (int(row["enrolled_as_placed"]) + int(row["no_shows"])
                          + int(row["left_for_other_school"]))
        assert enrolled == (int(row["enrolled_as_placed"]) + int(row["arrived_from_other_school"])
                            + int(row["enrolled_without_placement"]))
        assert int(row["seats_free"]) == int(row["capacity"]) - enrolled
        assert int(row["next_round_plan"]) == (int(row["enrolled_as_placed"])
                                               + max(int(row["seats_free"]), 0))
        if school_id not in (demo_case["a"], demo_case["b"]):
            assert enrolled == 0 and int(row["no_shows"]) == placed


def test_demo_statuses_and_responses(demo_case):
    summary = json.loads((demo_case["out"] / "summary.json").read_text(encoding="utf-8"))
    n_a, n_b = len(demo_case["at_a"]), len(demo_case["at_b"])
    by_status = summary["counts"]["by_status"]
    assert by_status["enrolled_as_placed"] == n_a - 2 + n_b
    assert by_status["enrolled_elsewhere"] == 1
    assert by_status["no_show"] == demo_case["placed"] - (n_a - 2 + n_b) - 1
    assert by_status["enrolled_unplaced"] == 1  # the excluded child
    assert by_status["enrolled_without_application"] == 1  # R6
    responses = by_key(read_csv(demo_case["out"] / "responses.csv"), "applicant_id")
    assert len(responses) == demo_case["placed"]  # every placed child; no excluded child
    assert responses[demo_case["no_show"]]["response"] == "decline"
    assert responses[demo_case["mover"]]["response"] == "decline"
    assert responses[demo_case["at_b"][0]]["response"] == "accept"
    assert demo_case["excluded"] not in responses
    assert summary["responses"] == {"accept": n_a - 2 + n_b,
                                    "decline": demo_case["placed"] - (n_a - 2 + n_b)}


def test_demo_roll_gaps_and_guaranteed_children(demo_case):
    out = demo_case["out"]
    statuses = {row["roll_id"]: (row["roll_status"], row["guaranteed"])
                for row in read_csv(out / "roll_children.csv")}
    assert statuses == {"R1": ("enrolled", "True"), "R2": ("placed_not_enrolled", "True"),
                        "R3": ("no_application", "True"), "R4": ("no_application", "False"),
                        "R5": ("enrolled", "False"), "R6": ("enrolled", "True"),
                        "R7": ("no_application", "False")}
    gaps = by_key(read_csv(out / "roll_gaps.csv"), "zone")
    columns = ("children", "enrolled", "placed_not_enrolled", "applied_not_placed", "excluded",
               "no_application", "guaranteed", "guaranteed_not_enrolled")
    assert {zone: tuple(int(row[c]) for c in columns) for zone, row in gaps.items()} == {
        "Z001": (3, 1, 1, 0, 0, 1, 3, 2), "Z002": (4, 2, 0, 0, 0, 2, 1, 0)}
    missing = read_csv(out / "guaranteed_not_enrolled.csv")
    assert [(row["roll_id"], row["roll_status"]) for row in missing] == [
        ("R2", "placed_not_enrolled"), ("R3", "no_application")]
    assert missing[0]["placed_school_id"] == demo_case["a"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["guarantee"]["source"] == "built-in policy 'shanxi-2025'"
    assert summary["roll"]["guaranteed_not_enrolled"] == 2
    children = by_key(read_csv(out / "children.csv"), "roll_id")
    assert children["R6"]["status"] == "enrolled_without_application"
    assert children["R1"]["applicant_id"] == demo_case["at_a"][0]


def test_names_and_id_numbers_never_leave_the_engine(demo_case):
    summary = json.loads((demo_case["out"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["ignored_columns"] == {"enrolled.csv": ["name"],
                                          "roll.csv": ["name", "national_id"]}
    for path in demo_case["out"].iterdir():
        data = path.read_bytes()
        for secret in ("王小明", "李小红", "110101201901020011"):
            assert secret.encode("utf-8") not in data, (path.name, secret)


def test_roll_statuses_of_unplaced_and_excluded_applicants():
    import pandas as pd

    from allocator.policy.config import Guarantee
    from allocator.season.reconcile import roll_statuses

    roll = pd.DataFrame({
        "roll_id": ["R1", "R2", "R3"], "county": "T", "zone": "Z", "stage": "primary",
        "registration": "", "birth_date": pd.to_datetime(["2019-01-01", None, None]),
        "categories": ["unsupported", "", "disabled"], "disability_plan": ["", "", "mainstream"]})
    children = pd.DataFrame({
        "applicant_id": ["a1", "a2", "a3"], "roll_id": ["R1", "R2", "R3"],
        "run_status": ["unplaced", "declined", "excluded"], "placed_school_id": "",
        "enrolled_school_id": ""})
    frame = roll_statuses(roll, children, Guarantee(disabled_mainstream=False))
    assert frame["roll_status"].tolist() == ["applied_not_placed", "applied_not_placed",
                                             "excluded"]
    assert frame["guaranteed"].tolist() == [True, False, False]
    assert frame["birth_year"].tolist()[0] == 2019


# --------------------------------------------------------------------------- the run's policy


def test_guaranteed_groups_come_from_the_runs_own_policy_file(tmp_path):
    narrow = {"base": "shanxi-2025", "name": "narrow",
              "guarantee": {"categories": ["orphan"], "disabled_mainstream": False}}
    scenario = helpers.write_ladder(tmp_path / "scenario", policy_file=narrow)
    assert helpers.run_cli("run", scenario, "--out", tmp_path / "run", "--no-reports",
                           "-q").exit_code == 0
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": "p1", "school_id": "A"}])
    helpers.write_table(tmp_path / "roll.csv", [
        {"roll_id": "R1", "county": "T", "categories": "left_behind"},
        {"roll_id": "R2", "county": "T", "categories": "orphan"}])
    arguments = (tmp_path / "run", tmp_path / "enrolled.csv")
    assert reconcile(*arguments, tmp_path / "out", "--roll", tmp_path / "roll.csv").exit_code == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["guarantee"]["categories"] == ["orphan"]
    assert "policy.yaml" in summary["guarantee"]["source"]
    assert [row["roll_id"] for row in read_csv(tmp_path / "out" / "guaranteed_not_enrolled.csv")
            ] == ["R2"]
    # the policy file changed since the run: the engine's default groups, and it says so
    (scenario / "policy.yaml").write_text(
        (scenario / "policy.yaml").read_text(encoding="utf-8").replace("orphan", "low_income"),
        encoding="utf-8")
    assert reconcile(*arguments, tmp_path / "again", "--roll", tmp_path / "roll.csv"
                     ).exit_code == 0
    summary = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
    assert summary["guarantee"]["source"].startswith("engine default")
    assert "left_behind" in summary["guarantee"]["categories"]


# --------------------------------------------------------------------------- bad input


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not line.endswith("written.")]


def assert_refused(outcome: helpers.CliOutcome, out: Path, expected: list[str]) -> None:
    """Exit 2, each expected ``file:row:column:`` start on a line of its own, nothing written."""
    assert outcome.exit_code == 2, outcome.stderr
    lines = problem_lines(outcome.stderr)
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, outcome.stderr)
    assert not out.exists()
    assert helpers.leftovers(out.parent, out.name) == []


def test_every_problem_of_the_enrolment_list_at_once(small_run, tmp_path):
    helpers.write_table(tmp_path / "enrolled.csv", [
        {"applicant_id": "a1", "roll_id": "", "school_id": "X", "enrolled_on": ""},
        {"applicant_id": "ghost", "roll_id": "", "school_id": "X", "enrolled_on": ""},
        {"applicant_id": "a2", "roll_id": "", "school_id": "W", "enrolled_on": ""},
        {"applicant_id": "a1", "roll_id": "", "school_id": "Y", "enrolled_on": ""},
        {"applicant_id": "", "roll_id": "", "school_id": "X", "enrolled_on": ""},
        {"applicant_id": "a3", "roll_id": "", "school_id": "Y", "enrolled_on": "2025-13-01"},
        {"applicant_id": "110101201901020011", "roll_id": "", "school_id": "X",
         "enrolled_on": ""},
        {"applicant_id": "", "roll_id": "R1", "school_id": "X", "enrolled_on": ""},
        {"applicant_id": "a4", "roll_id": "", "school_id": "", "enrolled_on": ""},
    ])
    out = tmp_path / "out"
    outcome = reconcile(small_run, tmp_path / "enrolled.csv", out)
    assert_refused(outcome, out, [
        "enrolled.csv:3:applicant_id: unknown applicant 'ghost'",
        "enrolled.csv:4:school_id: unknown school 'W'",
        "enrolled.csv:5:applicant_id: 'a1' is enrolled twice (first on row 2)",
        "enrolled.csv:6:applicant_id: give applicant_id",
        "enrolled.csv:7:enrolled_on: '2025-13-01' is not a date",
        "enrolled.csv:8:applicant_id: looks like a national ID number",
        "enrolled.csv:9:roll_id: a roll_id needs the roll",
        "enrolled.csv:10:school_id: required value is missing"])


def test_a_failed_reconciliation_leaves_the_previous_folder_untouched(small_run, small_result,
                                                                      tmp_path):
    previous = tmp_path / "previous"
    shutil.copytree(small_result, previous)
    before = helpers.snapshot(previous)
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": "ghost", "school_id": "X"}])
    outcome = reconcile(small_run, tmp_path / "enrolled.csv", previous)
    assert outcome.exit_code == 2
    assert helpers.snapshot(previous) == before


def test_a_missing_column_and_a_missing_file(small_run, tmp_path):
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": "a1", "school": "X"}])
    out = tmp_path / "out"
    assert_refused(reconcile(small_run, tmp_path / "enrolled.csv", out), out,
                   ["enrolled.csv:1:school_id: required column is missing"])
    assert_refused(reconcile(small_run, tmp_path / "absent.csv", out, "--roll",
                             tmp_path / "roll.txt"), out,
                   ["absent.csv::: file not found", "roll.txt::: file not found"])


def test_a_gb18030_export_is_read_not_misread(small_run, tmp_path):
    # the shared table reader decodes a clean GB18030 export (Chinese Excel's default) as
    # GB18030; the name column is ignored and never written anywhere
    (tmp_path / "enrolled.csv").write_bytes(
        "applicant_id,school_id,name\na1,X,王小明\n".encode("gb18030"))
    out = tmp_path / "out"
    outcome = reconcile(small_run, tmp_path / "enrolled.csv", out)
    assert outcome.exit_code == 0, outcome.stderr
    statuses = {row["applicant_id"]: row["status"] for row in read_csv(out / "children.csv")
                if row.get("applicant_id")}
    assert statuses["a1"] == "enrolled_as_placed"  # a1 was placed at X and enrolled there
    assert "王小明" not in outcome.stdout + outcome.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert "王小明".encode() not in path.read_bytes(), path.name


def test_a_folder_that_is_not_a_run_folder(small_run, tmp_path):
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": "a1", "school_id": "X"}])
    out = tmp_path / "out"
    scenario = small_run.parent / "scenario"
    assert_refused(reconcile(scenario, tmp_path / "enrolled.csv", out), out, [
        "scenario/assignments.csv::: missing: RUN must be a run folder",
        "scenario/manifest.json::: missing"])
    assert_refused(reconcile(tmp_path / "nowhere", tmp_path / "enrolled.csv", out), out,
                   [f"{tmp_path / 'nowhere'}::: not a folder"])
    fake = tmp_path / "fake"
    shutil.copytree(small_run, fake)
    (fake / "manifest.json").write_text('{"engine": "other"}', encoding="utf-8")
    (fake / "assignments.csv").write_text("applicant_id,school_id,state\na1,X,placed\n",
                                          encoding="utf-8")
    assert_refused(reconcile(fake, tmp_path / "enrolled.csv", out), out, [
        "fake/manifest.json::engine: not a manifest written by allocator",
        "fake/assignments.csv:1:status: required column is missing"])


def test_every_problem_of_the_roll_at_once(demo_run, tmp_path):
    rows = read_csv(demo_run / "assignments.csv")
    first, second, third = (row["applicant_id"] for row in rows[:3])
    helpers.write_table(tmp_path / "roll.csv", [
        {"roll_id": "R1", "county": "140702", "applicant_id": first, "categories": ""},
        {"roll_id": "R1", "county": "140702", "applicant_id": "", "categories": ""},
        {"roll_id": "R3", "county": "999999", "applicant_id": "", "categories": ""},
        {"roll_id": "R4", "county": "140702", "applicant_id": "ghost", "categories": ""},
        {"roll_id": "R5", "county": "140702", "applicant_id": first, "categories": ""},
        {"roll_id": "R6", "county": "140702", "applicant_id": "", "categories": "poor"},
        {"roll_id": "110101201901020011", "county": "140702", "applicant_id": "",
         "categories": ""},
        {"roll_id": "R8", "county": "", "applicant_id": "", "categories": ""},
        {"roll_id": "R10", "county": "140702", "applicant_id": third, "categories": ""},
    ])
    helpers.write_table(tmp_path / "enrolled.csv", [
        {"applicant_id": "", "roll_id": "R99", "school_id": "140702-S001"},
        {"applicant_id": second, "roll_id": "R5", "school_id": "140702-S001"},
        {"applicant_id": third, "roll_id": "", "school_id": "140702-S002"},
        {"applicant_id": "", "roll_id": "R10", "school_id": "140702-S001"},
    ])
    out = tmp_path / "out"
    outcome = reconcile(demo_run, tmp_path / "enrolled.csv", out, "--roll", tmp_path / "roll.csv")
    assert_refused(outcome, out, [
        "roll.csv:3:roll_id: duplicate id 'R1'",
        "roll.csv:4:county: county '999999' has no school in the run",
        "roll.csv:5:applicant_id: unknown applicant 'ghost'",
        f"roll.csv:6:applicant_id: applicant '{first}' is linked to more than one child",
        "roll.csv:7:categories: unknown tag 'poor'",
        "roll.csv:8:roll_id: looks like a national ID number",
        "roll.csv:9:county: required value is missing",
        "enrolled.csv:2:roll_id: unknown roll id 'R99'",
        f"enrolled.csv:3:roll_id: roll id 'R5' is linked to applicant '{first}' on the roll, "
        f"not '{second}'",
        f"enrolled.csv:5:applicant_id: '{third}' is enrolled twice (first on row 4)"])


def test_the_output_folder_may_not_replace_an_input_or_a_foreign_folder(small_run, tmp_path):
    folder = tmp_path / "lists"
    helpers.write_table(folder / "enrolled.csv", [{"applicant_id": "a1", "school_id": "X"}])
    before = helpers.snapshot(small_run)
    for out in (small_run, folder):
        outcome = reconcile(small_run, folder / "enrolled.csv", out)
        assert outcome.exit_code == 2
        assert f"--out {out}: the output folder" in outcome.stderr
        assert "Nothing was written" in outcome.stderr
    assert helpers.snapshot(small_run) == before
    assert (folder / "enrolled.csv").is_file()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("a planner's own file", encoding="utf-8")
    outcome = reconcile(small_run, folder / "enrolled.csv", notes)
    assert outcome.exit_code == 2 and "did not write" in outcome.stderr
    assert [path.name for path in notes.iterdir()] == ["mine.txt"]


def test_a_reconciliation_folder_is_marked_and_may_be_replaced(small_run, small_result,
                                                               tmp_path):
    marker = json.loads((small_result / ".allocator-output.json").read_text(encoding="utf-8"))
    assert marker["kind"] == "reconciliation"
    assert "responses.csv" in marker["entries"]
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": "a1", "school_id": "X"}])
    out = tmp_path / "out"
    assert reconcile(small_run, tmp_path / "enrolled.csv", out).exit_code == 0
    helpers.write_table(tmp_path / "enrolled.csv", SMALL_ENROLLED)
    assert reconcile(small_run, tmp_path / "enrolled.csv", out).exit_code == 0
    assert helpers.snapshot(out) == helpers.snapshot(small_result)


# --------------------------------------------------------------------------- in a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = """<script>
document.fonts.ready.then(() => {
  const probe = document.createElement('div');
  probe.id = 'probe';
  const images = Array.from(document.images);
  probe.textContent = [
    'font=' + document.fonts.check('16px "Report CJK"', '报到'),
    'decoded=' + images.filter(i => i.complete && i.naturalWidth > 100).length,
  ].join(' ');
  document.body.appendChild(probe);
});
</script></body>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_page_in_chromium(demo_case, tmp_path):
    from PIL import Image

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}"]
    page = (demo_case["out"] / "reconciliation.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *flags, "--virtual-time-budget=10000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=120,
                         check=False).stdout
    assert "应入尽入：保障对象未入学名单" in dom and "R3" in dom
    assert "font=true decoded=1" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1200,1600", f"--screenshot={shot}",
                    (demo_case["out"] / "reconciliation.html").as_uri()],
                   capture_output=True, timeout=120, check=False)
    image = Image.open(shot).convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.01 < dark < 0.6  # text and tables, not an empty or black page


def test_an_empty_enrolment_list_makes_every_placed_child_a_no_show(small_run, tmp_path):
    (tmp_path / "enrolled.csv").write_text("applicant_id,school_id\n", encoding="utf-8")
    assert reconcile(small_run, tmp_path / "enrolled.csv", tmp_path / "out").exit_code == 0
    assert (tmp_path / "out" / "responses.csv").read_text(encoding="utf-8") == (
        "applicant_id,response\na1,decline\na2,decline\na3,decline\na4,decline\n")
    schools = read_csv(tmp_path / "out" / "schools.csv")
    assert [(row["no_shows"], row["seats_free"], row["next_round_plan"]) for row in schools] == [
        ("1", "1", "1"), ("2", "2", "2"), ("1", "1", "1")]


def test_formulas_are_neutralised_in_files_for_people_not_in_data(demo_run, tmp_path):
    from openpyxl import load_workbook

    formula = "=HYPERLINK(\"http://x\",\"y\")"
    applicant = read_csv(demo_run / "assignments.csv")[0]["applicant_id"]
    helpers.write_table(tmp_path / "enrolled.csv", [{"applicant_id": applicant,
                                                     "school_id": "140702-S001"}])
    helpers.write_table(tmp_path / "roll.csv", [
        {"roll_id": "R1", "county": "140702", "zone": formula, "categories": "orphan"}])
    out = tmp_path / "out"
    outcome = reconcile(demo_run, tmp_path / "enrolled.csv", out, "--roll", tmp_path / "roll.csv")
    assert outcome.exit_code == 0, outcome.stderr
    assert read_csv(out / "roll_children.csv")[0]["zone"] == formula  # data: exact
    assert read_csv(out / "roll_gaps.csv")[0]["zone"] == "'" + formula  # for people: text
    assert read_csv(out / "guaranteed_not_enrolled.csv")[0]["zone"] == "'" + formula
    gaps = list(load_workbook(out / "reconciliation.xlsx", read_only=True)[
        "名册核查：按区县和片区"].iter_rows(values_only=True))
    assert gaps[1][1] == "'" + formula
    missing = list(load_workbook(out / "reconciliation.xlsx", read_only=True)[
        "保障对象未入学"].iter_rows(values_only=True))
    # tags in words (read-only rows may drop trailing empty cells: no strict zip)
    assert dict(zip(missing[0], missing[1], strict=False))["类别"] == "孤儿"
    summary = list(load_workbook(out / "reconciliation.xlsx", read_only=True)[
        "汇总"].iter_rows(values_only=True))
    assert ("适龄儿童名册: 保障对象未入学", 1) in summary


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ("按录取学校报到", "未报到", "下一轮回复", "确认", "放弃")),
    ("en", ("enrolled as placed", "no-show", "Responses", "accept", "decline"))])
def test_the_terminal_summary_reads_in_the_chosen_language(small_run, tmp_path, lang, words):
    helpers.write_table(tmp_path / "enrolled.csv", SMALL_ENROLLED)
    outcome = helpers.run_cli("reconcile", small_run, "--enrolled", tmp_path / "enrolled.csv",
                              "--out", tmp_path / "out", "--lang", lang)
    assert outcome.exit_code == 0, outcome.stderr
    for word in words:
        assert word in outcome.stdout, (word, outcome.stdout)
    assert "enrolled_as_placed" not in outcome.stdout and "no_show" not in outcome.stdout
