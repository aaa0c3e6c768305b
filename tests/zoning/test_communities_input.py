"""zones.csv and zones.geojson: bad neighbours refused with file:row:column, every problem
at once, exit 2 and nothing written; positions and neighbours derived when absent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402
import zoning_support  # noqa: E402

from allocator.model.problems import InputError  # noqa: E402
from allocator.zoning.design import ZoningOptions, design_zones  # noqa: E402


def refused(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        design_zones(folder, ZoningOptions(time_limit=5))
    return [str(problem) for problem in caught.value.problems]


def test_unknown_self_and_one_sided_neighbours_are_named_with_row_and_column(tmp_path):
    neighbours = zoning_support.ring_neighbours()
    neighbours["R2"] = ["R1", "R3", "R9"]  # unknown
    neighbours["R3"] = ["R2", "R4", "R3"]  # itself
    neighbours["R5"] = ["R4"]  # R6 still lists R5: one-sided
    lines = refused(zoning_support.write_ring(tmp_path / "ring", neighbours=neighbours))
    assert lines == [
        "zones.csv:3:neighbours: unknown neighbour 'R9' (no such zone in county 'T')",
        "zones.csv:4:neighbours: zone 'R3' lists itself as a neighbour",
        "zones.csv:7:neighbours: neighbour 'R5' does not list 'R6' back (neighbours must be "
        "symmetric)",
    ]


def test_a_community_cut_off_from_every_school_is_refused(tmp_path):
    neighbours = {"R1": ["R2", "R6"], "R2": ["R1", "R3"], "R3": ["R2", "R4"],
                  "R4": ["R3", "R6"], "R5": [], "R6": ["R4", "R1"]}
    lines = refused(zoning_support.write_ring(tmp_path / "ring", neighbours=neighbours))
    assert lines == ["zones.csv:6:neighbours: zone 'R5' cannot be reached from any school's "
                     "own community over the neighbour relation (county T, primary)"]


def test_a_served_zone_missing_from_zones_csv_is_named_at_the_school(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring")
    text = (folder / "zones.csv").read_text(encoding="utf-8").splitlines()
    (folder / "zones.csv").write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")
    assert refused(folder) == ["schools.csv:3:zones: zone 'R6' is not listed in zones.csv"]


def test_bad_cells_and_duplicate_ids_are_listed_together(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring")
    rows = (folder / "zones.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("R1小区,", "R1小区,north,", 1).rsplit(",", 3)[0] + ",x,R2;R6"
    rows.append(rows[2])
    (folder / "zones.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = refused(folder)
    assert any(line.startswith("zones.csv:2:lat: ") for line in lines), lines
    assert "zones.csv:8:zone_id: duplicate zone 'R2' (also row 3)" in lines


def test_the_command_exits_2_and_writes_nothing(tmp_path):
    neighbours = zoning_support.ring_neighbours()
    neighbours["R2"] = ["R1", "R3", "R9"]
    folder = zoning_support.write_ring(tmp_path / "ring", neighbours=neighbours)
    outcome = helpers.run_cli("zoning", folder, "--out", tmp_path / "out")
    assert outcome.exit_code == 2
    assert "zones.csv:3:neighbours: unknown neighbour 'R9'" in outcome.stderr
    assert not (tmp_path / "out").exists()


def test_without_zones_csv_positions_come_from_homes_and_neighbours_from_delaunay(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring", zones_file=False)
    result = design_zones(folder, ZoningOptions(time_limit=5))
    communities = result.communities
    assert communities.neighbour_source == "delaunay"
    assert list(communities.zone_ids) == zoning_support.RING
    lat, lon = zoning_support.ring_position(2)
    assert communities.lat[2] == pytest.approx(lat) and communities.lon[2] == pytest.approx(lon)
    pairs = {tuple(sorted((communities.zone_ids[a], communities.zone_ids[b])))
             for a, b in communities.edges}
    ring = {tuple(sorted((z, n))) for z, ns in zoning_support.ring_neighbours().items()
            for n in ns}
    assert ring <= pairs  # the hexagon's sides; the 3 km cut keeps the 2 km diagonals too


def test_the_policy_cut_distance_drops_long_delaunay_edges(tmp_path):
    folder = zoning_support.write_ring(
        tmp_path / "ring", zones_file=False,
        policy_file={"base": "shanxi-2025", "zoning": {"neighbour_distance_km": 1.2}})
    communities = design_zones(folder, ZoningOptions(time_limit=5)).communities
    assert len(communities.edges) == 6  # only the 1 km sides remain


def test_geojson_polygons_give_centroids_and_shared_edge_neighbours(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring", zones_file=False)
    features = []
    for k, zone in enumerate(zoning_support.RING):  # six wedges around the centre
        a = np.radians(60 * k - 30)
        b = np.radians(60 * k + 30)
        ring = [[112.5, 37.8], [112.5 + 0.02 * np.cos(a), 37.8 + 0.02 * np.sin(a)],
                [112.5 + 0.02 * np.cos(b), 37.8 + 0.02 * np.sin(b)], [112.5, 37.8]]
        features.append({"type": "Feature", "properties": {"zone_id": zone},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    for feature in features:  # shared vertices must match exactly
        for point in feature["geometry"]["coordinates"][0]:
            point[0], point[1] = round(point[0], 7), round(point[1], 7)
    (folder / "zones.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}), encoding="utf-8")
    communities = design_zones(folder, ZoningOptions(time_limit=5)).communities
    assert communities.neighbour_source == "zones.geojson"
    pairs = {tuple(sorted((communities.zone_ids[a], communities.zone_ids[b])))
             for a, b in communities.edges}
    assert pairs == {tuple(sorted((z, n))) for z, ns in zoning_support.ring_neighbours().items()
                     for n in ns}
    assert communities.lon[0] > 112.5 and abs(communities.lat[0] - 37.8) < 1e-6
