"""The CJK font for plots: Noto Sans CJK SC from the ``noto-cjk-sans-otc`` package.

The font ships with a PyPI dependency of this project, so Chinese renders in
every plot on a fresh machine. Where that package is missing, a system font
(``fonts-noto-cjk``, ``fonts-wqy-microhei``) is used if matplotlib finds one.
"""

from __future__ import annotations

from functools import cache

PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei",
                      "Source Han Sans SC", "Microsoft YaHei", "SimHei")


@cache
def cjk_font_family() -> str | None:
    """Register the bundled font with matplotlib; the family name to use (None if none)."""
    from matplotlib import font_manager

    try:
        from noto_cjk_sans_otc import FONT_PATH

        font_manager.fontManager.addfont(str(FONT_PATH))
    except (ImportError, OSError, RuntimeError):
        pass
    available = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in PREFERRED_FAMILIES if family in available), None)


def configure_matplotlib() -> None:
    """Headless backend and the CJK font first in the sans-serif list."""
    import matplotlib

    matplotlib.use("Agg")
    family = cjk_font_family()
    if family is not None:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "allocator"
