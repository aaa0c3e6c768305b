"""The workbench's re-solves equal the command line's runs; refused edits change nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DEMO, REPO, edited_copy, zone_moved

from allocator.model.problems import InputError
from allocator.pipeline.run import run_scenario
from allocator.scenarios.runner import run_scenario_file
from allocator.workbench import figures

#: An oversubscribed public school of the demo county and a zone it could take over.
BUSY = "140702-S001"
ZONE, TO_SCHOOL = "140702-C116", "140702-S008"


def same_outcome(left, right) -> None:
    columns = ["applicant_id", "school_id", "status", "tier", "choice_rank", "lottery", "reason"]
    pd.testing.assert_frame_equal(left.assignments[columns].reset_index(drop=True),
                                  right.assignments[columns].reset_index(drop=True))
    assert left.summary["counts"] == right.summary["counts"]


def test_base_equals_allocator_run(bench):
    same_outcome(bench.current.result, run_scenario(DEMO))


def test_added_class_equals_a_run_with_that_plan(bench, tmp_path):
    assert bench.engine.base.schools.set_index("school_id").loc[BUSY, "oversubscribed"] == "true"
    solved = bench.apply({"kind": "classes", "school": BUSY, "classes": 1})
    assert solved.warm
    expected = run_scenario(edited_copy(DEMO, tmp_path / "plan", plans={BUSY: 45}))
    same_outcome(solved.result, expected)
    assert solved.result.summary["counts"]["capacity"] == \
        bench.engine.base.summary["counts"]["capacity"] + 45


def test_zone_move_equals_a_run_with_those_zones(bench, tmp_path):
    solved = bench.apply({"kind": "zone", "zone": ZONE, "serve": [TO_SCHOOL]})
    assert solved.warm
    expected = run_scenario(edited_copy(DEMO, tmp_path / "zones",
                                        zones=zone_moved(DEMO, ZONE, TO_SCHOOL)))
    same_outcome(solved.result, expected)


def test_in_memory_path_equals_the_scenario_commands_path(bench, tmp_path):
    edits = [{"kind": "classes", "school": BUSY, "classes": 2},
             {"kind": "plan", "school": "140702-S002", "plan": 200},
             {"kind": "zone", "zone": ZONE, "serve": [TO_SCHOOL, "140702-S003"]}]
    for edit in edits:
        bench.apply(edit)
    path = tmp_path / "edits.yaml"
    path.write_text(bench.scenario_file_text(), encoding="utf-8")
    runs = {run.name: run for run in run_scenario_file(path, tmp_path / "out", warm=False)}
    same_outcome(bench.current.result, runs["workbench"].result)
    same_outcome(bench.engine.base, runs["baseline"].result)


def test_closing_a_school_takes_the_commands_path(bench, tmp_path):
    solved = bench.apply({"kind": "close", "school": "140702-S040"})
    assert not solved.warm
    assert "140702-S040" not in set(solved.result.schools["school_id"])
    assert figures.closed_schools(solved.result, bench.engine.base) == ["140702-S040"]


def test_plan_below_zero_is_refused_with_the_validators_message(bench):
    bench.apply({"kind": "classes", "school": BUSY, "classes": 1})
    before = bench.current
    with pytest.raises(InputError) as refused:
        bench.apply({"kind": "plan", "school": "140702-S003", "plan": -5})
    assert [str(p) for p in refused.value.problems] == [
        "schools.csv:4:capacity: -5 is below the minimum 0"]
    assert bench.current is before and len(bench.edits) == 1


def test_plan_below_zero_message_is_what_allocator_validate_says(tmp_path):
    from allocator.pipeline.load import load

    folder = edited_copy(DEMO, tmp_path / "negative")
    schools = pd.read_csv(folder / "schools.csv", dtype=str, keep_default_na=False)
    schools.loc[2, ["capacity", "classes"]] = ["-5", ""]
    schools.to_csv(folder / "schools.csv", index=False, lineterminator="\n")
    with pytest.raises(InputError) as refused:
        load(folder)
    assert "schools.csv:4:capacity: -5 is below the minimum 0" in [
        str(p) for p in refused.value.problems]


def test_zone_with_no_school_is_refused_as_the_scenario_command_refuses_it(bench, tmp_path):
    with pytest.raises(InputError) as refused:
        bench.apply({"kind": "zone", "zone": ZONE, "serve": []})
    assert bench.edits == []
    messages = [str(p) for p in refused.value.problems]
    path = tmp_path / "workbench-edits.yaml"
    path.write_text(bench.engine.work_folder.joinpath("workbench-edits.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as command:
        run_scenario_file(path, tmp_path / "out")
    assert messages == [str(p) for p in command.value.problems]
    assert "give exactly one of 'serve' or 'split', with at least one school" in messages[0]


@pytest.mark.parametrize(("edit", "message"), [
    ({"kind": "zone", "zone": "140702-Z999", "serve": [TO_SCHOOL]}, "unknown zone '140702-Z999'"),
    ({"kind": "classes", "school": "140702-S999", "classes": 1}, "unknown school '140702-S999'"),
    ({"kind": "paint"}, "unknown edit"),
    ({"kind": "plan", "school": BUSY}, "needs plan"),
    ({"kind": "plan", "school": BUSY, "plan": "many"}, "must be a whole number"),
    ({"kind": "policy", "key": "siblings.older_sibling", "value": "always"}, "older_sibling"),
])
def test_invalid_edits_are_refused_and_nothing_changes(bench, edit, message):
    with pytest.raises(InputError) as refused:
        bench.apply(edit)
    assert any(message in str(p) for p in refused.value.problems)
    assert bench.edits == [] and bench.current.result is bench.engine.base


def test_undo_restores_the_base_and_redo_the_edit(bench):
    edited = bench.apply({"kind": "classes", "school": BUSY, "classes": 1})
    assert bench.undo().result is bench.engine.base
    assert bench.edits == [] and len(bench.undone) == 1
    redone = bench.redo()
    same_outcome(redone.result, edited.result)
    assert bench.undone == []


def test_a_new_edit_clears_redo(bench):
    bench.apply({"kind": "classes", "school": BUSY, "classes": 1})
    bench.undo()
    bench.apply({"kind": "classes", "school": BUSY, "classes": 2})
    assert bench.undone == [] and bench.redo().result is bench.current.result


def test_loading_a_scenario_file_rebuilds_its_edits(bench, tmp_path):
    text = (REPO / "scenarios" / "demo-county-whatifs.yaml").read_text(encoding="utf-8")
    solved = bench.load_scenario_file(text, "two_classes")
    runs = run_scenario_file(REPO / "scenarios" / "demo-county-whatifs.yaml", tmp_path / "out",
                             only=["two_classes"])
    same_outcome(solved.result, runs[0].result)


def test_loading_a_demand_change_is_refused(bench):
    text = ("base: x\noverrides:\n  more:\n    demand:\n      - {category: migrant, factor: 1.1}\n"
            "scenarios:\n  more: [more]\n")
    with pytest.raises(InputError, match="does not edit demand"):
        bench.load_scenario_file(text)
    assert bench.edits == []


def test_new_school_and_policy_switches_equal_the_scenario_command(bench, tmp_path):
    bench.apply({"kind": "new_school", "school": "140702-S051", "name": "东城新区小学",
                 "capacity": 90, "classes": 2, "zones": ["140702-C139"], "lat": 37.689,
                 "lon": 112.77})
    bench.apply({"kind": "policy", "key": "migrants.inflow_counties", "value": ["140702"]})
    solved = bench.apply({"kind": "policy", "key": "siblings.older_sibling", "value": "own_tier"})
    assert not solved.warm
    assert "140702-S051" in set(solved.result.schools["school_id"])
    path = tmp_path / "edits.yaml"
    path.write_text(bench.scenario_file_text(), encoding="utf-8")
    runs = run_scenario_file(path, tmp_path / "out", only=["workbench"])
    same_outcome(solved.result, runs[0].result)
    rows = figures.school_rows(solved.result, bench.engine.base)
    assert [row["new"] for row in rows if row["school_id"] == "140702-S051"] == [True]
