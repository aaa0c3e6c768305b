"""``report.html``: one self-contained page (inline CSS, SVG plots and a font subset).

The Chinese glyphs the page uses are embedded as a subset of Noto Sans CJK SC
(the bundled font), so the page reads the same on a machine without Chinese
fonts. Tables show at most :data:`MAX_ROWS` rows; the workbook has them all.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import pandas as pd
from jinja2 import Environment

from allocator.model.vocabulary import localise

from .labels import text, words
from .page_template import TEMPLATE
from .page_words import page_words

MAX_ROWS = 30



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
                embed_font: bool = True, decisions: Sequence[object] = ()) -> str:
    """The full page: first page (figures, decisions, contents), then the sections.

    Parameters
    ----------
    meta : dict
        ``scenario``, ``policy``, ``mechanism``, ``seed`` and ``verified``.
    cards : list of (label, value)
        The headline figures.
    sections : list of dict
        ``title`` and optional ``id`` (the contents' anchor; numbered when absent),
        ``note``, ``cards``, ``image`` with ``caption``, ``table``, ``parts`` (sub-
        sections with ``title``, ``image``, ``caption``, ``table``) and ``wide``
        (printed on a landscape page).
    lang : str
        ``zh`` or ``en``.
    embed_font : bool
        Embed the subset of the CJK font the page uses.
    decisions : sequence
        Items with ``key``, ``severity`` and ``sentence``
        (:func:`allocator.reports.decisions.decisions`); empty: nothing to decide.
    """
    environment = Environment(autoescape=False)
    template = environment.from_string(TEMPLATE)
    sections = [dict(section, id=section.get("id") or f"section-{number}",
                     classes=" ".join(filter(None, [
                         "wide" if section.get("wide") else "",
                         "figure" if section.get("image") else "", section.get("kind", "")])))
                for number, section in enumerate(sections, start=1)]
    values = {"w": words(lang), "p": page_words(lang), "meta": meta, "cards": cards,
              "sections": sections, "lang": lang, "decisions": list(decisions)}
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
