"""Which runs write report.html: 'allocator run' (first and later rounds) by default,
what-if runs when asked (--reports), province runs never (documented in
docs/report-print.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

REPORTS = {"report.html", "report.xlsx", "disclosure.csv", "ledger.csv"}


def _what_if_file(tmp_path: Path) -> Path:
    helpers.copy_tiny(tmp_path / "tiny")
    spec = tmp_path / "whatifs.yaml"
    spec.write_text(yaml.safe_dump({
        "base": "tiny", "overrides": {"more_at_d": {"capacity": {"D": {"seats": 1}}}},
        "scenarios": {"baseline": [], "more_at_d": ["more_at_d"]}}), encoding="utf-8")
    return spec


def test_what_if_runs_write_no_reports_by_default(tmp_path):
    outcome = helpers.run_cli("scenarios", _what_if_file(tmp_path), "--out", tmp_path / "w")
    assert outcome.exit_code == 0, outcome.stderr
    for name in ("baseline", "more_at_d"):
        assert not REPORTS & {p.name for p in (tmp_path / "w" / name).iterdir()}


def test_what_if_runs_write_the_reports_when_asked(tmp_path):
    outcome = helpers.run_cli("scenarios", _what_if_file(tmp_path), "--out", tmp_path / "w",
                              "--reports", "--lang", "en")
    assert outcome.exit_code == 0, outcome.stderr
    for name in ("baseline", "more_at_d"):
        folder = tmp_path / "w" / name
        assert {p.name for p in folder.iterdir()} >= REPORTS
        assert "Compulsory-school admission" in (folder / "report.html").read_text(
            encoding="utf-8")


def test_what_if_reports_refuse_an_unknown_language(tmp_path):
    outcome = helpers.run_cli("scenarios", _what_if_file(tmp_path), "--out", tmp_path / "w",
                              "--reports", "--lang", "fr")
    assert outcome.exit_code == 2 and not (tmp_path / "w").exists()


def test_province_runs_write_the_contract_files_only(tmp_path):
    folder = helpers.copy_tiny(tmp_path / "tiny")
    outcome = helpers.run_cli("province", folder, "--out", tmp_path / "p", "--serial")
    assert outcome.exit_code == 0, outcome.stderr
    written = {p.name for p in (tmp_path / "p").iterdir()}
    assert {"assignments.csv", "schools.csv", "summary.json", "manifest.json"} <= written
    assert not REPORTS & written
