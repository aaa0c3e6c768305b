"""Golden SHA-256 of the contract files for the bundled scenarios and a generated province.

Pinned before the speed work of the performance issue: an optimisation must leave
``assignments.csv``, ``schools.csv`` and ``summary.json`` byte-identical. When an
intended change of the outputs lands (a fix, a new column), update the hashes in
the same commit and say in its message what changed and why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from allocator.pipeline import run_scenario, write_run
from allocator.synthetic import generate_province, write_scenario

REPO = Path(__file__).resolve().parents[2]
GOLDEN = {
    "tiny": {
        "assignments.csv": "28669d5527fce82f0d5198cb6829ed33baaafb4b6ebce1d5f2ff5be267fdc156",
        "schools.csv": "b173eb394529a7694c60f115a686a7ba9cfbf2d9ba164f0d5d81d9c84cdab746",
        "summary.json": "21d01343a05cac714a49cd3185a8de4bda52517e4a1c24eed5010dba3b344926",
    },
    "demo-county": {
        "assignments.csv": "16ef6f26e981d446250471c09381772db251f7355992d9b50b3b6759d8061df5",
        "schools.csv": "dd60102426ca82cf2d09d183840dff130217cb6e7abf26b2837ea99618b846a2",
        "summary.json": "ab0edcf22f59951af54a918d70a871db42112bb79e240169dc0d371ed002c7c1",
    },
    "province-3x20000-5": {
        "assignments.csv": "6caab444aa7df6dc4b92ff119f0f6c8455b78b9233afda0ec36154a6544ce36d",
        "schools.csv": "0a69ddea647686309f1f27e6aeaace8ee545405842077ab35c7d07a8735757ec",
        "summary.json": "049e852945e1b7e3f605bfda4df10e4d2383b9bd4bddb90db21942e023c114ed",
    },
}


def scenario_folder(name: str, tmp_path: Path) -> Path:
    if name != "province-3x20000-5":
        return REPO / "scenarios" / name
    schools, applicants = generate_province(20000, 3, 5)
    return write_scenario(tmp_path / "province", schools, applicants,
                          name="synthetic-3x20000-5", seed=5)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_contract_files_are_byte_identical_to_the_golden_run(name, tmp_path):
    folder = write_run(run_scenario(scenario_folder(name, tmp_path)), tmp_path / "run")
    digests = {file: hashlib.sha256((folder / file).read_bytes()).hexdigest()
               for file in GOLDEN[name]}
    assert digests == GOLDEN[name]
