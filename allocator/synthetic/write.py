"""Write a generated roster as a scenario folder (``scenario.yaml``, ``schools.csv``,
``applicants.csv``)."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import yaml

__all__ = ["write_partitioned", "write_scenario"]

#: Layouts of a roster partitioned by county (docs/national.md).
PARTITIONED_LAYOUTS = ("parquet", "folders")

_CORE_KEYS = ("name", "seed", "policy", "mechanism", "entry_year")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` (usual permissions), then rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    text = frame.to_csv(index=False, lineterminator="\n", na_rep="")
    return text.encode("utf-8")


def write_scenario(
    folder: str | os.PathLike,
    schools: pd.DataFrame,
    applicants: pd.DataFrame,
    *,
    name: str,
    seed: int,
    policy: str = "shanxi-2025",
    mechanism: str = "deferred-acceptance",
    entry_year: int = 2025,
    extra_settings: dict | None = None,
    zones: pd.DataFrame | None = None,
) -> Path:
    """Write a scenario folder that ``allocator run`` reads.

    Parameters
    ----------
    folder : str or os.PathLike
        Target folder; created if missing. Existing ``scenario.yaml``, ``schools.csv`` and
        ``applicants.csv`` are replaced; other files are left alone.
    schools, applicants : pandas.DataFrame
        Frames as returned by :func:`~allocator.synthetic.generate_county` or
        :func:`~allocator.synthetic.generate_province`; written as they are, without index.
    name : str
        Scenario name (``scenario.yaml: name``).
    seed : int
        Lottery seed published for audit (``scenario.yaml: seed``).
    policy : str, default "shanxi-2025"
        Built-in policy name or path of a policy YAML relative to the folder.
    mechanism : str, default "deferred-acceptance"
        Allocation mechanism.
    entry_year : int, default 2025
        School year of entry.
    extra_settings : dict, optional
        Further ``scenario.yaml`` keys, written after the standard ones in the given order.
        May not repeat a standard key.
    zones : pandas.DataFrame, optional
        Communities from :func:`~allocator.synthetic.split_into_communities`, written as
        ``zones.csv`` (absent by default).

    Returns
    -------
    pathlib.Path
        The scenario folder.

    Notes
    -----
    The output is deterministic: UTF-8 without BOM, ``\\n`` line ends, keys of
    ``scenario.yaml`` in a fixed order, so the same frames and settings give identical bytes.
    Each file is written to a temporary file first and then moved into place.
    """
    settings = _settings(name, seed, policy, mechanism, entry_year, extra_settings)
    if not isinstance(schools, pd.DataFrame) or not isinstance(applicants, pd.DataFrame):
        raise TypeError("schools and applicants must be pandas DataFrames")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "scenario.yaml", _settings_bytes(settings))
    _atomic_write(out / "schools.csv", _csv_bytes(schools))
    _atomic_write(out / "applicants.csv", _csv_bytes(applicants))
    if zones is not None:
        _atomic_write(out / "zones.csv", _csv_bytes(zones))
    return out


def _settings(name, seed, policy, mechanism, entry_year, extra_settings) -> dict:
    settings: dict = {
        "name": str(name),
        "seed": int(seed),
        "policy": str(policy),
        "mechanism": str(mechanism),
        "entry_year": int(entry_year),
    }
    for key, value in (extra_settings or {}).items():
        if key in settings:
            raise ValueError(f"extra_settings may not override {key!r}")
        settings[str(key)] = value
    return settings


def _settings_bytes(settings: dict) -> bytes:
    text = yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return text.encode("utf-8")


def write_partitioned(
    folder: str | os.PathLike,
    counties: Iterable[tuple[str, pd.DataFrame, pd.DataFrame]],
    layout: str,
    *,
    name: str,
    seed: int,
    policy: str = "shanxi-2025",
    mechanism: str = "deferred-acceptance",
    entry_year: int = 2025,
) -> tuple[int, int, int]:
    """Write a roster partitioned by county, one county at a time (bounded memory).

    Parameters
    ----------
    folder : str or os.PathLike
        Target folder; must be absent or empty (a partitioned roster is never merged
        into an older one).
    counties : iterable of (county, schools, applicants)
        For example :func:`~allocator.synthetic.iter_province`; consumed one by one.
    layout : str
        ``parquet``: ``applicants/county=<id>/part-0.parquet`` and
        ``schools/county=<id>/part-0.parquet`` (hive layout, every cell stored as the
        text ``applicants.csv`` would hold, without the ``county`` column, which the
        partition names). ``folders``: one scenario folder per county named by its id
        (``scenario.yaml``, ``schools.csv``, ``applicants.csv``), runnable alone.
        Both get the province's ``scenario.yaml`` at the top.
    name, seed, policy, mechanism, entry_year
        As in :func:`write_scenario`.

    Returns
    -------
    tuple of int
        Counties, schools and applicants written.
    """
    if layout not in PARTITIONED_LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(PARTITIONED_LAYOUTS)}: {layout!r}")
    out = Path(folder)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    settings = _settings(name, seed, policy, mechanism, entry_year, None)
    _atomic_write(out / "scenario.yaml", _settings_bytes(settings))
    written = [0, 0, 0]
    for county, schools, applicants in counties:
        if layout == "parquet":
            for table, frame in (("schools", schools), ("applicants", applicants)):
                target = out / table / f"county={quote(str(county), safe='')}"
                target.mkdir(parents=True)
                _atomic_write(target / "part-0.parquet", _parquet_bytes(frame))
        else:
            write_scenario(out / str(county), schools, applicants, name=f"{name}-{county}",
                           seed=seed, policy=policy, mechanism=mechanism,
                           entry_year=entry_year)
        written = [written[0] + 1, written[1] + len(schools), written[2] + len(applicants)]
    return written[0], written[1], written[2]


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet text columns: each cell the text its CSV would hold."""
    text = pd.read_csv(io.BytesIO(_csv_bytes(frame)), dtype=str, keep_default_na=False)
    buffer = io.BytesIO()
    text.drop(columns=["county"]).to_parquet(buffer, index=False)
    return buffer.getvalue()
