"""The hand-checked tiny scenario: its expected result, derived by hand, is pinned here.

Schools (county T, primary): A cap 2 (zone Z1, group G1), B cap 2 (Z2;Z3),
C cap 1 (Z3, group G1), D cap 1 (Z4, far north-east).

- A: a2 is certified (military) -> tier 0; a1 hukou+home in Z1 -> tier 1; a3 hukou
  only -> tier 3; a4 migrant with permit -> tier 5. A keeps a2 and a1.
- C: a6 (tier 1, hukou+home in Z3) beats a7 (tier 4, home only, hukou outside).
- B: a5 (tier 1) and a7 (tier 4) beat the overflow a3 and a4 (tier 6 at B).
- a3 and a4 overflow: same group first (C, full), then B (full), then D (1 seat).
  At D both are tier 6; the first tie-break is the earlier hukou date: a3 has
  one (2015), a4 has none, so a3 wins D and a4 is left unplaced (no free seat).
- a8 has a special-school plan and a9 is born after 31 August 2019: excluded.
"""

from pathlib import Path

import pytest

from allocator.pipeline import run_scenario

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny"

EXPECTED = {
    "a1": ("A", "placed", "hukou_and_home", "catchment"),
    "a2": ("A", "placed", "certified", "catchment"),
    "a3": ("D", "placed", "everyone_else", "overflow"),
    "a4": ("", "unplaced", "", "unplaced"),
    "a5": ("B", "placed", "hukou_and_home", "catchment"),
    "a6": ("C", "placed", "hukou_and_home", "choice"),
    "a7": ("B", "placed", "home_hukou_outside", "catchment"),
    "a8": ("", "excluded", "", "excluded:special_school"),
    "a9": ("", "excluded", "", "excluded:under_age"),
}


@pytest.fixture(scope="module")
def result():
    return run_scenario(TINY)


def test_tiny_assignments_are_the_hand_computed_ones(result):
    table = result.assignments.set_index("applicant_id")
    got = {applicant: (row.school_id, row.status, row.tier_name, row.reason_code)
           for applicant, row in table.iterrows()}
    assert got == EXPECTED


def test_tiny_effective_list_of_the_overflow_child(result):
    problem = result.problem
    a3 = list(problem.applicant_ids).index("a3")
    arcs = slice(problem.arc_start[a3], problem.arc_start[a3 + 1])
    schools = problem.school_ids[problem.arc_school[arcs]]
    # catchment A first, then the same school group (C), then by distance (B, then D)
    assert list(schools) == ["A", "C", "B", "D"]


def test_tiny_school_cutoffs(result):
    schools = result.schools.set_index("school_id")
    assert schools.loc["A", "cutoff_tier_name"] == "hukou_and_home"
    assert schools.loc["B", "cutoff_tier_name"] == "home_hukou_outside"
    assert schools.loc["D", "cutoff_tier_name"] == "everyone_else"
    assert schools["surplus"].sum() == 0
    assert result.summary["verification"]["passed"] is True
