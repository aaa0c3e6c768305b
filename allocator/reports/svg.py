"""Inline SVG for the report's plots, written directly (no plotting library).

The plots are ``<svg>`` elements inside ``report.html``: their text is the
page's text, so it takes the page's embedded CJK font subset (``Report CJK``),
stays sharp when printed and can be searched and copied. Coordinates are
written with one decimal, so the same run gives the same bytes.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

#: ColorBrewer RdYlGn, the anchors of matplotlib's ``RdYlGn`` colour map.
RED_YELLOW_GREEN = ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf",
                    "#d9ef8b", "#a6d96a", "#66bd63", "#1a9850", "#006837")
#: Colours of the plots (as in the printed reports before SVG).
BLUE, PALE_BLUE, GREEN, INK, GRID = "#3b6bb5", "#d0d7e5", "#5b9b5b", "#222222", "#e3e3e3"


def number(value: float) -> str:
    """A coordinate with at most one decimal (``12``, ``12.5``)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def attributes(values: dict[str, object]) -> str:
    """``key="value"`` pairs; underscores in keys become hyphens, floats are rounded."""
    parts = []
    for key, value in values.items():
        shown = number(value) if isinstance(value, float) else str(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    return " ".join(parts)


def element(name: str, content: str = "", **values: object) -> str:
    """One SVG element (self-closed when empty)."""
    opening = f"<{name} {attributes(values)}" if values else f"<{name}"
    return f"{opening}>{content}</{name}>" if content else f"{opening}/>"


def text(x: float, y: float, content: str, size: float = 12, anchor: str = "start",
         **values: object) -> str:
    """A text element (``content`` is escaped)."""
    return element("text", escape(content), x=float(x), y=float(y), font_size=float(size),
                   text_anchor=anchor, **values)


def text_width(content: str, size: float) -> float:
    """Estimated width of ``content`` at ``size``: CJK a full em, other characters about 0.6."""
    return sum(size if ord(char) > 0x2E80 else 0.6 * size for char in content)


def document(width: float, height: float, title: str, body: list[str]) -> str:
    """The ``<svg>`` element: scales to the page's width, its ``title`` read aloud."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" role="img" '
            f'viewBox="0 0 {number(width)} {number(height)}" width="{number(width)}" '
            f'height="{number(height)}" font-family="inherit" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def nice_ticks(low: float, high: float, count: int = 6, cover: bool = False) -> list[float]:
    """Round tick values in ``[low, high]`` (steps of 1, 2, 2.5 or 5 times a power of 10).

    With ``cover`` one more tick is added where needed, so the last is at least ``high``
    (an axis that starts at a tick and ends at one).
    """
    if not math.isfinite(high - low) or high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    last = int((high - first) / step + 1e-9)
    if cover and first + last * step < high - 1e-9:
        last += 1
    return [round(first + n * step, 10) for n in range(last + 1)]


def tick_label(value: float) -> str:
    """A tick's label: an integer where it is one, else up to two decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def colour_map(values: np.ndarray, anchors: tuple[str, ...] = RED_YELLOW_GREEN) -> list[str]:
    """Hex colours of ``values`` in [0, 1], linear between the ``anchors``."""
    rgb = np.array([[int(a[i:i + 2], 16) for i in (1, 3, 5)] for a in anchors], dtype=float)
    position = np.clip(np.nan_to_num(np.asarray(values, dtype=float)), 0, 1) * (len(rgb) - 1)
    lower = np.minimum(position.astype(int), len(rgb) - 2)
    share = (position - lower)[:, None]
    mixed = np.rint(rgb[lower] * (1 - share) + rgb[lower + 1] * share).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in mixed]


def horizontal_axis(left: float, right: float, y: float, ticks: list[float],
                    scale, top: float | None = None) -> list[str]:
    """Tick marks and labels under a plot at ``y`` (with grid lines up to ``top``)."""
    parts = [element("line", x1=left, y1=y, x2=right, y2=y, stroke=INK, stroke_width=0.8)]
    for tick in ticks:
        x = float(scale(tick))
        if top is not None:
            parts.append(element("line", x1=x, y1=top, x2=x, y2=y, stroke=GRID,
                                 stroke_width=0.8))
        parts.append(element("line", x1=x, y1=y, x2=x, y2=y + 4, stroke=INK, stroke_width=0.8))
        parts.append(text(x, y + 16, tick_label(tick), 11, "middle"))
    return parts


def vertical_axis(top: float, bottom: float, x: float, ticks: list[float], scale,
                  right: float | None = None) -> list[str]:
    """Tick marks and labels left of a plot at ``x`` (with grid lines across to ``right``)."""
    parts = [element("line", x1=x, y1=top, x2=x, y2=bottom, stroke=INK, stroke_width=0.8)]
    for tick in ticks:
        y = float(scale(tick))
        if right is not None:
            parts.append(element("line", x1=x, y1=y, x2=right, y2=y, stroke=GRID,
                                 stroke_width=0.8))
        parts.append(element("line", x1=x - 4, y1=y, x2=x, y2=y, stroke=INK, stroke_width=0.8))
        parts.append(text(x - 7, y + 4, tick_label(tick), 11, "end"))
    return parts
