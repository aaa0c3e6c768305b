"""comparison.html reads in the planner's language, with the reports' vocabulary."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402


def visible_text(page: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    body = re.sub(r"<code>.*?</code>", "", body, flags=re.S)  # the planner's own overrides
    body = re.sub(r"src='data:[^']*'", "", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_page_has_labels_not_field_names(tmp_path, lang):
    base = helpers.copy_tiny(tmp_path / "tiny")
    helpers.run_cli("run", base, "--out", tmp_path / "first_run", "--no-reports", "-q")
    helpers.run_cli("run", base, "--out", tmp_path / "other_seed", "--no-reports", "-q",
                    "--seed", "99")
    outcome = helpers.run_cli("compare", tmp_path / "first_run", tmp_path / "other_seed",
                              "--out", tmp_path / "cmp", "--lang", lang)
    assert outcome.exit_code == 0, outcome.stderr
    text = visible_text((tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8"))
    names = {"first_run", "other_seed"}  # run folders are named by the planner
    identifiers = set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)) - names
    assert identifiers == set(), sorted(identifiers)
    if lang == "zh":
        assert "主要指标" in text and "招生计划" in text
        assert "@font-face" in (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
