"""Build every report of a run and write them into its run folder.

:func:`report_writer` returns the extra writer that :func:`allocator.pipeline.write.write_run`
calls inside the atomic write, so a run folder holds ``report.html``,
``report.xlsx``, ``disclosure.csv``, ``disclosure_admitted.csv``,
``disclosure_counts.csv``, the public notices ``public_notice_*.csv``, ``ledger.csv``,
``surplus_plan.csv`` and ``metrics.csv`` (every grouping; the workbook's metrics
sheet holds the county and category groupings) next to the contract files, or
none of them.

Heavy parts are conditional on size (documented in docs/reports.md): the cost of
fairness re-solves the scenario with the other mechanism (runs of at most
:data:`FAIRNESS_LIMIT` applicants) and the class recommendations re-solve it
once per candidate (at most :data:`RECOMMEND_LIMIT`); larger runs say so in the
report, and ``allocator fairness`` / ``allocator recommend`` compute them on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocator.model.vocabulary import value_label
from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.run import RunResult
from allocator.pipeline.tables import stage_tiers
from allocator.pipeline.write import write_csv
from allocator.problem.compile import PRIVATE_TIER_NAME

from . import disclosure, ledger, metrics, plots, rounds
from .county_sections import county_sections
from .decisions import decisions
from .fairness import cost_of_fairness
from .frames import applicant_frame, schools_frame
from .labels import text
from .map_plot import catchment_map
from .page import render_page
from .page import table_html as page_table_html
from .page_words import page_text
from .public_notice import write_notices
from .recommend import recommend_classes
from .seat_warnings import seat_warnings, without_empty_tiers
from .workbook import write_workbook

FAIRNESS_LIMIT = 200_000
RECOMMEND_LIMIT = 20_000
DEFAULT_CLASSES = 3


@dataclass
class Report:
    """Every table of the reports of one run (frames keyed by sheet name)."""

    result: RunResult
    lang: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def tier_labels(result: RunResult, lang: str) -> dict[str, str]:
    """Tier name -> label in ``lang`` (the name where the policy gives no label)."""
    labels = {}
    for tier in result.loaded.policy.tiers:
        label = tier.label_zh if lang == "zh" else tier.label_en
        labels[tier.name] = label or tier.name
    return labels


def build_report(result: RunResult, lang: str = "zh", classes: int = DEFAULT_CLASSES) -> Report:
    """Compute every table (no file is written)."""
    report = Report(result, lang)
    frame, schools = applicant_frame(result), schools_frame(result)
    seats = ledger.seat_ledger(frame, schools, result.problem.tier_names)
    plan = ledger.redistribution_plan(frame)
    report.tables.update({
        "schools": result.schools, "ledger": seats, "county ledger": ledger.county_ledger(seats),
        "surplus plan": plan, "idle surplus": ledger.idle_surplus(seats, plan),
        "warnings": seat_warnings(result),
        "metrics": pd.concat([metrics.all_metrics(frame, schools, by)
                              for by in metrics.GROUPINGS], ignore_index=True)})
    workbook_metrics = report.tables["metrics"]["by"].isin(["county", "category"])
    size = result.problem.applicant_count
    later_round = rounds.is_later_round(result)
    if rounds.is_later_round(result):  # first-round re-solves would ignore the seats held
        report.tables.update(rounds.round_tables(result))
        report.notes["fairness"] = report.notes["recommendations"] = (
            rounds.TITLES[lang]["not_for_round"])
    elif size <= FAIRNESS_LIMIT:
        report.tables["fairness"] = cost_of_fairness(result)
    else:
        report.notes["fairness"] = text("not_computed", lang) + "allocator fairness"
    if later_round:
        pass
    elif size <= RECOMMEND_LIMIT:
        report.tables["recommendations"] = recommend_classes(result, classes)
    else:
        report.notes["recommendations"] = text("not_computed", lang) + "allocator recommend"
    report.tables["disclosure"] = disclosure.school_disclosure(
        frame, schools, school_conditions(result, lang), result.problem.tier_names)
    report.tables["admitted"] = disclosure.admitted_list(result.assignments,
                                                         result.problem.school_ids)
    report.tables["counts"] = disclosure.count_list(result.assignments)
    report.tables["_frame"], report.tables["_schools"] = frame, schools
    report.tables["_all metrics"] = report.tables["metrics"]
    report.tables["metrics"] = report.tables["metrics"][workbook_metrics].reset_index(drop=True)
    return report


def school_conditions(result: RunResult, lang: str) -> pd.Series:
    """Admission conditions of each school: its stage's tiers, numbered as in assignments.csv.

    A public school lists the rungs of the ladder that apply to its stage; a
    private school in a policy with a private round lists that round.
    """
    labels = {**tier_labels(result, lang), PRIVATE_TIER_NAME: text("private_lottery", lang)}
    problem = result.problem
    texts = {}
    for stage in ("primary", "junior"):
        tiers = stage_tiers(problem, stage)
        for kind in ("public", "private"):
            chosen = [(n, name) for n, name in tiers if (name == PRIVATE_TIER_NAME) == (
                kind == "private" and PRIVATE_TIER_NAME in problem.tier_names)]
            texts[stage, kind] = "; ".join(f"{n}. {labels.get(name, name)}" for n, name in chosen)
    schools = result.schools
    return pd.Series([texts.get((stage, kind), "") for stage, kind in zip(
        schools["stage"], schools["kind"], strict=True)], index=schools.index, dtype=object)


def _cards(report: Report) -> list[tuple[str, str]]:
    counts, lang = report.result.summary["counts"], report.lang
    frame = report.tables["_frame"]
    distance = counts.get("distance_km", {})
    return [(text("applicants", lang), f"{counts['applicants']:,}"),
            (text("placed", lang), f"{counts['placed']:,}"),
            (text("unplaced", lang), f"{counts['unplaced']:,}"),
            (text("excluded", lang), f"{counts['excluded']:,}"),
            (text("outside", lang), f"{int(frame['outside_catchment'].sum()):,}"),
            (text("capacity", lang), f"{counts['capacity']:,}"),
            (text("surplus", lang), f"{counts['surplus_seats']:,}"),
            (text("distance_mean", lang), f"{distance.get('mean') or 0:.2f}"),
            (text("distance_p95", lang), f"{distance.get('p95') or 0:.2f}")]


#: Tables with more columns than this print on a landscape page...
WIDE_TABLE_COLUMNS = 8
#: ...unless they have at most this many rows and columns: a one-county metrics row (12
#: columns) fits a portrait page, and alone on a landscape page it wasted a sheet.
SHORT_TABLE_ROWS = 3
SHORT_TABLE_COLUMNS = 14


def _table_section(title: str, frame: pd.DataFrame, table_html: Callable, lang: str,
                   note: str = "") -> dict:
    return {"title": title, "note": note, "table": table_html(frame, lang),
            "wide": len(frame.columns) > WIDE_TABLE_COLUMNS and not (
                len(frame) <= SHORT_TABLE_ROWS and len(frame.columns) <= SHORT_TABLE_COLUMNS)}


def _plot_sections(report: Report, schools: pd.DataFrame,
                   map_caption: Callable[[str], str]) -> list[dict]:
    lang, result = report.lang, report.result
    sections: list[dict[str, str | None]] = [
        {"id": "fill", "title": text("fill", lang), "image": plots.fill_by_school(schools, lang),
         "caption": page_text("caption_fill", lang)},
        {"id": "tiers", "title": text("tier_mix", lang),
         "image": plots.tier_mix(result.assignments, tier_labels(result, lang), lang),
         "caption": page_text("caption_tier", lang)},
        {"id": "distance", "title": text("distance_plot", lang),
         "image": plots.distance_histogram(result.assignments, lang),
         "caption": page_text("caption_distance", lang)}]
    image, source = catchment_map(schools, result.loaded.scenario.applicants,
                                  result.loaded.scenario.folder, lang)
    sections.append({"id": "map", "title": page_text("map_title", lang), "image": image,
                     "caption": map_caption(source), "note": "" if image else
                     page_text("map_none", lang)})
    return sections


def _sections(report: Report) -> list[dict]:
    lang, tables, result = report.lang, report.tables, report.result
    schools = tables["_schools"]
    tiers = tier_labels(result, lang)

    def table_html(frame: pd.DataFrame, lang: str) -> str:
        return page_table_html(frame, lang, tiers=tiers)

    def map_caption(source: str) -> str:
        where = page_text("zones_from_geojson" if source == "zones.geojson"
                          else "zones_from_homes", lang)
        return page_text("caption_map", lang).format(source=where)

    long = tables["metrics"][tables["metrics"]["by"] == "county"]
    county_metrics = long.pivot(index="group", columns="metric", values="value")[
        list(dict.fromkeys(long["metric"]))].rename_axis(columns=None).reset_index().rename(
        columns={"group": text("county", lang)})
    warnings = tables["warnings"]
    sections = [{"id": "metrics", **_table_section(text("metrics", lang), county_metrics,
                                                    table_html, lang)},
                *_plot_sections(report, schools, map_caption),
                *county_sections(result, schools, warnings, lang, table_html, map_caption)]
    # the wide tables last, so they share landscape pages when printed
    for key, title in (("surplus plan", "surplus_plan"), ("idle surplus", "idle"),
                       ("county ledger", "ledger")):
        sections.append(_table_section(text(title, lang), tables[key], table_html, lang))
    for key, title in (("fairness", "fairness"), ("recommendations", "recommendations")):
        if key in tables:
            sections.append(_table_section(text(title, lang), without_empty_tiers(tables[key]),
                                           table_html, lang, report.notes.get(key, "")))
        else:
            sections.append({"title": text(title, lang), "note": report.notes.get(key, "")})
    sections.append({"id": "warnings", **_table_section(
        text("warnings", lang), without_empty_tiers(warnings[warnings["level"] != ""]),
        table_html, lang)})
    if rounds.is_later_round(result):
        sections[:0] = [_table_section(rounds.TITLES[lang][key], tables[
            "round summary" if key == "round" else key], table_html, lang)
            for key in ("round", "round schools", "round chains")]
    return sections


def write_reports(report: Report, folder: Path) -> None:
    """Write ``report.html``, ``report.xlsx`` and the disclosure and ledger CSVs."""
    result = report.result
    meta = {"scenario": result.summary["scenario"], "policy": result.summary["policy"],
            "mechanism": value_label(result.summary["mechanism"], report.lang),
            "seed": result.summary["seed"], "verified": result.verified}
    page = render_page(meta, _cards(report), _sections(report), report.lang,
                       decisions=decisions(result, report.tables["warnings"], report.lang))
    (folder / "report.html").write_text(page, encoding="utf-8")
    sheets = {name: frame for name, frame in report.tables.items()
              if not name.startswith("_") and name not in ("disclosure", "admitted", "counts")}
    write_workbook(folder / "report.xlsx", result.summary, sheets, result.assignments,
                   report.lang, tier_labels(result, report.lang))
    write_csv(report.tables["disclosure"], folder / "disclosure.csv")
    write_csv(report.tables["admitted"], folder / "disclosure_admitted.csv")
    write_csv(report.tables["counts"], folder / "disclosure_counts.csv")
    write_notices(report.tables, folder, report.lang, tier_labels(result, report.lang))
    write_report_csv(report.tables["ledger"], folder / "ledger.csv")
    write_report_csv(report.tables["surplus plan"], folder / "surplus_plan.csv")
    write_report_csv(report.tables["_all metrics"], folder / "metrics.csv")


def write_report_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a report CSV with spreadsheet formulas neutralised (publication files are already)."""
    write_csv(neutralise_frame(frame), path)


def report_writer(lang: str = "zh", progress: Callable[[str], None] | None = None,
                  ) -> Callable[[RunResult, Path], None]:
    """Extra writer for :func:`allocator.pipeline.write.write_run`.

    ``progress`` is called with a line of text as each step of the reports starts
    (the tables, then the page, workbook and CSV files).
    """
    say = progress or (lambda step: None)

    def write(result: RunResult, staging: Path) -> None:
        say("computing the report tables")
        report = build_report(result, lang)
        say("writing report.html, report.xlsx and the disclosure files")
        write_reports(report, staging)

    return write
