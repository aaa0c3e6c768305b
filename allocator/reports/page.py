"""``report.html``: one self-contained page (inline CSS, PNG plots and a font subset).

The Chinese glyphs the page uses are embedded as a subset of Noto Sans CJK SC
(the bundled font), so the page reads the same on a machine without Chinese
fonts. Tables show at most :data:`MAX_ROWS` rows; the workbook has them all.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment

from allocator.model.vocabulary import localise

from .labels import text, words

MAX_ROWS = 60

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<title>{{ w.title }} · {{ meta.scenario }}</title>
<style>
{{ font_css }}
body { font-family: "Report CJK", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 2px solid #3b6bb5; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0; display: block;
        overflow-x: auto; max-width: 100%; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #eef2f8; } td:first-child, th:first-child { text-align: left; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card b { display: block; font-size: 1.5em; color: #3b6bb5; }
.note { color: #666; font-size: 12px; } img { max-width: 100%; }
.red { color: #c00; } .passed { color: #080; }
</style>
</head>
<body>
<h1>{{ w.title }}</h1>
<p>{{ w.scenario }}: <b>{{ meta.scenario }}</b> · {{ w.policy }}: {{ meta.policy }} ·
{{ w.mechanism }}: {{ meta.mechanism }} · {{ w.seed }}: {{ meta.seed }}</p>
<h2>{{ w.headline }}</h2>
<div class="cards">
{% for label, value in cards %}<div class="card">{{ label }}<b>{{ value }}</b></div>
{% endfor %}</div>
<p>{{ w.verification }}:
{% if meta.verified %}<span class="passed">{{ w.passed }}</span>
{% else %}<span class="red">{{ w.failed }}</span>{% endif %}</p>
{% for section in sections %}
<h2>{{ section.title }}</h2>
{% if section.note %}<p class="note">{{ section.note }}</p>{% endif %}
{% if section.image %}
<img alt="{{ section.title }}" src="data:image/png;base64,{{ section.image }}">
{% endif %}
{% if section.table %}{{ section.table }}{% endif %}
{% endfor %}
<p class="note">{{ w.footer }}</p>
</body>
</html>
"""


def table_html(frame: pd.DataFrame, lang: str, max_rows: int = MAX_ROWS,
               tiers: Mapping[str, str] | None = None) -> str:
    """An HTML table of at most ``max_rows`` rows (with a note when cut).

    Column names, categorical values and numbers are shown in ``lang``
    (:func:`allocator.model.vocabulary.localise`; ``tiers``: the policy's
    tier labels).
    """
    shown = localise(frame.head(max_rows), lang, tiers)
    html = shown.to_html(index=False, escape=True, na_rep="", border=0)
    if len(frame) > max_rows:
        html += f'<p class="note">{text("rows_shown", lang).format(n=max_rows)}</p>'
    return html


def render_page(meta: dict, cards: list[tuple[str, str]], sections: list[dict], lang: str,
                embed_font: bool = True) -> str:
    """The full page; ``sections`` are dicts with ``title`` and optional image/table/note."""
    environment = Environment(autoescape=False)
    template = environment.from_string(TEMPLATE)
    values = {"w": words(lang), "meta": meta, "cards": cards, "sections": sections,
              "lang": lang}
    page = template.render(font_css="", **values)
    if not embed_font:
        return page
    return template.render(font_css=font_face_css(_glyphs(page)), **values)


def _glyphs(page: str) -> str:
    """Non-ASCII characters of the page, sorted (the subset depends only on the text)."""
    return "".join(sorted({char for char in page if ord(char) > 127}))


@cache
def font_face_css(characters: str) -> str:
    """``@font-face`` with a subset of the bundled CJK font ('' if it is not installed).

    Subsetting the CJK font costs seconds; the subset depends only on the
    characters and the font file, so it is kept in a disk cache
    (:func:`font_cache_folder`) and later reports reuse the same bytes.
    """
    if not characters:
        return ""
    encoded = _cached_subset(characters)
    if encoded is None:
        return ""
    return ('@font-face { font-family: "Report CJK"; '
            f'src: url(data:font/otf;base64,{encoded}) format("opentype"); }}')


def font_cache_folder() -> Path:
    """Where font subsets are cached: ``$ALLOCATOR_CACHE_DIR`` or ``~/.cache/allocator``."""
    root = os.environ.get("ALLOCATOR_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "allocator")
    return Path(root) / "font-subsets"


def _cached_subset(characters: str) -> str | None:
    """Base64 of the subset font for ``characters``, from the disk cache when there."""
    try:
        from fontTools import version as fonttools_version
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return None
    stat = Path(FONT_PATH).stat()
    key = hashlib.sha256("\0".join([characters, str(FONT_PATH), str(stat.st_size),
                                      str(stat.st_mtime_ns), fonttools_version,
                                      "subset-options/1"]).encode("utf-8")).hexdigest()
    cached = font_cache_folder() / f"{key}.b64"
    try:
        return cached.read_text(encoding="ascii")
    except OSError:
        pass
    encoded = _subset_base64(characters, str(FONT_PATH))
    try:  # a cache that cannot be written only costs time
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(encoded, encoding="ascii")
        partial.replace(cached)
    except OSError:
        pass
    return encoded


def _subset_base64(characters: str, font_path: str) -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(font_path, fontNumber=_simplified_chinese_index(font_path),
                  lazy=True, recalcTimestamp=False)
    options = subset.Options()
    options.notdef_outline = True
    options.layout_features = []  # plain text: no OpenType features needed, 4x faster
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters + "0123456789")
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@cache
def _simplified_chinese_index(path: str) -> int:
    """Index of Noto Sans CJK SC inside the collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == "Noto Sans CJK SC":
            return index
    return 0
