"""Every column the engine validates or writes is documented (the data reference is generated
from these descriptions, so an undocumented column would be missing from the docs)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from allocator.model import outputs, schema
from allocator.pipeline import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
INPUT_TABLES = (schema.SCHOOLS, schema.APPLICANTS, schema.PRIORITIES)


@pytest.mark.parametrize("table", INPUT_TABLES, ids=lambda table: table.name)
def test_every_validated_input_column_has_a_description(table):
    missing = [column.name for column in table.columns if not column.description.strip()]
    assert missing == [], f"{table.name}: columns without a description: {missing}"


def test_every_output_column_has_a_description_and_a_chinese_name():
    for described in outputs.RUN_FOLDER:
        assert described.description.strip() and described.name_zh.strip(), described.name
        for column in described.columns:
            assert column.description.strip(), f"{described.name}:{column.name}"
            assert column.name_zh.strip(), f"{described.name}:{column.name}"


def test_an_unknown_column_is_reported_and_a_placeholder_matches_only_its_values():
    tiers = {"tier": ("certified", "hukou_and_home")}
    assert outputs.undocumented("schools.csv", ["school_id", "made_up"], tiers) == ["made_up"]
    assert outputs.undocumented("schools.csv", ["admitted_certified"], tiers) == []
    assert outputs.undocumented("schools.csv", ["admitted_nobody"], tiers) == ["admitted_nobody"]
    with pytest.raises(KeyError):
        outputs.output_file("unknown.csv")


@pytest.fixture(scope="module", params=["tiny", "demo-county"])
def written_run(request, tmp_path_factory):
    """A run folder with every report, and the tier names of its policy."""
    result = run_scenario(SCENARIOS / request.param)
    folder = write_run(result, tmp_path_factory.mktemp(request.param) / "run",
                       extra_writers=[report_writer("zh")])
    return folder, tuple(result.problem.tier_names)


def headers(path: Path) -> list[str]:
    """Column names of a CSV file, or top-level keys of a JSON file."""
    if path.suffix == ".json":
        return list(json.loads(path.read_text(encoding="utf-8")))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def test_every_file_of_the_run_folder_is_documented(written_run):
    folder, _ = written_run
    documented = {described.name for described in outputs.RUN_FOLDER}
    written = sorted(path.name for path in folder.iterdir())
    assert [name for name in written if name not in documented] == []


def test_every_column_and_key_the_run_folder_writes_is_documented(written_run):
    folder, tier_names = written_run
    missing = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".csv", ".json"):
            continue
        gaps = outputs.undocumented(path.name, headers(path), {"tier": tier_names})
        if gaps:
            missing[path.name] = gaps
    assert missing == {}, f"undocumented columns (add them to allocator/model/outputs.py): " \
                          f"{missing}"
