"""``allocator explain`` on every kind of run folder, and the key that decided a refusal.

Every run folder tells its story wherever it now is: a moved one (with or without
its scenario), a what-if run (whose scenario was a temporary folder), a province run
and a run exported from the store. A refusal names the key that decided it, with
both values and which direction is better.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402


def explain(run: Path, applicant: str, *options: str | Path) -> helpers.CliOutcome:
    return helpers.run_cli("explain", run, applicant, "--lang", "en", *options)


def assert_tells(outcome: helpers.CliOutcome, applicant: str = "a3") -> None:
    assert outcome.exit_code == 0, outcome.stderr
    assert f"Applicant {applicant}:" in outcome.stdout and "effective list" in outcome.stdout


def run_tiny(tmp_path: Path, where: str = "project") -> tuple[Path, Path]:
    scenario = helpers.copy_tiny(tmp_path / where / "scenarios" / "tiny")
    run = tmp_path / where / "out" / "run"
    outcome = helpers.run_cli("run", scenario, "--out", run, "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    return scenario, run


# --------------------------------------------------------------------------- relocatable


def test_a_run_folder_moved_with_its_scenario_still_explains(tmp_path):
    _, run = run_tiny(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario_folder_relative"] == "../../scenarios/tiny"
    shutil.move(tmp_path / "project", tmp_path / "elsewhere")
    assert_tells(explain(tmp_path / "elsewhere" / "out" / "run", "a3"))


def test_a_run_folder_moved_alone_finds_its_scenario_where_it_was(tmp_path):
    _, run = run_tiny(tmp_path)
    shutil.move(run, tmp_path / "archive")
    assert_tells(explain(tmp_path / "archive", "a3"))


def test_a_scenario_moved_elsewhere_is_named_and_checked_by_hash(tmp_path):
    scenario, run = run_tiny(tmp_path)
    shutil.move(scenario, tmp_path / "moved-scenario")
    lost = explain(run, "a3")
    assert lost.exit_code == 2 and "--scenario" in lost.stderr
    assert_tells(explain(run, "a3", "--scenario", tmp_path / "moved-scenario"))
    schools = tmp_path / "moved-scenario" / "schools.csv"
    schools.write_text(schools.read_text(encoding="utf-8").replace(",2,1,Z1", ",3,1,Z1"),
                       encoding="utf-8")
    changed = explain(run, "a3", "--scenario", tmp_path / "moved-scenario")
    assert changed.exit_code == 2 and "inputs changed" in changed.stderr
    assert "schools.csv" in changed.stderr


def test_a_run_folder_that_the_inputs_no_longer_reproduce_is_refused(tmp_path):
    _, run = run_tiny(tmp_path)
    assignments = run / "assignments.csv"
    assignments.write_text(assignments.read_text(encoding="utf-8").replace(
        "a3,D,", "a3,C,"), encoding="utf-8")
    outcome = explain(run, "a3")
    assert outcome.exit_code == 2 and "does not reproduce" in outcome.stderr


def test_a_what_if_run_explains_even_after_its_temporary_scenario_is_gone(tmp_path):
    base = helpers.copy_tiny(tmp_path / "tiny")
    spec = tmp_path / "whatifs.yaml"
    spec.write_text(yaml.safe_dump({
        "base": "tiny", "overrides": {"more_at_d": {"capacity": {"D": {"seats": 1}}}},
        "scenarios": {"baseline": [], "more_at_d": ["more_at_d"]}}), encoding="utf-8")
    outcome = helpers.run_cli("scenarios", spec, "--out", tmp_path / "whatifs")
    assert outcome.exit_code == 0, outcome.stderr
    run = tmp_path / "whatifs" / "more_at_d"
    assert (run / "inputs" / "schools.csv").is_file()
    assert_tells(explain(run, "a4"), "a4")
    shutil.move(tmp_path / "whatifs", tmp_path / "archived")
    shutil.rmtree(base)
    told = explain(tmp_path / "archived" / "more_at_d", "a4")
    assert_tells(told, "a4")
    assert "placed at D" in told.stdout  # the what-if's extra seat, not the base's story


def test_a_province_run_explains_after_roster_and_run_move_together(tmp_path):
    roster = helpers.copy_tiny(tmp_path / "project" / "roster")
    run = tmp_path / "project" / "province"
    outcome = helpers.run_cli("province", roster, "--out", run, "--serial")
    assert outcome.exit_code == 0, outcome.stderr
    shutil.move(tmp_path / "project", tmp_path / "moved")
    assert_tells(explain(tmp_path / "moved" / "province", "a3"))


def test_a_run_exported_from_the_store_explains(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    for command in (("db", "import", helpers.TINY), ("job", "run", "--job-key", "tiny"),
                    ("db", "export-run", "--job-key", "tiny", "--out", tmp_path / "exported")):
        outcome = helpers.run_cli(*command, "--db", url)
        assert outcome.exit_code == 0, (command, outcome.stderr)
    assert (tmp_path / "exported" / "inputs" / "applicants.csv").is_file()
    shutil.move(tmp_path / "exported", tmp_path / "moved")
    assert_tells(explain(tmp_path / "moved", "a3"))


# --------------------------------------------------------------------------- the deciding key


def migrants(tmp_path: Path, months: tuple[int, int]) -> Path:
    """Two migrant children living in zone Z1 (one seat at A), with these permit months."""
    schools = [{"school_id": "A", "county": "T", "capacity": 1, "classes": 1, "zones": "Z1",
                "lat": 37.80, "lon": 112.50},
               {"school_id": "B", "county": "T", "capacity": 5, "classes": 1, "zones": "Z2",
                "lat": 37.81, "lon": 112.51}]
    applicants = [{"applicant_id": f"m{i}", "county": "T", "birth_date": "2019-03-01",
                   "hukou_zone": "", "property_zone": "", "residence_zone": "Z1",
                   "residence_permit_months": value, "social_insurance_months": 0}
                  for i, value in enumerate(months, 1)]
    return helpers.write_scenario(tmp_path / "scenario", schools=schools,
                                  applicants=applicants)


def story_of_refused(tmp_path: Path, months: tuple[int, int], lang: str) -> str:
    scenario = migrants(tmp_path, months)
    run = tmp_path / "run"
    assert helpers.run_cli("run", scenario, "--out", run, "--no-reports", "-q").exit_code == 0
    rows = (run / "assignments.csv").read_text(encoding="utf-8").splitlines()
    refused = [row.split(",")[0] for row in rows[1:] if ",B," in row]
    assert len(refused) == 1
    outcome = helpers.run_cli("explain", run, refused[0], "--lang", lang)
    assert outcome.exit_code == 0, outcome.stderr
    return refused[0] + "\n" + outcome.stdout


def test_the_months_of_residence_permit_that_decided_are_named(tmp_path):
    story = story_of_refused(tmp_path, (24, 12), "en")
    assert story.startswith("m2")  # fewer months loses, whatever the lottery says
    assert ("decided by months of residence permit: yours 12, last admitted 24 (longer is "
            "better)") in " ".join(story.split())


def test_the_deciding_key_is_told_in_chinese(tmp_path):
    story = story_of_refused(tmp_path, (24, 12), "zh")
    assert "决定因素:居住证月数,本人12,最后录取者24(越长越优先)" in "".join(story.split())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lottery_is_named_only_when_every_earlier_key_was_equal(tmp_path, lang):
    story = " ".join(story_of_refused(tmp_path, (12, 12), lang).split())
    if lang == "en":
        assert "decided by the lottery number: yours 0." in story
        assert "(lower is better)" in story
    else:
        assert "决定因素:摇号号码" in story.replace(" ", "")


def test_under_the_explicit_policy_the_schools_own_ranking_is_named(tmp_path):
    from allocator.pipeline.explain import applicant_story
    from allocator.pipeline.run import run_scenario

    folder = helpers.write_explicit(tmp_path / "s", {"x": ["S", "T"], "y": ["S", "T"],
                                                     "z": ["S"]},
                                    {"S": ["y", "x"]}, {"S": 1, "T": 1})
    result = run_scenario(folder)
    refused_x = applicant_story(result, "x")["choices"][0]
    assert refused_x["decided_by"] == {"key": "school_priority", "yours": 2, "cutoff": 1,
                                       "better": "lower"}
    refused_z = applicant_story(result, "z")["choices"][0]  # z is not listed by S
    assert refused_z["decided_by"] == {"key": "tier", "yours": 1, "cutoff": 0,
                                       "better": "lower"}


def test_a_lower_tier_is_named_as_the_decider(tmp_path):
    _, run = run_tiny(tmp_path)
    told = " ".join(explain(run, "a3").stdout.split())
    assert "decided by the priority tier: yours 3, last admitted 1 (lower is better)" in told
