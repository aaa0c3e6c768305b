"""Hand-checkable counties for the zoning tests: a ring of six communities, two schools.

Imported by the zoning tests after putting ``tests/`` and ``tests/zoning`` on ``sys.path``.
"""

from __future__ import annotations

import math
from pathlib import Path

import helpers

CENTRE = (37.8, 112.5)
RADIUS_DEGREES = 0.009  # about 1 km
RING = [f"R{k}" for k in range(1, 7)]


def ring_position(k: int) -> tuple[float, float]:
    """Position of community ``R{k+1}`` on the ring (R1 east, counter-clockwise)."""
    angle = 2 * math.pi * k / 6
    return (round(CENTRE[0] + RADIUS_DEGREES * math.sin(angle), 6),
            round(CENTRE[1] + RADIUS_DEGREES * math.cos(angle) / math.cos(
                math.radians(CENTRE[0])), 6))


def ring_neighbours() -> dict[str, list[str]]:
    """R1-R2-...-R6-R1."""
    return {zone: [RING[(k - 1) % 6], RING[(k + 1) % 6]] for k, zone in enumerate(RING)}


def write_ring(folder: Path, *, neighbours: dict[str, list[str]] | None = None,
               capacities: tuple[int, int] = (20, 40), children: int = 10,
               zones_file: bool = True, policy_file: dict | None = None) -> Path:
    """Ring county: S1 at R1 serves R1-R3, S2 at R4 serves R4-R6, ``children`` per community.

    With the default plans S1 (20 seats) has 30 catchment children: the one optimal
    proposal gives R3 (its community next to S2) to S2; R2 cannot go, it would cut S2.
    """
    lat1, lon1 = ring_position(0)
    lat4, lon4 = ring_position(3)
    schools = [
        {"school_id": "S1", "name": "东环小学", "county": "T", "capacity": capacities[0],
         "zones": "R1;R2;R3", "lat": lat1, "lon": lon1},
        {"school_id": "S2", "name": "西环小学", "county": "T", "capacity": capacities[1],
         "zones": "R4;R5;R6", "lat": lat4, "lon": lon4},
    ]
    applicants = []
    for k, zone in enumerate(RING):
        lat, lon = ring_position(k)
        for child in range(children):
            applicants.append({
                "applicant_id": f"{zone}-{child:02d}", "county": "T", "hukou_zone": zone,
                "property_zone": zone, "residence_zone": zone,
                "hukou_since": f"201{child % 10}-01-01", "lat": lat, "lon": lon})
    folder = helpers.write_scenario(folder, schools=schools, applicants=applicants,
                                    policy_file=policy_file, name="ring")
    if zones_file:
        lists = neighbours if neighbours is not None else ring_neighbours()
        rows = []
        for k, zone in enumerate(RING):
            lat, lon = ring_position(k)
            rows.append({"zone_id": zone, "name": f"{zone}小区", "lat": lat, "lon": lon,
                         "neighbours": ";".join(lists.get(zone, []))})
        helpers.write_table(folder / "zones.csv", rows)
    return folder
