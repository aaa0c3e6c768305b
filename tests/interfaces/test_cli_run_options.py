"""Options of `allocator run` beyond the contract's: --no-reports and explain."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
CONTRACT_FILES = {"assignments.csv", "schools.csv", "summary.json", "manifest.json"}
MARKER = ".allocator-output.json"  # the engine's own-folder marker (tests/pipeline)


def test_no_reports_writes_exactly_the_contract_files(tmp_path):
    outcome = helpers.run_cli("run", TINY, "--out", tmp_path / "run", "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    assert {p.name for p in (tmp_path / "run").iterdir()} == CONTRACT_FILES | {MARKER}


def test_reports_are_written_by_default_and_keep_assignments_identical(tmp_path):
    helpers.run_cli("run", TINY, "--out", tmp_path / "plain", "--no-reports", "-q")
    outcome = helpers.run_cli("run", TINY, "--out", tmp_path / "full", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    names = {p.name for p in (tmp_path / "full").iterdir()}
    assert CONTRACT_FILES | {"report.html", "report.xlsx"} <= names
    assert ((tmp_path / "full" / "assignments.csv").read_bytes()
            == (tmp_path / "plain" / "assignments.csv").read_bytes())


def test_explain_tells_the_story_in_both_languages(tmp_path):
    helpers.run_cli("run", TINY, "--out", tmp_path / "run", "--no-reports", "-q")
    english = helpers.run_cli("explain", tmp_path / "run", "a3", "--lang", "en")
    assert english.exit_code == 0, english.stderr
    assert "placed at D" in english.stdout and "ADMITTED" in english.stdout
    assert "refused: full" in english.stdout      # A, C and B turned a3 away
    chinese = helpers.run_cli("explain", tmp_path / "run", "a4")
    assert chinese.exit_code == 0 and "未录取" in chinese.stdout
    unknown = helpers.run_cli("explain", tmp_path / "run", "nobody")
    assert unknown.exit_code == 2


def test_explain_refuses_when_the_inputs_changed(tmp_path):
    scenario = helpers.copy_tiny(tmp_path / "scenario")
    helpers.run_cli("run", scenario, "--out", tmp_path / "run", "--no-reports", "-q")
    (scenario / "schools.csv").write_text(
        (scenario / "schools.csv").read_text().replace(",2,1,Z1", ",3,1,Z1"))
    outcome = helpers.run_cli("explain", tmp_path / "run", "a1")
    assert outcome.exit_code == 2 and "inputs changed" in outcome.stderr
