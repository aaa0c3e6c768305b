"""report.html in headless Chromium: the page loads, Chinese glyphs come from a real font,
every plot is drawn, and the screenshot is not blank."""

from __future__ import annotations

import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(.ci/run installs it)")

PROBE = """<script>
document.fonts.ready.then(() => {
  const probe = document.createElement('div');
  probe.id = 'probe';
  const plots = Array.from(document.querySelectorAll('figure svg.plot'));
  probe.textContent = [
    'font=' + document.fonts.check('16px "Report CJK"', '学位'),
    'images=' + document.images.length,
    'plots=' + plots.length,
    'drawn=' + plots.filter(p => p.getBoundingClientRect().width > 100
                            && p.querySelectorAll('rect, circle, polygon').length > 3).length,
  ].join(' ');
  document.body.appendChild(probe);
});
</script></body>"""


def chromium(tmp_path, *arguments: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *arguments], capture_output=True, text=True,
                          timeout=120, check=False)


def test_page_shows_chinese_text_and_plots(county_run, tmp_path):
    page = (county_run / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom",
                   probed.as_uri()).stdout
    assert "义务教育招生学位分配报告" in dom and "学位台账" in dom
    assert "font=true" in dom
    assert "images=0 plots=4 drawn=4" in dom  # the plots are inline SVG, no raster image


def test_screenshot_is_not_blank(county_run, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}",
             (county_run / "report.html").as_uri())
    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.width * image.height)
    assert 0.01 < dark < 0.6  # text and bars, not an empty or black page


TEXT_PROBE = """<script>
window.addEventListener('load', () => {
  const out = document.createElement('pre');
  out.id = 'visible-text';
  out.textContent = 'VISIBLE<<' + document.body.innerText + '>>VISIBLE';
  document.body.appendChild(out);
});
</script></body>"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_visible_text_has_no_field_names(county_result, tmp_path, lang):
    # a planner reads labels, not our snake_case column names or English codes
    import html
    import re

    from allocator.pipeline.write import write_run
    from allocator.reports.writer import report_writer

    run = write_run(county_result, tmp_path / lang, extra_writers=[report_writer(lang)])
    page = (run / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", TEXT_PROBE), encoding="utf-8")
    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom",
                   probed.as_uri()).stdout
    visible = html.unescape(dom.split("VISIBLE&lt;&lt;", 1)[1].split("&gt;&gt;VISIBLE")[0]
                            if "VISIBLE&lt;&lt;" in dom else dom.split("VISIBLE<<", 1)[1]
                            .split(">>VISIBLE")[0])
    names = {county_result.summary["scenario"], county_result.summary["policy"]}
    identifiers = set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", visible)) - names
    assert identifiers == set(), sorted(identifiers)[:20]
    assert "deferred-acceptance" not in visible
    if lang == "zh":  # English route and level codes would be a leak in a Chinese page
        for code in ("overflow", "sweep", "red", "primary", "public"):
            assert not re.search(rf"\b{code}\b", visible), code
        assert "招生计划" in visible and "余额学位" in visible
