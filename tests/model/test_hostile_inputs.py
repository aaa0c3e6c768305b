"""Hostile and broken scenario folders through ``allocator run``: each refused with
``file:row:column: message`` (exit 2, --out never created) or run sensibly (exit 0).

None may exit 1, print a traceback or hang. Every case starts from the small valid
ladder scenario of ``tests/helpers.py`` (schools A, B, C on rows 2-4 of
``schools.csv``; applicants p1-p4 on rows 2-5 of ``applicants.csv``) and breaks one
thing. The CLI runs in-process (typer's CliRunner), so an unexpected exception fails
the test with its traceback.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402
from helpers import csv_text, ladder_applicants, ladder_schools, write_ladder  # noqa: E402


@dataclass(frozen=True)
class Hostile:
    """A broken folder; ``where`` = the start of the expected problem line, None = runs."""

    build: Callable[[Path], Path]
    where: str | None = None
    words: tuple[str, ...] = ()


def applicants_with(index: int, **values) -> list[dict]:
    rows = copy.deepcopy(ladder_applicants())
    rows[index].update(values)
    return rows


def schools_with(index: int, **values) -> list[dict]:
    rows = copy.deepcopy(ladder_schools())
    rows[index].update(values)
    return rows


def applicants_text() -> str:
    return csv_text(ladder_applicants())


def schools_text() -> str:
    return csv_text(ladder_schools())


def with_settings(text: str) -> Callable[[Path], Path]:
    return lambda folder: write_ladder(folder, settings_text=text)


def with_policy(text: str) -> Callable[[Path], Path]:
    return lambda folder: write_ladder(folder, policy_file=text)


def alias_bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]"
              for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def symlink_loop(folder: Path) -> Path:
    write_ladder(folder)
    (folder / "applicants.csv").unlink()
    (folder / "applicants.csv").symlink_to(folder / "applicants.csv")
    return folder


def dangling_symlink(folder: Path) -> Path:
    write_ladder(folder)
    (folder / "schools.csv").unlink()
    (folder / "schools.csv").symlink_to(folder / "nowhere.csv")
    return folder


def many_schools(folder: Path, listed: int, known: bool) -> Path:
    schools = ladder_schools() + [
        {"school_id": f"S{n:03d}", "county": "T", "capacity": 1, "classes": 1,
         "zones": f"ZZ{n}", "lat": 37.8, "lon": 112.5} for n in range(500)]
    prefix = "S" if known else "X"
    preferences = ";".join(f"{prefix}{n:03d}" for n in range(listed))
    return write_ladder(folder, schools=schools,
                        applicants=applicants_with(0, preferences=preferences))


def both_csv_and_xlsx(folder: Path) -> Path:
    write_ladder(folder)
    (folder / "schools.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return folder


def garbage_xlsx(folder: Path) -> Path:
    write_ladder(folder)
    (folder / "schools.csv").unlink()
    (folder / "schools.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    return folder


def policy_of_bytes(folder: Path) -> Path:
    write_ladder(folder, policy_file="base: shanxi-2025\n")
    (folder / "policy.yaml").write_bytes(b"\xff\xfe\x00garbage\x80")
    return folder


def no_folder(folder: Path) -> Path:
    return folder / "does-not-exist"


def a_folder_named_like_a_table(folder: Path) -> Path:
    write_ladder(folder)
    (folder / "applicants.csv").unlink()
    (folder / "applicants.csv").mkdir()
    return folder


def header_line(text: str) -> str:
    return text.split("\n", 1)[0]


def replace_header(text: str, old: str, new: str) -> str:
    header, rest = text.split("\n", 1)
    return header.replace(old, new, 1) + "\n" + rest


CASES: dict[str, Hostile] = {
    # empty and degenerate files
    "empty-schools-file": Hostile(lambda f: write_ladder(f, schools=b""),
                                  "schools.csv::", ("empty",)),
    "empty-applicants-file": Hostile(lambda f: write_ladder(f, applicants=b""),
                                     "applicants.csv::", ("empty",)),
    "empty-scenario-yaml": Hostile(with_settings(""), "scenario.yaml::", ("mapping",)),
    "scenario-yaml-is-a-list": Hostile(with_settings("- 1\n- 2\n"), "scenario.yaml::",
                                       ("mapping",)),
    "header-only-applicants": Hostile(lambda f: write_ladder(
        f, applicants=header_line(applicants_text()) + "\n")),
    "header-only-schools": Hostile(lambda f: write_ladder(
        f, schools=header_line(schools_text()) + "\n"), "schools.csv::", ("no rows",)),
    "only-blank-lines-after-header": Hostile(lambda f: write_ladder(
        f, applicants=header_line(applicants_text()) + "\n\n\n")),
    "no-scenario-folder": Hostile(no_folder, "", ("does not exist",)),
    "no-scenario-yaml": Hostile(lambda f: (write_ladder(f), (f / "scenario.yaml").unlink(),
                                           f)[-1], "scenario.yaml::", ("missing",)),
    "folder-named-applicants-csv": Hostile(a_folder_named_like_a_table, "applicants.csv::",
                                           ("missing",)),
    # columns
    "duplicated-column": Hostile(lambda f: write_ladder(f, applicants=replace_header(
        applicants_text(), "residence_zone", "hukou_zone")), "applicants.csv:1:hukou_zone",
        ("more than once",)),
    "duplicated-column-by-spaces": Hostile(lambda f: write_ladder(f, schools=replace_header(
        schools_text(), "classes", " capacity ")), "schools.csv:1:capacity",
        ("more than once", "columns F and G")),
    "misspelt-header": Hostile(lambda f: write_ladder(f, applicants=replace_header(
        applicants_text(), "hukou_zone", "hukou_zon")), "applicants.csv:1:hukou_zon",
        ("did you mean 'hukou_zone'",)),
    "unnamed-header-with-data": Hostile(lambda f: write_ladder(f, schools=replace_header(
        schools_text(), "lon", "Unnamed: 9")), "schools.csv:1:J1", ("no name",)),
    "forbidden-score-column": Hostile(lambda f: write_ladder(f, applicants=[
        dict(row, exam_score=1) for row in ladder_applicants()]),
        "applicants.csv:1:exam_score", ("tests",)),
    "unknown-column-warned": Hostile(lambda f: write_ladder(f, applicants=[
        dict(row, remarks="x") for row in ladder_applicants()])),
    # numbers
    "nan-capacity": Hostile(lambda f: write_ladder(f, schools=schools_with(1, capacity="NaN")),
                            "schools.csv:3:capacity", ("whole number",)),
    "inf-latitude": Hostile(lambda f: write_ladder(f, schools=schools_with(0, lat="inf")),
                            "schools.csv:2:lat", ("maximum",)),
    "nan-longitude": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        1, lon="nan")), "applicants.csv:3:lon", ("not a number",)),
    "minus-infinity-longitude": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        1, lon="-Infinity")), "applicants.csv:3:lon", ("minimum",)),
    "huge-capacity": Hostile(lambda f: write_ladder(f, schools=schools_with(
        0, capacity="1" + "0" * 30)), "schools.csv:2:capacity", ("too large",)),
    "huge-permit-months": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        0, residence_permit_months=10**20)), "applicants.csv:2:residence_permit_months",
        ("too large",)),
    "exponent-capacity": Hostile(lambda f: write_ladder(f, schools=schools_with(
        0, capacity="1e3")), "schools.csv:2:capacity", ("whole number",)),
    # ids
    "ids-with-commas-and-quotes": Hostile(lambda f: write_ladder(
        f, schools=schools_with(0, school_id='A,"1"'),
        applicants=applicants_with(1, applicant_id='p"2,x', sibling_school='A,"1"'))),
    "ids-with-newlines": Hostile(lambda f: write_ladder(
        f, schools=schools_with(0, school_id="A\n1"),
        applicants=applicants_with(1, applicant_id="p\n2", sibling_school="A\n1"))),
    "ids-of-300-characters": Hostile(lambda f: write_ladder(
        f, schools=schools_with(0, school_id="A" * 300),
        applicants=applicants_with(1, applicant_id="p" * 300, sibling_school="A" * 300))),
    "duplicate-applicant-id": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        3, applicant_id="p1")), "applicants.csv:5:applicant_id", ("duplicate",)),
    "empty-applicant-id": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        2, applicant_id="")), "applicants.csv:4:applicant_id", ("missing",)),
    # encodings and line endings
    "crlf-line-endings": Hostile(lambda f: write_ladder(
        f, applicants=applicants_text().replace("\n", "\r\n"),
        schools=schools_text().replace("\n", "\r\n"))),
    "utf8-bom": Hostile(lambda f: write_ladder(f, applicants="\ufeff" + applicants_text())),
    "utf16": Hostile(lambda f: write_ladder(f, applicants=applicants_text().encode("utf-16")),
                     "applicants.csv::", ("UTF-16",)),
    "gb18030": Hostile(lambda f: write_ladder(f, schools=schools_text().encode("gb18030"))),
    "latin1": Hostile(lambda f: write_ladder(f, applicants=csv_text(
        [dict(row, name="Müller") for row in ladder_applicants()]).encode("latin-1")),
        "applicants.csv:2:", ("not UTF-8",)),
    "nul-bytes": Hostile(lambda f: write_ladder(f, applicants=applicants_text().replace(
        "p3", "p\x003")), "applicants.csv:4:", ("NUL",)),
    # CSV structure
    "row-with-too-many-cells": Hostile(lambda f: write_ladder(
        f, schools=schools_text().replace("\nB,", "\nB,extra,", 1)), "schools.csv:3:",
        ("cells",)),
    "row-with-too-few-cells": Hostile(lambda f: write_ladder(
        f, applicants=header_line(applicants_text()) + "\np1,T\n")),
    "blank-line-inside": Hostile(lambda f: write_ladder(
        f, applicants=applicants_text().replace("\np2,", "\n\np2,", 1)),
        "applicants.csv:3:", ("blank line",)),
    "unterminated-quote": Hostile(lambda f: write_ladder(
        f, applicants=applicants_text() + 'p9,"T\n'), "applicants.csv:", ("CSV",)),
    "cells-with-only-spaces": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        0, hukou_zone="   ", categories="  "))),
    # YAML
    "python-tag-in-scenario-yaml": Hostile(with_settings(
        "name: x\nseed: !!python/object/apply:os.system ['echo pwned']\n"),
        "scenario.yaml:2:", ("not allowed",)),
    "alias-bomb-in-policy": Hostile(with_policy(alias_bomb()), "policy.yaml:",
                                    ("alias bomb",)),
    "alias-bomb-in-scenario-yaml": Hostile(with_settings("name: x\nseed: 1\n" + alias_bomb()),
                                           "scenario.yaml:", ("alias bomb",)),
    "deeply-nested-policy": Hostile(with_policy("base: shanxi-2025\nx: " + "[" * 5000 +
                                                "]" * 5000 + "\n"),
                                    "policy.yaml:2:", ("nested",)),
    "repeated-seed-key": Hostile(with_settings("name: x\nseed: 1\nseed: 2\n"),
                                 "scenario.yaml:3:seed", ("twice",)),
    "boolean-seed": Hostile(with_settings("name: x\nseed: true\n"), "scenario.yaml:2:seed",
                            ("true/false",)),
    "seed-of-70-digits": Hostile(with_settings("name: x\nseed: " + "9" * 70 + "\n"),
                                 "scenario.yaml:2:seed", ("64 bits",)),
    "nan-seed": Hostile(with_settings("name: x\nseed: .nan\n"), "scenario.yaml:2:seed", ()),
    "policy-outside-the-folder": Hostile(with_settings(
        "name: x\nseed: 1\npolicy: ../../../etc/passwd\n"), "scenario.yaml:3:policy",
        ("unknown policy",)),
    "policy-of-binary-bytes": Hostile(policy_of_bytes, "policy.yaml::", ("UTF-8",)),
    "tab-indented-yaml": Hostile(with_settings("name: x\n\tseed: 1\n"), "scenario.yaml:",
                                 ("YAML",)),
    # files
    "symlink-loop": Hostile(symlink_loop, "applicants.csv::", ("symbolic link",)),
    "dangling-symlink": Hostile(dangling_symlink, "schools.csv::", ("symbolic link",)),
    "table-in-two-formats": Hostile(both_csv_and_xlsx, "schools.csv::", ("more than once",)),
    "garbage-xlsx": Hostile(garbage_xlsx, "schools.xlsx::", ("cannot read",)),
    # lists and groups
    "preferences-listing-500-schools": Hostile(lambda f: many_schools(f, 500, known=True)),
    "preferences-listing-500-unknown-schools": Hostile(
        lambda f: many_schools(f, 500, known=False), "applicants.csv:2:preferences",
        ("unknown school",)),
    "preferences-listing-a-school-twice": Hostile(lambda f: write_ladder(
        f, applicants=applicants_with(2, preferences="C;B;C")),
        "applicants.csv:4:preferences", ("listed twice",)),
    "sibling-group-across-counties": Hostile(lambda f: write_ladder(
        f, schools=[*ladder_schools(), {"school_id": "U1", "county": "U", "capacity": 5,
                                        "classes": 1, "zones": "Z1"}],
        applicants=[dict(row, sibling_group="g1") if row["applicant_id"] in ("p1", "p2")
                    else row for row in applicants_with(1, county="U")]),
        "applicants.csv:", ("differ in county",)),
    "sibling-group-of-one": Hostile(lambda f: write_ladder(f, applicants=applicants_with(
        0, sibling_group="alone"))),
    "preferences-of-separators-only": Hostile(lambda f: write_ladder(
        f, applicants=applicants_with(0, preferences=" ; ;; "))),
}


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(tmp_path, name):
    case = CASES[name]
    folder = case.build(tmp_path / "scenario")
    out = tmp_path / "out"
    started = time.perf_counter()
    outcome = helpers.run_cli("run", folder, "--out", out, "--no-reports", "-q")
    assert time.perf_counter() - started < 30
    assert "Traceback" not in outcome.stderr and "Traceback" not in outcome.stdout
    if case.where is None:
        assert outcome.exit_code == 0, outcome.stderr
        assert (out / "assignments.csv").is_file()
        return
    assert outcome.exit_code == 2, (outcome.exit_code, outcome.stderr)
    assert not out.exists()
    lines = outcome.problem_lines()
    assert lines, outcome.stderr
    matching = [line for line in lines if line.startswith(case.where)]
    assert matching, (case.where, outcome.stderr)
    assert any(all(word in line for word in case.words) for line in matching), (
        case.words, matching)
