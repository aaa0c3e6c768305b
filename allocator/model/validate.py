"""Column-level validation of scenario tables: text in, typed frames out.

Every check is vectorised over the column and records one problem per bad
cell (row numbers as a spreadsheet shows them: header = row 1).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from allocator.model.headers import account_for_columns
from allocator.model.problems import ProblemCollector
from allocator.model.schema import (
    FALSE_WORDS,
    FORBIDDEN_NAME_PARTS,
    TRUE_WORDS,
    Column,
    TableSchema,
)

_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")
NATIONAL_ID = re.compile(r"^\d{17}[\dXx]$")
#: Whole numbers longer than this are refused: longer ones would wrap around in
#: 64-bit arithmetic (2**63 has 19 digits; a priority rank may be as large as 2**40).
MAX_INTEGER_DIGITS = 18


def rows_of(mask: np.ndarray | pd.Series) -> np.ndarray:
    """Spreadsheet row numbers (header = 1) of the true entries of ``mask``."""
    return np.flatnonzero(np.asarray(mask)) + 2


def check_header(frame: pd.DataFrame, schema: TableSchema, file: str,
                 spatial_required: bool, problems: ProblemCollector) -> bool:
    """Check required, forbidden and unknown columns; return False if a required one is missing.

    Every column is accounted for (:func:`~allocator.model.headers.account_for_columns`):
    a near-miss of a known column is a problem, any other unknown column a warning.
    """
    complete = True
    forbidden: set[str] = set()
    for column in schema.columns:
        needed = column.required == "always" or (column.required == "spatial" and spatial_required)
        if needed and column.name not in frame.columns:
            problems.add(file, 1, column.name, "required column is missing")
            complete = False
    for name in frame.columns:
        lowered = name.lower()
        if any(part in lowered for part in FORBIDDEN_NAME_PARTS):
            forbidden.add(name)
            problems.add(file, 1, name,
                         "admission may not depend on tests, income or parents' jobs; "
                         "remove this column")
    duplicated = pd.Index(frame.columns)[pd.Index(frame.columns).duplicated()]
    for name in duplicated:
        problems.add(file, 1, name, "column appears more than once")
    account_for_columns(list(frame.columns), schema, file, problems, frozenset(forbidden))
    return complete


def parse_column(text: pd.Series, column: Column, file: str,
                 problems: ProblemCollector) -> pd.Series:
    """Convert one text column to its kind, recording every bad cell."""
    present = text != ""
    if column.kind == "integer":
        return _parse_integer(text, present, column, file, problems)
    if column.kind == "number":
        return _parse_number(text, present, column, file, problems)
    if column.kind == "boolean":
        return _parse_boolean(text, present, column, file, problems)
    if column.kind == "date":
        return _parse_date(text, present, column, file, problems)
    if column.kind == "choice":
        lowered = text.str.lower()
        bad = present & ~lowered.isin(column.choices)
        problems.add_rows(file, rows_of(bad), column.name,
                          [f"unknown value '{v}'; expected one of {', '.join(column.choices)}"
                           for v in text[bad]], kind="unknown value")
        return lowered.where(~bad, "")
    if column.kind == "list":
        return _parse_list(text, column, file, problems)
    return text


def _parse_integer(text, present, column, file, problems) -> pd.Series:
    well_formed = text.str.fullmatch(_INTEGER.pattern)
    bad = present & ~well_formed
    problems.add_rows(file, rows_of(bad), column.name,
                      [f"'{v}' is not a whole number" for v in text[bad]], kind="not integer")
    # only a cell longer than the limit can hold too many digits: count those alone
    long = present & well_formed & (text.str.len() > MAX_INTEGER_DIGITS)
    digits = text[long].str.lstrip("+-").str.split(".").str[0].str.lstrip("0").str.len()
    huge = long & (digits > MAX_INTEGER_DIGITS).reindex(text.index, fill_value=False)
    problems.add_rows(file, rows_of(huge), column.name,
                      [f"'{v[:30]}' is too large (at most {MAX_INTEGER_DIGITS} digits)"
                       for v in text[huge]], kind="too large")
    well_formed = well_formed & ~huge
    values = _whole_numbers(text.where(present & well_formed, "0"))
    _check_range(values, present & well_formed, column, file, problems)
    return values.astype("Int64").where(present & well_formed, pd.NA)


def _whole_numbers(text: pd.Series) -> pd.Series:
    """int64 of well-formed integer cells (at most 18 digits: ``+7``, ``007``, ``12.0``).

    A direct cast of the text once the sign and the zero decimals are dropped: about ten
    times faster than :func:`pandas.to_numeric`, which parses Arrow strings one by one.
    """
    plain = text.str.replace(r"^\+|\.0*$", "", regex=True)
    try:
        return plain.astype(np.int64)
    except (ValueError, TypeError, OverflowError):  # a cell the cast does not take
        return pd.to_numeric(text, errors="coerce").fillna(0).astype(np.int64)


def _parse_number(text, present, column, file, problems) -> pd.Series:
    values = pd.to_numeric(text.where(present, ""), errors="coerce").astype(np.float64)
    bad = present & values.isna()
    problems.add_rows(file, rows_of(bad), column.name,
                      [f"'{v}' is not a number" for v in text[bad]], kind="not number")
    _check_range(values, present & ~bad, column, file, problems)
    return values


def _check_range(values, valid, column, file, problems) -> None:
    if column.minimum is not None:
        low = valid & (values < column.minimum)
        problems.add_rows(file, rows_of(low), column.name,
                          [f"{v} is below the minimum {column.minimum:g}" for v in values[low]],
                          kind="below minimum")
    if column.maximum is not None:
        high = valid & (values > column.maximum)
        problems.add_rows(file, rows_of(high), column.name,
                          [f"{v} is above the maximum {column.maximum:g}" for v in values[high]],
                          kind="above maximum")


def _parse_boolean(text, present, column, file, problems) -> pd.Series:
    lowered = text.str.lower()
    truth = lowered.isin(TRUE_WORDS)
    bad = present & ~truth & ~lowered.isin(FALSE_WORDS)
    problems.add_rows(file, rows_of(bad), column.name,
                      [f"'{v}' is not a boolean (true/false/1/0/yes/no/是/否)" for v in text[bad]],
                      kind="not boolean")
    return truth.astype(bool)


def _parse_date(text, present, column, file, problems) -> pd.Series:
    well_formed = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    values = pd.to_datetime(text.where(present & well_formed, None), format="%Y-%m-%d",
                            errors="coerce")
    bad = present & values.isna()
    problems.add_rows(file, rows_of(bad), column.name,
                      [f"'{v}' is not a date (YYYY-MM-DD)" for v in text[bad]], kind="bad date")
    return values


def _parse_list(text, column, file, problems) -> pd.Series:
    spaced = text.str.contains(" ", regex=False) | text.str.contains("\t", regex=False)
    normalised = text.str.replace(r"\s*;\s*", ";", regex=True) if spaced.any() else text
    normalised = normalised.str.strip(";")
    if not column.choices:
        return normalised
    normalised = normalised.str.lower()
    items = normalised[normalised != ""].str.split(";").explode()
    bad = (items != "") & ~items.isin(column.choices)
    problems.add_rows(file, items.index[bad].to_numpy() + 2, column.name,
                      [f"unknown tag '{v}'; expected one of {', '.join(column.choices)}"
                       for v in items[bad]], kind="unknown tag")
    return normalised


def check_unique(values: pd.Series, column: str, file: str, problems: ProblemCollector) -> None:
    """Record every repeated, or missing, value of an id column."""
    missing = values == ""
    problems.add_rows(file, rows_of(missing), column, ["required value is missing"] * int(
        missing.sum()), kind="missing id")
    repeated = values.duplicated(keep="first") & ~missing
    problems.add_rows(file, rows_of(repeated), column,
                      [f"duplicate id '{v}'" for v in values[repeated]], kind="duplicate id")


def check_present(values: pd.Series, mask: pd.Series | np.ndarray, column: str, file: str,
                  problems: ProblemCollector, message: str = "required value is missing") -> None:
    """Record rows where ``mask`` holds and the value is empty."""
    missing = np.asarray(mask) & (values == "").to_numpy()
    problems.add_rows(file, rows_of(missing), column, [message] * int(missing.sum()),
                      kind=message)


def explode_list(values: pd.Series) -> pd.DataFrame:
    """Long form of a ``;`` list column: (row position, rank from 1, item)."""
    items = values[values != ""].str.split(";").explode().str.strip()
    items = items[items.notna() & (items != "")]
    positions = items.index.to_numpy()
    ranks = items.groupby(level=0).cumcount().to_numpy() + 1
    return pd.DataFrame({"position": positions, "rank": ranks, "item": items.to_numpy()})
