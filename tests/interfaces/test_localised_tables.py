"""Terminal tables in the language of --lang: headers and values through the vocabulary."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.interfaces.terminal_tables import column_widths  # noqa: E402

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
TINY = helpers.REPO / "scenarios" / "tiny"


def test_the_run_summary_is_a_table_in_the_chosen_language(tmp_path):
    chinese = helpers.run_cli("run", TINY, "--out", tmp_path / "zh", "--no-reports")
    assert chinese.exit_code == 0, chinese.stderr
    for label in ("项目", "报名人数", "已录取", "第一志愿录取", "余额学位", "校验", "通过",
                  "延迟接受", "结果已写入"):
        assert label in chinese.stdout, label
    english = helpers.run_cli("run", TINY, "--out", tmp_path / "en", "--no-reports",
                              "--lang", "en")
    for label in ("Applicants", "Placed at first choice", "Surplus seats", "passed",
                  "deferred acceptance", "results written to"):
        assert label in english.stdout, label
    for outcome in (chinese, english):
        assert not SNAKE.findall(outcome.stdout.replace("shanxi-2025", "")), outcome.stdout


def test_the_scenarios_summary_is_a_localised_table(tmp_path):
    whatifs = tmp_path / "whatifs.yaml"
    whatifs.write_text(f"base: {TINY}\noverrides:\n  more_seats:\n    capacity:\n"
                       "      A: {classes: +1}\nscenarios:\n  baseline: []\n"
                       "  more_seats: [more_seats]\n", encoding="utf-8")
    outcome = helpers.run_cli("scenarios", whatifs, "--out", tmp_path / "runs", "--no-reports")
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    for label in ("方案", "改动项", "求解方式", "第一志愿录取", "校验通过", "baseline",
                  "more_seats"):
        assert label in outcome.stdout, label
    rows = [line for line in outcome.stdout.splitlines() if "more_seats" in line]
    assert rows and "是" in rows[0]  # verified, in words


def test_numbers_are_never_folded_when_a_text_column_can_fold_instead():
    cells = [["Placed: owned home in the catchment, hukou outside the county", "15.93", "4"]]
    widths = column_widths(["measure", "deferred-acceptance", "min-cost-flow"], cells, 60)
    assert widths[1] >= len("15.93") and widths[2] >= 1
    assert sum(widths) + 3 * 3 + 1 <= 60
