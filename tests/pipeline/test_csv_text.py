"""The column-wise CSV writer gives exactly the bytes of pandas' to_csv."""

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.pipeline.csv_text import frame_text


def pandas_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def test_quotes_missing_values_and_chinese():
    frame = pd.DataFrame({
        "id": ["a", "b,c", 'say "hi"', "line\nbreak", "城关第一小学"],
        "tier": pd.array([1, None, 3, 0, 6], dtype="Int64"),
        "distance_km": [0.0, np.nan, 1.234, 10.5, 1e-05],
        "flag": [True, False, True, False, True],
        "count": np.array([1, 2, 3, 4, 5], dtype=np.int64),
    })
    assert frame_text(frame) == pandas_text(frame)


def test_empty_frame_keeps_its_header():
    frame = pd.DataFrame({"applicant_id": pd.Series([], dtype=str), "tier": pd.array(
        [], dtype="Int64")})
    assert frame_text(frame) == pandas_text(frame)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), st.one_of(st.none(), st.integers(-5, 10**6)),
                          st.floats(allow_nan=True, allow_infinity=False, width=64)),
                min_size=1, max_size=20))
def test_random_rows(rows):
    frame = pd.DataFrame({
        "text": [r[0] for r in rows],
        "number": pd.array([r[1] for r in rows], dtype="Int64"),
        "value": [r[2] for r in rows],
    })
    assert frame_text(frame) == pandas_text(frame)


def test_written_in_chunks_is_the_same_file(tmp_path):
    from allocator.pipeline.csv_text import write_frame

    frame = pd.DataFrame({"a": [f"x,{i}" for i in range(25)], "b": pd.array(
        [i if i % 3 else None for i in range(25)], dtype="Int64")})
    write_frame(frame, tmp_path / "chunked.csv", chunk_rows=4)
    assert (tmp_path / "chunked.csv").read_text(encoding="utf-8") == pandas_text(frame)


def test_writing_leaves_the_frame_unchanged_whatever_the_string_storage():
    # Without pyarrow pandas keeps strings in Python objects, and the quoted cells were
    # written back into the frame: report.xlsx then showed reasons wrapped in quotes.
    for storage in ("python", "pyarrow"):
        with pd.option_context("mode.string_storage", storage):
            frame = pd.DataFrame({"reason": pd.Series(['full, redirected', 'say "hi"', "ok"],
                                                      dtype=object)})
            text = frame_text(frame)
            assert list(frame["reason"]) == ['full, redirected', 'say "hi"', "ok"], storage
            assert text == pandas_text(frame)


def test_a_run_folder_written_without_pyarrow_strings_keeps_the_results_in_memory(tmp_path):
    from pathlib import Path

    from allocator.pipeline import run_scenario, write_run
    from allocator.reports.writer import report_writer

    tiny = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
    with pd.option_context("mode.string_storage", "python"):
        result = run_scenario(tiny)
        before = result.assignments.copy()
        write_run(result, tmp_path / "run", extra_writers=[report_writer("en")])
        pd.testing.assert_frame_equal(result.assignments, before)
