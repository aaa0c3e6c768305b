"""``allocator run`` on bad input: exit 2, every problem as ``file:row:column: message``
on stderr, and no run folder written (CONTRACT.md, "Run folder").

Each case corrupts one cell, column or setting of a small valid ``shanxi-2025``
scenario (``helpers.ladder_schools`` / ``helpers.ladder_applicants``): schools A, B, C
are rows 2-4 of ``schools.csv``; applicants p1-p4 are rows 2-5 of ``applicants.csv``
(the header is row 1). Every case is run twice: into a fresh ``--out`` (which must not
exist afterwards) and over a previous good run folder (which must stay byte-identical).
"""

from __future__ import annotations

import copy
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402
from helpers import ladder_applicants, ladder_schools, write_ladder  # noqa: E402


def changed(rows: list[dict], index: int, **values) -> list[dict]:
    """A copy of ``rows`` with ``values`` set in row ``index`` (0 = first data row)."""
    rows = copy.deepcopy(rows)
    rows[index].update(values)
    return rows


def dropped(rows: list[dict], column: str) -> list[dict]:
    """A copy of ``rows`` without ``column``."""
    return [{key: value for key, value in row.items() if key != column} for row in rows]


@dataclass(frozen=True)
class Case:
    """A bad scenario, the problem line it must produce, and words its message must use."""

    build: Callable[[Path], Path]
    where: str  # "file:row:column" as it must start the line
    words: tuple[str, ...] = ()
    extra_args: tuple[str, ...] = ()


def _gb18030_applicants(folder: Path) -> Path:
    """GB18030 bytes with one byte neither UTF-8 nor GB18030 can decode (row 2).

    A clean GB18030 file is read (tests/model/test_encodings.py); bytes that
    decode in neither keep a clear refusal.
    """
    rows = changed(ladder_applicants(), 0, name="王小明")
    for row in rows[1:]:
        row["name"] = ""
    name = "王小明".encode("gb18030")
    data = helpers.csv_text(rows).encode("gb18030").replace(name, name + b"\x80")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb18030")
    return write_ladder(folder, applicants=data)


SCORE_POLICY = {
    "base": "shanxi-2025", "name": "scored",
    "tiers": [{"name": "top", "all_of": ["exam_score"]}, {"name": "everyone_else"}],
}

CASES: dict[str, Case] = {
    "schools-missing-capacity-column": Case(
        lambda f: write_ladder(f, schools=dropped(ladder_schools(), "capacity")),
        "schools.csv:1:capacity", ("required column",)),
    "applicants-missing-applicant_id-column": Case(
        lambda f: write_ladder(f, applicants=dropped(ladder_applicants(), "applicant_id")),
        "applicants.csv:1:applicant_id", ("required column",)),
    "duplicate-school_id": Case(
        lambda f: write_ladder(f, schools=[*ladder_schools(), dict(ladder_schools()[0])]),
        "schools.csv:5:school_id", ("duplicate", "'A'")),
    "duplicate-applicant_id": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 3, applicant_id="p1")),
        "applicants.csv:5:applicant_id", ("duplicate", "'p1'")),
    "non-numeric-capacity": Case(
        lambda f: write_ladder(f, schools=changed(ladder_schools(), 1, capacity="ten")),
        "schools.csv:3:capacity", ("'ten'", "whole number")),
    "negative-capacity": Case(
        lambda f: write_ladder(f, schools=changed(ladder_schools(), 1, capacity=-1)),
        "schools.csv:3:capacity", ("-1", "minimum")),
    "capacity-above-classes-x-45-primary": Case(
        lambda f: write_ladder(f, schools=changed(ladder_schools(), 1, capacity=46, classes=1)),
        "schools.csv:3:capacity", ("46", "45")),
    "unknown-school-in-preferences": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 2,
                                                     preferences="C;NOPE")),
        "applicants.csv:4:preferences", ("'NOPE'",)),
    "unknown-sibling_school": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 1,
                                                     sibling_school="NOPE")),
        "applicants.csv:3:sibling_school", ("'NOPE'",)),
    "unknown-feeder_school": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 0,
                                                     feeder_school="NOPE")),
        "applicants.csv:2:feeder_school", ("'NOPE'",)),
    "unknown-category-tag": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 3,
                                                     categories="left_behind;vip")),
        "applicants.csv:5:categories", ("'vip'",)),
    "impossible-date": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 1,
                                                     birth_date="2019-02-30")),
        "applicants.csv:3:birth_date", ("'2019-02-30'", "date")),
    "word-as-date": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 2,
                                                     hukou_since="yesterday")),
        "applicants.csv:4:hukou_since", ("'yesterday'", "date")),
    "bad-boolean-applicants": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 2,
                                                     hukou_city="maybe")),
        "applicants.csv:4:hukou_city", ("'maybe'", "boolean")),
    "bad-boolean-schools": Case(
        lambda f: write_ladder(f, schools=changed(ladder_schools(), 0, resource_room="sort of")),
        "schools.csv:2:resource_room", ("'sort of'", "boolean")),
    "unknown-mechanism-in-scenario-yaml": Case(
        lambda f: write_ladder(f, mechanism="lottery-only"),
        "scenario.yaml:4:mechanism", ("'lottery-only'", "deferred-acceptance")),
    "unknown-mechanism-on-command-line": Case(
        write_ladder, "command line::--mechanism", ("'lottery-only'", "deferred-acceptance"),
        extra_args=("--mechanism", "lottery-only")),
    "gb18030-applicants": Case(
        _gb18030_applicants, "applicants.csv:2:", ("GB18030", "UTF-8", "CSV UTF-8")),
    "policy-yaml-with-a-test-score": Case(
        lambda f: write_ladder(f, policy_file=SCORE_POLICY),
        "policy.yaml:6:tiers[0].all_of[0]", ("exam_score", "tests")),
    "test-score-column": Case(
        lambda f: write_ladder(f, applicants=[dict(row, test_score=90)
                                              for row in ladder_applicants()]),
        "applicants.csv:1:test_score", ("tests",)),
    "national-id-as-applicant_id": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 1,
                                                     applicant_id="11010520190401123X")),
        "applicants.csv:3:applicant_id", ("national ID",)),
    "zone-not-served-by-any-school": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 1,
                                                     residence_zone="Z9")),
        "applicants.csv:3:residence_zone", ("'Z9'",)),
    "county-without-a-school": Case(
        lambda f: write_ladder(f, applicants=changed(ladder_applicants(), 3, county="U")),
        "applicants.csv:5:county", ("'U'", "no school")),
}


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory) -> Path:
    """A good run folder, written once; each test works on a copy of it."""
    base = tmp_path_factory.mktemp("previous")
    out = base / "run"
    outcome = helpers.run_cli("run", write_ladder(base / "good"), "--out", out, "--quiet")
    assert outcome.exit_code == 0, outcome.stderr
    return out


def assert_rejected(outcome: helpers.CliOutcome, where: str, words: tuple[str, ...]) -> None:
    assert outcome.exit_code == 2, (outcome.exit_code, outcome.stderr)
    lines = outcome.problem_lines()
    matching = [line for line in lines if line.startswith(where + ":")]
    assert matching, f"no line starts with {where!r}:\n{outcome.stderr}"
    assert any(all(word in line for word in words) for line in matching), (words, matching)
    file = where.split(":")[0]
    assert all(line.startswith(file + ":") for line in lines), lines


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_names_the_cell_and_writes_nothing(tmp_path, previous_run, name):
    case = CASES[name]
    scenario = case.build(tmp_path / "scenario")
    out = tmp_path / "out"
    outcome = helpers.run_cli("run", scenario, "--out", out, *case.extra_args)
    assert_rejected(outcome, case.where, case.words)
    assert not out.exists()
    assert helpers.leftovers(tmp_path, "out") == []

    # a failing run over an earlier run folder leaves it exactly as it was
    kept = tmp_path / "kept"
    shutil.copytree(previous_run, kept)
    before = helpers.snapshot(kept)
    again = helpers.run_cli("run", scenario, "--out", kept, *case.extra_args)
    assert again.exit_code == 2
    assert helpers.snapshot(kept) == before
    assert helpers.leftovers(tmp_path, "kept") == []


def test_capacity_at_the_class_size_cap_is_accepted(tmp_path):
    # 45 seats in 1 primary class is allowed; 46 is not (the case above); junior allows 50
    schools = changed(ladder_schools(), 1, capacity=45, classes=1)
    assert helpers.run_cli("validate", write_ladder(tmp_path / "p", schools)).exit_code == 0
    junior = [dict(row, stage="junior") for row in changed(ladder_schools(), 1, capacity=50)]
    applicants = [dict(row, stage="junior") for row in ladder_applicants()]
    outcome = helpers.run_cli("validate", write_ladder(tmp_path / "j", junior, applicants))
    assert outcome.exit_code == 0, outcome.stderr


def test_unknown_policy_name_is_rejected(tmp_path):
    scenario = write_ladder(tmp_path / "scenario", policy="shanxi-2099")
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert outcome.exit_code == 2
    lines = [line for line in outcome.problem_lines()
             if line.startswith("scenario.yaml:") and ":policy: " in line]
    assert lines and "'shanxi-2099'" in lines[0] and "shanxi-2025" in lines[0], outcome.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_policy_name_names_its_line(tmp_path):
    # Regression: resolve_policy (allocator/policy/loader.py) gave no row for this problem
    # ("scenario.yaml::policy: ...") although the unknown mechanism gets its YAML line.
    scenario = write_ladder(tmp_path / "scenario", policy="shanxi-2099")
    assert (scenario / "scenario.yaml").read_text().splitlines()[2].startswith("policy:")
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert_rejected(outcome, "scenario.yaml:3:policy", ("'shanxi-2099'",))


# --------------------------------------------------------------------------- many problems


def _many_problems(folder: Path) -> Path:
    schools = changed(ladder_schools(), 1, capacity="ten")
    applicants = changed(ladder_applicants(), 1, birth_date="2019-02-30")
    applicants = changed(applicants, 3, categories="vip")
    priorities = [{"school_id": "A", "applicant_id": "p1", "rank": 1},
                  {"school_id": "A", "applicant_id": "ghost", "rank": 2}]
    return write_ladder(folder, schools, applicants, priorities=priorities,
                        policy_file=SCORE_POLICY, mechanism="lottery-only")


MANY_PROBLEMS = (
    "applicants.csv:3:birth_date", "applicants.csv:5:categories",
    "policy.yaml:6:tiers[0].all_of[0]", "priorities.csv:3:applicant_id",
    "scenario.yaml:4:mechanism", "schools.csv:3:capacity",
)


def _assert_all_listed(outcome: helpers.CliOutcome) -> None:
    assert outcome.exit_code == 2, outcome.stderr
    lines = outcome.problem_lines()
    for where in MANY_PROBLEMS:
        assert any(line.startswith(where + ":") for line in lines), (where, outcome.stderr)
    others = [line for line in outcome.stderr.splitlines()
              if line.strip() and line not in lines and "problem(s) in the input" not in line]
    assert others == [], "every other stderr line must be a file:row:column: message line"


def test_problems_in_several_files_are_all_listed_in_one_run(tmp_path):
    scenario = _many_problems(tmp_path / "scenario")
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    _assert_all_listed(outcome)
    assert not (tmp_path / "out").exists()


def test_problems_in_several_files_console_script(tmp_path):
    # the real ``allocator`` command (entry point ``main``), in its own process
    scenario = _many_problems(tmp_path / "scenario")
    outcome = helpers.run_cli_subprocess("run", scenario, "--out", tmp_path / "out")
    _assert_all_listed(outcome)
    assert not (tmp_path / "out").exists()
    assert helpers.leftovers(tmp_path, "out") == []


def test_gb18030_console_script(tmp_path):
    scenario = _gb18030_applicants(tmp_path / "scenario")
    outcome = helpers.run_cli_subprocess("run", scenario, "--out", tmp_path / "out")
    assert_rejected(outcome, "applicants.csv:2:", ("GB18030", "CSV UTF-8"))
    assert not (tmp_path / "out").exists()


def test_bad_settings_do_not_hide_the_table_problems(tmp_path):
    # Regression: load (allocator/pipeline/load.py) stopped at an invalid scenario.yaml
    # and did not list the problems of the tables in the same run.
    schools = changed(ladder_schools(), 1, capacity="ten")
    scenario = write_ladder(tmp_path / "scenario", schools, settings={"seed": "tomorrow"})
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert outcome.exit_code == 2
    lines = outcome.problem_lines()
    assert any(line.startswith("scenario.yaml:2:seed:") for line in lines), outcome.stderr
    assert any(line.startswith("schools.csv:3:capacity:") for line in lines), outcome.stderr


# --------------------------------------------------------------------------- how rows are read


def test_row_numbers_count_blank_lines(tmp_path):
    # Regression: _read_csv (allocator/model/readers.py) let pandas skip blank lines, so
    # every row after one was reported one line too early.
    rows = changed(ladder_applicants(), 3, birth_date="yesterday")
    lines = helpers.csv_text(rows).splitlines(keepends=True)
    text = "".join([*lines[:3], "\n", *lines[3:]])  # blank line 4: p4 is now on line 6
    assert text.splitlines()[5].startswith("p4,")
    scenario = write_ladder(tmp_path / "scenario", applicants=text)
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert_rejected(outcome, "applicants.csv:6:birth_date", ("'yesterday'",))


def test_blank_lines_at_the_end_are_fine(tmp_path):
    # spreadsheets often export empty lines after the last row
    text = helpers.csv_text(ladder_applicants()) + "\n\n,,,,\n"
    outcome = helpers.run_cli("validate", write_ladder(tmp_path / "scenario", applicants=text))
    assert outcome.exit_code == 0, outcome.stderr


def test_a_column_given_twice_is_rejected(tmp_path):
    # Regression: pandas renamed the second copy to "county.1", so the duplicate-column
    # check never fired and the second column was dropped silently (exit 0).
    text = ("applicant_id,county,county,hukou_zone,residence_zone\n"
            "p1,T,T,Z1,Z1\n"
            "p2,T,X,Z1,Z1\n")
    scenario = write_ladder(tmp_path / "scenario", applicants=text)
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert_rejected(outcome, "applicants.csv:1:county", ("more than once",))


# --------------------------------------------------------------------------- validate


def test_validate_accepts_a_good_scenario(tmp_path):
    outcome = helpers.run_cli("validate", write_ladder(tmp_path / "scenario"))
    assert outcome.exit_code == 0, outcome.stderr
    assert "valid" in outcome.stdout
    assert outcome.problem_lines() == []


def test_validate_accepts_the_bundled_tiny_scenario():
    outcome = helpers.run_cli("validate", helpers.TINY)
    assert outcome.exit_code == 0, outcome.stderr


def test_validate_lists_the_same_problems_as_run(tmp_path):
    scenario = _many_problems(tmp_path / "scenario")
    validate = helpers.run_cli("validate", scenario)
    _assert_all_listed(validate)
    run = helpers.run_cli("run", scenario, "--out", tmp_path / "out")
    assert validate.problem_lines() == run.problem_lines()
