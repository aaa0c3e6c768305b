"""Words of the printed report's structure: first page, contents, captions, county sections.

Kept apart from :mod:`allocator.reports.labels` (the words every report shares) so
the page's own vocabulary reads in one place; same two languages, same lookup.
"""

from __future__ import annotations

from .labels import LANGUAGES

_PAGE_TEXT: dict[str, tuple[str, str]] = {
    "decisions": ("需要决策的事项", "What needs a decision"),
    "nothing_to_decide": ("无：所有儿童均已安置，无红色预警，校验通过。",
                          "Nothing: every child is placed, no red warning, verification passed."),
    "contents": ("目录", "Contents"),
    "first_page": ("概要", "Summary"),
    "decision_red": ("{n} 所学校学位红色预警（片区需求超过计划 {ratio}）：{schools}",
                     "{n} school(s) with a red seat warning (catchment demand above {ratio} "
                     "of the plan): {schools}"),
    "decision_guaranteed": ("{n} 名保障对象（应入尽入）未录取，需增加学位：{areas}",
                            "{n} guaranteed child(ren) (应入尽入) without a seat; seats needed "
                            "at: {areas}"),
    "decision_over_ceiling": ("{n} 所学校录取人数超过班额上限：{schools}",
                              "{n} school(s) above their class-size ceiling: {schools}"),
    "decision_raised": ("{n} 所学校为优抚对象突破招生计划（不超过班额上限）：{schools}",
                        "{n} school(s) raised above their plan for certified children (within "
                        "the class-size ceiling): {schools}"),
    "decision_unplaced": ("{n} 名儿童未录取，需统筹安排", "{n} child(ren) unplaced: to be "
                          "placed by the education bureau"),
    "decision_verification": ("校验未通过：{checks}", "Verification FAILED: {checks}"),
    "and_more": ("等 {n} 所", "and {n} more"),
    "county_section": ("区县：{county}", "County: {county}"),
    "county_schools": ("各校录取情况", "Schools"),
    "map_title": ("学校位置与片区范围", "Schools and catchment areas"),
    "caption_fill": ("每所学校的招生计划（浅色）与录取人数（深色）；"
                     "学校较多时只显示最满与最空的学校。",
                     "Plan (light) and children placed (dark) at each school; with many "
                     "schools only the fullest and the emptiest are drawn."),
    "caption_tier": ("已录取儿童按录取类别（优先顺序）的人数。",
                     "Children placed, by the priority tier under which they were placed."),
    "caption_distance": ("已录取儿童从家到学校的直线距离（公里）分布；最远 1% 归入最右一栏。",
                         "Straight-line home-to-school distance (km) of the children placed; "
                         "the farthest 1 % are drawn in the last bar."),
    "caption_map": ("圆点为学校，大小表示招生计划，颜色表示余额学位比例"
                    "（红色为满员，绿色为有余额）；"
                    "彩色区域为各片区范围（{source}）。",
                    "Dots are schools, sized by plan and coloured by the share of seats left "
                    "(red full, green seats left); shaded areas are the catchment zones "
                    "({source})."),
    "zones_from_geojson": ("取自 zones.geojson", "from zones.geojson"),
    "zones_from_homes": ("片区内儿童住址的凸包", "convex hull of the homes of each zone's "
                         "children"),
    "map_none": ("学校无坐标，无法绘制地图。", "The schools have no positions; no map is drawn."),
    "map_east": ("东西距离（公里）", "West-east (km)"),
    "map_north": ("南北距离（公里）", "South-north (km)"),
    "full_tables": ("完整表格见 report.xlsx。", "The full tables are in report.xlsx."),
}


def page_text(key: str, lang: str) -> str:
    """The page's word for ``key`` in ``lang`` (``zh`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose zh or en")
    return _PAGE_TEXT[key][LANGUAGES.index(lang)]


def page_words(lang: str) -> dict[str, str]:
    """Every word of the page's structure in ``lang`` (for the template)."""
    return {key: page_text(key, lang) for key in _PAGE_TEXT}
