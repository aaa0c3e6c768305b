"""A database that fails mid-import or mid-job prints no SQL and no roster value."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from store_support import TINY, copy_scenario

from allocator.model.problems import InputError
from allocator.store.scenario_io import import_scenario

ALLOCATOR = str(Path(sys.executable).with_name("allocator"))
NAMES = ["王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰"]


def _roster_values(folder: Path) -> set[str]:
    """Distinctive cells of the roster (dates, names, masked names) to look for in output."""
    rows = list(csv.DictReader((folder / "applicants.csv").open(encoding="utf-8")))
    values = {row[column] for row in rows for column in ("birth_date", "hukou_since")
              if row[column]}
    return values | set(NAMES) | {name[0] + "*" for name in NAMES}


def _add_names(folder: Path) -> None:
    path = folder / "applicants.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0].append("name")
    for row, name in zip(rows[1:], NAMES, strict=True):
        row.append(name)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _refuse_inserts(engine, table: str) -> None:
    """A trigger that fails every insert into ``table`` (a full disk, a lost replica...)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                                    "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"))
        else:
            connection.execute(text(
                "CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk quota exceeded'; END $$ LANGUAGE plpgsql"))
            connection.execute(text(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"))


def _allow_inserts(engine, table: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_{table}"
                                + ("" if engine.dialect.name == "sqlite" else f" ON {table}")))


def _allocator(*arguments: str, database: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "ALLOCATOR_DB": database, "COLUMNS": "200"}
    return subprocess.run([ALLOCATOR, *arguments], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)


def _leaks(output: str, values: set[str]) -> list[str]:
    found = [value for value in sorted(values) if value in output]
    found += [word for word in ("INSERT", "SELECT", "[SQL", "parameters", "Traceback")
              if word in output]
    return found


@pytest.mark.parametrize("table", ["applicants", "runs"])
def test_a_failing_database_prints_no_sql_or_roster_data(engine, store_url, tmp_path, table):
    folder = copy_scenario(TINY, tmp_path / "portal")
    _add_names(folder)
    values = _roster_values(folder)
    if table == "runs":
        assert _allocator("db", "import", str(folder), database=store_url).returncode == 0
    _refuse_inserts(engine, table)
    try:
        command = (["db", "import", str(folder)] if table == "applicants" else
                   ["job", "run", "--job-key", "k"])
        result = _allocator(*command, database=store_url)
    finally:
        _allow_inserts(engine, table)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "failed in the database" in output and "nothing was stored" in output
    assert _leaks(output, values) == [], output


def test_an_id_longer_than_the_store_keeps_is_an_input_error(engine, tmp_path):
    folder = copy_scenario(TINY, tmp_path / "portal")
    path = folder / "applicants.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("a4,", "a" * 101 + ",", 1),
                    encoding="utf-8")
    with pytest.raises(InputError) as raised:
        import_scenario(engine, folder)
    assert [str(problem) for problem in raised.value.problems] == [
        "applicants.csv:5:applicant_id: id of 101 characters; the store keeps ids of at most "
        "100"]
