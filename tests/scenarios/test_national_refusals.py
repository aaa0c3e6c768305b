"""Bad partitioned rosters are refused with file, row and column; --out stays safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.model.problems import InputError
from allocator.pipeline.output_folder import OutputFolderRefused
from allocator.scenarios import run_province
from allocator.scenarios.dask_counties import ClusterMismatch, check_workers
from allocator.synthetic import iter_province, write_partitioned

SIZE, COUNTIES, SEED = 900, 3, 4


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("refusals")
    for layout in ("parquet", "folders"):
        write_partitioned(base / layout, iter_province(SIZE, COUNTIES, SEED), layout,
                          name="r", seed=SEED)
    return {"parquet": base / "parquet", "folders": base / "folders"}


def _copy(clean: dict[str, Path], layout: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(clean[layout], tmp_path / layout))


def _problems(roster: Path, out: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        run_province(roster, out, parallel=False)
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))  # no parts, no staging left
    return [str(problem) for problem in caught.value.problems]


def test_bad_partition_layout_lists_every_problem(clean, tmp_path):
    roster = _copy(clean, "parquet", tmp_path)
    (roster / "applicants" / "C009").mkdir()
    (roster / "applicants" / "county=C008").mkdir()
    (roster / "applicants" / "county=C001" / "notes.txt").write_text("x", encoding="utf-8")
    (roster / "schools.csv").write_text("school_id,county,capacity,zones\n", encoding="utf-8")
    problems = _problems(roster, tmp_path / "out")
    assert any(p.startswith("applicants/C009:::") and "county=<county id>" in p
               for p in problems)
    assert "applicants/county=C008::: the county partition holds no .parquet file" in problems
    assert any(p.startswith("applicants/county=C001/notes.txt:::") for p in problems)
    assert any(p.startswith("schools:::") and "given twice" in p for p in problems)


def test_bad_rows_name_the_partition_file_row_and_column(clean, tmp_path):
    roster = _copy(clean, "parquet", tmp_path)
    for county, row in (("C001", 4), ("C003", 7)):
        path = roster / "applicants" / f"county={county}" / "part-0.parquet"
        frame = pd.read_parquet(path)
        frame.loc[row - 2, "hukou_zone"] = "Z-nowhere"
        frame.to_parquet(path, index=False)
    problems = _problems(roster, tmp_path / "out")
    for county, row in (("C001", 4), ("C003", 7)):
        assert any(p.startswith(f"applicants/county={county}/part-0.parquet:{row}:hukou_zone: "
                                f"zone 'Z-nowhere'") for p in problems), problems


def test_a_county_split_over_two_files_names_the_right_file_and_row(clean, tmp_path):
    roster = _copy(clean, "parquet", tmp_path)
    folder = roster / "applicants" / "county=C002"
    frame = pd.read_parquet(folder / "part-0.parquet")
    frame.iloc[:100].to_parquet(folder / "part-0.parquet", index=False)
    second = frame.iloc[100:].reset_index(drop=True)
    second.loc[2, "applicant_id"] = second.loc[0, "applicant_id"]  # file row 4 repeats row 2
    second.to_parquet(folder / "part-1.parquet", index=False)
    problems = _problems(roster, tmp_path / "out")
    assert any(p.startswith("applicants/county=C002/part-1.parquet:4:applicant_id:")
               for p in problems), problems


def test_folders_layout_names_the_county_folder_and_checks_its_settings(clean, tmp_path):
    roster = _copy(clean, "folders", tmp_path)
    path = roster / "C002" / "applicants.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, "county"] = "C001"
    frame.to_csv(path, index=False)
    settings = roster / "C003" / "scenario.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(f"seed: {SEED}",
                                                                     "seed: 99"),
                        encoding="utf-8")
    (roster / "stray").mkdir()
    problems = _problems(roster, tmp_path / "out")
    assert any(p.startswith("C002/applicants.csv:5:county:") for p in problems), problems
    assert any(p.startswith("C003/scenario.yaml::seed:") for p in problems), problems
    assert any(p.startswith("stray:::") and "not a county folder" in p for p in problems)


def test_cli_exit_2_on_bad_partitions_and_out_safety_unchanged(clean, tmp_path):
    roster = _copy(clean, "parquet", tmp_path)
    (roster / "applicants" / "county=C008").mkdir()
    runner = CliRunner()
    bad = runner.invoke(app, ["province", str(roster), "--out", str(tmp_path / "out"),
                              "--serial"])
    assert bad.exit_code == 2
    assert "applicants/county=C008:::" in bad.output
    shutil.rmtree(roster / "applicants" / "county=C008")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    refused = runner.invoke(app, ["province", str(roster), "--out", str(mine), "--serial"])
    assert refused.exit_code == 2
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    with pytest.raises(OutputFolderRefused):
        run_province(roster, roster / "out", parallel=False)  # inside the input
    first = runner.invoke(app, ["province", str(roster), "--out", str(tmp_path / "out"),
                                "--serial"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["province", str(roster), "--out", str(tmp_path / "out"),
                                "--serial"])  # its own folder may be replaced
    assert again.exit_code == 0, again.output


def test_a_failed_county_changes_nothing_in_the_previous_run_folder(clean, tmp_path,
                                                                   monkeypatch):
    roster = _copy(clean, "folders", tmp_path)
    out = tmp_path / "out"
    run_province(roster, out, parallel=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import allocator.scenarios.county_task as county_task

    calls = []

    def failing(frame, path):
        calls.append(path)
        if len(calls) > 3:
            raise OSError("disk full")
        return original(frame, path)

    original = county_task._write_part
    monkeypatch.setattr(county_task, "_write_part", failing)
    with pytest.raises(OSError):
        run_province(roster, out, parallel=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".out*"))


class _Client:
    def __init__(self, seen):
        self.seen = seen

    def run(self, function, *args):
        return self.seen


def test_workers_of_another_engine_or_without_the_shared_folders_are_refused(tmp_path):
    from allocator.scenarios.dask_counties import worker_identity

    mine = worker_identity(str(tmp_path), str(tmp_path))
    check_workers(_Client({"tcp://a": mine}), str(tmp_path), str(tmp_path))
    other = dict(mine, engine="0.0.9 (123456789abc)")
    with pytest.raises(ClusterMismatch, match="same allocator version"):
        check_workers(_Client({"tcp://a": mine, "tcp://b": other}), str(tmp_path),
                      str(tmp_path))
    blind = dict(mine, roster=False)
    with pytest.raises(ClusterMismatch, match="filesystem every worker shares"):
        check_workers(_Client({"tcp://b": blind}), str(tmp_path), str(tmp_path))


def test_a_county_with_applicants_but_no_schools_partition_is_named(clean, tmp_path):
    roster = _copy(clean, "parquet", tmp_path)
    shutil.rmtree(roster / "schools" / "county=C002")
    problems = _problems(roster, tmp_path / "out")
    assert "schools/county=C002::: county 'C002' has applicants but no schools partition" \
        in problems
