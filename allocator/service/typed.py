"""Typed JSON for the rows the store keeps as text (integers, numbers, booleans, nulls).

The store keeps every cell as the text of the run folder's CSV, so that an export
is byte-identical. The API answers with JSON types instead: an empty cell is
``null``, counts and tiers are integers, lottery numbers and distances are
numbers, flags are booleans. Columns not named here stay strings, so an id such
as ``007`` is never turned into a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

Cell = str | int | float | bool | None

INTEGER_COLUMNS: frozenset[str] = frozenset({
    "tier", "choice_rank", "appeal_id", "capacity", "assigned", "surplus", "cutoff_tier",
    "first_choice_demand", "rejected_applicants", "classes"})
NUMBER_COLUMNS: frozenset[str] = frozenset({"distance_km", "lottery", "cutoff_lottery"})
BOOLEAN_COLUMNS: frozenset[str] = frozenset({"oversubscribed"})
#: Per-tier admission counts of schools.csv (``admitted_<tier>``, ``admitted_by_sweep``).
INTEGER_PREFIXES: tuple[str, ...] = ("admitted_",)


def integer_cell(text: str) -> int | None:
    """``''`` -> None; ``'3'`` or ``'3.0'`` -> 3 (ValueError for anything else)."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def number_cell(text: str) -> float | None:
    """``''`` (or a non-finite number, which JSON cannot hold) -> None; else the number."""
    text = text.strip()
    if not text:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def boolean_cell(text: str) -> bool | None:
    """``true``/``false`` (any case, also 1/0) -> bool; ``''`` -> None."""
    text = text.strip().lower()
    if not text:
        return None
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"'{text}' is not a boolean")


def string_cell(text: str) -> str | None:
    """``''`` -> None; else the text as it is."""
    return text if text != "" else None


def converter(column: str) -> Callable[[str], Cell]:
    """The conversion of one column's cells."""
    if column in INTEGER_COLUMNS or column.startswith(INTEGER_PREFIXES):
        return integer_cell
    if column in NUMBER_COLUMNS:
        return number_cell
    if column in BOOLEAN_COLUMNS:
        return boolean_cell
    return string_cell


def typed_row(row: Mapping[str, Any], keep_text: frozenset[str] = frozenset()) -> dict[str, Cell]:
    """A row of cell texts as typed JSON values (``keep_text``: columns left as text).

    A cell that does not read as its column's type is kept as its text rather
    than dropped, so nothing the store holds is hidden from the caller.
    """
    typed: dict[str, Cell] = {}
    for column, value in row.items():
        if not isinstance(value, str) or column in keep_text:
            typed[column] = value
            continue
        try:
            typed[column] = converter(column)(value)
        except ValueError:
            typed[column] = value
    return typed
