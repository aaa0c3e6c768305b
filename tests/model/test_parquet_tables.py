"""Parquet tables with typed columns (dates, floats, booleans) read like their CSV twins."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402


def test_typed_parquet_columns_are_read_natively(tmp_path):
    pytest.importorskip("pyarrow")
    folder = helpers.write_ladder(tmp_path / "s")
    table = pd.read_csv(folder / "applicants.csv", dtype=str, keep_default_na=False)
    table["birth_date"] = pd.to_datetime(table["birth_date"])
    table["hukou_since"] = pd.to_datetime(table["hukou_since"].replace("", None))
    table["residence_permit_months"] = table["residence_permit_months"].astype(float)
    table["hukou_city"] = table["hukou_city"].map({"true": True, "false": False, "": None})
    (folder / "applicants.csv").unlink()
    table.to_parquet(folder / "applicants.parquet")
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "out", "-q", "--no-reports")
    assert outcome.exit_code == 0, outcome.stderr
    reference = helpers.run_cli("run", helpers.write_ladder(tmp_path / "csv"), "--out",
                                tmp_path / "out-csv", "-q", "--no-reports")
    assert reference.exit_code == 0
    assert (tmp_path / "out" / "assignments.csv").read_bytes() == (
        tmp_path / "out-csv" / "assignments.csv").read_bytes()
