"""Scenario folders into the store and back, losslessly; bad input stores nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from store_support import TINY, copy_scenario, dump

from allocator.model.problems import InputError
from allocator.pipeline import run_scenario
from allocator.store.scenario_export import find_scenario, scenario_files
from allocator.store.scenario_io import import_scenario


def _export(engine, folder, county=None, for_job=False):
    with engine.connect() as connection:
        files = scenario_files(connection, find_scenario(connection, None), county, for_job)
    return files.write(folder)


def test_a_scenario_exported_from_the_store_reads_as_the_imported_one(engine, tmp_path):
    import_scenario(engine, TINY)
    exported = _export(engine, tmp_path / "exported")
    for name in ("schools.csv", "applicants.csv"):
        original = pd.read_csv(TINY / name, dtype=str, keep_default_na=False)
        again = pd.read_csv(exported / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(again, original)
    assert (exported / "scenario.yaml").read_bytes() == (TINY / "scenario.yaml").read_bytes()
    original = run_scenario(TINY).assignments.to_csv(index=False, lineterminator="\n")
    assert run_scenario(exported).assignments.to_csv(index=False, lineterminator="\n") == original


def test_the_job_roster_keeps_only_verified_applicants_of_the_county(engine, tmp_path):
    folder = copy_scenario(TINY, tmp_path / "tiny")
    lines = (folder / "applicants.csv").read_text().splitlines()
    flags = ["verified"] + ["否" if index == 2 else "true" for index in range(1, len(lines))]
    (folder / "applicants.csv").write_text("\n".join(
        f"{line},{flag}" for line, flag in zip(lines, flags, strict=True)) + "\n")
    import_scenario(engine, folder)
    roster = _export(engine, tmp_path / "job", county="T", for_job=True)
    text = (roster / "applicants.csv").read_text()
    assert "a2," not in text and "a1," in text and "verified" not in text
    everything = (_export(engine, tmp_path / "all") / "applicants.csv").read_text()
    assert "a2," in everything and everything.splitlines()[0].endswith(",verified")


def test_invalid_input_is_listed_and_stores_nothing(engine, tmp_path):
    folder = copy_scenario(TINY, tmp_path / "tiny")
    text = (folder / "schools.csv").read_text().replace(",2,1,Z1,", ",lots,1,Z1,")
    (folder / "schools.csv").write_text(text)
    before = dump(engine)
    with pytest.raises(InputError) as raised:
        import_scenario(engine, folder)
    assert any(p.file == "schools.csv" and p.column == "capacity"
               for p in raised.value.problems)
    assert dump(engine) == before


def test_an_unreadable_verified_flag_is_refused_with_its_cell(engine, tmp_path):
    folder = copy_scenario(TINY, tmp_path / "tiny")
    lines = (folder / "applicants.csv").read_text().splitlines()
    lines = [lines[0] + ",verified"] + [line + (",maybe" if i == 0 else ",1")
                                        for i, line in enumerate(lines[1:])]
    (folder / "applicants.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as raised:
        import_scenario(engine, folder)
    assert [str(p) for p in raised.value.problems] == [
        "applicants.csv:2:verified: 'maybe' is not a boolean (true/false/1/0/yes/no/是/否)"]


def test_a_scenario_name_is_stored_once(engine):
    import_scenario(engine, TINY)
    with pytest.raises(InputError, match="already stored"):
        import_scenario(engine, TINY)
    assert import_scenario(engine, TINY, name="tiny-again") > 1


def test_explicit_priorities_go_through_the_store(engine, tmp_path):
    from allocator.store.jobs import JobRequest, run_job

    folder = tmp_path / "explicit"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("name: explicit\nseed: 3\npolicy: explicit\n")
    (folder / "schools.csv").write_text("school_id,capacity\nX,1\nY,1\n")
    (folder / "applicants.csv").write_text("applicant_id,preferences\ni,X;Y\nj,X;Y\nk,X\n")
    (folder / "priorities.csv").write_text("school_id,applicant_id,rank\nX,k,1\nX,j,2\n")
    import_scenario(engine, folder)
    outcome = run_job(engine, JobRequest("explicit"))
    expected = run_scenario(folder).summary
    assert outcome.summary == expected
    exported = _export(engine, tmp_path / "back")
    assert (exported / "priorities.csv").read_text() == (folder / "priorities.csv").read_text()


def test_a_contract_column_without_a_store_column_is_kept_in_extra_cells(engine, tmp_path,
                                                                        monkeypatch):
    from dataclasses import replace

    from allocator.model.schema import SCHOOLS, Column
    from allocator.store import scenario_io

    newer = replace(SCHOOLS, columns=(*SCHOOLS.columns,
                                      Column("playground", "boolean", "optional", "test")))
    monkeypatch.setattr(scenario_io, "SCHOOLS", newer)
    folder = copy_scenario(TINY, tmp_path / "tiny")
    lines = (folder / "schools.csv").read_text().splitlines()
    (folder / "schools.csv").write_text("\n".join(
        [lines[0] + ",playground"] + [line + ",yes" for line in lines[1:]]) + "\n")
    import_scenario(engine, folder)
    exported = pd.read_csv(_export(engine, tmp_path / "back") / "schools.csv", dtype=str)
    assert exported["playground"].tolist() == ["yes"] * 4
