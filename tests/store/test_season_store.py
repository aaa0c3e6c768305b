"""The admission season through the store: responses, later rounds, audit and appeals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update
from store_support import DEMO, TINY, dump

from allocator.model.problems import InputError
from allocator.store import models
from allocator.store.appeals import AppealOnEarlierRound, AppealRefused, decide_appeal
from allocator.store.audit_verify import verify_run
from allocator.store.faults import FAULT_VARIABLE, InjectedFault
from allocator.store.jobs import JobConflict, JobRequest, run_job
from allocator.store.responses import ResponsesConflict, import_responses
from allocator.store.scenario_io import import_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import run_cli  # noqa: E402

CHECKPOINTS = ("after_inputs", "after_assignments", "after_lottery", "before_commit")
#: Tiny: a1 gives up school A, a7 (at B, prefers C) waits, a6 gives up C.
TINY_RESPONSES = "applicant_id,response\na1,decline\na7,wait\na6,decline\na5,accept\n"


@pytest.fixture
def tiny_store(engine):
    import_scenario(engine, TINY)
    return engine


def _responses(tmp_path, text: str = TINY_RESPONSES, name: str = "responses.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _cli(store_url: str, *args) -> object:
    return run_cli(*args, "--db", store_url)


def _round_two(engine, tmp_path, lottery: str = "same"):
    run_job(engine, JobRequest("r1"))
    import_responses(engine, "r1", _responses(tmp_path))
    return run_job(engine, JobRequest("r2", after="r1", lottery=lottery))


def _placements(engine, job_key: str) -> dict[str, tuple[str, str]]:
    with engine.connect() as connection:
        run_id = connection.scalar(select(models.runs.c.id).where(
            models.runs.c.job_key == job_key))
        rows = connection.execute(select(
            models.assignments.c.applicant_id, models.assignments.c.school_id,
            models.assignments.c.status).where(models.assignments.c.run_id == run_id)).all()
    return {row.applicant_id: (row.school_id, row.status) for row in rows}


def _demo_responses(folder) -> str:
    """Every tenth placed child declines, every fifth waits (deterministic)."""
    import csv

    lines = ["applicant_id,response"]
    with open(folder / "assignments.csv", encoding="utf-8") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if row["status"] == "placed" and index % 10 == 0:
                lines.append(f"{row['applicant_id']},decline")
            elif row["status"] == "placed" and index % 5 == 1:
                lines.append(f"{row['applicant_id']},wait")
    return "\n".join(lines) + "\n"


def test_round_two_through_the_store_equals_the_cli_on_exported_folders(engine, store_url,
                                                                      tmp_path):
    import_scenario(engine, DEMO)
    run_job(engine, JobRequest("r1"))
    assert _cli(store_url, "db", "export-run", "--job-key", "r1", "--out",
                tmp_path / "r1").exit_code == 0
    responses = _responses(tmp_path, _demo_responses(tmp_path / "r1"))
    imported = _cli(store_url, "db", "import-responses", responses, "--job-key", "r1")
    assert imported.exit_code == 0, imported.stderr
    stored = _cli(store_url, "job", "run", "--job-key", "r2", "--after", "r1",
                  "--lottery", "reversed")
    assert stored.exit_code == 0, stored.stderr
    assert _cli(store_url, "db", "export-run", "--job-key", "r2", "--out",
                tmp_path / "r2").exit_code == 0
    assert _cli(store_url, "db", "export-scenario", "--out", tmp_path / "scenario").exit_code == 0
    (tmp_path / "scenario" / "responses.csv").write_bytes(responses.read_bytes())
    direct = run_cli("run", tmp_path / "scenario", "--out", tmp_path / "cli", "--after",
                     tmp_path / "r1", "--lottery", "reversed", "--no-reports", "-q")
    assert direct.exit_code == 0, direct.stderr
    for name in ("assignments.csv", "moves.csv", "schools.csv"):
        assert (tmp_path / "r2" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    moved = (tmp_path / "r2" / "moves.csv").read_text(encoding="utf-8").count("\n") - 1
    assert moved > 0
    report = verify_run(engine, job_key="r2")
    assert report.identical, report.differences
    assert any("round 2 after job r1 (reversed lottery)" in note for note in report.notes)


def test_a_chain_of_three_rounds_is_stored_linked_and_verified(tiny_store, tmp_path):
    second = _round_two(tiny_store, tmp_path)
    third = run_job(tiny_store, JobRequest("r3", after="r2"))
    assert second.created and third.created
    assert second.summary["round"]["number"] == 2 and third.summary["round"]["number"] == 3
    assert second.summary["round"]["previous_run"]["path"] == "store:r1"
    with tiny_store.connect() as connection:
        rounds = connection.execute(select(models.run_rounds).order_by(
            models.run_rounds.c.run_id)).all()
    assert [(r.run_id, r.previous_run_id, r.round_number, r.lottery) for r in rounds] == [
        (2, 1, 2, "same"), (3, 2, 3, "same")]
    assert _placements(tiny_store, "r3") == _placements(tiny_store, "r2")  # nothing changed
    for key in ("r1", "r2", "r3"):
        assert verify_run(tiny_store, job_key=key).identical, key
    placed = _placements(tiny_store, "r2")
    assert placed["a1"] == ("", "declined") and placed["a6"] == ("", "declined")
    assert placed["a7"] == ("C", "placed")  # waited, moved up to the seat a6 freed


def test_a_later_round_job_is_idempotent_and_refused_with_other_options(tiny_store, tmp_path):
    first = _round_two(tiny_store, tmp_path)
    before = dump(tiny_store)
    again = run_job(tiny_store, JobRequest("r2", after="r1"))
    assert (again.run_id, again.created) == (first.run_id, False)
    assert dump(tiny_store) == before
    with pytest.raises(JobConflict, match="job key 'r2' already holds run"):
        run_job(tiny_store, JobRequest("r2", after="r1", lottery="reversed"))
    assert dump(tiny_store) == before


def test_a_later_round_after_an_unknown_job_or_with_a_bad_lottery_is_refused(tiny_store):
    run_job(tiny_store, JobRequest("r1"))
    before = dump(tiny_store)
    with pytest.raises(InputError, match="command line::--after: no stored run with job key"):
        run_job(tiny_store, JobRequest("r2", after="nope"))
    with pytest.raises(InputError, match="--lottery: lottery must be one of same, reversed"):
        run_job(tiny_store, JobRequest("r2", after="r1", lottery="shuffled"))
    with pytest.raises(InputError, match="--lottery: lottery 'reversed' needs 'after'"):
        run_job(tiny_store, JobRequest("r2", lottery="reversed"))
    assert dump(tiny_store) == before


def test_responses_sent_again_store_nothing_and_other_responses_are_refused(tiny_store,
                                                                           tmp_path):
    run_job(tiny_store, JobRequest("r1"))
    first = import_responses(tiny_store, "r1", _responses(tmp_path), actor="bureau")
    assert first.created and first.counts == {"accept": 1, "wait": 1, "decline": 2}
    before = dump(tiny_store)
    again = import_responses(tiny_store, "r1", _responses(tmp_path, name="again.csv"))
    assert not again.created and again.sha256 == first.sha256
    assert dump(tiny_store) == before
    with pytest.raises(ResponsesConflict, match="holds other responses already"):
        import_responses(tiny_store, "r1", _responses(tmp_path, "applicant_id,response\n"
                                                      "a1,accept\n", "other.csv"))
    assert dump(tiny_store) == before
    with tiny_store.connect() as connection:
        events = connection.execute(select(models.audit_events.c.kind,
                                           models.audit_events.c.actor)).all()
    assert ("responses_imported", "bureau") in events


def test_bad_responses_are_refused_listing_every_problem_and_nothing_is_stored(
        tiny_store, store_url, tmp_path):
    run_job(tiny_store, JobRequest("r1"))
    before = dump(tiny_store)
    bad = _responses(tmp_path, "applicant_id,response,name\nzz,decline,张三\na4,accept,\n"
                     "a1,maybe,\na2,wait,\na2,decline,\n", "june.csv")
    with pytest.raises(InputError) as refused:
        import_responses(tiny_store, "r1", bad)
    lines = [str(problem) for problem in refused.value.problems]
    assert all(line.startswith("june.csv:") for line in lines)
    assert any(line.startswith("june.csv:4:response:") for line in lines)  # 'maybe'
    assert any(line.startswith("june.csv:6:applicant_id:") for line in lines)  # a2 twice
    assert dump(tiny_store) == before
    unknown = _responses(tmp_path, "applicant_id,response\nzz,decline\na4,accept\na2,wait\n",
                         "july.csv")
    outcome = _cli(store_url, "db", "import-responses", unknown, "--job-key", "r1")
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "july.csv:2:applicant_id: unknown applicant zz: not an applicant of this run",
        "july.csv:3:response: 'accept' from applicant a4, who holds no seat (only 'decline' "
        "is possible)"]
    assert dump(tiny_store) == before
    assert "张三" not in str(dump(tiny_store))


def test_a_later_round_failing_at_any_point_of_the_write_leaves_the_store_unchanged(
        tiny_store, tmp_path, monkeypatch):
    run_job(tiny_store, JobRequest("r1"))
    import_responses(tiny_store, "r1", _responses(tmp_path))
    before = dump(tiny_store)
    for point in CHECKPOINTS:
        monkeypatch.setenv(FAULT_VARIABLE, point)
        with pytest.raises(InjectedFault, match=point):
            run_job(tiny_store, JobRequest("r2", after="r1"))
        assert dump(tiny_store) == before, point
    monkeypatch.delenv(FAULT_VARIABLE)
    assert run_job(tiny_store, JobRequest("r2", after="r1")).created


def test_responses_failing_mid_write_leave_the_store_unchanged(tiny_store, tmp_path,
                                                              monkeypatch):
    run_job(tiny_store, JobRequest("r1"))
    before = dump(tiny_store)
    for point in ("responses_after_insert", "responses_before_commit"):
        monkeypatch.setenv(FAULT_VARIABLE, point)
        with pytest.raises(InjectedFault, match=point):
            import_responses(tiny_store, "r1", _responses(tmp_path))
        assert dump(tiny_store) == before, point


@pytest.mark.parametrize("command", ["round", "responses"])
def test_a_killed_season_write_leaves_the_store_unchanged(tiny_store, store_url, tmp_path,
                                                          command):
    run_job(tiny_store, JobRequest("r1"))
    if command == "round":
        import_responses(tiny_store, "r1", _responses(tmp_path))
        arguments, point = ["job", "run", "--job-key", "r2", "--after", "r1"], "after_lottery"
    else:
        arguments = ["db", "import-responses", str(_responses(tmp_path)), "--job-key", "r1"]
        point = "responses_before_commit"
    before = dump(tiny_store)
    killed = subprocess.run(
        [sys.executable, "-c", "from allocator.interfaces.cli import main; main()", *arguments,
         "--db", store_url], env={**os.environ, FAULT_VARIABLE: f"{point}:kill"},
        capture_output=True, timeout=120)
    assert killed.returncode == -9
    assert dump(tiny_store) == before


def test_the_audit_of_a_later_round_checks_its_stored_previous_round(tiny_store, tmp_path):
    _round_two(tiny_store, tmp_path)
    with tiny_store.begin() as connection:
        connection.execute(update(models.assignments).where(
            models.assignments.c.run_id == 1, models.assignments.c.applicant_id == "a4")
            .values(school_id="D", status="placed"))
    report = verify_run(tiny_store, job_key="r2")
    assert not report.identical
    assert any("cannot re-run the round after job r1" in line and "SHA-256" in line
               for line in report.differences)


def test_an_appeal_applies_to_the_latest_round(tiny_store, tmp_path):
    _round_two(tiny_store, tmp_path)
    run_job(tiny_store, JobRequest("r3", after="r2"))
    before = dump(tiny_store)
    for earlier in ("r1", "r2"):
        with pytest.raises(AppealOnEarlierRound, match="send it to job 'r3'"):
            decide_appeal(tiny_store, earlier, "a4", "hukou_zone", "Z1", "bureau", "hukou book")
    with pytest.raises(AppealRefused, match="declined in this round"):
        decide_appeal(tiny_store, "r3", "a1", "hukou_zone", "Z1", "bureau", "hukou book")
    assert dump(tiny_store) == before
    decision = decide_appeal(tiny_store, "r3", "a4", "hukou_zone", "Z1", "bureau", "hukou book")
    with tiny_store.connect() as connection:
        appeal = connection.execute(select(models.appeals)).one()
    assert (appeal.run_id, appeal.decision) == (3, decision.decision)


def test_a_roster_that_lost_a_previous_applicant_is_refused_naming_the_stored_round(
        tiny_store, tmp_path):
    run_job(tiny_store, JobRequest("r1"))
    with tiny_store.begin() as connection:
        connection.execute(update(models.applicants).where(
            models.applicants.c.applicant_id == "a3").values(verified=False))
    before = dump(tiny_store)
    with pytest.raises(InputError) as refused:
        run_job(tiny_store, JobRequest("r2", after="r1"))
    assert [str(problem) for problem in refused.value.problems] == [
        "store:r1/assignments.csv:4:applicant_id: applicant a3 of the previous run is missing "
        "from applicants.csv; every applicant stays on the roster (decline it in "
        "responses.csv)"]
    assert dump(tiny_store) == before
