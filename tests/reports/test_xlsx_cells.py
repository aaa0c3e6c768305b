"""XLSX text cells: skipping the cleaning of plain cells never changes a cell."""

from __future__ import annotations

from xml.sax.saxutils import escape  # the reference the writer must match

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from allocator.pipeline.cell_safety import neutralise_text
from allocator.reports.xlsx import _ILLEGAL, _string_cells

CELL_TEXT = st.text(alphabet=st.sampled_from(
    list("ab1 .学校") + ["=", "+", "-", "@", "\t", "\r", "\n", "<", ">", "&", "\x00", "\x0b",
                        "\x1f", "'", '"']), max_size=8)


@given(st.lists(CELL_TEXT, min_size=1, max_size=20))
def test_every_cell_is_what_full_cleaning_gives(cells):
    written = _string_cells(pd.Series(cells, dtype=object), "A", np.arange(2, len(cells) + 2))
    for value, cell in zip(cells, written, strict=True):
        clean = escape(neutralise_text(value).translate(_ILLEGAL))
        if clean:
            assert cell.endswith(f'<t xml:space="preserve">{clean}</t></is></c>')
        else:  # nothing left to show: no cell at all
            assert cell == ""


@given(st.text(max_size=30))
def test_escape_is_that_of_the_standard_library(text):
    from xml.sax import saxutils

    from allocator.reports.xlsx import escape as fast_escape

    assert fast_escape(text) == saxutils.escape(text)
    assert fast_escape(text, {'"': "&quot;"}) == saxutils.escape(text, {'"': "&quot;"})
