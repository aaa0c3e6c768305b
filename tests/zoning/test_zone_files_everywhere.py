"""A broken zones.csv or zones.geojson is refused by every command that reads a scenario
(validate, run), not only by ``allocator zoning``: every problem at once, exit 2, nothing
written. The bundled demo county (with communities) validates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402
import zoning_support  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def broken_ring(folder: Path) -> Path:
    """Ring county whose zones.csv has one problem of every kind."""
    neighbours = zoning_support.ring_neighbours()
    neighbours["R2"] = ["R1", "R3", "R9"]  # unknown
    neighbours["R3"] = ["R2", "R4", "R3"]  # itself
    neighbours["R5"] = ["R4"]  # R6 still lists R5: one-sided
    folder = zoning_support.write_ring(folder, neighbours=neighbours)
    rows = (folder / "zones.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",37.8,", ",97.8,", 1)  # R1: latitude out of range
    rows.append(rows[4].split(",", 1)[0] + ",,,,")  # R4 again, empty otherwise
    (folder / "zones.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


EXPECTED = [
    "zones.csv:2:lat: ",
    "zones.csv:8:zone_id: duplicate zone 'R4' (also row 5)",
    "zones.csv:3:neighbours: unknown neighbour 'R9' (no such zone in county 'T')",
    "zones.csv:4:neighbours: zone 'R3' lists itself as a neighbour",
    "zones.csv:7:neighbours: neighbour 'R5' does not list 'R6' back (neighbours must be "
    "symmetric)",
]


def assert_every_problem(stderr: str) -> None:
    for expected in EXPECTED:
        assert any(line.startswith(expected) for line in stderr.splitlines()), (expected,
                                                                                 stderr)


def test_the_ring_is_broken_as_intended(tmp_path):
    rows = (broken_ring(tmp_path / "ring") / "zones.csv").read_text(encoding="utf-8")
    assert "97.8" in rows.splitlines()[1] and rows.splitlines()[-1].startswith("R4,")


def test_validate_lists_every_zones_csv_problem_and_exits_2(tmp_path):
    outcome = helpers.run_cli("validate", broken_ring(tmp_path / "ring"))
    assert outcome.exit_code == 2
    assert_every_problem(outcome.stderr)


def test_run_refuses_a_broken_zones_csv_before_writing_anything(tmp_path):
    outcome = helpers.run_cli("run", broken_ring(tmp_path / "ring"), "--out", tmp_path / "out")
    assert outcome.exit_code == 2
    assert_every_problem(outcome.stderr)
    assert not (tmp_path / "out").exists()


def test_a_served_zone_missing_from_zones_csv_is_named_by_validate(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring")
    text = (folder / "zones.csv").read_text(encoding="utf-8").splitlines()
    (folder / "zones.csv").write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")
    outcome = helpers.run_cli("validate", folder)
    assert outcome.exit_code == 2
    assert outcome.stderr.strip().splitlines()[:-1] == [
        "schools.csv:3:zones: zone 'R6' is not listed in zones.csv"]


def test_validate_refuses_bad_geojson_positions(tmp_path):
    folder = zoning_support.write_ring(tmp_path / "ring")
    features = [{"type": "Feature", "properties": {"zone_id": "R1"},
                 "geometry": {"type": "Polygon",
                              "coordinates": [[[112.5, 37.8], [112.6, 137.8],
                                               [112.6, 37.7], [112.5, 37.8]]]}},
                {"type": "Feature", "properties": {"zone_id": "R2"},
                 "geometry": {"type": "Polygon", "coordinates": [[["east", 37.8]]]}}]
    (folder / "zones.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": features}), encoding="utf-8")
    outcome = helpers.run_cli("validate", folder)
    assert outcome.exit_code == 2
    lines = [line for line in outcome.stderr.splitlines() if "zones.geojson" in line]
    assert len(lines) == 2, outcome.stderr
    assert "features[0].geometry.coordinates" in lines[0]
    assert "features[1].geometry.coordinates" in lines[1]


def test_a_good_ring_and_the_demo_county_validate(tmp_path):
    assert helpers.run_cli("validate", zoning_support.write_ring(tmp_path / "ring")
                           ).exit_code == 0
    assert (ROOT / "scenarios" / "demo-county" / "zones.csv").is_file()
    assert helpers.run_cli("validate", ROOT / "scenarios" / "demo-county").exit_code == 0
