"""The report, fairness and recommend commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402


def test_fairness_command_prints_and_writes_the_table(county_scenario, tmp_path):
    outcome = helpers.run_cli("fairness", county_scenario, "--csv", tmp_path / "f.csv")
    assert outcome.exit_code == 0, outcome.stderr
    assert "最小费用流最优" in outcome.stdout and "合理异议对数" in outcome.stdout  # zh default
    table = pd.read_csv(tmp_path / "f.csv")
    assert table["mechanism"].tolist() == ["deferred-acceptance", "min-cost-flow"]
    english = helpers.run_cli("fairness", county_scenario, "--lang", "en")
    assert "optimum" in english.stdout and "Justified-envy pairs" in english.stdout
    assert "justified_envy" not in english.stdout + outcome.stdout


def test_recommend_command_lists_classes_in_order(county_scenario, tmp_path):
    outcome = helpers.run_cli("recommend", county_scenario, "--classes", "2", "--csv",
                              tmp_path / "r.csv")
    assert outcome.exit_code == 0, outcome.stderr
    table = pd.read_csv(tmp_path / "r.csv")
    assert table["step"].tolist() == list(range(1, len(table) + 1))
    assert (table["gain_children"] > 0).all()


def test_run_refuses_an_unknown_language(county_scenario, tmp_path):
    outcome = helpers.run_cli("run", county_scenario, "--out", tmp_path / "x", "--lang", "fr")
    assert outcome.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_explicit_policy_run_writes_reports(tmp_path, monkeypatch):
    monkeypatch.setattr("allocator.reports.page.font_face_css", lambda characters: "")
    folder = helpers.write_explicit(tmp_path / "s", {"a": ["X", "Y"], "b": ["X"], "c": ["Y"]},
                                    {"X": ["b", "a"]}, {"X": 1, "Y": 1})
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "run", "--mechanism",
                              "min-cost-flow", "--lang", "en", "-q")
    assert outcome.exit_code == 0, outcome.stderr
    assert (tmp_path / "run" / "report.html").exists()
    assignments = pd.read_csv(tmp_path / "run" / "assignments.csv", keep_default_na=False)
    assert (assignments["status"] == "placed").sum() == 2
