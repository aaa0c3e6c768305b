"""Integer cells: the too-many-digits check looks only at long cells, with the same result."""

from __future__ import annotations

import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.model.schema import Column
from allocator.model.validate import MAX_INTEGER_DIGITS, parse_column


def test_only_cells_with_too_many_significant_digits_are_refused():
    cells = pd.Series(["12", "", "0" * 30 + "7", "9" * (MAX_INTEGER_DIGITS + 1),
                       "+" + "1" * MAX_INTEGER_DIGITS, "-" + "2" * (MAX_INTEGER_DIGITS + 2),
                       "x"])
    problems = ProblemCollector()
    values = parse_column(cells, Column("rank", "integer", "optional", "a rank"), "p.csv",
                          problems)
    messages = [(problem.row, problem.message) for problem in problems.problems]
    assert [row for row, message in messages if "too large" in message] == [5, 7]
    assert [row for row, message in messages if "whole number" in message] == [8]
    assert values.tolist()[:3] == [12, pd.NA, 7] and values.tolist()[4] == int("1" * 18)


def test_signs_leading_zeros_and_zero_decimals_read_as_before():
    cells = pd.Series(["+7", "007", "-3", "12.0", "12.", "-0", "123456789012345678", ""])
    values = parse_column(cells, Column("rank", "integer", "optional", "a rank"), "p.csv",
                          ProblemCollector())
    assert values.tolist() == [7, 7, -3, 12, 12, 0, 123456789012345678, pd.NA]
