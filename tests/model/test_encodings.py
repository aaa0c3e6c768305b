"""CSV encodings: UTF-8 (with or without BOM), clean GB18030 read, anything else refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.model.problems import ProblemCollector  # noqa: E402
from allocator.model.readers import decode_csv  # noqa: E402


def named_applicants() -> list[dict]:
    return [dict(row, name=name) for row, name in
            zip(helpers.ladder_applicants(), ["王小明", "李华", "张伟", "赵丽"], strict=True)]


def test_clean_gb18030_csv_is_read_and_recorded_in_the_manifest(tmp_path):
    text = helpers.csv_text(named_applicants())
    gb = helpers.write_ladder(tmp_path / "gb", applicants=text.encode("gb18030"),
                              schools=helpers.csv_text(helpers.ladder_schools()).encode(
                                  "gb18030"))
    utf = helpers.write_ladder(tmp_path / "utf", applicants=text)
    first = helpers.run_cli("run", gb, "--out", tmp_path / "out-gb", "--no-reports", "-q")
    second = helpers.run_cli("run", utf, "--out", tmp_path / "out-utf", "--no-reports", "-q")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr
    assert (tmp_path / "out-gb" / "assignments.csv").read_bytes() == (
        tmp_path / "out-utf" / "assignments.csv").read_bytes()
    manifest = json.loads((tmp_path / "out-gb" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input_encodings"] == {"applicants.csv": "gb18030",
                                           "schools.csv": "gb18030"}
    assert "inputs" in manifest and "seed" in manifest


def test_utf8_with_bom_is_recorded():
    problems = ProblemCollector()
    assert decode_csv("\ufeffa,b\n1,2\n".encode(), "x.csv", problems) == ("a,b\n1,2\n",
                                                                          "utf-8-sig")


def test_bytes_neither_utf8_nor_gb18030_are_refused():
    problems = ProblemCollector()
    raw = "a,b\n王,1\n".encode("gb18030") + b"\x80,2\n"
    assert decode_csv(raw, "x.csv", problems) is None
    assert [str(p) for p in problems.problems] == [
        "x.csv:3:: the file is neither UTF-8 nor GB18030 (bad byte at offset 9); save it "
        "from Excel as 'CSV UTF-8 (逗号分隔)'"]


def test_latin1_bytes_that_decode_as_gb18030_gibberish_are_refused():
    # 'Müller' in Latin-1 decodes as GB18030 without error, but to no Chinese text.
    problems = ProblemCollector()
    assert decode_csv("id,name\n1,Müller\n".encode("latin-1"), "x.csv", problems) is None
    assert "holds characters Chinese text does not use" in str(problems.problems[0])


def test_utf16_is_refused_with_the_way_out():
    problems = ProblemCollector()
    assert decode_csv("a,b\n1,2\n".encode("utf-16"), "x.csv", problems) is None
    assert "UTF-16" in str(problems.problems[0])


def test_nul_bytes_are_refused():
    problems = ProblemCollector()
    assert decode_csv(b"a,b\n1,\x002\n", "x.csv", problems) is None
    assert str(problems.problems[0]).startswith("x.csv:2:: the file contains NUL bytes")
