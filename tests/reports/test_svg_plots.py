"""The report's plots as inline SVG: content, determinism, primitives."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from allocator.reports import plots, svg
from allocator.reports.frames import schools_frame
from allocator.reports.map_plot import catchment_map
from allocator.reports.writer import tier_labels

SVG = "{http://www.w3.org/2000/svg}"


def test_colour_map_hits_the_colour_brewer_anchors():
    assert svg.colour_map([0.0, 0.5, 1.0]) == ["#a50026", "#ffffbf", "#006837"]
    assert svg.colour_map([0.05]) == ["#be1826"]  # halfway between the first two anchors


@pytest.mark.parametrize(("low", "high", "count", "cover", "expected"), [
    (0, 1995, 5, False, [0, 500, 1000, 1500]),
    (0, 1995, 5, True, [0, 500, 1000, 1500, 2000]),
    (0, 10.3, 5, False, [0, 5, 10]),
    (0.2, 10.7, 6, False, [2.5, 5, 7.5, 10]),
])
def test_ticks_are_round_and_cover_the_range_when_asked(low, high, count, cover, expected):
    assert svg.nice_ticks(low, high, count, cover=cover) == expected


def test_text_is_escaped_and_coordinates_rounded():
    assert svg.text(1.25, 2, "<a&b>") == ('<text x="1.2" y="2" font-size="12" '
                                            'text-anchor="start">&lt;a&amp;b&gt;</text>')


def _parsed(markup: str) -> ElementTree.Element:
    root = ElementTree.fromstring(markup)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def test_fill_plot_names_every_drawn_school_and_is_deterministic(county_result):
    schools = schools_frame(county_result)
    first = plots.fill_by_school(schools, "zh")
    assert first == plots.fill_by_school(schools, "zh")
    root = _parsed(first)
    texts = {node.text for node in root.iter(f"{SVG}text")}
    assert set(schools["name"].astype(str)) <= texts
    assert {"招生计划与录取人数", "已录取"} <= texts  # title and legend in Chinese
    bars = [node for node in root.iter(f"{SVG}rect") if node.get("fill") == svg.BLUE]
    assert len(bars) == len(schools) + 1  # one placed bar per school and the legend's swatch


def test_tier_plot_writes_each_count_after_its_bar(county_result):
    markup = plots.tier_mix(county_result.assignments, tier_labels(county_result, "en"), "en")
    counts = county_result.assignments.loc[
        county_result.assignments["status"] == "placed", "tier_name"].fillna("").value_counts()
    written = [node.text for node in _parsed(markup).iter(f"{SVG}text")]
    for count in counts:
        assert f"{count:,}" in written


def test_histogram_bars_add_up_to_the_children_placed(county_result):
    markup = plots.distance_histogram(county_result.assignments, "en")
    root = _parsed(markup)
    bars = [node for node in root.iter(f"{SVG}rect") if node.get("fill") == svg.BLUE]
    heights = [float(node.get("height")) for node in bars]
    assert 1 <= len(bars) <= 40 and min(heights) > 0


def test_map_draws_every_school_with_its_label_font_from_the_page(county_result):
    schools = schools_frame(county_result)
    markup, source = catchment_map(schools, county_result.loaded.scenario.applicants,
                                   county_result.loaded.scenario.folder, "zh")
    root = _parsed(markup)
    assert source == "homes" and root.get("font-family") == "inherit"
    assert len(list(root.iter(f"{SVG}circle"))) == schools[["lat", "lon"]].notna().all(axis=1).sum()
    assert len(list(root.iter(f"{SVG}polygon"))) >= 1
    assert "南北距离（公里）" in markup
    assert not re.search(r"\d\.\d\d", markup)  # coordinates with one decimal at most
