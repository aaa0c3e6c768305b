"""report.html as a planner prints it: the first page's decisions, the contents, the
print stylesheet, the catchment map and a section per county."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest

from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.decisions import decisions
from allocator.reports.map_plot import catchment_map
from allocator.reports.page import render_page
from allocator.reports.seat_warnings import seat_warnings
from allocator.reports.writer import build_report, report_writer
from allocator.synthetic import generate_province, write_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Anchors(HTMLParser):
    """Ids of the sections and targets of the contents' links."""

    def __init__(self) -> None:
        super().__init__()
        self.section_ids: list[str] = []
        self.links: list[str] = []
        self.section_classes: dict[str, str] = {}
        self._in_toc = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "section":
            self.section_ids.append(values["id"])
            self.section_classes[values["id"]] = values.get("class") or ""
        elif tag == "nav" and "toc" in (values.get("class") or ""):
            self._in_toc = True
        elif tag == "a" and self._in_toc:
            self.links.append(values["href"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_toc = False


def _anchors(page: str) -> Anchors:
    parser = Anchors()
    parser.feed(page)
    return parser


# --------------------------------------------------------------------------- decisions


def test_a_red_warning_is_a_decision_naming_the_school(county_result):
    warnings = seat_warnings(county_result).copy()
    warnings["level"] = ""
    warnings.loc[0, "level"] = "red"
    school = warnings.loc[0, "school_id"]
    found = {item.key: item for item in decisions(county_result, warnings, "en")}
    assert found["red_warnings"].severity == "red"
    assert school in found["red_warnings"].sentence
    assert found["red_warnings"].sentence.startswith("1 school(s) with a red seat warning")


def test_guaranteed_children_unplaced_are_counted_by_area_never_named(county_result):
    school = str(county_result.schools["school_id"].iloc[0])
    summary = dict(county_result.summary, guarantee={
        "children": 5, "placed": 3, "unplaced": ["A-1", "A-2"], "seats_needed": 2,
        "shortfall_by_area": [{"county": "140799", "stage": "primary",
                               "area_school_id": school, "seats_needed": 2}]})
    result = replace(county_result, summary=summary)
    warnings = seat_warnings(result).assign(level="")
    found = {item.key: item for item in decisions(result, warnings, "zh")}
    sentence = found["guaranteed_unplaced"].sentence
    assert sentence.startswith("2 名保障对象") and f"{school}" in sentence
    assert "A-1" not in sentence and "A-2" not in sentence


def test_a_school_above_its_ceiling_and_a_failed_check_are_decisions(county_result):
    schools = county_result.schools.copy()
    schools.loc[0, "assigned"] = int(county_result.problem.school_ceiling[0]) + 1
    failed = [replace(check, passed=False) if check.name == "capacity" else check
              for check in county_result.checks]
    result = replace(county_result, schools=schools, checks=failed)
    items = decisions(result, seat_warnings(result).assign(level=""), "en")
    keys = [item.key for item in items]
    assert keys[:1] == ["verification"] and "over_ceiling" in keys
    assert schools.loc[0, "school_id"] in items[keys.index("over_ceiling")].sentence


def test_nothing_to_decide_says_so_on_the_first_page(county_result):
    clean = replace(county_result, summary=dict(
        county_result.summary, counts=dict(county_result.summary["counts"], unplaced=0),
        guarantee={"unplaced": []}, plan_adjustments=[]))
    warnings = seat_warnings(clean).assign(level="")
    assert decisions(clean, warnings, "en") == []
    page = render_page({"scenario": "s", "policy": "p", "mechanism": "m", "seed": 1,
                        "verified": True}, [], [], "en", embed_font=False)
    assert 'class="decision none"' in page and "Nothing: every child is placed" in page


def test_the_first_page_lists_the_decisions_before_the_contents(county_result, county_run):
    page = (county_run / "report.html").read_text(encoding="utf-8")
    first_page = page[page.index('<div class="first-page">'):page.index("</nav>")]
    assert first_page.index('<ul class="decisions">') < first_page.index('<nav class="toc"')
    items = re.findall(r'<li class="decision (\w+)" data-key="(\w+)">', first_page)
    expected = decisions(county_result, seat_warnings(county_result), "zh")
    assert [key for _, key in items] == ([item.key for item in expected] or ["none"])
    warnings = seat_warnings(county_result)
    for school in warnings.loc[warnings["level"] == "red", "school_id"].head(8):
        assert school in first_page  # every red school named (up to eight)
    if not county_result.summary["counts"]["unplaced"]:
        assert "unplaced" not in [key for _, key in items]


# --------------------------------------------------------------------------- contents, print


def test_every_section_is_in_the_contents_and_every_link_has_a_target(county_run):
    anchors = _anchors((county_run / "report.html").read_text(encoding="utf-8"))
    assert len(anchors.section_ids) >= 10
    assert len(set(anchors.section_ids)) == len(anchors.section_ids)
    assert anchors.links == [f"#{section}" for section in anchors.section_ids]


def test_print_stylesheet_prints_wide_tables_landscape(county_run):
    page = (county_run / "report.html").read_text(encoding="utf-8")
    assert "@media print" in page
    assert re.search(r"@page wide \{ size: A4 landscape", page)
    assert re.search(r"section\.wide \{ page: wide; \}", page)
    assert ".first-page { break-after: page; }" in page
    anchors = _anchors(page)
    assert "wide" in anchors.section_classes["warnings"]  # many columns
    assert "wide" not in anchors.section_classes["fill"]  # a plot
    # one county's metrics row (12 columns) fits a portrait page; on a landscape page
    # of its own it wasted a sheet of the printout
    assert "wide" not in anchors.section_classes["metrics"]
    assert "figure" in anchors.section_classes["map"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_printout_is_short_with_landscape_pages_for_wide_tables(county_run, tmp_path):
    pdf = tmp_path / "report.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--user-data-dir={tmp_path / 'profile'}",
                    f"--print-to-pdf={pdf}", (county_run / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=False)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes, "no page found in the PDF"
    shapes = ["landscape" if float(w) > float(h) else "portrait" for w, h in boxes]
    assert shapes[0] == "portrait" and "landscape" in shapes
    assert len(shapes) <= 10


# --------------------------------------------------------------------------- map, counties


def test_map_draws_zone_areas_from_the_homes_or_from_zones_geojson(county_result, tmp_path):
    scenario = county_result.loaded.scenario
    schools = county_result.schools.merge(scenario.schools[["school_id", "lat", "lon", "zones"]],
                                          on="school_id")
    image, source = catchment_map(schools, scenario.applicants, tmp_path, "zh")
    assert image and source == "homes"
    zone = schools["zones"].iloc[0].split(";")[0]
    lat, lon = float(schools["lat"].iloc[0]), float(schools["lon"].iloc[0])
    square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
              [lon - 0.01, lat - 0.01]]
    (tmp_path / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"zone": zone},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}), encoding="utf-8")
    image, source = catchment_map(schools, scenario.applicants, tmp_path, "zh")
    assert image and source == "zones.geojson"


def test_map_without_positions_is_left_out_with_a_note(county_result):
    schools = county_result.schools.assign(lat=np.nan, lon=np.nan, zones="")
    assert catchment_map(schools, county_result.loaded.scenario.applicants,
                         county_result.loaded.scenario.folder, "en") == (None, "")


def test_every_plot_has_a_caption(county_run):
    page = (county_run / "report.html").read_text(encoding="utf-8")
    figures = re.findall(r"<figure>(.*?)</figure>", page, flags=re.S)
    assert len(figures) == 4
    for figure in figures:
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, flags=re.S)
        assert caption and len(caption.group(1).strip()) > 10


@pytest.fixture(scope="module")
def two_counties(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two") / "scenario"
    schools, applicants = generate_province(900, 2, 11)
    write_scenario(folder, schools, applicants, name="two-counties", seed=11)
    return run_scenario(folder)


def test_a_multi_county_run_has_a_section_per_county(two_counties, tmp_path):
    run = write_run(two_counties, tmp_path / "run", extra_writers=[report_writer("en")])
    page = (run / "report.html").read_text(encoding="utf-8")
    anchors = _anchors(page)
    counties = sorted(two_counties.schools["county"].astype(str).unique())
    assert len(counties) == 2
    assert [s for s in anchors.section_ids if s.startswith("county-")] == [
        f"county-{county}" for county in counties]
    for county in counties:
        assert f'href="#county-{county}"' in page and f"County: {county}" in page
    assert page.count("<figure>") == 4 + len(counties)  # a map per county


def test_a_single_county_run_has_no_county_sections(county_result):
    report = build_report(county_result, "en")
    from allocator.reports.writer import _sections

    assert not [s for s in _sections(report) if s.get("kind") == "county"]


def test_decisions_read_in_the_report_language(county_result):
    warnings = seat_warnings(county_result).assign(level="")
    warnings.loc[0, "level"] = "red"
    school = warnings.loc[0, "school_id"]
    name = warnings.loc[0, "name"]
    english = decisions(county_result, warnings, "en")[0].sentence
    chinese = decisions(county_result, warnings, "zh")[0].sentence
    assert f"{name} ({school})" in english and "（" not in english
    assert f"{name}（{school}）" in chinese
