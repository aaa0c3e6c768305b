"""What needs a planner's decision, for the report's first page.

Each item is one sentence in the report's language with a severity: red seat
warnings, guaranteed children (应入尽入) without a seat, schools above their
class-size ceiling or raised above their plan, unplaced children and a failed
verification. Children are counted, never named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.pipeline.run import RunResult

from .page_words import page_text

#: Schools named in one sentence; the rest are counted.
NAMED_SCHOOLS = 8


@dataclass(frozen=True)
class Decision:
    """One item of the first page's list: ``severity`` is ``red`` or ``orange``."""

    key: str
    severity: str
    sentence: str


def school_list(names: list[str], lang: str) -> str:
    """At most :data:`NAMED_SCHOOLS` names, then how many more."""
    separator = "、" if lang == "zh" else ", "
    shown = separator.join(names[:NAMED_SCHOOLS])
    if len(names) > NAMED_SCHOOLS:
        shown += " " + page_text("and_more", lang).format(n=len(names) - NAMED_SCHOOLS)
    return shown


def _display_names(result: RunResult, school_ids: list[str], lang: str) -> list[str]:
    """``name（id）`` in Chinese, ``name (id)`` in English; the id alone without a name."""
    schools = result.loaded.scenario.schools.set_index("school_id")
    names = schools["name"].reindex(school_ids).fillna("")
    pattern = "{name}（{school}）" if lang == "zh" else "{name} ({school})"
    return [pattern.format(name=name, school=school) if name and name != school
            else str(school) for school, name in zip(school_ids, names, strict=True)]


def decisions(result: RunResult, warnings: pd.DataFrame, lang: str) -> list[Decision]:
    """Every item that needs a decision, most urgent first (empty: nothing to decide)."""
    found = [_verification(result, lang), _guaranteed(result, lang),
             _over_ceiling(result, lang), _red_warnings(result, warnings, lang),
             _raised(result, lang), _unplaced(result, lang)]
    return [item for item in found if item is not None]


def _red_warnings(result: RunResult, warnings: pd.DataFrame, lang: str) -> Decision | None:
    red = warnings[warnings["level"] == "red"]
    if red.empty:
        return None
    ratio = result.loaded.policy.seat_warnings.red
    names = _display_names(result, red["school_id"].astype(str).tolist(), lang)
    return Decision("red_warnings", "red", page_text("decision_red", lang).format(
        n=len(red), ratio=f"{ratio:.0%}", schools=school_list(names, lang)))


def _guaranteed(result: RunResult, lang: str) -> Decision | None:
    ledger = result.summary.get("guarantee", {})
    count = len(ledger.get("unplaced", []))
    if not count:
        return None
    areas = [f"{_display_names(result, [row['area_school_id']], lang)[0]} {row['seats_needed']}"
             if row["area_school_id"] else f"{row['county']} {row['seats_needed']}"
             for row in ledger.get("shortfall_by_area", [])]
    return Decision("guaranteed_unplaced", "red", page_text("decision_guaranteed", lang).format(
        n=count, areas=school_list(areas, lang)))


def _over_ceiling(result: RunResult, lang: str) -> Decision | None:
    problem = result.problem
    assigned = result.schools["assigned"].to_numpy(dtype=np.int64)
    over = np.flatnonzero(assigned > problem.school_ceiling)
    if over.size == 0:
        return None
    names = _display_names(result, [str(problem.school_ids[s]) for s in over], lang)
    return Decision("over_ceiling", "red", page_text("decision_over_ceiling", lang).format(
        n=len(names), schools=school_list(names, lang)))


def _raised(result: RunResult, lang: str) -> Decision | None:
    raised = result.summary.get("plan_adjustments", [])
    if not raised:
        return None
    names = _display_names(result, [row["school_id"] for row in raised], lang)
    return Decision("raised_above_plan", "orange", page_text("decision_raised", lang).format(
        n=len(names), schools=school_list(names, lang)))


def _unplaced(result: RunResult, lang: str) -> Decision | None:
    count = int(result.summary["counts"]["unplaced"])
    guaranteed = len(result.summary.get("guarantee", {}).get("unplaced", []))
    if count - guaranteed <= 0:
        return None
    return Decision("unplaced", "orange",
                    page_text("decision_unplaced", lang).format(n=f"{count - guaranteed:,}"))


def _verification(result: RunResult, lang: str) -> Decision | None:
    if result.verified:
        return None
    from allocator.model.vocabulary import value_label

    failed = [value_label(check.name, lang) for check in result.checks
              if check.required and not check.passed]
    return Decision("verification", "red", page_text("decision_verification", lang).format(
        checks=school_list(failed, lang)))
