"""One tier vocabulary in every output, and publications that hold only what they may.

A primary and a junior county (with private schools, migrant children and children
excluded by the expert committee's plan) run once with the reports, and once
through the store. Every file that writes a tier is checked against the numbering
derived here, independently, from the policy file: per stage, the ladder's rungs
that apply to it numbered from 0, then the private round.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.pipeline.explain import applicant_story
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer
from allocator.synthetic import generate_county, write_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

POLICY_FILE = (Path(__file__).resolve().parents[2] / "allocator" / "policy" / "builtin"
               / "shanxi-2025.yaml")
EXCLUSION_TEXT = ("excluded", "special_school", "home_teaching", "under_age", "resource_room")
PUBLICATION_FILES = ("disclosure.csv", "disclosure_admitted.csv", "disclosure_counts.csv")


def expected_vocabulary() -> dict[str, dict[str, int]]:
    """Stage -> tier name -> number, read from the policy file (the oracle of these tests)."""
    policy = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    vocabulary = {}
    for stage in ("primary", "junior"):
        names = [t["name"] for t in policy["tiers"] if stage in t.get("stages", [stage])]
        vocabulary[stage] = {name: number for number, name in
                             enumerate([*names, "private_lottery"])}
    return vocabulary


VOCABULARY = expected_vocabulary()


def _exclude(applicants: pd.DataFrame, rows: list[int], plan: str) -> None:
    for row in rows:
        applicants.loc[row, ["categories", "disability_plan"]] = ["disabled", plan]


@pytest.fixture(scope="module")
def mixed_scenario(tmp_path_factory) -> Path:
    """A primary county and a junior county; four children excluded by their plan."""
    primary_schools, primary = generate_county("140701", 500, 11, n_schools=8)
    junior_schools, junior = generate_county("140702", 400, 12, n_schools=6, stage="junior")
    _exclude(primary, [3, 40], "special_school")
    _exclude(junior, [5], "home_teaching")
    _exclude(primary, [77], "home_teaching")
    folder = tmp_path_factory.mktemp("mixed") / "scenario"
    return write_scenario(folder, pd.concat([primary_schools, junior_schools],
                                            ignore_index=True),
                          pd.concat([primary, junior], ignore_index=True),
                          name="publication-test", seed=5)


@pytest.fixture(scope="module")
def mixed_result(mixed_scenario):
    return run_scenario(mixed_scenario)


@pytest.fixture(scope="module")
def mixed_run(mixed_result, tmp_path_factory) -> Path:
    return write_run(mixed_result, tmp_path_factory.mktemp("run") / "en",
                     extra_writers=[report_writer("en")])


@pytest.fixture(scope="module")
def stored_disclosure(mixed_scenario, tmp_path_factory) -> str:
    """The store's publication of the same scenario (``db import`` and ``job run``)."""
    from allocator.store.database import open_store
    from allocator.store.placements import disclosure_text

    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'portal.db'}"
    runner = CliRunner()
    for command in (["db", "import", mixed_scenario], ["job", "run", "--job-key", "k"]):
        outcome = runner.invoke(app, [*map(str, command), "--db", url])
        assert outcome.exit_code == 0, outcome.stderr
    engine = open_store(url, migrate=False)
    with engine.connect() as connection:
        text = disclosure_text(connection, 1)
    engine.dispose()
    return text


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- one vocabulary


def test_assignments_number_tiers_per_stage_and_say_so_in_the_reasons(mixed_run):
    assignments = read(mixed_run, "assignments.csv")
    ranked = assignments[assignments["tier"] != ""]
    assert set(ranked["stage"]) == {"primary", "junior"}
    for row in ranked.itertuples():
        assert int(row.tier) == VOCABULARY[row.stage][row.tier_name], row
        if " in tier " in row.reason:
            assert f"in tier {row.tier} ({row.tier_name})" in row.reason
    numbers = {stage: set(ranked.loc[ranked["stage"] == stage, "tier"].astype(int))
               for stage in ("primary", "junior")}
    assert max(numbers["primary"]) <= 7 and max(numbers["junior"]) <= 9


def test_school_cutoffs_use_the_same_numbers_in_schools_and_disclosure(mixed_run):
    schools = read(mixed_run, "schools.csv")
    disclosure = read(mixed_run, "disclosure.csv").set_index("school_id")
    with_cutoff = schools[schools["cutoff_tier"] != ""]
    # teeth: the old numbering (ladder index) differs for every primary tier after the first
    assert (with_cutoff["stage"].eq("primary") & ~with_cutoff["cutoff_tier_name"].eq(
        "certified")).any()
    for row in with_cutoff.itertuples():
        assert int(row.cutoff_tier) == VOCABULARY[row.stage][row.cutoff_tier_name], row
        published = disclosure.loc[row.school_id]
        assert (published["cutoff_tier"], published["cutoff_tier_name"]) == (
            row.cutoff_tier, row.cutoff_tier_name)


def test_conditions_list_the_tiers_of_the_schools_stage(mixed_run, mixed_result):
    labels = {t.name: t.label_en for t in mixed_result.loaded.policy.tiers}
    disclosure = read(mixed_run, "disclosure.csv")
    for row in disclosure.itertuples():
        listed = [re.fullmatch(r"(\d+)\. (.+)", item).groups()
                  for item in row.conditions.split("; ")]
        vocabulary = VOCABULARY[row.stage]
        if row.kind == "private":
            expected = [(str(vocabulary["private_lottery"]), None)]
        else:
            expected = [(str(n), labels[name]) for name, n in vocabulary.items()
                        if name != "private_lottery"]
        assert [n for n, _ in listed] == [n for n, _ in expected], row.school_id
        if row.kind == "public":
            assert [label for _, label in listed] == [label for _, label in expected]
    primary = disclosure.loc[disclosure["stage"] == "primary", "conditions"]
    assert not primary.str.contains(labels["feeder_primary"], regex=False).any()


def test_admitted_list_writes_integer_tiers_equal_to_the_assignments(mixed_run):
    admitted = read(mixed_run, "disclosure_admitted.csv")
    assert admitted["tier"].str.fullmatch(r"\d*").all()  # never 1.0
    assignments = read(mixed_run, "assignments.csv").set_index("applicant_id")
    joined = assignments.loc[admitted["application_number"]]
    assert admitted["tier"].tolist() == joined["tier"].tolist()
    assert admitted["tier_name"].tolist() == joined["tier_name"].tolist()


def test_workbook_sheets_hold_the_same_tiers(mixed_run):
    from allocator.model.vocabulary import column_label, sheet_name

    workbook = openpyxl.load_workbook(mixed_run / "report.xlsx", read_only=True)
    for sheet, csv_name, column in (("assignments", "assignments.csv", "tier"),
                                    ("schools", "schools.csv", "cutoff_tier")):
        # the workbook is localised (this run is English): sheet and header by the vocabulary
        rows = list(workbook[sheet_name(sheet, "en")].iter_rows(values_only=True))
        position = rows[0].index(column_label(column, "en"))
        cells = ["" if row[position] is None else str(row[position]) for row in rows[1:]]
        assert all(isinstance(row[position], int | type(None)) for row in rows[1:]), sheet
        assert cells == read(mixed_run, csv_name)[column].tolist(), sheet


def test_explain_uses_the_same_numbers(mixed_result):
    assignments = mixed_result.assignments
    for stage in ("primary", "junior"):
        some = assignments[(assignments["stage"] == stage)
                           & (assignments["status"] == "placed")].head(40)
        for applicant in some["applicant_id"]:
            story = applicant_story(mixed_result, applicant)
            for choice in story["choices"]:
                assert choice["tier"] == VOCABULARY[stage][choice["tier_name"]]
                if choice["cutoff"]:
                    cutoff = choice["cutoff"]
                    assert cutoff["tier"] == VOCABULARY[stage][cutoff["tier_name"]]


def test_the_store_publishes_the_run_folders_list_byte_for_byte(mixed_run, stored_disclosure):
    assert stored_disclosure == (mixed_run / "disclosure_admitted.csv").read_text(
        encoding="utf-8")


# --------------------------------------------------------------------------- minimal publication


def excluded_ids(result) -> list[str]:
    assignments = result.assignments
    return assignments.loc[assignments["status"] == "excluded", "applicant_id"].tolist()


def test_publications_list_no_excluded_child_and_no_exclusion_reason(mixed_run, mixed_result,
                                                                    stored_disclosure):
    excluded = excluded_ids(mixed_result)
    assert {"140701-000004", "140701-000041", "140701-000078", "140702-000006"} <= set(excluded)
    for name in ("disclosure.csv", "disclosure_admitted.csv"):
        text = (mixed_run / name).read_text(encoding="utf-8")
        assert not set(re.split(r"[,\n]", text)) & set(excluded), name
        for word in EXCLUSION_TEXT:
            assert word not in text, (name, word)
    assert not set(re.split(r"[,\n]", stored_disclosure)) & set(excluded)
    for word in EXCLUSION_TEXT:
        assert word not in stored_disclosure, word


def test_excluded_children_appear_only_as_counts(mixed_run, mixed_result):
    counts = read(mixed_run, "disclosure_counts.csv")
    assert list(counts.columns) == ["county", "stage", "applicants", "placed", "unplaced",
                                    "excluded"]
    summary = mixed_result.summary["counts"]
    assert counts["excluded"].astype(int).sum() == summary["excluded"] >= 4
    assert counts["applicants"].astype(int).sum() == summary["applicants"]
    assert counts["placed"].astype(int).sum() == summary["placed"]
    assert not [c for c in counts.columns if "reason" in c or "special" in c]


def test_the_service_publishes_no_excluded_child(store_url_for_service):
    """``/disclosure`` of the tiny scenario: a8's plan is a special school."""
    import warnings

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
    from service_support import AUTH, tiny_app, wait_for
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with TestClient(tiny_app(store_url_for_service)) as client:
        client.post("/jobs", headers=AUTH, json={"job_key": "tiny-2025"})
        assert wait_for(client, "tiny-2025")["state"] == "completed"
        text = client.get("/jobs/tiny-2025/disclosure", headers=AUTH).text
    assert text.splitlines()[0] == ("application_number,school_id,status,tier,tier_name,"
                                    "route,lottery,appeal_id")
    assert not [line for line in text.splitlines() if line.startswith("a8,")]
    for word in EXCLUSION_TEXT:
        assert word not in text, word


@pytest.fixture
def store_url_for_service(tmp_path) -> str:
    from allocator.store.database import open_store

    url = f"sqlite:///{tmp_path / 'service.db'}"
    open_store(url).dispose()  # creates the schema
    return url


def test_a_resource_room_placement_is_published_without_revealing_the_disability(tmp_path):
    schools = helpers.ladder_schools()
    applicants = helpers.ladder_applicants()
    applicants[3].update(categories="disabled", disability_plan="mainstream")
    result = run_scenario(helpers.write_ladder(tmp_path / "s", schools, applicants))
    row = result.assignments.set_index("applicant_id").loc["p4"]
    assert row["reason_code"] == "resource_room"  # the case exists
    written = write_run(result, tmp_path / "run", extra_writers=[report_writer("en")])
    admitted = read(written, "disclosure_admitted.csv").set_index("application_number")
    assert admitted.loc["p4", "route"] == "priority_placement"
    assert "resource_room" not in (written / "disclosure_admitted.csv").read_text(
        encoding="utf-8")


def test_the_private_round_follows_the_last_rung_of_each_stage():
    """The demo county's private schools: tier 7 in primary (was 9, leaving 7 and 8 unused)."""
    result = run_scenario(helpers.REPO / "scenarios" / "demo-county")
    assignments = result.assignments
    private = assignments[assignments["tier_name"] == "private_lottery"]
    assert len(private) > 0 and set(private["stage"]) == {"primary"}
    assert set(private["tier"].astype(int)) == {VOCABULARY["primary"]["private_lottery"]} == {7}
    schools = result.schools
    cut = schools[schools["cutoff_tier_name"] == "private_lottery"]
    assert len(cut) and set(cut["cutoff_tier"].astype(int)) == {7}
