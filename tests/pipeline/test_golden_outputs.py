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
        "schools.csv": "b0c09e496ce97e797057993f7e3a3e2057faa6ab7649327fa1bb5c4e08ebb7c8",
        "summary.json": "6cdbe0bcee0b8a7d77090038c4bc0cef6e99c7d0d84b4049bc6843006ea2b56f",
    },
    "demo-county": {
        "assignments.csv": "3c3e21ea06664f8c5925f14b7026cd2a8d3deec7c5750958f48a266563a7a022",
        "schools.csv": "306659ff61b9f1a17b53b2ddc64e29804f3da0fbba6228cdfe4105ce9cefe71c",
        "summary.json": "4b55877968c0cbfb8fbeb6dc195044073a2608e444b58b65efebd69c003648e0",
    },
    "province-3x20000-5": {
        "assignments.csv": "c10f928b8059efcc10cf16d9abbdc081cb03cc383d81f83f990fe7098ce881b5",
        "schools.csv": "14ad2560302ded9236116a2722ad97700c91aa9493f1b57c997f7779821348ad",
        "summary.json": "35d77848b4ee86c758f4d707497559b177246695691451df556d5848589e3e83",
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
