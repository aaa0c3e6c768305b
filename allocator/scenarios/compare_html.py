"""The comparison as one self-contained HTML page with plots (matplotlib, inlined PNG)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping

import pandas as pd

from allocator.model.vocabulary import column_label, localise, why_text
from allocator.scenarios.compare import Comparison

_WORDS = {
    "zh": {"title": "方案比较：以 {reference} 为基准", "changes": "{run}：调整内容",
           "metrics": "主要指标", "plots": "图表", "schools": "各校学位（仅列有变化的学校）",
           "why": "录取学校变化的儿童及原因", "movers": "前 500 名变化儿童",
           "categories": "各类别录取人数", "count": "人数", "page": "方案比较",
           "admitted_change": "各校录取人数变化", "movers_by_reason": "按原因统计的变化人数",
           "plot_caption": "左：各校录取人数相对基准的变化；右：录取学校变化的儿童按原因统计。"},
    "en": {"title": "Comparison with {reference}", "changes": "{run}: changes applied",
           "metrics": "Metrics", "plots": "Plots", "schools": "Seats by school (schools that "
           "changed)", "why": "Who moved, and why", "movers": "First 500 movers",
           "categories": "Placed by category", "count": "Children", "page": "Comparison",
           "admitted_change": "Change of admitted children by school",
           "movers_by_reason": "Movers by reason",
           "plot_caption": "Left: change of admitted children by school against the reference; "
                           "right: children whose school changed, by reason."},
}


def comparison_html(comparison: Comparison, lang: str = "zh",
                    tiers: Mapping[str, str] | None = None, embed_font: bool = True) -> str:
    """HTML page in ``lang``: what changed, metrics, plots, seats by school, movers, categories.

    Column names, categorical values, reasons and numbers come from the same
    vocabulary as ``report.html`` (``tiers``: the policy's tier labels); the
    Chinese glyphs are embedded as the same font subset.
    """
    from allocator.reports.page import font_face_css

    words, reference = _WORDS[lang], comparison.runs[0]

    def table(frame: pd.DataFrame) -> str:
        return localise(frame, lang, tiers).to_html(index=False, na_rep="", border=0)

    parts = [f"<h1>{html.escape(words['title'].format(reference=reference))}</h1>"]
    for run, changes in comparison.changes.items():
        if run != reference and changes:
            items = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in changes)
            parts.append(f"<h3>{html.escape(words['changes'].format(run=run))}</h3>"
                         f"<ul>{items}</ul>")
    parts.append(f"<h2>{words['metrics']}</h2>" + table(comparison.metrics))
    parts.append(_plots(comparison, words, lang, tiers))
    parts.append(f"<h2>{words['schools']}</h2>" + table(comparison.schools))
    summary = (comparison.movers.groupby(["run", "why"]).size().rename("children")
               .reset_index())
    parts.append(f"<h2>{words['why']}</h2>" + table(summary))
    parts.append(f"<h3>{words['movers']}</h3>" + table(comparison.movers.head(500)))
    parts.append(f"<h2>{words['categories']}</h2>" + table(comparison.categories))
    body = "".join(parts)
    font = font_face_css("".join(sorted({c for c in body if ord(c) > 127}))) if (
        embed_font) else ""
    style = (font + 'body{font-family:"Report CJK","Noto Sans CJK SC",sans-serif;margin:2em}'
             "table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px}.note{color:#666;font-size:12px}")
    language = "zh-CN" if lang == "zh" else "en"
    return (f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>"
            f"<title>{words['page']}</title><style>{style}</style></head>"
            f"<body>{body}</body></html>\n")


def _plots(comparison: Comparison, words: dict[str, str], lang: str,
           tiers: Mapping[str, str] | None = None) -> str:
    """Bar charts: change of admissions by school, and movers by reason."""
    from allocator.reports.fonts import configure_matplotlib

    configure_matplotlib()
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    schools = comparison.schools
    if len(schools):
        pivot = schools.pivot_table(index="school_id", columns="run", values="assigned_change",
                                    fill_value=0)
        pivot.plot.bar(ax=axes[0])
    axes[0].set_title(words["admitted_change"])
    axes[0].set_xlabel(column_label("school_id", lang))
    axes[0].set_ylabel(words["count"])
    movers = comparison.movers
    if len(movers):
        counts = movers.groupby(["why", "run"]).size().unstack(fill_value=0)
        counts.index = [why_text(text, lang, tiers)[:40] for text in counts.index]
        counts.plot.barh(ax=axes[1])
    axes[1].set_title(words["movers_by_reason"])
    for axis in axes:
        if axis.get_legend() is not None:
            axis.get_legend().set_title(column_label("run", lang))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<h2>{words['plots']}</h2><img alt='{words['plots']}' "
            f"src='data:image/png;base64,{encoded}'><p class='note'>{words['plot_caption']}</p>")


def metrics_for_terminal(comparison: Comparison) -> pd.DataFrame:
    """The metrics table, as printed by ``allocator compare``."""
    return comparison.metrics
