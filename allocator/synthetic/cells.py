"""String cells of the generated frames, built vectorised from numbers and small tables.

Every value of a generated frame is a string formatted as it is written to CSV: the empty
string is a missing value, booleans are ``true``/``false``, dates ISO ``YYYY-MM-DD`` and
coordinates have six decimals. Imports nothing from the package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "bool_column",
    "contract_frame",
    "date_column",
    "day_number",
    "fixed6_column",
    "int_column",
    "lookup_column",
    "str_column",
    "to_latlon",
]

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320


def to_latlon(
    x_km: np.ndarray, y_km: np.ndarray, centre: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of points ``x_km`` east and ``y_km`` north of ``centre``."""
    lat = centre[0] + y_km / _KM_PER_DEG_LAT
    lon = centre[1] + x_km / (_KM_PER_DEG_LON_EQ * np.cos(np.radians(centre[0])))
    return lat, lon


def str_column(values) -> pd.Series:
    """A pandas string column from a sequence of Python strings."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object).astype("str")


def lookup_column(table: list[str], index: np.ndarray) -> pd.Series:
    """``table[index]`` as a string column; index -1 gives the empty string."""
    arr = np.array(["", *table], dtype=object)
    return str_column(arr[np.asarray(index, dtype=np.int64) + 1])


def int_column(values: np.ndarray, present: np.ndarray | None = None) -> pd.Series:
    """Integers as a string column; rows where ``present`` is false are empty."""
    s = pd.Series(np.asarray(values, dtype=np.int64)).astype("str")
    return s if present is None else s.where(present, "")


def fixed6_column(values: np.ndarray) -> pd.Series:
    """Non-negative numbers with exactly six decimals (coordinates)."""
    micro = np.rint(np.asarray(values, dtype=float) * 1e6).astype(np.int64)
    if len(micro) and micro.min() < 0:
        raise ValueError("coordinates must be non-negative")
    whole = pd.Series(micro // 1_000_000).astype("str")
    frac = pd.Series(micro % 1_000_000).astype("str").str.zfill(6)
    return whole + "." + frac


def date_column(days: np.ndarray, present: np.ndarray | None = None) -> pd.Series:
    """ISO dates from day numbers (days since 1970-01-01)."""
    days = np.asarray(days, dtype=np.int64)
    if present is not None:
        days = np.where(present, days, -1)
    ok = days >= 0 if present is not None else np.ones(len(days), dtype=bool)
    if not ok.any():
        return lookup_column([], np.full(len(days), -1))
    lo, hi = int(days[ok].min()), int(days[ok].max())
    table = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]")).tolist()
    return lookup_column(table, np.where(ok, days - lo, -1))


def bool_column(values: np.ndarray) -> pd.Series:
    """Booleans as a string column of ``true`` / ``false``."""
    return lookup_column(["false", "true"], np.asarray(values, dtype=np.int64))


def contract_frame(columns: tuple[str, ...], data: dict, n: int) -> pd.DataFrame:
    """A frame of ``n`` rows with exactly ``columns``, in order.

    A column missing from ``data`` is empty; a string value is repeated on every row; a
    sequence becomes a string column.
    """
    out = {}
    for c in columns:
        v = data.get(c, "")
        if isinstance(v, str):
            v = (
                lookup_column([v], np.zeros(n, dtype=np.int64))
                if v
                else lookup_column([], np.full(n, -1))
            )
        elif not isinstance(v, pd.Series):
            v = str_column(v)
        out[c] = v.reset_index(drop=True)
    return pd.DataFrame(out, columns=list(columns))


def day_number(year: int, month: int, day: int) -> int:
    """Day number (days since 1970-01-01) of a calendar date."""
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D").astype(np.int64))
