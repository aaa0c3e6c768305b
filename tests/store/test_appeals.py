"""Appeals: a corrected fact recomputes the tier; a wrongly refused child gets a logged seat."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from store_support import TINY, dump
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.store import models
from allocator.store.appeals import AppealRefused, decide_appeal
from allocator.store.jobs import JobRequest, run_job
from allocator.store.placements import assignment_page, disclosure_text
from allocator.store.scenario_io import import_scenario


@pytest.fixture
def tiny_run(engine):
    import_scenario(engine, TINY)
    run_job(engine, JobRequest("tiny"))
    return engine


def _appeal(engine, applicant, field, value):
    return decide_appeal(engine, "tiny", applicant, field, value, actor="clerk-07",
                         reason="document checked at the county office")


def test_a_wrongly_refused_child_is_placed_by_a_logged_plan_adjustment(tiny_run):
    with tiny_run.connect() as connection:
        before = {row["applicant_id"]: row["school_id"]
                  for row in assignment_page(connection, 1, 0, 100)[1]}
    # a3 is placed at D by overflow; the owned home in Z1 alone does not beat a1 at A ...
    first = _appeal(tiny_run, "a3", "property_zone", "Z1")
    assert (first.decision, first.old_school_id, first.new_school_id) == ("unchanged", "D", "D")
    assert "A (tier hukou_and_home, cut-off tier hukou_and_home)" in first.explanation
    # ... but with the corrected hukou date too, a3 ranks before a1 at A: wrongly refused.
    second = _appeal(tiny_run, "a3", "hukou_since", "2011-01-01")
    assert (second.decision, second.new_school_id, second.capacity_change) == ("placed", "A", 1)
    assert (second.old_tier, second.new_tier) == ("everyone_else", "hukou_and_home")
    with tiny_run.connect() as connection:
        after = {row["applicant_id"]: row["school_id"]
                 for row in assignment_page(connection, 1, 0, 100)[1]}
        adjustments = connection.execute(select(models.plan_adjustments)).all()
        events = connection.execute(select(models.audit_events).where(
            models.audit_events.c.kind.in_(["appeal_decided", "plan_adjusted"]))).all()
        disclosure = disclosure_text(connection, 1)
    assert after == {**before, "a3": "A"}  # nobody displaced
    assert [(a.school_id, a.capacity_change, a.actor) for a in adjustments] == [
        ("A", 1, "clerk-07")]
    assert [e.kind for e in events] == ["appeal_decided", "appeal_decided", "plan_adjusted"]
    assert all(e.actor == "clerk-07" and e.reason and e.created_at for e in events)
    assert json.loads(events[-1].details) == {"appeal_id": 2, "capacity_change": 1,
                                              "school_id": "A"}
    # published with its appeal id and the appeal's tier, numbered for its stage
    assert "a3,A,placed,1,hukou_and_home,appeal,0." in disclosure
    assert [line for line in disclosure.splitlines() if line.startswith("a3,")][0].endswith(",2")


def test_refused_appeals_name_the_field_and_write_nothing(tiny_run):
    before = dump(tiny_run)
    cases = [("a1", "applicant_id", "x", "field"), ("a1", "name", "x", "field"),
             ("zz", "hukou_zone", "Z1", "applicant_id"),
             ("a4", "hukou_zone", "Z9", "hukou_zone")]
    for applicant, field, value, named in cases:
        with pytest.raises(AppealRefused) as raised:
            _appeal(tiny_run, applicant, field, value)
        assert raised.value.field == named
    with pytest.raises(AppealRefused, match="reason"):
        decide_appeal(tiny_run, "tiny", "a4", "hukou_zone", "Z1", actor="x", reason=" ")
    assert dump(tiny_run) == before


def test_the_appeal_command_prints_the_decision(tiny_run, store_url):
    result = CliRunner().invoke(app, [
        "appeal", "--db", store_url, "--job-key", "tiny", "--applicant", "a4", "--field",
        "hukou_zone", "--value", "Z1", "--actor", "clerk-07", "--reason", "hukou booklet"])
    assert result.exit_code == 0, result.stderr
    assert "appeal 1: unchanged" in result.stdout
    refused = CliRunner().invoke(app, [
        "appeal", "--db", store_url, "--job-key", "tiny", "--applicant", "a4", "--field",
        "county", "--value", "X", "--actor", "clerk-07", "--reason", "r"])
    assert refused.exit_code == 3 and "field: 'county' cannot be corrected" in refused.stderr
