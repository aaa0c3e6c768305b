"""Reading scenario tables from CSV, XLSX or Parquet into string frames.

Every cell is read as text (empty string = missing); typing happens in
:mod:`allocator.model.validate` so that every bad cell can be reported with its
row and column instead of failing at the first one.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")
#: A line holding nothing (or only separators) between two lines of the table.
_BLANK_INSIDE = re.compile(r"\n[ \t,]*\r?\n")
#: pyarrow's multi-threaded CSV reader (4x faster at a million rows) when installed;
#: files with blank lines inside go through pandas' own parser, which keeps line numbers.
_ARROW_ENGINE = importlib.util.find_spec("pyarrow") is not None


def find_table(folder: Path, base_name: str, problems: ProblemCollector) -> Path | None:
    """Return the one file holding table ``base_name`` (csv, xlsx or parquet).

    Records a problem when the table is given in more than one format.
    """
    found = [folder / f"{base_name}{suffix}" for suffix in TABLE_SUFFIXES
             if (folder / f"{base_name}{suffix}").is_file()]
    if len(found) > 1:
        problems.add(found[0].name, None, None,
                     f"table '{base_name}' is given more than once "
                     f"({', '.join(p.name for p in found)}); keep one")
    return found[0] if found else None


def read_table(path: Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """Read one table as a frame of stripped strings, or record why it cannot be read."""
    try:
        if path.suffix == ".csv":
            frame = _read_csv(path, problems)
        elif path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        else:
            frame = _read_parquet(path, problems)
    except Exception as error:  # noqa: BLE001 - any reader failure is an input problem
        problems.add(path.name, None, None, f"cannot read the file: {error}")
        return None
    if frame is None:
        return None
    frame.columns = [str(column).strip() for column in frame.columns]
    frame = frame.fillna("").astype(str)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame.reset_index(drop=True)


def _read_csv(path: Path, problems: ProblemCollector) -> pd.DataFrame | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = raw[: error.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            message = ("the file is not UTF-8; it looks like GB18030/GBK, as Chinese Excel "
                       "exports it. Convert it with `iconv -f GB18030 -t UTF-8 IN > OUT` "
                       "or save it from Excel as 'CSV UTF-8 (逗号分隔)'")
        except UnicodeDecodeError:
            message = f"the file is not UTF-8 (bad byte at offset {error.start})"
        problems.add(path.name, row, None, message)
        return None
    header = next(csv.reader(io.StringIO(text)), [])
    names = [name.strip() for name in header]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(path.name, 1, name, "column appears more than once")
    if _ARROW_ENGINE and not _BLANK_INSIDE.search(text.rstrip()) and len(set(names)) == len(
            names):
        return pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False,
                           engine="pyarrow")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                        na_filter=False, skipinitialspace=False, skip_blank_lines=False)
    return _without_blank_lines(frame, path.name, problems)


def _without_blank_lines(frame: pd.DataFrame, file: str,
                         problems: ProblemCollector) -> pd.DataFrame:
    """Drop blank lines at the end; report blank lines inside (row numbers stay true)."""
    blank = (frame.fillna("").astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
    content = np.flatnonzero(~blank.to_numpy())
    last = content[-1] + 1 if content.size else 0
    for position in np.flatnonzero(blank.to_numpy()[:last]):
        problems.add(file, int(position) + 2, None, "blank line inside the table; remove it",
                     kind="blank line")
    return frame.iloc[:last]


def _read_parquet(path: Path, problems: ProblemCollector) -> pd.DataFrame | None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        problems.add(path.name, None, None,
                     "reading Parquet needs pyarrow: pip install 'allocator[parquet]'")
        return None
    frame = pd.read_parquet(path)
    return frame.astype(object).where(frame.notna(), "")
