"""Scenario files: structure, references and conflicts, every problem at once with its line."""

from __future__ import annotations

import pytest

from allocator.model.problems import InputError
from allocator.scenarios import read_scenario_file, run_scenario_file

from .conftest import ROOT, write_file

BAD_FILE = """\
base: demo-county
overrides:
  more_seats:
    capacity:
      140702-S007: {seats: 10}
  also_more_seats:
    capacity:
      140702-S007: {classes: 1}
  unknown_school:
    capacity:
      140702-S999: {seats: 5}
  bad_option:
    policy:
      migrants.inflow_minimum_permit_months: -3
  close_and_give:
    close_schools:
      140702-S040: {}
    catchments:
      140702-C041: {serve: [140702-S040]}
scenarios:
  clash: [more_seats, also_more_seats]
  missing: [more_seats, no_such_override]
  unknown: [unknown_school, bad_option]
  closed: [close_and_give]
"""


def test_structural_problems_are_listed_at_once_with_lines(tmp_path):
    path = write_file(tmp_path, """\
base: nowhere
overrides:
  a:
    capacity:
      S1: {seats: many}
    colour: red
scenarios:
  one: [a, b]
""")
    with pytest.raises(InputError) as caught:
        read_scenario_file(path)
    lines = [str(problem) for problem in caught.value.problems]
    assert any(line.startswith("whatifs.yaml:5:overrides.a.capacity.S1.seats:")
               for line in lines)
    assert any(line.startswith("whatifs.yaml:6:overrides.a.colour:") for line in lines)
    assert len(lines) == 2  # references are checked once the structure is valid


def test_references_conflicts_and_policy_errors_name_file_line_key(tmp_path):
    (tmp_path / "demo-county").symlink_to(ROOT / "scenarios" / "demo-county")
    path = write_file(tmp_path, BAD_FILE)
    with pytest.raises(InputError) as caught:
        run_scenario_file(path, tmp_path / "out")
    lines = "\n".join(str(problem) for problem in caught.value.problems)
    assert "whatifs.yaml:22:scenarios.missing[1]: unknown override 'no_such_override'" in lines
    path.write_text(BAD_FILE.replace("  missing: [more_seats, no_such_override]\n", ""))
    with pytest.raises(InputError) as caught:
        run_scenario_file(path, tmp_path / "out")
    messages = [str(problem) for problem in caught.value.problems]
    assert any(m.startswith("whatifs.yaml:8:scenarios.clash: conflict: override "
                            "'also_more_seats' sets 'schools.140702-S007.capacity'")
               for m in messages)
    assert any(m.startswith("whatifs.yaml:11:overrides.unknown_school.capacity.140702-S999: "
                            "unknown school") for m in messages)
    assert any(m.startswith("whatifs.yaml:14:overrides.bad_option.policy.migrants."
                            "inflow_minimum_permit_months:") for m in messages)
    assert any("closes; refused" in m for m in messages)
    assert not (tmp_path / "out").exists()


def test_repeated_keys_are_refused(tmp_path):
    path = write_file(tmp_path, "base: .\noverrides: {}\nscenarios:\n  a: []\n  a: []\n")
    with pytest.raises(InputError) as caught:
        read_scenario_file(path)
    assert [str(p) for p in caught.value.problems] == [
        "whatifs.yaml:5:scenarios.a: key 'a' is given twice"]
