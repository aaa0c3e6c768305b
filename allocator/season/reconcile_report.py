"""Writing a reconciliation: CSV files, ``summary.json``, ``reconciliation.html`` and ``.xlsx``.

Everything goes into the output folder through
:func:`allocator.pipeline.write.write_folder_atomically`: the folder is complete
and new, or left as it was. The page embeds a subset of the bundled CJK font,
as the run's report does; the workbook is written by the reports' reproducible
XLSX writer, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from allocator.model.vocabulary import value_label
from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.write import write_csv, write_folder_atomically, write_json
from allocator.reports.fonts import configure_matplotlib
from allocator.reports.page import font_face_css, table_html
from allocator.reports.xlsx import write_xlsx

from .reconcile import Reconciliation
from .reconcile_labels import column_label, status_label, word

SHEET_ROW_LIMIT = 200_000
MAX_BARS = 40
CODE_COLUMNS = ("status", "run_status", "roll_status", "response", "registration",
                "disability_plan", "stage")
#: Per-child data files, written exactly (ids join, the next round reads responses.csv);
#: the other CSV files are for people and get spreadsheet formulas neutralised.
DATA_FILES = ("children", "responses", "roll_children")

PAGE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
{{ font_css }}
body { font-family: "Report CJK", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 2px solid #3b6bb5; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; display: block;
        overflow-x: auto; max-width: 100%; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #eef2f8; } td:first-child, th:first-child { text-align: left; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card b { display: block; font-size: 1.5em; color: #3b6bb5; }
.note { color: #666; font-size: 12px; } img { max-width: 100%; } .red { color: #c00; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% for label, value in sources %}<p class="note">{{ label }}: {{ value }}</p>
{% endfor %}
<h2>{{ headline }}</h2>
<div class="cards" data-testid="cards">
{% for key, label, value in cards %}<div class="card" data-testid="{{ key }}">{{ label }}<b>{{
value }}</b></div>
{% endfor %}</div>
{% for section in sections %}
<h2>{{ section.title }}</h2>
{% if section.note %}<p class="note {{ section.note_class }}">{{ section.note }}</p>{% endif %}
{% if section.image %}<img alt="{{ section.title }}" src="data:image/png;base64,{{
section.image }}">{% endif %}
{% if section.table %}{{ section.table }}{% endif %}
{% endfor %}
<p class="note">{{ footer }}</p>
</body>
</html>
"""


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with labelled column names and status codes, for people to read."""
    shown = frame.copy()
    for column in CODE_COLUMNS:
        if column in shown.columns:
            shown[column] = shown[column].map(lambda code: status_label(code, lang))
    if "categories" in shown.columns:
        shown["categories"] = shown["categories"].map(
            lambda tags: "; ".join(value_label(tag, lang) for tag in tags.split(";") if tag))
    if "guaranteed" in shown.columns and pd.api.types.is_bool_dtype(shown["guaranteed"]):
        shown["guaranteed"] = shown["guaranteed"].map(
            {True: "是" if lang == "zh" else "yes", False: ""})
    return shown.rename(columns=lambda name: column_label(name, lang))


def write_reconciliation(result: Reconciliation, out_dir: str | Path, lang: str = "zh",
                         inputs: Iterable[str | Path] = ()) -> Path:
    """Write every file of ``result`` to ``out_dir`` atomically; return the folder.

    Files: ``children.csv``, ``schools.csv``, ``responses.csv``, ``summary.json``,
    ``reconciliation.html``, ``reconciliation.xlsx`` and, with a roll,
    ``roll_children.csv``, ``roll_gaps.csv``, ``guaranteed_not_enrolled.csv``.
    The folder is marked as the engine's (kind ``reconciliation``).

    Raises
    ------
    allocator.pipeline.output_folder.OutputFolderRefused
        Before anything is written, when ``out_dir`` holds files the engine did
        not write, or is or contains one of ``inputs``.
    """
    def fill(staging: Path) -> None:
        for name, frame in csv_tables(result).items():
            write_csv(frame if name in DATA_FILES else neutralise_frame(frame),
                      staging / f"{name}.csv")
        write_json(result.summary, staging / "summary.json")
        (staging / "reconciliation.html").write_text(render_html(result, lang),
                                                     encoding="utf-8")
        write_xlsx(staging / "reconciliation.xlsx", workbook_sheets(result, lang))

    return write_folder_atomically(fill, out_dir, kind="reconciliation", inputs=inputs)


def csv_tables(result: Reconciliation) -> dict[str, pd.DataFrame]:
    """File base name -> table, in writing order (the roll's only with a roll)."""
    tables = {"children": result.children, "schools": result.schools,
              "responses": result.responses}
    if result.roll_children is not None:
        tables["roll_children"] = result.roll_children
        tables["roll_gaps"] = result.roll_gaps
        tables["guaranteed_not_enrolled"] = result.guaranteed_not_enrolled
    return tables  # type: ignore[return-value]


def workbook_sheets(result: Reconciliation, lang: str) -> dict[str, pd.DataFrame]:
    """Sheet name -> labelled table: summary first, then every CSV table."""
    sheets = {word("summary", lang): readable_summary(result.summary, lang)}
    names = {"children": word("children", lang), "schools": word("schools", lang),
             "responses": word("responses", lang), "roll_children": word("roll_children", lang),
             "roll_gaps": word("roll_gaps", lang),
             "guaranteed_not_enrolled": column_label("guaranteed_not_enrolled", lang)}
    for key, frame in csv_tables(result).items():
        if len(frame) > SHEET_ROW_LIMIT:
            note = word("rows_limited", lang).format(n=f"{len(frame):,}",
                                                     limit=f"{SHEET_ROW_LIMIT:,}")
            sheets[names[key]] = pd.DataFrame({"note": [note]})
        else:
            sheets[names[key]] = localised(frame, lang)
    return sheets


def readable_summary(summary: dict, lang: str) -> pd.DataFrame:
    """The headline of ``summary.json`` as (item, value) rows; counts stay numbers."""
    run = summary["run"]
    rows: list[tuple[str, object]] = [
        (word("run", lang), f"{run['scenario']} · {run['policy']} · {run['mechanism']} · "
                            f"{run['seed']}")]
    for role, key in (("enrolled", "enrolled_file"), ("roll", "roll_file")):
        if role in summary["inputs"]:
            rows.append((word(key, lang), summary["inputs"][role]["file"]))
    counts = summary["counts"]
    rows += [(column_label("applicant_id", lang), counts["applicants"]),
             (word("placed", lang), counts["placed"]),
             (column_label("enrolled", lang), counts["enrolled"])]
    rows += [(status_label(status, lang), number)
             for status, number in counts["by_status"].items()]
    rows += [(f"{word('responses', lang)}: {status_label(kind, lang)}", number)
             for kind, number in summary["responses"].items()]
    rows.append((word("over_plan", lang), ", ".join(summary["schools"]["over_plan"])))
    if summary["roll"] is not None:
        rows += [(f"{word('roll_file', lang)}: {column_label(key, lang)}", number)
                 for key, number in summary["roll"].items()]
    rows.append((word("guarantee_source", lang), summary["guarantee"]["source"]))
    return pd.DataFrame(rows, columns=[column_label("key", lang), column_label("value", lang)])


def _cards(result: Reconciliation, lang: str) -> list[tuple[str, str, str]]:
    counts, by_status = result.summary["counts"], result.summary["counts"]["by_status"]
    cards = [("placed", word("placed", lang), counts["placed"]),
             ("enrolled", column_label("enrolled", lang), counts["enrolled"])]
    for status in ("enrolled_as_placed", "enrolled_elsewhere", "no_show", "enrolled_unplaced",
                   "enrolled_without_application"):
        cards.append((status, status_label(status, lang), by_status[status]))
    roll = result.summary["roll"]
    if roll is not None:
        cards += [("roll-no-application", column_label("no_application", lang),
                   roll["no_application"]),
                  ("roll-no-seat", column_label("applied_not_placed", lang),
                   roll["applied_not_placed"]),
                  ("guaranteed-not-enrolled", column_label("guaranteed_not_enrolled", lang),
                   roll["guaranteed_not_enrolled"])]
    return [(key, label, f"{value:,}") for key, label, value in cards]


def _table(frame: pd.DataFrame, lang: str, max_rows: int = 60) -> Markup:
    """A labelled HTML table (pandas escapes the cells)."""
    return Markup(table_html(localised(frame, lang), lang, max_rows=max_rows))


def _sections(result: Reconciliation, lang: str) -> list[dict]:
    schools = result.schools
    over = result.summary["schools"]["over_plan"]
    sections = [{"title": word("by_school", lang), "table": _table(
        schools, lang, max_rows=len(schools) if len(schools) <= 200 else 60),
        "note": f"{word('over_plan', lang)}: {', '.join(over)}" if over else "",
        "note_class": "red"}]
    if len(schools):
        sections.append({"title": word("by_school_plot", lang),
                         "image": placed_and_enrolled_plot(schools, lang)})
    sections += _roll_sections(result, lang)
    children = result.children
    declines = children.loc[children["response"] == "decline",
                            ["applicant_id", "placed_school_id", "enrolled_school_id", "status",
                             "response"]]
    sections.append({"title": word("freed", lang), "note": word("responses_note", lang),
                     "table": _table(declines, lang)})
    return sections


def _roll_sections(result: Reconciliation, lang: str) -> list[dict]:
    gaps, missing = result.roll_gaps, result.guaranteed_not_enrolled
    if gaps is None or missing is None:
        return [{"title": word("roll_gaps", lang), "note": word("no_roll", lang)}]
    listed = {"table": _table(missing, lang)} if len(missing) else {
        "note": word("guaranteed_none", lang)}
    return [{"title": word("roll_gaps", lang), "table": _table(gaps, lang)},
            {"title": word("guaranteed_missing", lang), **listed}]


def render_html(result: Reconciliation, lang: str, embed_font: bool = True) -> str:
    """The page: sources, headline cards, the school table and plot, the roll, responses."""
    summary = result.summary
    sources = [(word("run", lang), f"{summary['run']['scenario']} · {summary['run']['policy']}"
                f" · {summary['run']['mechanism']} · {summary['run']['seed']}")]
    for role, key in (("enrolled", "enrolled_file"), ("roll", "roll_file")):
        if role in summary["inputs"]:
            sources.append((word(key, lang), summary["inputs"][role]["file"]))
    sources.append((word("guarantee_source", lang), summary["guarantee"]["source"]))
    values = {"lang": lang, "title": word("title", lang), "headline": word("headline", lang),
              "sources": sources, "cards": _cards(result, lang),
              "sections": _sections(result, lang), "footer": word("footer", lang)}
    template = Environment(autoescape=True).from_string(PAGE)
    page = template.render(font_css="", **values)
    if not embed_font:
        return page
    glyphs = "".join(sorted({char for char in page if ord(char) > 127}))
    return template.render(font_css=Markup(font_face_css(glyphs)), **values)


def placed_and_enrolled_plot(schools: pd.DataFrame, lang: str) -> str:
    """Bars of plan, placed and enrolled for the schools where they differ most (PNG, base64)."""
    configure_matplotlib()
    import matplotlib.pyplot as plt

    gap = (schools["placed"] - schools["enrolled"]).abs()
    order = schools.assign(_gap=gap).sort_values(["_gap", "school_id"], ascending=[False, True],
                                                 kind="stable").head(MAX_BARS)
    labels = order["name"].where(order["name"].astype(str) != "", order["school_id"]).astype(str)
    figure, axes = plt.subplots(figsize=(10, max(3, 0.32 * len(order))))
    positions = np.arange(len(order))
    axes.barh(positions, order["capacity"], color="#d0d7e5", label=column_label("capacity", lang))
    axes.barh(positions - 0.2, order["placed"], height=0.35, color="#3b6bb5",
              label=column_label("placed", lang))
    axes.barh(positions + 0.2, order["enrolled"], height=0.35, color="#e08a2b",
              label=column_label("enrolled", lang))
    axes.set_yticks(positions, labels)
    axes.set_ylim(len(order) - 0.5, -0.5)
    axes.set_xlabel(word("children", lang))
    axes.legend(loc="lower right")
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
