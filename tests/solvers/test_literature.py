"""Published instances with known outcomes, run through the pipeline (``explicit`` policy).

Every school lists every applicant in ``priorities.csv``, so the lottery plays no
role: each outcome below is checked for several seeds. The expected outcomes were
worked out by hand; the traces are in the comments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from allocator.pipeline import run_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

SEEDS = (1, 20250701)
DA, IA = "deferred-acceptance", "immediate-acceptance"


def outcome(tmp_path: Path, preferences, priorities, capacities, mechanism: str, seed: int):
    folder = helpers.write_explicit(tmp_path / f"{mechanism}-{seed}", preferences, priorities,
                                    capacities, seed=seed, mechanism=mechanism)
    result = run_scenario(folder)
    assert result.verified
    return result, helpers.assignment_map(result)


# --------------------------------------------------------------------------- AS 2003
# Abdulkadiroğlu, A. and T. Sönmez (2003), "School Choice: A Mechanism Design Approach",
# American Economic Review 93(3): 729-747, Example 1: three students, three schools with one
# seat each; the student-optimal stable matching is not Pareto efficient (i1 and i2 would
# swap, but i3's priority at s1 blocks it). The same instance shows the Boston mechanism
# is manipulable.
#
#   priorities (best first)        preferences (best first)
#   s1: i1 > i3 > i2               i1: s2 s1 s3
#   s2: i2 > i1 > i3               i2: s1 s2 s3
#   s3: i2 > i1 > i3               i3: s1 s2 s3
#
# (s3's order never matters below: only i3 ever applies there under DA, only i2 under Boston.)

AS_PREFERENCES = {"i1": ["s2", "s1", "s3"], "i2": ["s1", "s2", "s3"],
                  "i3": ["s1", "s2", "s3"]}
AS_PRIORITIES = {"s1": ["i1", "i3", "i2"], "s2": ["i2", "i1", "i3"], "s3": ["i2", "i1", "i3"]}
AS_CAPACITIES = {"s1": 1, "s2": 1, "s3": 1}

# Student-proposing DA:
#   step 1: i1->s2, i2->s1, i3->s1. s1 keeps i3 (i3 > i2), rejects i2; s2 keeps i1.
#   step 2: i2->s2. s2 keeps i2 (i2 > i1), rejects i1.
#   step 3: i1->s1. s1 keeps i1 (i1 > i3), rejects i3.
#   step 4: i3->s2. s2 keeps i2 (i2 > i3), rejects i3.
#   step 5: i3->s3, held. End: i1-s1, i2-s2, i3-s3 (the paper's matching mu).
AS_DA = {"i1": "s1", "i2": "s2", "i3": "s3"}
AS_DA_CHOICE_RANK = {"i1": 2, "i2": 2, "i3": 3}

# Boston (immediate acceptance):
#   round 1: i1->s2 (alone): admitted. i2, i3 -> s1: s1 admits i3 (i3 > i2). Final.
#   round 2: i2->s2: full. round 3: i2->s3: admitted.
#   End: i1-s2, i2-s3, i3-s1. i2 has justified envy at s2 (i2 > i1 there): 1 blocking pair.
AS_BOSTON = {"i1": "s2", "i2": "s3", "i3": "s1"}
AS_BOSTON_CHOICE_RANK = {"i1": 1, "i2": 3, "i3": 1}


@pytest.mark.parametrize("seed", SEEDS)
def test_abdulkadiroglu_sonmez_deferred_acceptance(tmp_path, seed):
    result, got = outcome(tmp_path, AS_PREFERENCES, AS_PRIORITIES, AS_CAPACITIES, DA, seed)
    assert got == AS_DA
    table = result.assignments.set_index("applicant_id")
    assert table["choice_rank"].to_dict() == AS_DA_CHOICE_RANK
    assert set(table["tier_name"]) == {"listed"}
    envy = {check.name: check for check in result.checks}["no_justified_envy"]
    assert envy.passed and envy.violations == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_abdulkadiroglu_sonmez_boston(tmp_path, seed):
    result, got = outcome(tmp_path, AS_PREFERENCES, AS_PRIORITIES, AS_CAPACITIES, IA, seed)
    assert got == AS_BOSTON
    table = result.assignments.set_index("applicant_id")
    assert table["choice_rank"].to_dict() == AS_BOSTON_CHOICE_RANK
    envy = {check.name: check for check in result.checks}["no_justified_envy"]
    assert envy.violations == 1 and not envy.required
    assert envy.examples == ["i2 -> s2"]


def test_abdulkadiroglu_sonmez_boston_rewards_a_misreport_and_da_does_not(tmp_path):
    # i2 ranks s2 first (s2 s1 s3), where it has top priority.
    # Boston, round 1: i1, i2 -> s2: s2 admits i2. i3 -> s1: admitted. round 2: i1 -> s1:
    #   full; round 3: i1 -> s3. End: i1-s3, i2-s2, i3-s1: i2 gains (s2 instead of s3).
    # DA: step 1: s2 keeps i2, rejects i1; s1 keeps i3. step 2: i1 -> s1: keeps i1, rejects
    #   i3. step 3: i3 -> s2: rejected. step 4: i3 -> s3. End: as truthful (i2 at s2).
    lie = dict(AS_PREFERENCES, i2=["s2", "s1", "s3"])
    _, boston = outcome(tmp_path, lie, AS_PRIORITIES, AS_CAPACITIES, IA, 1)
    assert boston == {"i1": "s3", "i2": "s2", "i3": "s1"}
    assert AS_PREFERENCES["i2"].index(boston["i2"]) < AS_PREFERENCES["i2"].index(
        AS_BOSTON["i2"])
    _, deferred = outcome(tmp_path, lie, AS_PRIORITIES, AS_CAPACITIES, DA, 1)
    assert deferred == AS_DA


# --------------------------------------------------------------------------- GS 1962
# Gale, D. and L. S. Shapley (1962), "College Admissions and the Stability of Marriage",
# American Mathematical Monthly 69(1): 9-15. Men alpha, beta, gamma (here m_a, m_b, m_g)
# and women A, B, C, one seat each. Example 1's ranking matrix (man's rank of the woman,
# woman's rank of the man):
#
#            A      B      C
#   alpha   1,3    2,2    3,1
#   beta    3,1    1,3    2,2
#   gamma   2,2    3,1    1,3
#
# It has three stable matchings: every man gets his first choice (alpha-A, beta-B,
# gamma-C), every woman gets hers (alpha-C, beta-A, gamma-B), or everyone gets a second
# choice (alpha-B, beta-C, gamma-A). Proposer-optimality: men proposing must give the
# first, women proposing the second. (Also in Roth and Sotomayor (1990), "Two-Sided
# Matching", Cambridge University Press, chapter 2.)

GS1_MEN = {"m_a": ["A", "B", "C"], "m_b": ["B", "C", "A"], "m_g": ["C", "A", "B"]}
GS1_WOMEN = {"A": ["m_b", "m_g", "m_a"], "B": ["m_g", "m_a", "m_b"], "C": ["m_a", "m_b", "m_g"]}
ONE_SEAT = {"A": 1, "B": 1, "C": 1}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mechanism", [DA, IA])
def test_gale_shapley_example_1_men_propose(tmp_path, seed, mechanism):
    # DA, step 1: everyone proposes to a different woman and is held. Done: the men's
    # optimum. Boston gives the same: every first choice is distinct.
    _, got = outcome(tmp_path, GS1_MEN, GS1_WOMEN, ONE_SEAT, mechanism, seed)
    assert got == {"m_a": "A", "m_b": "B", "m_g": "C"}


@pytest.mark.parametrize("seed", SEEDS)
def test_gale_shapley_example_1_women_propose(tmp_path, seed):
    # Same market with the women as applicants and the men as one-seat "schools":
    # A -> beta, B -> gamma, C -> alpha are all distinct first choices: the women's optimum.
    men_seats = {man: 1 for man in GS1_MEN}
    _, got = outcome(tmp_path, GS1_WOMEN, GS1_MEN, men_seats, DA, seed)
    assert got == {"A": "m_b", "B": "m_g", "C": "m_a"}


# Gale and Shapley (1962), Example 2: four men and four women with a unique stable matching
# alpha-C, beta-D, gamma-A, delta-B. Ranking matrix (man's rank, woman's rank):
#
#            A      B      C      D
#   alpha   1,3    2,3    3,2    4,3
#   beta    1,4    4,1    3,3    2,2
#   gamma   2,2    1,4    3,4    4,1
#   delta   4,1    2,2    3,1    1,4
#
# Men proposing: 1) alpha, beta -> A (A keeps alpha), gamma -> B, delta -> D.
# 2) beta -> D: D keeps beta (2 < 4), rejects delta. 3) delta -> B: B keeps delta (2 < 4),
# rejects gamma. 4) gamma -> A: A keeps gamma (2 < 3), rejects alpha. 5) alpha -> B:
# rejected (3 > 2). 6) alpha -> C: held. End: alpha-C, beta-D, gamma-A, delta-B.
# Being unique, it is also what the women get when they propose.

GS2_MEN = {"m_a": ["A", "B", "C", "D"], "m_b": ["A", "D", "C", "B"],
           "m_g": ["B", "A", "C", "D"], "m_d": ["D", "B", "C", "A"]}
GS2_WOMEN = {"A": ["m_d", "m_g", "m_a", "m_b"], "B": ["m_b", "m_d", "m_a", "m_g"],
             "C": ["m_d", "m_a", "m_b", "m_g"], "D": ["m_g", "m_b", "m_a", "m_d"]}
GS2_STABLE = {"m_a": "C", "m_b": "D", "m_g": "A", "m_d": "B"}


@pytest.mark.parametrize("seed", SEEDS)
def test_gale_shapley_example_2_unique_stable_matching(tmp_path, seed):
    _, men = outcome(tmp_path / "men", GS2_MEN, GS2_WOMEN, {w: 1 for w in GS2_WOMEN}, DA,
                     seed)
    assert men == GS2_STABLE
    _, women = outcome(tmp_path / "women", GS2_WOMEN, GS2_MEN, {m: 1 for m in GS2_MEN}, DA,
                       seed)
    assert women == {woman: man for man, woman in GS2_STABLE.items()}


def test_gale_shapley_example_2_boston(tmp_path):
    # Boston, round 1: A admits alpha (3 < 4) for good; gamma at B, delta at D.
    # round 2: beta -> D: full. round 3: beta -> C: admitted. Unstable: beta and D
    # prefer each other (D ranks beta 2nd and holds delta, its 4th).
    result, got = outcome(tmp_path, GS2_MEN, GS2_WOMEN, {w: 1 for w in GS2_WOMEN}, IA, 1)
    assert got == {"m_a": "A", "m_b": "C", "m_g": "B", "m_d": "D"}
    envy = {check.name: check for check in result.checks}["no_justified_envy"]
    assert envy.violations == 1 and envy.examples == ["m_b -> D"]
