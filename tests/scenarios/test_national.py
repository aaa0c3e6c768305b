"""A roster partitioned by county: byte-identical to a single-folder run, driver-side light."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from allocator.pipeline.output_folder import MARKER
from allocator.scenarios import run_province
from allocator.synthetic import iter_province, write_partitioned, write_scenario
from allocator.synthetic.province import generate_province

RUN_FILES = ("assignments.csv", "schools.csv", "summary.json")
SIZE, COUNTIES, SEED = 2400, 3, 11


@pytest.fixture(scope="module")
def rosters(tmp_path_factory) -> dict[str, Path]:
    """The same three-county roster as one folder, as Parquet partitions and as folders."""
    base = tmp_path_factory.mktemp("national")
    name = f"synthetic-{COUNTIES}x{SIZE}-{SEED}"
    schools, applicants = generate_province(SIZE, COUNTIES, SEED)
    made = {"single": write_scenario(base / "single", schools, applicants, name=name,
                                     seed=SEED)}
    for layout in ("parquet", "folders"):
        write_partitioned(base / layout, iter_province(SIZE, COUNTIES, SEED), layout,
                          name=name, seed=SEED)
        made[layout] = base / layout
    return made


@pytest.fixture(scope="module")
def serial_single(rosters, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "single"
    run_province(rosters["single"], out, parallel=False)
    return out


def _same_files(first: Path, second: Path) -> None:
    for name in RUN_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("layout", ["parquet", "folders"])
def test_partitioned_serial_runs_equal_the_single_folder_run(rosters, serial_single, layout,
                                                             tmp_path):
    result = run_province(rosters[layout], tmp_path / "out", parallel=False)
    _same_files(serial_single, tmp_path / "out")
    assert "assignments" not in result  # the driver returns no roster-sized frame
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["province"]["layout"] == layout
    assert manifest["province"]["counties"] == COUNTIES
    assert len(manifest["inputs"]) == 1 + 2 * COUNTIES  # scenario.yaml and both tables


def test_two_workers_equal_serial_and_the_driver_never_reads_a_table(
        rosters, serial_single, tmp_path, monkeypatch):
    """Workers are separate processes: the patched readers only forbid the driver's reads."""
    import allocator.model.readers as readers
    import allocator.model.scenario as scenario
    import allocator.pipeline.load as load
    import allocator.scenarios.county_read as county_read

    def forbidden(*args, **kwargs):
        raise AssertionError("the driver read a table")

    for module, name in ((readers, "read_table_text"), (scenario, "load_tables"),
                         (load, "load"), (county_read, "read_table_text"),
                         (county_read, "load_tables"), (county_read, "validate_tables")):
        monkeypatch.setattr(module, name, forbidden)
    out = tmp_path / "parallel"
    run_province(rosters["parquet"], out, parallel=True, workers=2, parquet_copy=True)
    _same_files(serial_single, out)
    copy = pd.read_parquet(out / "assignments.parquet")
    written = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert sorted(copy["applicant_id"]) == sorted(written["applicant_id"])
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert "assignments.parquet" in marker["entries"]
    assert not list(tmp_path.glob(".parallel*"))  # parts and staging removed


def test_partition_files_hold_the_csv_text_of_their_county(rosters):
    schools, applicants = generate_province(SIZE, COUNTIES, SEED)
    csv = pd.read_csv(rosters["single"] / "applicants.csv", dtype=str, keep_default_na=False)
    part = pd.read_parquet(rosters["parquet"] / "applicants" / "county=C002" / "part-0.parquet")
    expected = csv[csv["county"] == "C002"].drop(columns=["county"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)
    folder = pd.read_csv(rosters["folders"] / "C002" / "applicants.csv", dtype=str,
                         keep_default_na=False)
    pd.testing.assert_frame_equal(folder, csv[csv["county"] == "C002"].reset_index(drop=True))


def test_a_partitioned_roster_is_written_only_into_a_new_or_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_partitioned(tmp_path, iter_province(200, 2, 1), "parquet", name="x", seed=1)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_generate_partitioned_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from allocator.interfaces.cli import app

    runner = CliRunner()
    made = runner.invoke(app, ["generate", str(tmp_path / "roster"), "--applicants", "300",
                               "--counties", "2", "--seed", "3", "--partitioned", "folders"])
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in (tmp_path / "roster").iterdir()) == ["C001", "C002",
                                                                       "scenario.yaml"]
    again = runner.invoke(app, ["generate", str(tmp_path / "roster"), "--partitioned",
                                "parquet"])
    assert again.exit_code == 2 and "not empty" in again.output
    both = runner.invoke(app, ["generate", str(tmp_path / "new"), "--partitioned", "parquet",
                               "--communities", "3"])
    assert both.exit_code == 2 and not (tmp_path / "new").exists()


def _malloc_trim_setting() -> str | None:
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_workers_keep_glibc_malloc_adaptive():
    """Dask's nanny set MALLOC_TRIM_THRESHOLD_ in its workers, which turns off glibc's adaptive
    mmap threshold: a one-worker province run at 1,000,000 applicants spent 11 s of system
    time against 3 s serially (57 s against 40 s wall). Our local workers must not get it."""
    from dask.distributed import Client

    from allocator.scenarios.dask_counties import local_cluster

    cluster = local_cluster(1)
    try:
        with Client(cluster) as client:
            settings = client.run(_malloc_trim_setting)
    finally:
        cluster.close()
    assert list(settings.values()) == [None]
