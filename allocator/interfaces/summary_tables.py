"""The summaries ``allocator run`` and ``allocator scenarios`` print, in the reader's language.

Labels and words come from :mod:`allocator.model.vocabulary` (the one translation
table); the tables are built by :mod:`allocator.interfaces.terminal_tables`, so
they fit the terminal and never cut a scenario name.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from rich.table import Table

from allocator.interfaces.terminal_tables import frame_table, key_value_table
from allocator.model.vocabulary import value_label

#: Words of the summaries that are not column names -> (Chinese, English).
WORDS: dict[str, tuple[str, str]] = {
    "of": ("{} / {}", "{} of {}"),
    "round": ("第{number}轮（{lottery}抽签顺序）：调整 {moved} 人，新录取 {placed} 人，"
              "放弃 {declined} 人",
              "round {number} ({lottery} lottery): {moved} moved, {placed} newly placed, "
              "{declined} declined"),
    "same": ("原", "same"), "reversed": ("逆序", "reversed"),
    "seconds": ("{:.1f} 秒", "{:.1f} s"),
}


def _word(key: str, lang: str) -> str:
    return WORDS[key][0 if lang == "zh" else 1]


def run_summary_table(summary: dict, seconds: float, lang: str, width: int = 80) -> Table:
    """The figures ``allocator run`` prints: placed, first choice, surplus, verification.

    Parameters
    ----------
    summary : dict
        The run's ``summary.json``.
    seconds : float
        Wall time of the run.
    lang : str
        ``zh`` or ``en``.
    width : int
        The terminal's width.
    """
    counts = summary["counts"]
    of = _word("of", lang)
    rows: list[tuple[str, object]] = [
        ("applicants", counts["applicants"]), ("placed", counts["placed"]),
        ("first_choice", counts["first_choice"]), ("unplaced", counts["unplaced"]),
        ("excluded", counts["excluded"]),
        ("schools_oversubscribed", of.format(f"{counts['schools_oversubscribed']:,}",
                                             f"{counts['schools']:,}")),
        ("surplus_seats", of.format(f"{counts['surplus_seats']:,}", f"{counts['capacity']:,}"))]
    if "round" in summary:  # a later round (--after)
        block = summary["round"]
        rows.append(("round", _word("round", lang).format(
            number=block["number"], lottery=_word(block["lottery"], lang),
            moved=f"{block['applicants_moved']:,}", placed=f"{block['newly_placed']:,}",
            declined=f"{block['declined']:,}")))
    verification = summary["verification"]
    failed = [c["name"] for c in verification["checks"] if c["required"] and not c["passed"]]
    rows.append(("verification", value_label("passed", lang) if verification["passed"] else
                 value_label("failed", lang) + ": " + ", ".join(failed)))
    rows.append(("seconds", _word("seconds", lang).format(seconds)))
    title = " · ".join([str(summary["scenario"]), str(summary["policy"]),
                        value_label(str(summary["mechanism"]), lang),
                        (f"seed {summary['seed']}" if lang == "en"
                         else f"随机种子 {summary['seed']}")])
    return key_value_table(title, rows, lang, width)


def scenarios_table(title: str, runs: Sequence, lang: str, width: int = 80) -> Table:
    """One row per what-if run of ``allocator scenarios``: changes, re-solve, figures.

    Parameters
    ----------
    title : str
        The table's title.
    runs : sequence
        The runs (:class:`allocator.scenarios.runner.ScenarioRun`).
    lang : str
        ``zh`` or ``en``.
    width : int
        The terminal's width.
    """
    rows = []
    for run in runs:
        counts = run.result.summary["counts"]
        rows.append({"scenario": run.name,
                     "changes": len(run.result.manifest["what_if"]["changes"]),
                     "resolve": "warm" if run.warm else "cold", "placed": counts["placed"],
                     "first_choice": counts["first_choice"],
                     "surplus_seats": counts["surplus_seats"],
                     "verified": "true" if run.result.verified else "false"})
    frame = pd.DataFrame(rows, columns=["scenario", "changes", "resolve", "placed",
                                        "first_choice", "surplus_seats", "verified"])
    return frame_table(title, frame, width, lang)
