"""``allocator run --after``: reproduction, determinism, chains of rounds and bad input."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

CONTRACT_COLUMNS = ["applicant_id", "school_id", "status", "tier", "choice_rank",
                    "distance_km", "lottery", "reason"]


@pytest.fixture()
def first_round(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny scenario (a copy) and its first-round run folder."""
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "run1", "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    return scenario, tmp_path / "run1"


def table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def later(scenario: Path, previous: Path, out: Path, *options: str) -> helpers.CliOutcome:
    return helpers.run_cli("run", scenario, "--out", out, "--after", previous, "--no-reports",
                           "-q", *options)


def test_nothing_changed_reproduces_the_previous_round(first_round, tmp_path):
    scenario, run1 = first_round
    outcome = later(scenario, run1, tmp_path / "run2")
    assert outcome.exit_code == 0, outcome.stderr
    before, after = table(run1 / "assignments.csv"), table(tmp_path / "run2" / "assignments.csv")
    pd.testing.assert_frame_equal(before[CONTRACT_COLUMNS], after[CONTRACT_COLUMNS])
    assert (after["moved"] == "false").all()
    assert table(tmp_path / "run2" / "moves.csv").empty
    summary = json.loads((tmp_path / "run2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["round"]["applicants_moved"] == summary["round"]["newly_placed"] == 0
    assert summary["verification"]["passed"]


def test_reruns_are_byte_identical_and_three_rounds_chain(first_round, tmp_path):
    scenario, run1 = first_round
    helpers.write_table(scenario / "responses.csv", [
        {"applicant_id": "a1", "response": "decline"}, {"applicant_id": "a3", "response": "wait"},
        {"applicant_id": "a7", "response": "wait"}])
    for out in ("run2", "run2-again"):
        assert later(scenario, run1, tmp_path / out, "--lottery", "reversed").exit_code == 0
    for name in ("assignments.csv", "moves.csv", "schools.csv"):
        assert (tmp_path / "run2" / name).read_bytes() == (
            tmp_path / "run2-again" / name).read_bytes()
    moves = table(tmp_path / "run2" / "moves.csv")
    assert list(moves.columns) == ["applicant_id", "from_school_id", "to_school_id", "chain",
                                   "step"]
    assert "A:declined:a1" in set(moves["chain"])
    (scenario / "responses.csv").unlink()
    outcome = later(scenario, tmp_path / "run2", tmp_path / "run3")
    assert outcome.exit_code == 0, outcome.stderr
    manifest = json.loads((tmp_path / "run3" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["round"]["number"] == 3
    assert [Path(run["path"]).name for run in manifest["previous_runs"]] == ["run1", "run2"]
    summary = json.loads((tmp_path / "run3" / "summary.json").read_text(encoding="utf-8"))
    assert summary["verification"]["passed"]
    run3 = table(tmp_path / "run3" / "assignments.csv").set_index("applicant_id")
    assert run3.at["a1", "status"] == "declined"  # a decline is final for the season


def expect_refusal(outcome: helpers.CliOutcome, out: Path, *prefixes: str) -> None:
    assert outcome.exit_code == 2, outcome.stderr
    lines = outcome.problem_lines()
    for prefix in prefixes:
        assert any(line.startswith(prefix) for line in lines), (prefix, lines)
    assert not out.exists()


def test_bad_responses_are_listed_together(first_round, tmp_path):
    scenario, run1 = first_round
    helpers.write_table(scenario / "responses.csv", [
        {"applicant_id": "zz", "response": "accept"},
        {"applicant_id": "a4", "response": "wait"},
        {"applicant_id": "a2", "response": "maybe"}])
    expect_refusal(later(scenario, run1, tmp_path / "run2"), tmp_path / "run2",
                   "responses.csv:2:applicant_id: unknown applicant zz",
                   "responses.csv:3:response: 'wait' from applicant a4, who holds no seat",
                   "responses.csv:4:response: unknown value 'maybe'")


def test_missing_applicant_and_plan_cut(first_round, tmp_path):
    scenario, run1 = first_round
    applicants = table(scenario / "applicants.csv")
    applicants[applicants["applicant_id"] != "a5"].to_csv(scenario / "applicants.csv",
                                                          index=False)
    schools = table(scenario / "schools.csv")
    schools.loc[schools["school_id"] == "A", "capacity"] = "1"
    schools.to_csv(scenario / "schools.csv", index=False)
    expect_refusal(later(scenario, run1, tmp_path / "run2"), tmp_path / "run2",
                   f"{run1 / 'assignments.csv'}:6:applicant_id: applicant a5 of the previous run",
                   "schools.csv:2:capacity: school A: plan 1 is below the 2 seats")


def test_seed_policy_and_mechanism_must_be_the_previous_runs(first_round, tmp_path):
    scenario, run1 = first_round
    settings = (scenario / "scenario.yaml").read_text(encoding="utf-8")
    shanxi = helpers.REPO / "allocator" / "policy" / "builtin" / "shanxi-2025.yaml"
    (scenario / "policy.yaml").write_text(
        shanxi.read_text(encoding="utf-8") + "\nrounds: {default_response: wait}\n",
        encoding="utf-8")
    (scenario / "scenario.yaml").write_text(
        settings.replace("seed: 7", "seed: 8").replace("policy: shanxi-2025",
                                                       "policy: policy.yaml"),
        encoding="utf-8")
    expect_refusal(later(scenario, run1, tmp_path / "run2"), tmp_path / "run2",
                   "scenario.yaml:2:seed: seed 8 differs from the previous run's seed 7",
                   "scenario.yaml:3:policy: policy")
    (scenario / "scenario.yaml").write_text(settings, encoding="utf-8")
    outcome = later(scenario, run1, tmp_path / "run2", "--mechanism", "immediate-acceptance")
    expect_refusal(outcome, tmp_path / "run2", "command line::--mechanism: mechanism "
                   "'immediate-acceptance' differs")
    assert "run the season with deferred-acceptance" in outcome.stderr


def test_previous_folder_must_be_an_intact_run(first_round, tmp_path):
    scenario, run1 = first_round
    empty = tmp_path / "not-a-run"
    empty.mkdir()
    expect_refusal(later(scenario, empty, tmp_path / "run2"), tmp_path / "run2",
                   f"{empty}::: not a run folder")
    tampered = tmp_path / "tampered"
    shutil.copytree(run1, tampered)
    text = (tampered / "assignments.csv").read_text(encoding="utf-8")
    (tampered / "assignments.csv").write_text(text.replace("a4,,unplaced", "a4,A,placed"),
                                              encoding="utf-8")
    expect_refusal(later(scenario, tampered, tmp_path / "run2"), tmp_path / "run2",
                   f"{tampered / 'assignments.csv'}::: does not match the SHA-256")


def test_lottery_needs_after(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "out", "--lottery",
                              "reversed", "--no-reports", "-q")
    expect_refusal(outcome, tmp_path / "out", "command line::--lottery:")


def test_explain_tells_a_moved_and_a_waiting_family_why(first_round, tmp_path):
    scenario, run1 = first_round
    helpers.write_table(scenario / "responses.csv", [
        {"applicant_id": "a1", "response": "decline"}, {"applicant_id": "a3", "response": "wait"},
        {"applicant_id": "a7", "response": "wait"}])
    assert later(scenario, run1, tmp_path / "run2").exit_code == 0
    moves = table(tmp_path / "run2" / "moves.csv")
    moved = moves.loc[moves["from_school_id"] != ""].iloc[0]
    story = helpers.run_cli("explain", tmp_path / "run2", moved["applicant_id"], "--lang", "en")
    assert story.exit_code == 0, story.stderr
    assert f"held before this round: {moved['from_school_id']}; response: wait" in story.stdout
    assert "was given up by a family that declined" in story.stdout
    assert f"(this child): {moved['from_school_id']} -> {moved['to_school_id']}" in story.stdout
    assert "a1" not in story.stdout.replace(moved["applicant_id"], "")  # nobody else named
    assignments = table(tmp_path / "run2" / "assignments.csv")
    waiting = assignments.loc[assignments["reason"].str.contains("still waiting"),
                              "applicant_id"].iloc[0]
    story = helpers.run_cli("explain", tmp_path / "run2", waiting, "--lang", "en")
    assert story.exit_code == 0, story.stderr
    assert "ahead of it on the waiting list" in story.stdout
    for child in (waiting, moved["applicant_id"]):  # in Chinese, the reason reads in Chinese
        chinese = helpers.run_cli("explain", tmp_path / "run2", child)
        reason = next(line for line in chinese.stdout.splitlines() if line.startswith("说明"))
        assert not re.search(r"[A-Za-z]{3,}", reason), reason


def test_reports_gain_a_round_section(first_round, tmp_path):
    scenario, run1 = first_round
    helpers.write_table(scenario / "responses.csv", [
        {"applicant_id": "a1", "response": "decline"}, {"applicant_id": "a3", "response": "wait"}])
    outcome = helpers.run_cli("run", scenario, "--out", tmp_path / "run2", "--after", run1,
                              "--lang", "en", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    page = (tmp_path / "run2" / "report.html").read_text(encoding="utf-8")
    for title in ("This round at a glance", "Seats freed and filled by school",
                  "Vacancy chains by length", "Not computed for a later round"):
        assert title in page
    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "run2" / "report.xlsx", read_only=True)
    sheet = workbook["round schools"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    freed = header.index("Freed by declines")  # the workbook's headers are labels
    assert rows["A"][freed] == 1  # a1 gave up its seat at A
    manifest = json.loads((tmp_path / "run2" / "manifest.json").read_text(encoding="utf-8"))
    assert {"report.html", "report.xlsx", "moves.csv"} <= set(manifest["outputs"])


def test_everyone_waiting_with_nothing_changed_moves_nobody(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    shanxi = helpers.REPO / "allocator" / "policy" / "builtin" / "shanxi-2025.yaml"
    (scenario / "policy.yaml").write_text(
        shanxi.read_text(encoding="utf-8") + "\nrounds: {default_response: wait}\n",
        encoding="utf-8")
    settings = (scenario / "scenario.yaml").read_text(encoding="utf-8")
    (scenario / "scenario.yaml").write_text(
        settings.replace("policy: shanxi-2025", "policy: policy.yaml"), encoding="utf-8")
    assert helpers.run_cli("run", scenario, "--out", tmp_path / "run1", "--no-reports",
                           "-q").exit_code == 0
    for lottery in ("same", "reversed"):
        out = tmp_path / f"run2-{lottery}"
        outcome = later(scenario, tmp_path / "run1", out, "--lottery", lottery)
        assert outcome.exit_code == 0, outcome.stderr
        after = table(out / "assignments.csv")
        assert set(after.loc[after["previous_school_id"] != "", "response"]) == {"wait"}
        assert table(out / "moves.csv").empty
        assert (after["school_id"] == table(tmp_path / "run1" / "assignments.csv")["school_id"]
                ).all()
