"""Zoning proposals in the workbench: the moves of ``allocator zoning`` as edits to accept.

A proposal is read from the run folder of ``allocator zoning`` (its what-if file
``zoning-scenarios.yaml`` and, when present, ``moved_communities.csv`` and
``communities.csv``), from such a what-if file alone, or from a what-if file the
planner uploads. Each moved community becomes one move (zone, from, to, children,
distance change); accepting it is an ordinary zone edit of the workbench.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.yaml_files import parse_yaml_or_refuse
from allocator.problem.distance import haversine_km
from allocator.reports.geometry import home_zones
from allocator.scenarios.build import check_against_base
from allocator.scenarios.merge import merge_scenario
from allocator.scenarios.spec import read_scenario_file
from allocator.workbench.engine import Engine

#: The what-if file ``allocator zoning`` writes, and the scenario in it that is the proposal.
WHAT_IF_FILE = "zoning-scenarios.yaml"
PROPOSAL_SCENARIO = "proposal"
MOVED_TABLE = "moved_communities.csv"
#: Files the workbench writes in its own folder: never offered as proposals.
OWN_FILES = ("workbench-edits.yaml", "loaded-scenario.yaml", "loaded-proposal.yaml")
COMMUNITIES_TABLE = "communities.csv"


@dataclass(frozen=True)
class Move:
    """One community (zone) that the proposal gives to other schools."""

    zone: str
    from_schools: tuple[str, ...]
    to_schools: tuple[str, ...]
    children: int
    distance_change_km: float | None
    lat: float | None
    lon: float | None

    def as_edit(self) -> dict[str, Any]:
        """The workbench edit that accepts this move."""
        return {"kind": "zone", "zone": self.zone, "serve": list(self.to_schools)}


@dataclass(frozen=True)
class Proposal:
    """A zoning proposal: its name, where its figures come from, and its moves."""

    name: str
    source: str
    moves: tuple[Move, ...]

    def move(self, zone: str) -> Move:
        """The move of ``zone``, or an :class:`InputError` naming it."""
        for move in self.moves:
            if move.zone == zone:
                return move
        raise proposal_problem(f"the proposal does not move zone '{zone}'")


def proposal_problem(message: str) -> InputError:
    """A proposal refused before any edit (unknown name, not a zoning what-if file)."""
    return InputError([InputProblem("proposal", None, None, message)])


def available_proposals(work_folder: Path) -> list[str]:
    """Proposals the workbench's own folder holds, by name.

    A folder directly inside the work folder that holds ``zoning-scenarios.yaml``
    (the run folder of ``allocator zoning --out``) is named after the folder; a
    ``.yaml`` file directly inside it that has a ``proposal`` scenario is named
    after the file.
    """
    paths = sorted(work_folder.iterdir()) if work_folder.is_dir() else []
    return [path.name for path in paths if _is_proposal(path)]


def _is_proposal(path: Path) -> bool:
    if path.is_dir():
        return (path / WHAT_IF_FILE).is_file()
    return (path.suffix in (".yaml", ".yml") and path.name not in OWN_FILES and path.is_file()
            and _has_proposal(path))


def _has_proposal(path: Path) -> bool:
    try:
        document = parse_yaml_or_refuse(path.read_text(encoding="utf-8-sig"), path.name)
    except (OSError, UnicodeDecodeError, InputError):
        return False
    return isinstance(document, dict) and PROPOSAL_SCENARIO in (document.get("scenarios") or {})


def proposal_from_work_folder(engine: Engine, name: str) -> Proposal:
    """Read the proposal ``name`` (one of :func:`available_proposals`).

    Raises
    ------
    InputError
        If no proposal has that name, or its what-if file is invalid.
    """
    if name not in available_proposals(engine.work_folder):
        raise proposal_problem(f"no proposal named '{name}' in the workbench's folder")
    path = engine.work_folder / name
    folder = path if path.is_dir() else None
    what_if = path / WHAT_IF_FILE if folder else path
    return read_proposal(engine, what_if.read_text(encoding="utf-8-sig"), name, folder)


def read_proposal(engine: Engine, text: str, name: str, folder: Path | None = None) -> Proposal:
    """The moves of a zoning what-if file (``text``) against the workbench's base.

    The file's scenario ``proposal`` is taken (else its first scenario that changes
    something); it may change catchments only. The file's ``base`` is ignored, as
    when a what-if file is loaded in the page. With ``folder`` (the zoning run
    folder), children and distance changes are read from its ``moved_communities.csv``
    and positions from its ``communities.csv``; else they are computed from the
    roster (see :func:`roster_figures`).

    Raises
    ------
    InputError
        The file is not YAML, names unknown zones or schools, or changes more than
        catchments.
    """
    catchments = _proposed_catchments(engine, text)
    servers = _base_servers(engine.tables.schools)
    changed = {zone: tuple(serve) for zone, serve in catchments.items()
               if tuple(serve) != servers.get(zone, ())}
    from_table = _zoning_tables(folder)
    figures = roster_figures(engine, {zone: (servers.get(zone, ()), serve)
                                      for zone, serve in changed.items()})
    moves = []
    for zone, serve in sorted(changed.items()):
        children, change, lat, lon = from_table.get(zone) or figures[zone]
        moves.append(Move(zone, servers.get(zone, ()), serve, children, change, lat, lon))
    source = "moved_communities.csv" if from_table else "roster"
    return Proposal(name, source, tuple(moves))


def _proposed_catchments(engine: Engine, text: str) -> dict[str, list[str]]:
    document = parse_yaml_or_refuse(text, "proposal")
    if not isinstance(document, dict) or not isinstance(document.get("scenarios"), dict):
        raise proposal_problem("expected the what-if file of 'allocator zoning' "
                               f"({WHAT_IF_FILE}): a mapping with 'overrides' and 'scenarios'")
    document["base"] = str(engine.folder)
    path = engine.work_folder / "loaded-proposal.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    scenario_file = read_scenario_file(path)
    names = scenario_file.scenario_names
    chosen = PROPOSAL_SCENARIO if PROPOSAL_SCENARIO in names else next(
        (name for name in names if scenario_file.model.scenarios[name]), names[0])
    problems = ProblemCollector()
    merged = merge_scenario(scenario_file, chosen, problems)
    check_against_base(scenario_file, engine.tables, merged, problems)
    problems.raise_if_any()
    other = [kind for kind in merged.kinds if kind != "catchments"]
    if other:
        raise proposal_problem(f"a proposal changes catchments only; scenario '{chosen}' also "
                               f"changes {', '.join(other)}")
    split = [zone for zone, change in merged.catchments.items() if not change.serve]
    if split:
        raise proposal_problem(f"zones split by address cannot be accepted in the page: "
                               f"{', '.join(sorted(split))}")
    return {zone: list(change.serve) for zone, change in merged.catchments.items()}


def _base_servers(schools: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    servers: dict[str, list[str]] = {}
    for school, cell in zip(schools["school_id"], schools["zones"], strict=True):
        for zone in str(cell).split(";"):
            if zone.strip():
                servers.setdefault(zone.strip().split("@")[0], []).append(str(school))
    return {zone: tuple(ids) for zone, ids in servers.items()}


#: Zone -> (children, mean distance change in km, lat, lon) of a move.
MoveFigures = tuple[int, float | None, float | None, float | None]


def _zoning_tables(folder: Path | None) -> dict[str, MoveFigures]:
    """Zone -> (children, distance change, lat, lon) from a zoning run folder's tables."""
    if folder is None or not (folder / MOVED_TABLE).is_file():
        return {}
    moved = pd.read_csv(folder / MOVED_TABLE, dtype={"zone_id": str})
    positions: dict[str, tuple[float, float]] = {}
    if (folder / COMMUNITIES_TABLE).is_file():
        communities = pd.read_csv(folder / COMMUNITIES_TABLE, dtype={"zone_id": str})
        positions = {zone: (float(lat), float(lon)) for zone, lat, lon in zip(
            communities["zone_id"], communities["lat"], communities["lon"], strict=True)}
    rows: dict[str, MoveFigures] = {}
    for zone, group in moved.groupby("zone_id", sort=False):
        children = int(group["children"].sum())
        weights = group["children"].to_numpy(dtype=float)
        change = group["distance_change_km"].to_numpy(dtype=float)
        mean = float(np.average(change, weights=weights)) if weights.sum() else float(
            change.mean())
        lat, lon = positions.get(str(zone), (None, None))
        rows[str(zone)] = (children, round(mean, 3), lat, lon)
    return rows


def roster_figures(engine: Engine, moves: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
                   ) -> dict[str, MoveFigures]:
    """Zone -> (children, mean distance change in km, lat, lon), computed from the roster.

    Children are the applicants whose home is in the zone (``residence_zone``, else
    ``hukou_zone``); the distance change is the mean, over those with a position,
    of the great-circle distance from home to the nearest receiving school minus
    that to the nearest school serving the zone today; the position is the mean
    of their homes.
    """
    applicants = engine.loaded.scenario.applicants
    zones = home_zones(engine.tables.applicants).to_numpy()
    lat = pd.to_numeric(applicants["lat"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(applicants["lon"], errors="coerce").to_numpy(dtype=float)
    schools = engine.loaded.scenario.schools
    where = {str(school): (float(a), float(b)) for school, a, b in zip(
        schools["school_id"], pd.to_numeric(schools["lat"], errors="coerce"),
        pd.to_numeric(schools["lon"], errors="coerce"), strict=True)}
    figures: dict[str, MoveFigures] = {}
    for zone, (before, after) in moves.items():
        inside = zones == zone
        known = inside & np.isfinite(lat) & np.isfinite(lon)
        change = _distance_change(lat[known], lon[known], [where.get(s) for s in before],
                                  [where.get(s) for s in after])
        centre = (round(float(lat[known].mean()), 6), round(float(lon[known].mean()), 6)) \
            if known.any() else (None, None)
        figures[zone] = (int(inside.sum()), change, *centre)
    return figures


def _distance_change(lat: np.ndarray, lon: np.ndarray, before: list, after: list
                     ) -> float | None:
    def nearest(points: list) -> np.ndarray | None:
        usable = [point for point in points if point and all(np.isfinite(point))]
        if not usable or not len(lat):
            return None
        return np.min([haversine_km(lat, lon, np.full_like(lat, a), np.full_like(lon, b))
                       for a, b in usable], axis=0)
    old, new = nearest(before), nearest(after)
    if old is None or new is None:
        return None
    return round(float((new - old).mean()), 3)
