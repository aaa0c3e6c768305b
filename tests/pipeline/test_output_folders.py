"""Output folders are the engine's own: ``--out`` never deletes a user's files.

Each case is a mistake a planner makes: ``--out`` naming a folder of their own
notes, the scenario folder itself, the working folder; notes added to a run
folder; a failed verification. Every refusal exits 2 (1 for a failed
verification), says why, and leaves every file as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.pipeline import run as pipeline_run
from allocator.pipeline.output_folder import (
    MARKER,
    OutputFolderRefused,
    check_output_folder,
    remove_stale_staging,
)
from allocator.pipeline.write import write_folder_atomically
from allocator.verify.result import CheckResult

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

RUN = ("--no-reports", "-q")


def cli(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_of_the_users_own_is_refused_and_kept(tmp_path):
    notes = tmp_path / "out" / "demo"
    notes.mkdir(parents=True)
    (notes / "notes.txt").write_text("meeting on Tuesday", encoding="utf-8")
    code, _, stderr = cli("run", helpers.TINY, "--out", notes, *RUN)
    assert code == 2
    assert "did not write" in stderr and "'notes.txt'" in stderr
    assert helpers.snapshot(notes) == {"notes.txt": b"meeting on Tuesday"}
    assert helpers.leftovers(notes.parent, "demo") == []


def test_the_scenario_folder_itself_is_refused(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    before = helpers.snapshot(scenario)
    code, _, stderr = cli("run", scenario, "--out", scenario, *RUN)
    assert code == 2 and "is the input" in stderr
    assert helpers.snapshot(scenario) == before


def test_the_working_folder_is_refused(tmp_path, monkeypatch):
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    (tmp_path / "budget.xlsx").write_bytes(b"not really a workbook")
    before = helpers.snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, stderr = cli("run", "scenario", "--out", ".", *RUN)
    assert code == 2 and "contains the input" in stderr
    assert helpers.snapshot(tmp_path) == before
    assert scenario.is_dir()


def test_an_own_run_folder_is_replaced_but_not_when_notes_were_added(tmp_path):
    out = tmp_path / "run"
    assert cli("run", helpers.TINY, "--out", out, *RUN)[0] == 0
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["engine"] == "allocator" and "assignments.csv" in marker["entries"]
    assert cli("run", helpers.TINY, "--out", out, "--seed", "7", *RUN)[0] == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 7
    (out / "my-notes.md").write_text("keep me", encoding="utf-8")
    before = helpers.snapshot(out)
    code, _, stderr = cli("run", helpers.TINY, "--out", out, *RUN)
    assert code == 2 and "'my-notes.md'" in stderr and "allocator did not write" in stderr
    assert helpers.snapshot(out) == before


def test_an_empty_folder_may_be_used_and_a_file_may_not(tmp_path):
    (tmp_path / "empty").mkdir()
    assert cli("run", helpers.TINY, "--out", tmp_path / "empty", *RUN)[0] == 0
    (tmp_path / "a-file").write_text("x")
    code, _, stderr = cli("run", helpers.TINY, "--out", tmp_path / "a-file", *RUN)
    assert code == 2 and "is a file" in stderr
    assert (tmp_path / "a-file").read_text() == "x"


def test_a_failed_verification_writes_no_folder_and_names_the_check(tmp_path, monkeypatch):
    failing = CheckResult("capacity", False, 2, True, "no school over its plan",
                          examples=["S-001", "S-002"])

    def verify_with_a_failure(*args, **kwargs):
        return [failing]

    monkeypatch.setattr(pipeline_run, "verify", verify_with_a_failure)
    out = tmp_path / "run"
    code, _, stderr = cli("run", helpers.TINY, "--out", out, *RUN)
    assert code == 1
    assert "capacity: 2 violation(s), for example S-001, S-002" in stderr
    assert not out.exists() and helpers.leftovers(tmp_path, "run") == []


def test_an_earlier_run_survives_a_failed_verification(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert cli("run", helpers.TINY, "--out", out, *RUN)[0] == 0
    before = helpers.snapshot(out)
    monkeypatch.setattr(pipeline_run, "verify", lambda *a, **k: [
        CheckResult("eligibility", False, 1, True, "own list only", examples=["a1"])])
    assert cli("run", helpers.TINY, "--out", out, "--seed", "9", *RUN)[0] == 1
    assert helpers.snapshot(out) == before


def test_compare_refuses_a_users_folder_and_its_own_inputs(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    cli("run", helpers.TINY, "--out", first, *RUN)
    cli("run", helpers.TINY, "--out", second, "--seed", "3", *RUN)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "plan.docx").write_bytes(b"draft")
    code, _, stderr = cli("compare", first, second, "--out", tmp_path / "mine")
    assert code == 2 and "'plan.docx'" in stderr
    assert helpers.snapshot(tmp_path / "mine") == {"plan.docx": b"draft"}
    before = helpers.snapshot(first)
    code, _, stderr = cli("compare", first, second, "--out", first)
    assert code == 2 and "is the input" in stderr
    assert helpers.snapshot(first) == before
    assert cli("compare", first, second, "--out", tmp_path / "cmp")[0] == 0
    assert (tmp_path / "cmp" / MARKER).exists()
    assert cli("compare", first, second, "--out", tmp_path / "cmp")[0] == 0  # its own: replaced


def test_export_run_refuses_a_folder_holding_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = "sqlite:///allocator.db"
    assert cli("db", "import", helpers.TINY, "--db", store)[0] == 0
    assert cli("job", "run", "--db", store, "--job-key", "k1")[0] == 0
    before = (tmp_path / "allocator.db").read_bytes()
    code, _, stderr = cli("db", "export-run", "--db", store, "--job-key", "k1", "--out", ".")
    assert code == 2 and "allocator.db" in stderr
    assert (tmp_path / "allocator.db").read_bytes() == before
    assert cli("db", "export-run", "--db", store, "--job-key", "k1", "--out", "exported")[0] == 0
    assert (tmp_path / "exported" / "assignments.csv").exists()


def test_scenarios_refuse_before_running_any(tmp_path):
    helpers.copy_tiny(tmp_path / "base")
    spec = tmp_path / "whatifs.yaml"
    spec.write_text("base: base\noverrides:\n  reseed: {seed: 5}\nscenarios:\n  one: []\n"
                    "  two: [reseed]\n", encoding="utf-8")
    (tmp_path / "out" / "two").mkdir(parents=True)
    (tmp_path / "out" / "two" / "keep.txt").write_text("mine")
    code, _, stderr = cli("scenarios", spec, "--out", tmp_path / "out")
    assert code == 2 and "'keep.txt'" in stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["two"]


def test_stale_staging_of_a_dead_process_is_removed_and_a_live_one_kept(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".run.tmp-{dead}-1"
    live = tmp_path / f".run.tmp-{os.getpid()}-2"
    other = tmp_path / f".runner.tmp-{dead}-3"  # another output's staging: not ours
    for folder in (stale, live, other):
        folder.mkdir()
    remove_stale_staging(out)
    assert not stale.exists() and live.exists() and other.exists()


def test_a_failing_writer_leaves_the_previous_folder_and_no_staging(tmp_path):
    out = tmp_path / "result"
    write_folder_atomically(lambda staging: (staging / "a.txt").write_text("1"), out)

    def broken(staging: Path) -> None:
        (staging / "a.txt").write_text("2")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder_atomically(broken, out)
    assert (out / "a.txt").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["result"]
    write_folder_atomically(lambda staging: (staging / "a.txt").write_text("3"), out)
    assert (out / "a.txt").read_text() == "3"
    assert [p.name for p in tmp_path.iterdir()] == ["result"]


def test_check_output_folder_explains_itself(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "y.csv").write_text("1")
    with pytest.raises(OutputFolderRefused) as refused:
        check_output_folder(tmp_path / "x")
    assert "choose a new or empty folder" in refused.value.reason
    assert check_output_folder(tmp_path / "absent") == (tmp_path / "absent").resolve()
