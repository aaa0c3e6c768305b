"""Every page a planner opens, in headless Chromium and in both languages: report.html of a
what-if run and of a later round, and comparison.html. No snake_case identifier in the
visible text, Chinese glyphs drawn with the embedded font, every image decoded.

(``test_browser.py`` covers report.html of a first round; province runs and runs exported
from the store write no report.html: see docs/report-print.md.)
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(.ci/run installs it)")

PROBE = """<script>
window.addEventListener('load', () => document.fonts.ready.then(() => {
  const images = Array.from(document.images);
  const faces = Array.from(document.fonts).filter(
    f => f.family.replace(/"/g, '') === 'Report CJK' && f.status === 'loaded');
  const out = document.createElement('pre');
  out.textContent = 'PROBE<<faces=' + faces.length + ' images=' + images.length +
    ' decoded=' + images.filter(i => i.complete && i.naturalWidth > 0).length +
    '\\n' + document.body.innerText + '>>PROBE';
  document.body.appendChild(out);
}));
</script></body>"""
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def rendered(page: Path, tmp_path: Path) -> tuple[dict[str, int], str]:
    """(font faces loaded, images, images decoded) and the visible text of ``page``."""
    probed = tmp_path / f"probed-{page.parent.name}-{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE),
                      encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=180, check=False).stdout
    found = re.search(r"PROBE<<faces=(\d+) images=(\d+) decoded=(\d+)\n(.*?)>>PROBE",
                      html.unescape(dom), flags=re.S)
    assert found is not None, dom[-500:]
    faces, images, decoded, visible = found.groups()
    return {"faces": int(faces), "images": int(images), "decoded": int(decoded)}, visible


def check_page(page: Path, tmp_path: Path, lang: str, names: set[str]) -> str:
    figures, visible = rendered(page, tmp_path)
    assert set(IDENTIFIER.findall(visible)) - names == set(), (
        page.name, sorted(set(IDENTIFIER.findall(visible)) - names)[:20])
    assert figures["decoded"] == figures["images"], (page.name, figures)
    if lang == "zh":
        assert figures["faces"] >= 1, (page.name, figures)  # the embedded subset drew the text
        for code in ("overflow", "deferred-acceptance", "hukou_and_home"):
            assert code not in visible, (page.name, code)
    return visible


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """What-if runs with reports, a later round and a comparison, in both languages."""
    base = tmp_path_factory.mktemp("pages")
    tiny = helpers.copy_tiny(base / "tiny")
    spec = base / "whatifs.yaml"
    spec.write_text(yaml.safe_dump({
        "base": "tiny", "overrides": {"more_at_d": {"capacity": {"D": {"seats": 1}}}},
        "scenarios": {"baseline": [], "more_at_d": ["more_at_d"]}}), encoding="utf-8")
    folders = {}
    for lang in ("zh", "en"):
        commands = {
            "whatif": ["scenarios", spec, "--out", base / f"whatif-{lang}", "--reports"],
            "first": ["run", tiny, "--out", base / f"first-{lang}"],
            "later": ["run", tiny, "--out", base / f"later-{lang}", "--after",
                      base / f"first-{lang}", "--lottery", "reversed"],
            "compare": ["compare", base / f"first-{lang}", base / f"later-{lang}", "--out",
                        base / f"compare-{lang}"]}
        for kind, command in commands.items():
            outcome = helpers.run_cli(*command, "--lang", lang)
            assert outcome.exit_code == 0, (kind, outcome.stdout, outcome.stderr)
        folders |= {f"whatif-{lang}": base / f"whatif-{lang}" / "more_at_d",
                    f"later-{lang}": base / f"later-{lang}",
                    f"compare-{lang}": base / f"compare-{lang}"}
    return folders


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_what_if_report_reads_as_a_first_round(tiny_runs, tmp_path, lang):
    visible = check_page(tiny_runs[f"whatif-{lang}"] / "report.html", tmp_path, lang,
                         {"more_at_d", "tiny_hand_checked"})
    assert ("学位台账" if lang == "zh" else "Seat ledger") in visible


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_later_round_report_reads_in_the_language(tiny_runs, tmp_path, lang):
    visible = check_page(tiny_runs[f"later-{lang}"] / "report.html", tmp_path, lang, set())
    assert ("递补" if lang == "zh" else "round") in visible


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_comparison_page_reads_in_the_language(tiny_runs, tmp_path, lang):
    names = {f"first_{lang}", f"later_{lang}"}
    visible = check_page(tiny_runs[f"compare-{lang}"] / "comparison.html", tmp_path, lang,
                         names)
    assert ("招生计划" if lang == "zh" else "Plan") in visible
