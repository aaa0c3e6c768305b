"""Same inputs and seed, same bytes; another seed, another lottery; a failed run
leaves the previous run folder alone (CONTRACT.md, "Run folder")."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

COMPARED = ("assignments.csv", "schools.csv", "summary.json")


def read_assignments(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "assignments.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def synthetic_scenario(tmp_path_factory) -> Path:
    """A generated county of 300 applicants (overflow, sweep, siblings, exclusions)."""
    from allocator.synthetic import generate_province, write_scenario

    schools, applicants = generate_province(300, 1, 3)
    return write_scenario(tmp_path_factory.mktemp("synthetic") / "scenario", schools,
                          applicants, name="synthetic-determinism", seed=3)


@pytest.fixture(params=["tiny", "synthetic"])
def scenario(request, tmp_path) -> Path:
    if request.param == "tiny":
        return helpers.copy_tiny(tmp_path / "tiny")
    return request.getfixturevalue("synthetic_scenario")


def test_two_runs_are_byte_identical(tmp_path, scenario):
    first, second = tmp_path / "first", tmp_path / "second"
    assert helpers.run_cli("run", scenario, "--out", first, "-q").exit_code == 0
    assert helpers.run_cli("run", scenario, "--out", second, "-q").exit_code == 0
    for name in COMPARED:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    one = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    two = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    for key in ("seed", "policy", "policy_sha256", "mechanism", "lottery_draws_sha256",
                "inputs"):
        assert one[key] == two[key], key


def test_separate_processes_with_other_hash_seeds_agree(tmp_path):
    # string hashing differs between these processes; the output must not
    scenario = helpers.copy_tiny(tmp_path / "tiny")
    runs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run-{hash_seed}"
        outcome = helpers.run_cli_subprocess("run", scenario, "--out", out, "-q",
                                             env={"PYTHONHASHSEED": hash_seed})
        assert outcome.exit_code == 0, outcome.stderr
        runs.append(out)
    for name in COMPARED:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


def test_a_copied_scenario_in_another_folder_gives_the_same_bytes(tmp_path):
    a = helpers.copy_tiny(tmp_path / "one" / "tiny")
    b = helpers.copy_tiny(tmp_path / "two" / "elsewhere")
    assert helpers.run_cli("run", a, "--out", tmp_path / "a", "-q").exit_code == 0
    assert helpers.run_cli("run", b, "--out", tmp_path / "b", "-q").exit_code == 0
    for name in COMPARED:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_seed_option_overrides_the_scenario_seed(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "tiny")
    default, same, other = tmp_path / "default", tmp_path / "same", tmp_path / "other"
    seed = int(yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))["seed"])
    assert helpers.run_cli("run", scenario, "--out", default, "-q").exit_code == 0
    assert helpers.run_cli("run", scenario, "--out", same, "-q", "--seed",
                           str(seed)).exit_code == 0
    assert helpers.run_cli("run", scenario, "--out", other, "-q", "--seed",
                           str(seed + 1)).exit_code == 0
    assert (default / "assignments.csv").read_bytes() == (same / "assignments.csv").read_bytes()

    base, changed = read_assignments(default), read_assignments(other)
    assert list(base["applicant_id"]) == list(changed["applicant_id"])
    assert not base["lottery"].equals(changed["lottery"])
    # each applicant's number is redrawn (independent draws: equality would be a 1e-10 fluke)
    assert (base["lottery"] != changed["lottery"]).mean() > 0.99
    assert json.loads((other / "manifest.json").read_text())["seed"] == seed + 1
    assert json.loads((other / "summary.json").read_text())["seed"] == seed + 1


def test_a_failed_run_leaves_the_previous_run_folder_untouched(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "tiny")
    out = tmp_path / "run"
    assert helpers.run_cli("run", scenario, "--out", out, "-q").exit_code == 0
    before = helpers.snapshot(out)
    assert set(before) >= {"assignments.csv", "schools.csv", "summary.json", "manifest.json"}
    modified = {path: (out / path).stat().st_mtime_ns for path in before}

    schools = (scenario / "schools.csv").read_text(encoding="utf-8")
    broken = schools.replace(",2,1,Z1,", ",two,1,Z1,", 1)  # capacity of school A (row 2)
    assert broken != schools
    (scenario / "schools.csv").write_text(broken, encoding="utf-8")
    failed = helpers.run_cli("run", scenario, "--out", out, "-q")
    assert failed.exit_code == 2
    assert any(line.startswith("schools.csv:2:capacity:") for line in failed.problem_lines())

    assert helpers.snapshot(out) == before
    assert {path: (out / path).stat().st_mtime_ns for path in before} == modified
    assert helpers.leftovers(tmp_path, "run") == []


def test_a_failed_run_in_a_fresh_process_leaves_the_previous_run_folder_untouched(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "tiny")
    out = tmp_path / "run"
    assert helpers.run_cli("run", scenario, "--out", out, "-q").exit_code == 0
    before = helpers.snapshot(out)
    settings = (scenario / "scenario.yaml").read_text(encoding="utf-8")
    broken = settings.replace("mechanism: deferred-acceptance", "mechanism: no-such-mechanism")
    assert broken != settings
    (scenario / "scenario.yaml").write_text(broken, encoding="utf-8")
    failed = helpers.run_cli_subprocess("run", scenario, "--out", out, "-q")
    assert failed.exit_code == 2, failed.stderr
    assert any(":mechanism:" in line for line in failed.problem_lines()), failed.stderr
    assert helpers.snapshot(out) == before
    assert helpers.leftovers(tmp_path, "run") == []
