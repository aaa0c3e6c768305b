"""The optional community files of a scenario folder: ``zones.csv`` and ``zones.geojson``.

A zone of the data contract is a catchment unit (a residential community, 社区/小区, in a
county designed community by community). ``zones.csv`` lists the zones with a position
and their neighbours, ``zones.geojson`` their polygons. The engine does not use either,
but every command that reads a scenario refuses a broken one (unknown, self or one-sided
neighbours, duplicate ids, positions out of range, zones served in ``schools.csv`` (and
so lived in by applicants) that ``zones.csv`` does not list), all problems at once as
``file:row:column: message``. :mod:`allocator.zoning` builds the neighbour relation on
the same functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from allocator.model.polygons import read_polygons
from allocator.model.problems import ProblemCollector
from allocator.model.readers import find_table, read_table
from allocator.model.scenario import Scenario
from allocator.model.schema import ZONES
from allocator.model.validate import check_header, explode_list, parse_column

__all__ = ["ZONES_FILE", "check_served_listed", "check_zone_files", "listed_edges",
           "read_zone_table", "resolve_listed", "served_zones"]

ZONES_FILE = "zones.csv"
Key = tuple[str, str]


def served_zones(scenario: Scenario) -> pd.DataFrame:
    """``county``, ``zone``, ``school_position`` of every zone a school serves.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.

    Returns
    -------
    pandas.DataFrame
        One row per (school, zone) pair of ``schools.csv: zones``.
    """
    schools = scenario.schools
    pairs = scenario.school_zones
    return pd.DataFrame({
        "county": schools["county"].to_numpy(dtype=object)[pairs["school_position"]],
        "zone": pairs["zone"].to_numpy(dtype=object),
        "school_position": pairs["school_position"].to_numpy(dtype=np.int64)})


def check_zone_files(scenario: Scenario, problems: ProblemCollector) -> None:
    """Record every problem of ``zones.csv`` and ``zones.geojson`` (absent files: none).

    Parameters
    ----------
    scenario : Scenario
        The scenario whose folder may hold the files.
    problems : ProblemCollector
        Receives each problem as ``file:row:column: message``.
    """
    folder = scenario.folder
    read_polygons(folder, problems)
    table = read_zone_table(folder, problems)
    if table is None:
        return
    served = served_zones(scenario)
    keys = sorted(set(zip(served["county"], served["zone"], strict=True)))
    keys = resolve_listed(keys, table, served, problems)
    index = {key: i for i, key in enumerate(keys)}
    rows = np.zeros(len(keys), dtype=np.int64)
    rows[table["position"].to_numpy()] = table.index.to_numpy() + 2
    check_served_listed(scenario, served, index, rows, problems)
    listed_edges(table, keys, index, problems)


def read_zone_table(folder: Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """Typed ``zones.csv`` (or ``.parquet``/``.xlsx``), or None when absent or unreadable.

    Parameters
    ----------
    folder : Path
        The scenario folder.
    problems : ProblemCollector
        Receives problems of the header and the cells (numbers, ranges, lists).

    Returns
    -------
    pandas.DataFrame or None
        Columns of :data:`~allocator.model.schema.ZONES`, index = file row - 2.
    """
    path = find_table(folder, ZONES.name, problems)
    if path is None:
        return None
    frame = read_table(path, problems)
    if frame is None or not check_header(frame, ZONES, path.name, True, problems):
        return None
    typed = pd.DataFrame(index=frame.index)
    for column in ZONES.columns:
        text = frame[column.name] if column.name in frame.columns else pd.Series(
            "", index=frame.index, dtype=object)
        typed[column.name] = parse_column(text.astype(str), column, path.name, problems)
    return typed


def resolve_listed(keys: list[Key], table: pd.DataFrame, served: pd.DataFrame,
                   problems: ProblemCollector) -> list[Key]:
    """Resolve each listed zone's county; record the table row's position in ``keys``.

    Parameters
    ----------
    keys : list of (county, zone id)
        The zones schools serve.
    table : pandas.DataFrame
        From :func:`read_zone_table`; gains ``county`` (resolved) and ``position`` columns,
        rows without a usable zone id are dropped.
    served : pandas.DataFrame
        From :func:`served_zones`.
    problems : ProblemCollector
        Receives missing ids, ambiguous or unknown counties and duplicate zones.

    Returns
    -------
    list of (county, zone id)
        ``keys`` and the listed zones, sorted.
    """
    counties_of: dict[str, set[str]] = {}
    for county, zone in zip(served["county"], served["zone"], strict=True):
        counties_of.setdefault(zone, set()).add(county)
    all_counties = sorted(set(served["county"]))
    resolved: list[Key | None] = []
    for row, (zone, county) in enumerate(zip(table["zone_id"], table["county"], strict=True),
                                         start=2):
        if zone == "":
            problems.add(ZONES_FILE, row, "zone_id", "required value is missing")
            resolved.append(None)
            continue
        known = counties_of.get(zone, set())
        if county == "" and len(known) > 1:
            problems.add(ZONES_FILE, row, "county", f"zone '{zone}' is served in counties "
                         f"{', '.join(sorted(known))}; give its county")
        elif county == "" and not known and len(all_counties) != 1:
            problems.add(ZONES_FILE, row, "county",
                         f"zone '{zone}' is served by no school; give its county")
        elif county != "" and county not in all_counties:
            problems.add(ZONES_FILE, row, "county", f"county '{county}' has no school")
        county = county or (next(iter(known)) if known else (all_counties or [""])[0])
        resolved.append((county, zone))
    seen: dict[Key, int] = {}
    for row, key in enumerate(resolved, start=2):
        if key in seen:
            problems.add(ZONES_FILE, row, "zone_id",
                         f"duplicate zone '{key[1]}' (also row {seen[key]})")
        elif key is not None:
            seen[key] = row
    keys = sorted(set(keys) | set(seen))
    position = {key: i for i, key in enumerate(keys)}
    table["county"] = [key[0] if key else "" for key in resolved]
    table["position"] = [position.get(key, -1) if key else -1 for key in resolved]
    if (table["position"] < 0).any():
        table.drop(table.index[table["position"] < 0], inplace=True)
    return keys


def check_served_listed(scenario: Scenario, served: pd.DataFrame, index: dict[Key, int],
                        rows: np.ndarray, problems: ProblemCollector) -> None:
    """A zone served in ``schools.csv`` must be listed in zones.csv when that file is given.

    An applicant's zone is always one a school serves (checked with the tables), so a zone
    of ``applicants.csv`` missing from zones.csv is named once, at the school's row.

    Parameters
    ----------
    scenario : Scenario
        The scenario (for the name of its schools file).
    served : pandas.DataFrame
        From :func:`served_zones`.
    index : dict
        Position of each ``(county, zone id)``.
    rows : numpy.ndarray
        Row of each position in ``zones.csv``, 0 = not listed.
    problems : ProblemCollector
        Receives one problem per missing zone, at the first school serving it.
    """
    def listed(key: Key) -> bool:
        return key in index and rows[index[key]] > 0

    reported: set[Key] = set()
    for county, zone, school in zip(served["county"], served["zone"],
                                    served["school_position"], strict=True):
        if not listed((county, zone)) and (county, zone) not in reported:
            reported.add((county, zone))
            problems.add(_file_name(scenario, "schools"), int(school) + 2, "zones",
                         f"zone '{zone}' is not listed in {ZONES_FILE}")


def listed_edges(table: pd.DataFrame, keys: list[Key], index: dict[Key, int],
                 problems: ProblemCollector) -> np.ndarray:
    """Neighbour pairs of zones.csv; unknown ids, self pairs and one-sided pairs refused.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`resolve_listed`.
    keys : list of (county, zone id)
        Every community.
    index : dict
        Position of each key.
    problems : ProblemCollector
        Receives each bad neighbour.

    Returns
    -------
    numpy.ndarray
        Pairs ``(i, j)``, ``i < j``, of positions in ``keys``.
    """
    listed = explode_list(table["neighbours"].reset_index(drop=True))
    rows = table.index.to_numpy()[listed["position"].to_numpy()] + 2
    owner = table["position"].to_numpy()[listed["position"].to_numpy()]
    pairs: set[tuple[int, int]] = set()
    row_of = dict(zip(table["position"], table.index.to_numpy() + 2, strict=False))
    for row, at, item in zip(rows, owner, listed["item"], strict=True):
        county, zone = keys[at]
        other = index.get((county, item))
        if item == zone:
            problems.add(ZONES_FILE, int(row), "neighbours",
                         f"zone '{zone}' lists itself as a neighbour")
        elif other is None:
            problems.add(ZONES_FILE, int(row), "neighbours",
                         f"unknown neighbour '{item}' (no such zone in county '{county}')")
        else:
            pairs.add((int(at), other))
    for at, other in sorted(pairs):
        if (other, at) not in pairs and other in row_of:  # unlisted: named at the school
            problems.add(ZONES_FILE, int(row_of[at]), "neighbours",
                         f"neighbour '{keys[other][1]}' does not list '{keys[at][1]}' back "
                         "(neighbours must be symmetric)")
    edges = sorted({(min(a, b), max(a, b)) for a, b in pairs})
    return np.array(edges, dtype=np.int64).reshape(-1, 2)


def _file_name(scenario: Scenario, table: str) -> str:
    """The file a table was read from (``applicants.csv``, ``applicants.xlsx``, ...)."""
    for path in scenario.input_files:
        if path.stem == table:
            return path.name
    return f"{table}.csv"
