"""Applying merged changes to the base tables (as read: text cells), logging each one.

Every function returns new frames and appends ``key: old -> new`` lines to the
change log; the base frames are never modified.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from allocator.problem.distance import haversine_km
from allocator.scenarios.merge import MergedScenario
from allocator.scenarios.spec import CapacityChange, DemandChange, NewSchool, SchoolClosure

ZONE_COLUMNS: tuple[str, ...] = ("hukou_zone", "property_zone", "residence_zone")


def apply_schools(schools: pd.DataFrame, applicants: pd.DataFrame, merged: MergedScenario,
                  class_size: dict[str, int], log: list[str]) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """New schools, closures, catchment edits and capacities, in that order."""
    for school_id, new in merged.new_schools.items():
        schools = _add_school(schools, school_id, new, log)
    for school_id, closure in merged.close_schools.items():
        schools, applicants = _close_school(schools, applicants, school_id, closure, log)
    for zone, zone_change in merged.catchments.items():
        if zone_change.serve:
            schools = _serve_zone(schools, zone, zone_change.serve, log)
        else:
            schools, applicants = _split_zone(schools, applicants, zone, zone_change.split,
                                              log)
    for school_id, capacity_change in merged.capacity.items():
        schools = _change_capacity(schools, school_id, capacity_change, class_size, log)
    return schools, applicants


def zone_list(cell: str) -> list[str]:
    """The zones of a ``;``-separated cell."""
    return [item.strip() for item in str(cell).split(";") if item.strip()]


def _add_school(schools: pd.DataFrame, school_id: str, new: NewSchool,
                log: list[str]) -> pd.DataFrame:
    county = new.county or str(schools["county"].iloc[0])
    row = {column: "" for column in schools.columns}
    row.update({"school_id": school_id, "name": new.name, "county": county,
                "stage": new.stage, "kind": new.kind, "capacity": str(new.capacity),
                "classes": "" if new.classes is None else str(new.classes),
                "zones": ";".join(new.zones),
                "lat": "" if new.lat is None else f"{new.lat:.6f}",
                "lon": "" if new.lon is None else f"{new.lon:.6f}",
                "resource_room": str(new.resource_room).lower(),
                "nine_year": str(new.nine_year).lower(), "group": new.group})
    added = pd.DataFrame([{column: row.get(column, "") for column in schools.columns}])
    log.append(f"schools.{school_id}: (none) -> new {new.kind} {new.stage} school in county "
               f"{county}, {new.capacity} seats, zones [{', '.join(new.zones)}]")
    return pd.concat([schools, added], ignore_index=True)


def _close_school(schools: pd.DataFrame, applicants: pd.DataFrame, school_id: str,
                  closure: SchoolClosure, log: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    position = _position(schools, school_id)
    closed = schools.iloc[position]
    rest = schools.drop(index=schools.index[position]).reset_index(drop=True)
    served_elsewhere = {zone for cell in rest["zones"] for zone in zone_list(cell)}
    orphaned = [zone for zone in zone_list(closed["zones"]) if zone not in served_elsewhere]
    target = closure.zones_to or _nearest_open(rest, closed)
    if orphaned and target:
        at = _position(rest, target)
        rest.loc[at, "zones"] = ";".join(zone_list(rest.loc[at, "zones"]) + orphaned)
    applicants = applicants.copy()
    applicants["preferences"] = [";".join(item for item in zone_list(cell) if item != school_id)
                                 for cell in applicants["preferences"]]
    for column in ("sibling_school", "feeder_school"):
        if column in applicants.columns:
            applicants[column] = applicants[column].where(applicants[column] != school_id, "")
    moved = f" (zones {', '.join(orphaned)} to {target})" if orphaned else ""
    log.append(f"schools.{school_id}: {closed['kind'] or 'public'} school, "
               f"{closed['capacity']} seats -> closed{moved}")
    return rest, applicants


def _nearest_open(rest: pd.DataFrame, closed: pd.Series) -> str | None:
    same = rest[(rest["county"] == closed["county"]) & (rest["stage"] == closed["stage"])
                & (rest["kind"].isin(["", "public"]))]
    if same.empty:
        return None
    distance = haversine_km(pd.to_numeric(same["lat"], errors="coerce").to_numpy(),
                            pd.to_numeric(same["lon"], errors="coerce").to_numpy(),
                            np.asarray(_number(closed["lat"])),
                            np.asarray(_number(closed["lon"])))
    distance = np.where(np.isnan(distance), np.inf, distance)
    return str(same["school_id"].iloc[int(np.argmin(distance))])


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _serve_zone(schools: pd.DataFrame, zone: str, serve: tuple[str, ...],
                log: list[str]) -> pd.DataFrame:
    before = _serving(schools, zone)
    schools = _without_zone(schools, zone)
    for school_id in serve:
        at = _position(schools, school_id)
        schools.loc[at, "zones"] = ";".join(zone_list(schools.loc[at, "zones"]) + [zone])
    log.append(f"zones.{zone}: served by {', '.join(before) or 'no school'} -> served by "
               f"{', '.join(serve)}")
    return schools


def _split_zone(schools: pd.DataFrame, applicants: pd.DataFrame, zone: str,
                split: tuple[str, ...], log: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each part ``zone@school`` is served by one school; addresses go to the nearest."""
    before = _serving(schools, zone)
    schools = _without_zone(schools, zone)
    positions = [_position(schools, school_id) for school_id in split]
    for at, school_id in zip(positions, split, strict=True):
        schools.loc[at, "zones"] = ";".join(zone_list(schools.loc[at, "zones"])
                                            + [f"{zone}@{school_id}"])
    lat = pd.to_numeric(applicants["lat"], errors="coerce").to_numpy()
    lon = pd.to_numeric(applicants["lon"], errors="coerce").to_numpy()
    school_lat = pd.to_numeric(schools["lat"].iloc[positions], errors="coerce").to_numpy()
    school_lon = pd.to_numeric(schools["lon"].iloc[positions], errors="coerce").to_numpy()
    distance = haversine_km(lat[:, None], lon[:, None], school_lat[None, :],
                            school_lon[None, :])
    nearest = np.argmin(np.where(np.isnan(distance), np.inf, distance), axis=1)
    part = np.array([f"{zone}@{school_id}" for school_id in split], dtype=object)[nearest]
    applicants = applicants.copy()
    for column in ZONE_COLUMNS:
        hit = (applicants[column] == zone).to_numpy()
        applicants.loc[hit, column] = part[hit]
    log.append(f"zones.{zone}: served by {', '.join(before) or 'no school'} -> split between "
               f"{', '.join(split)} (each address to the nearest)")
    return schools, applicants


def _change_capacity(schools: pd.DataFrame, school_id: str, change: CapacityChange,
                     class_size: dict[str, int], log: list[str]) -> pd.DataFrame:
    schools = schools.copy()
    at = _position(schools, school_id)
    row = schools.iloc[at]
    seats_per_class = class_size.get(row["stage"] or "primary", 45)
    capacity = int(row["capacity"])
    new_capacity = max(0, capacity + change.seats + change.classes * seats_per_class)
    schools.loc[at, "capacity"] = str(new_capacity)
    log.append(f"schools.{school_id}.capacity: {capacity} -> {new_capacity}")
    if str(row.get("classes", "")).strip():
        classes = int(row["classes"])
        new_classes = max(classes + change.classes, -(-new_capacity // seats_per_class))
        if new_classes != classes:
            schools.loc[at, "classes"] = str(new_classes)
            log.append(f"schools.{school_id}.classes: {classes} -> {new_classes}")
    return schools


def apply_demand(applicants: pd.DataFrame, changes: tuple[DemandChange, ...], seed: int,
                 log: list[str]) -> pd.DataFrame:
    """Scale groups of applicants: clones ``<id>-d<k>`` are added, or rows are dropped.

    Which children are cloned or dropped depends only on (seed, applicant id), so
    the choice does not move when other rows change.
    """
    for change in changes:
        chosen = demand_mask(applicants, change)
        draw = _uniform(applicants["applicant_id"], change.seed if change.seed is not None
                        else seed)
        extra = change.factor - 1.0
        if extra < 0:
            keep = ~chosen | (draw < change.factor)
            result = applicants[keep].reset_index(drop=True)
        else:
            copies = np.where(chosen, int(extra) + (draw < extra - int(extra)), 0)
            result = pd.concat([applicants, _clones(applicants, copies)], ignore_index=True)
        before, after = int(chosen.sum()), int(chosen.sum()) + len(result) - len(applicants)
        log.append(f"demand.{change.selector}: {before} applicants -> {after} applicants "
                   f"(factor {change.factor:g})")
        applicants = result
    return applicants


def demand_mask(applicants: pd.DataFrame, change: DemandChange) -> np.ndarray:
    """Applicants matched by every selector of ``change``."""
    mask = np.ones(len(applicants), dtype=bool)
    if change.county is not None:
        mask &= (applicants["county"] == change.county).to_numpy()
    if change.zone is not None:
        home = applicants["residence_zone"].where(applicants["residence_zone"] != "",
                                                  applicants["hukou_zone"])
        mask &= (home == change.zone).to_numpy()
    if change.category == "migrant":
        mask &= ((applicants["hukou_zone"] == "") & (applicants["property_zone"] == "")
                 & (applicants["residence_zone"] != "")).to_numpy()
    elif change.category is not None:
        wrapped = ";" + applicants["categories"].astype(str) + ";"
        mask &= wrapped.str.contains(f";{change.category};", regex=False).to_numpy()
    return mask


def _uniform(ids: pd.Series, seed: int) -> np.ndarray:
    key = f"demand:{seed}".encode()
    return np.array([int.from_bytes(hashlib.blake2b(str(i).encode(), key=key,
                                                    digest_size=8).digest(), "big") / 2**64
                     for i in ids], dtype=np.float64)


def _clones(applicants: pd.DataFrame, copies: np.ndarray) -> pd.DataFrame:
    source = np.repeat(np.arange(len(applicants)), copies)
    clones = applicants.iloc[source].reset_index(drop=True).copy()
    # clone k of a row is number k: (1, 2, ...) for each row, rows in order
    number = (np.concatenate([np.arange(1, c + 1) for c in copies if c]) if copies.any()
              else np.zeros(0, dtype=np.int64))
    clones["applicant_id"] = [f"{i}-d{k}" for i, k in zip(clones["applicant_id"], number,
                                                          strict=True)]
    if "sibling_group" in clones.columns:
        clones["sibling_group"] = ""
    return clones


def _position(schools: pd.DataFrame, school_id: str) -> int:
    hits = np.flatnonzero((schools["school_id"] == school_id).to_numpy())
    if len(hits) != 1:
        raise KeyError(f"school '{school_id}' is not in the scenario")
    return int(hits[0])


def _serving(schools: pd.DataFrame, zone: str) -> list[str]:
    return [str(s) for s, cell in zip(schools["school_id"], schools["zones"], strict=True)
            if zone in zone_list(cell)]


def _without_zone(schools: pd.DataFrame, zone: str) -> pd.DataFrame:
    schools = schools.copy()
    schools["zones"] = [";".join(item for item in zone_list(cell) if item != zone)
                        for cell in schools["zones"]]
    return schools
