"""One section per county of a multi-county run: its figures, its map, its schools.

A single-county run has none (the whole report is that county). Maps are drawn
for at most :data:`MAX_COUNTY_MAPS` counties, so a province-size report costs a
bounded time; every county still gets its figures and school table.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from allocator.pipeline.run import RunResult

from .labels import text
from .map_plot import catchment_map
from .page_words import page_text

MAX_COUNTY_MAPS = 20
SCHOOL_COLUMNS = ["school_id", "name", "stage", "kind", "capacity", "assigned", "surplus",
                  "oversubscribed"]


def county_sections(result: RunResult, schools: pd.DataFrame, warnings: pd.DataFrame, lang: str,
                    table: Callable[[pd.DataFrame, str], str],
                    caption: Callable[[str], str]) -> list[dict]:
    """Sections (see :func:`allocator.reports.page.render_page`) for each county, sorted.

    Parameters
    ----------
    result : RunResult
        The run.
    schools : DataFrame
        The run's schools with positions and zones (:func:`schools_frame`).
    warnings : DataFrame
        Seat warnings of every public school (:func:`seat_warnings`).
    lang : str
        ``zh`` or ``en``.
    table : callable
        Renders a frame as a localised HTML table.
    caption : callable
        Caption of the map given where its zone areas came from.
    """
    counties = sorted(schools["county"].astype(str).unique())
    if len(counties) < 2:
        return []
    applicants = result.loaded.scenario.applicants
    assignments = result.assignments
    levels = warnings.set_index("school_id")["level"]
    sections = []
    for number, county in enumerate(counties):
        own = schools[schools["county"].astype(str) == county]
        people = assignments["county"].astype(str) == county if "county" in assignments else (
            applicants["county"].astype(str) == county)
        status = assignments.loc[people.to_numpy(), "status"]
        cards = [(text("applicants", lang), f"{len(status):,}"),
                 (text("placed", lang), f"{int((status == 'placed').sum()):,}"),
                 (text("unplaced", lang), f"{int((status == 'unplaced').sum()):,}"),
                 (text("capacity", lang), f"{int(own['capacity'].sum()):,}"),
                 (text("surplus", lang), f"{int(own['surplus'].sum()):,}")]
        listed = own[[c for c in SCHOOL_COLUMNS if c in own]].assign(
            level=own["school_id"].map(levels).fillna("").to_numpy())
        parts = []
        if number < MAX_COUNTY_MAPS:
            image, source = catchment_map(own, applicants[applicants["county"].astype(str)
                                                          == county],
                                          result.loaded.scenario.folder, lang)
            if image:
                parts.append({"title": page_text("map_title", lang), "image": image,
                              "caption": caption(source)})
        parts.append({"title": page_text("county_schools", lang),
                      "table": table(listed.reset_index(drop=True), lang)})
        sections.append({"id": f"county-{county}", "kind": "county",
                         "title": page_text("county_section", lang).format(county=county),
                         "cards": cards, "parts": parts})
    return sections
