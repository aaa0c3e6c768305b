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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.headers import clean_header
from allocator.model.problems import ProblemCollector
from allocator.model.xlsx_reader import cell_text, read_xlsx

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")
#: A line holding nothing (or only separators) between two lines of the table.
_BLANK_INSIDE = re.compile(r"\n[ \t,]*\r?\n")
#: pyarrow's multi-threaded CSV reader (4x faster at a million rows) when installed;
#: files with blank lines inside go through pandas' own parser, which keeps line numbers.
_ARROW_ENGINE = importlib.util.find_spec("pyarrow") is not None
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CHINESE = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def find_table(folder: Path, base_name: str, problems: ProblemCollector) -> Path | None:
    """Return the one file holding table ``base_name`` (csv, xlsx or parquet).

    Records a problem when the table is given in more than one format, or as a
    symbolic link that cannot be followed (broken, or a loop).
    """
    candidates = [folder / f"{base_name}{suffix}" for suffix in TABLE_SUFFIXES]
    for path in candidates:
        if path.is_symlink() and not path.is_file():
            problems.add(path.name, None, None,
                         "is a symbolic link that cannot be followed (broken, or a loop)")
    found = [path for path in candidates if path.is_file()]
    if len(found) > 1:
        problems.add(found[0].name, None, None,
                     f"table '{base_name}' is given more than once "
                     f"({', '.join(p.name for p in found)}); keep one")
    return found[0] if found else None


@dataclass(frozen=True)
class TableText:
    """A table read as text: trimmed string cells, and how the file was encoded."""

    frame: pd.DataFrame
    encoding: str


def read_table(path: Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """Read one table as a frame of stripped strings, or record why it cannot be read."""
    table = read_table_text(path, problems)
    return None if table is None else table.frame


def read_table_text(path: Path, problems: ProblemCollector) -> TableText | None:
    """Read one table as text and say how it was encoded.

    Parameters
    ----------
    path : Path
        A ``.csv``, ``.xlsx`` or ``.parquet`` file; its stem names the table.
    problems : ProblemCollector
        Receives every problem (undecodable bytes, unnamed or repeated headers, ...).

    Returns
    -------
    TableText or None
        ``encoding`` is ``utf-8``, ``utf-8-sig`` (with a BOM) or ``gb18030`` for a
        CSV, ``xlsx`` or ``parquet`` otherwise. None when the file cannot be read.
    """
    try:
        if path.suffix == ".csv":
            read = _read_csv(path, problems)
        elif path.suffix == ".xlsx":
            read = _read_xlsx(path, problems)
        else:
            read = _read_parquet(path, problems)
    except Exception as error:  # noqa: BLE001 - any reader failure is an input problem
        problems.add(path.name, None, None,
                     f"cannot read the file: {type(error).__name__}: {_first_line(error)}")
        return None
    if read is None:
        return None
    frame, header, encoding = read
    frame = clean_header(frame, header, path.name, problems)
    frame = frame.fillna("").astype(str)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    if encoding == "xlsx":
        frame = _without_blank_lines(frame, path.name, problems)
    return TableText(frame.reset_index(drop=True), encoding)


def _first_line(error: Exception) -> str:
    """The first line of an error, cut short (library messages may quote whole rows)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text[:160]


def decode_csv(raw: bytes, file: str, problems: ProblemCollector) -> tuple[str, str] | None:
    """Decode a CSV file's bytes: (text, encoding), or None with the reason recorded.

    UTF-8 (a BOM is allowed) first. Bytes that are not UTF-8 are read as
    GB18030 (Chinese Excel's default) only when they decode without error and
    the result looks like text: no control characters, no private-use
    characters, and some Chinese. Anything else is refused, never guessed.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(file, None, None, "the file is UTF-16 (Excel's 'Unicode text'); save it "
                                       "as 'CSV UTF-8 (逗号分隔)'")
        return None
    try:
        text = raw.decode("utf-8-sig")
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as error:
        return _decode_gb18030(raw, error, file, problems)
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        problems.add(file, row, None, "the file contains NUL bytes (UTF-16 or not a CSV?); "
                                      "save it as 'CSV UTF-8 (逗号分隔)'")
        return None
    return text, encoding


def _decode_gb18030(raw: bytes, utf8_error: UnicodeDecodeError, file: str,
                    problems: ProblemCollector) -> tuple[str, str] | None:
    row = raw[: utf8_error.start].count(b"\n") + 1
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as error:
        problems.add(file, raw[: error.start].count(b"\n") + 1, None,
                     f"the file is neither UTF-8 nor GB18030 (bad byte at offset {error.start})"
                     "; save it from Excel as 'CSV UTF-8 (逗号分隔)'")
        return None
    if not _looks_like_text(text):
        problems.add(file, row, None,
                     "the file is not UTF-8, and read as GB18030 (Chinese Excel's encoding) it "
                     "holds characters Chinese text does not use; save it as 'CSV UTF-8 "
                     "(逗号分隔)' or convert it with `iconv -f GB18030 -t UTF-8 IN > OUT`")
        return None
    return text, "gb18030"


def _looks_like_text(text: str) -> bool:
    """Whether GB18030-decoded text reads as Chinese rather than as mis-decoded bytes.

    Other 8-bit encodings decode as GB18030 too (Latin-1 ``Müller`` becomes
    ``M黮ler``), but to rare characters. Chinese text is mostly the 6,763 common
    characters of GB2312: at least 90% of the non-ASCII characters must be.
    """
    if _CONTROL.search(text) or _PRIVATE_USE.search(text) or not _CHINESE.search(text):
        return False
    counts = Counter(_NON_ASCII.findall(text))
    common = sum(count for character, count in counts.items() if _in_gb2312(character))
    return common >= 0.9 * sum(counts.values())


def _in_gb2312(character: str) -> bool:
    encoded = character.encode("gb18030")
    return len(encoded) == 2 and 0xA1 <= encoded[0] <= 0xF7 and 0xA1 <= encoded[1] <= 0xFE


def _read_csv(path: Path, problems: ProblemCollector
              ) -> tuple[pd.DataFrame, list[str], str] | None:
    decoded = decode_csv(path.read_bytes(), path.name, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    header = next(csv.reader(io.StringIO(text)), [])
    names = [name.strip() for name in header]
    if not header:
        problems.add(path.name, None, None, "the file is empty; the first line must hold the "
                                            "column names")
        return None
    frame = None
    if _ARROW_ENGINE and not _BLANK_INSIDE.search(text.rstrip()) and len(set(names)) == len(
            names) and all(names):
        try:
            frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=str,
                                keep_default_na=False, engine="pyarrow")
        except Exception:  # noqa: BLE001 - pandas' own parser says which line is wrong
            frame = None
    if frame is None:
        frame = _read_csv_pandas(text, len(header), path.name, problems)
        if frame is None:
            return None
    if len(frame.columns) != len(header):
        problems.add(path.name, 1, None, "the header and the rows do not split into the same "
                                         "columns; check the quotes of the header")
        return None
    return frame, header, encoding


def _read_csv_pandas(text: str, width: int, file: str,
                     problems: ProblemCollector) -> pd.DataFrame | None:
    """pandas' own parser: slower than pyarrow, but it names the line of a bad row."""
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_filter=False, skipinitialspace=False, skip_blank_lines=False,
                            header=None, skiprows=1, names=range(width), index_col=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame({position: pd.Series([], dtype=object) for position in
                             range(width)})
    except pd.errors.ParserError as error:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if match:
            problems.add(file, int(match.group(2)), None,
                         f"the row has {match.group(3)} cells but the header "
                         f"{match.group(1)}; quote cells holding commas")
        else:
            problems.add(file, None, None, f"cannot read the CSV: {_first_line(error)}")
        return None
    return _without_blank_lines(frame, file, problems)


def _read_xlsx(path: Path, problems: ProblemCollector
               ) -> tuple[pd.DataFrame, list[Any], str] | None:
    read = read_xlsx(path, path.stem, problems)
    return None if read is None else (*read, "xlsx")


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


def _read_parquet(path: Path, problems: ProblemCollector
                  ) -> tuple[pd.DataFrame, list[Any], str] | None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        problems.add(path.name, None, None,
                     "reading Parquet needs pyarrow: pip install 'allocator[parquet]'")
        return None
    frame = pd.read_parquet(path)
    header = list(frame.columns)
    texts = {position: _parquet_text(frame.iloc[:, position])
             for position in range(len(header))}
    return pd.DataFrame(texts, index=frame.index), header, "parquet"


def _parquet_text(values: pd.Series) -> pd.Series:
    """A typed Parquet column as the validator's text: dates ISO, whole floats without .0."""
    missing = values.isna()
    if pd.api.types.is_datetime64_any_dtype(values):
        midnight = bool((values[~missing].dt.normalize() == values[~missing]).all())
        text = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    elif pd.api.types.is_bool_dtype(values):
        text = values.map({True: "true", False: "false"})
    elif pd.api.types.is_float_dtype(values):
        text = values.map(lambda value: "" if pd.isna(value) else cell_text(float(value)))
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype(str)
    elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # text columns (what a partitioned roster holds): trimmed as cell_text does, at once
        text = values.astype(object).where(~missing, "").astype(str).str.strip()
    else:
        text = values.map(lambda value: "" if value is None or value is pd.NA or (
            isinstance(value, float) and pd.isna(value)) else cell_text(value))
    return text.astype(object).where(~missing, "")
