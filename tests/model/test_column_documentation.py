"""Every column the engine validates or writes is documented (the data reference is generated
from these descriptions, so an undocumented column would be missing from the docs)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from allocator.model import outputs, schema, study_outputs
from allocator.pipeline import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.writer import report_writer

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
INPUT_TABLES = (schema.SCHOOLS, schema.APPLICANTS, schema.PRIORITIES)


@pytest.mark.parametrize("table", INPUT_TABLES, ids=lambda table: table.name)
def test_every_validated_input_column_has_a_description(table):
    missing = [column.name for column in table.columns if not column.description.strip()]
    assert missing == [], f"{table.name}: columns without a description: {missing}"
    # Chinese descriptions, once the schema carries them (a field added on another branch)
    without_chinese = [column.name for column in table.columns
                       if hasattr(column, "description_zh") and not column.description_zh]
    assert without_chinese == [], f"{table.name}: no Chinese description: {without_chinese}"


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


@pytest.fixture(scope="module", params=["tiny", "demo-county", "demo-county-later-round"])
def written_run(request, tmp_path_factory):
    """A run folder with every report, and the tier names of its policy.

    ``demo-county-later-round`` is a later round (``--after``) of the demo county: its
    extra columns, ``moves.csv`` and the round blocks must be documented too.
    """
    name = request.param.replace("-later-round", "")
    result = run_scenario(SCENARIOS / name)
    folder = write_run(result, tmp_path_factory.mktemp(request.param) / "run",
                       extra_writers=[report_writer("zh")])
    if request.param.endswith("-later-round"):
        from allocator.pipeline.after import run_after, write_moves

        result = run_after(SCENARIOS / name, folder, "reversed")
        folder = write_run(result, folder.parent / "round2",
                           extra_writers=[write_moves, report_writer("zh")])
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


def folder_gaps(folder: Path, documented: tuple, values: dict) -> dict[str, list[str]]:
    """Undocumented files (key '') and undocumented columns per file of ``folder``."""
    names = {described.name for described in documented}
    gaps = {"": sorted(path.name for path in folder.iterdir() if path.name not in names)}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv" and path.name in names:
            missing = outputs.undocumented(path.name, headers(path), values, documented)
            if missing:
                gaps[path.name] = missing
        if path.suffix == ".parquet" and path.name in names:
            columns = list(pd.read_parquet(path).columns)
            gaps[path.name] = outputs.undocumented(path.name, columns, values, documented)
    return {name: gap for name, gap in gaps.items() if gap}


def test_every_column_of_a_comparison_folder_is_documented(tmp_path):
    from allocator.scenarios import compare_runs, write_comparison

    other = tmp_path / "other_seed"
    write_run(run_scenario(SCENARIOS / "tiny", seed=8), other)
    reference = tmp_path / "reference"
    write_run(run_scenario(SCENARIOS / "tiny"), reference)
    out = tmp_path / "compare"
    write_comparison(compare_runs([reference, other]), out)
    values = {"run": ("reference", "other_seed")}
    assert folder_gaps(out, study_outputs.COMPARISON_FOLDER, values) == {}


def test_every_column_of_a_sweep_folder_is_documented(tmp_path):
    from allocator.scenarios import run_sweep, write_sweep

    scenario_file = tmp_path / "whatifs.yaml"
    scenario_file.write_text(f"base: {SCENARIOS / 'tiny'}\noverrides: {{}}\n"
                             "scenarios:\n  baseline: []\n", encoding="utf-8")
    result = run_sweep(scenario_file, [1, 2], workers=1, processes=False)
    write_sweep(result, tmp_path / "sweep")
    assert folder_gaps(tmp_path / "sweep", study_outputs.SWEEP_FOLDER, {}) == {}
