"""Property tests of the mechanisms on small random ``explicit``-policy instances.

Every instance is written as a scenario folder and run through the pipeline,
so reading, compiling, solving and verifying are all exercised together.

- every registered mechanism passes the required verification checks;
  deferred acceptance also has no justified envy;
- deferred acceptance is the applicant-optimal stable matching (brute force);
- the vectorised deferred acceptance equals the pure-Python reference;
- shuffling the rows of the input changes no one's school or lottery number.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from allocator.pipeline import run_scenario
from allocator.problem.compiled import TIER_SHIFT
from allocator.solvers import MECHANISMS
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.reference import reference_deferred_acceptance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

#: Each example runs the whole pipeline (about 0.1 s), so the example counts are sized
#: to keep this file near 15 s on an idle machine; ALLOCATOR_TEST_DEPTH=10 searches deeper.
DEPTH = int(os.environ.get("ALLOCATOR_TEST_DEPTH", "1"))


def sized(examples: int) -> settings:
    return settings(deadline=None, max_examples=examples * DEPTH,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Instance:
    """A small explicit-policy instance: lists, priorities, capacities, seed."""

    preferences: dict[str, list[str]]
    priorities: dict[str, list[str]]
    ranks: dict[str, list[int]]
    capacities: dict[str, int]
    seed: int

    def write(self, folder: Path, mechanism: str = "deferred-acceptance",
              applicant_order: list[str] | None = None, school_order: list[str] | None = None,
              priority_order: list[int] | None = None) -> Path:
        return helpers.write_explicit(
            folder, self.preferences, self.priorities, self.capacities, seed=self.seed,
            mechanism=mechanism, applicant_order=applicant_order, school_order=school_order,
            priority_ranks=self.ranks, shuffle_priorities=priority_order)


@st.composite
def instances(draw: Callable, max_schools: int = 6, max_applicants: int = 9) -> Instance:
    """2-6 schools with 0-3 seats, 1-9 applicants with lists over random subsets.

    Lists may be empty, but not all of them (see ``test_no_applicant_lists_any_school``).

    Each school lists a random subset of the applicants (complete or partial,
    possibly empty) with increasing, not necessarily consecutive, ranks.
    """
    school_count = draw(st.integers(2, max_schools))
    applicant_count = draw(st.integers(1, max_applicants))
    schools = [f"S{j}" for j in range(school_count)]
    applicants = [f"a{i}" for i in range(applicant_count)]
    capacities = {school: draw(st.integers(0, 3)) for school in schools}
    preferences = {}
    for applicant in applicants:
        order = draw(st.permutations(schools))
        preferences[applicant] = list(order[:draw(st.integers(0, school_count))])
    # at least one arc: the no-arc case has its own test below
    assume(any(preferences.values()))
    priorities, ranks = {}, {}
    for school in schools:
        order = draw(st.permutations(applicants))
        complete = draw(st.booleans())
        listed = list(order if complete else order[:draw(st.integers(0, applicant_count))])
        gaps = draw(st.lists(st.integers(1, 3), min_size=len(listed), max_size=len(listed)))
        priorities[school] = listed
        ranks[school] = list(np.cumsum(gaps, dtype=np.int64).tolist())
    seed = draw(st.integers(0, 2**32 - 1))
    instance = Instance(preferences, priorities, ranks, capacities, seed)
    note(repr(instance))  # shown with a falsifying example
    return instance


# --------------------------------------------------------------------------- (a) verification


@sized(12)
@given(instance=instances())
def test_every_mechanism_passes_the_required_checks(tmp_path_factory, instance):
    folder = instance.write(tmp_path_factory.mktemp("case"))
    for name, mechanism in MECHANISMS.items():
        result = run_scenario(folder, mechanism=name)
        checks = {check.name: check for check in result.checks}
        for required in ("capacity", "eligibility", "one_row_per_applicant"):
            assert checks[required].passed, (name, checks[required])
        assert result.verified, name
        table = result.assignments
        assert list(table["applicant_id"]) == list(instance.preferences), name
        assert table["applicant_id"].is_unique
        placed = table[table["school_id"] != ""]
        counts = placed["school_id"].value_counts()
        for school, count in counts.items():
            assert count <= instance.capacities[school], (name, school)
        for applicant, school in zip(placed["applicant_id"], placed["school_id"], strict=True):
            assert school in instance.preferences[applicant], (name, applicant, school)
        if mechanism.stable:
            assert checks["no_justified_envy"].passed, (name, checks["no_justified_envy"])
            assert checks["no_justified_envy"].violations == 0, name


# --------------------------------------------------------------------------- (b) brute force


def school_keys(problem) -> tuple[list[list[int]], dict[tuple[int, int], int]]:
    """Each applicant's list of school positions and the priority key of every arc."""
    lists, keys = [], {}
    for applicant in range(problem.applicant_count):
        arcs = range(problem.arc_start[applicant], problem.arc_start[applicant + 1])
        lists.append([int(problem.arc_school[arc]) for arc in arcs])
        for arc in arcs:
            keys[applicant, int(problem.arc_school[arc])] = int(problem.arc_priority[arc])
    return lists, keys


def stable_matchings(lists: list[list[int]], keys: dict[tuple[int, int], int],
                     capacity: list[int]) -> list[tuple[int, ...]]:
    """Every stable matching (school per applicant, -1 = unmatched), by backtracking.

    A matching respects capacities and acceptability (an applicant only gets a
    school on its list). (a, s) blocks it when ``a`` prefers ``s`` to its match
    and ``s`` has a free seat or holds someone with a worse (higher) key. A
    branch is cut as soon as a "holds someone worse" pair appears, since adding
    applicants never removes it; free seats are checked on complete matchings.
    """
    n = len(lists)
    position = [{school: rank for rank, school in enumerate(lst)} for lst in lists]
    match = [-1] * n
    holders: dict[int, list[int]] = defaultdict(list)
    found: list[tuple[int, ...]] = []

    def rank_of(applicant: int) -> int:
        school = match[applicant]
        return len(lists[applicant]) if school < 0 else position[applicant][school]

    def cut(applicant: int, school: int) -> bool:
        bound = len(lists[applicant]) if school < 0 else position[applicant][school]
        for better in lists[applicant][:bound]:
            if any(keys[other, better] > keys[applicant, better] for other in holders[better]):
                return True
        if school >= 0:
            for other in range(applicant):
                if (school in position[other] and position[other][school] < rank_of(other)
                        and keys[other, school] < keys[applicant, school]):
                    return True
        return False

    def complete_is_stable() -> bool:
        for applicant in range(n):
            for better in lists[applicant][:rank_of(applicant)]:
                if len(holders[better]) < capacity[better]:
                    return False
        return True

    def extend(applicant: int) -> None:
        if applicant == n:
            if complete_is_stable():
                found.append(tuple(match))
            return
        for school in [*lists[applicant], -1]:
            if school >= 0 and len(holders[school]) >= capacity[school]:
                continue
            if cut(applicant, school):
                continue
            match[applicant] = school
            if school >= 0:
                holders[school].append(applicant)
            extend(applicant + 1)
            if school >= 0:
                holders[school].pop()
            match[applicant] = -1

    extend(0)
    return found


def test_brute_force_finds_the_textbook_stable_matchings():
    # Gale and Shapley (1962), example 1: three stable matchings (see test_literature.py).
    lists = [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    rank_at = {0: [2, 0, 1], 1: [1, 2, 0], 2: [0, 1, 2]}  # school -> rank of applicant i
    keys = {(a, s): rank_at[s][a] for a in range(3) for s in range(3)}
    assert sorted(stable_matchings(lists, keys, [1, 1, 1])) == sorted(
        [(0, 1, 2), (1, 2, 0), (2, 0, 1)])


@sized(25)
@given(instance=instances(max_schools=5, max_applicants=7))
def test_deferred_acceptance_is_the_applicant_optimal_stable_matching(tmp_path_factory,
                                                                       instance):
    result = run_scenario(instance.write(tmp_path_factory.mktemp("case")))
    problem = result.problem
    lists, keys = school_keys(problem)
    ids = list(problem.applicant_ids)
    school_ids = list(problem.school_ids)
    # the compiled lists are the stated preferences, and schools rank listed applicants
    # first, in priorities.csv order, then the unlisted ones (the lottery tier)
    for applicant, lst in zip(ids, lists, strict=True):
        assert [school_ids[s] for s in lst] == instance.preferences[applicant]
    for school, listed in instance.priorities.items():
        s = school_ids.index(school)
        on_lists = [a for a in range(len(ids)) if (a, s) in keys]
        ordered = sorted(on_lists, key=lambda a, s=s: keys[a, s])
        listed_here = [ids[a] for a in ordered if ids[a] in listed]
        assert listed_here == [a for a in listed if ids.index(a) in on_lists]
        assert ordered[:len(listed_here)] == [ids.index(a) for a in listed_here]
        tiers = [keys[a, s] >> TIER_SHIFT & 0xFF for a in ordered]
        assert tiers == sorted(tiers)

    stable = stable_matchings(lists, keys, problem.school_capacity.tolist())
    assert stable, "a stable matching always exists"
    da = tuple(int(s) for s in result.allocation.assigned_school)
    assert da in stable

    def rank(applicant: int, school: int) -> int:
        lst = lists[applicant]
        return lst.index(school) if school >= 0 else len(lst)

    for other in stable:
        for applicant in range(len(ids)):
            assert rank(applicant, da[applicant]) <= rank(applicant, other[applicant]), (
                ids[applicant], da, other)


# --------------------------------------------------------------------------- (c) reference


@sized(15)
@given(instance=instances())
def test_vectorised_deferred_acceptance_equals_the_reference(tmp_path_factory, instance):
    result = run_scenario(instance.write(tmp_path_factory.mktemp("case")))
    problem = result.problem
    fast = deferred_acceptance(problem)
    slow = reference_deferred_acceptance(problem)
    np.testing.assert_array_equal(fast.assigned_school, slow.assigned_school)
    np.testing.assert_array_equal(fast.assigned_arc, slow.assigned_arc)
    np.testing.assert_array_equal(result.allocation.assigned_school, slow.assigned_school)
    # also on the same problem with other capacities (no recompile)
    for capacity in (np.zeros_like(problem.school_capacity), problem.school_capacity + 1):
        other = problem.with_capacity(capacity)
        np.testing.assert_array_equal(deferred_acceptance(other).assigned_school,
                                      reference_deferred_acceptance(other).assigned_school)


# --------------------------------------------------------------------------- (d) row order


@pytest.mark.parametrize("mechanism", sorted(MECHANISMS))
@sized(8)
@given(instance=instances(), data=st.data())
def test_shuffled_rows_give_the_same_outcome_per_applicant(tmp_path_factory, mechanism,
                                                           instance, data):
    applicants = list(instance.preferences)
    schools = list(instance.capacities)
    priority_rows = sum(len(listed) for listed in instance.priorities.values())
    applicant_order = data.draw(st.permutations(applicants), label="applicant rows")
    school_order = data.draw(st.permutations(schools), label="school rows")
    priority_order = data.draw(st.permutations(range(priority_rows)), label="priority rows")
    first = run_scenario(instance.write(tmp_path_factory.mktemp("case"), mechanism))
    second = run_scenario(instance.write(
        tmp_path_factory.mktemp("shuffled"), mechanism, applicant_order=list(applicant_order),
        school_order=list(school_order), priority_order=list(priority_order)))
    assert list(second.assignments["applicant_id"]) == list(applicant_order)
    columns = ["school_id", "status", "tier", "choice_rank", "lottery", "lottery_draw"]
    a = first.assignments.set_index("applicant_id")[columns].sort_index()
    b = second.assignments.set_index("applicant_id")[columns].sort_index()
    assert a.to_dict("index") == b.to_dict("index")


def test_min_cost_flow_does_not_depend_on_the_row_order_of_schools(tmp_path):
    # S1 has 3 seats and four candidates, all in tier 'listed' (S0 has no seat). The
    # optimum places 3 of them; which 3 must not depend on the row order of schools.csv.
    preferences = {"a2": ["S0", "S1"], "a3": ["S0", "S1"], "a6": ["S1", "S0"],
                   "a8": ["S0", "S1"]}
    priorities = {"S0": ["a8", "a3", "a6", "a2"], "S1": ["a2", "a3", "a6", "a8"]}
    capacities = {"S0": 0, "S1": 3}
    outcomes = []
    for order in (["S0", "S1"], ["S1", "S0"]):
        folder = helpers.write_explicit(tmp_path / "-".join(order), preferences, priorities,
                                        capacities, seed=14288167, mechanism="min-cost-flow",
                                        school_order=order)
        outcomes.append(helpers.assignment_map(run_scenario(folder)))
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------- sparse ranks


def test_large_priority_ranks_keep_their_order(tmp_path):
    # Regression: _explicit_arcs (allocator/problem/compile.py) once packed the raw rank into
    # the 36-bit tie field of arc_priority (school<<44 | tier<<36 | tie), so a rank >= 2**36
    # spilled into the tier and school bits and a listed applicant lost to unlisted ones.
    # school S0 (1 seat) lists b with rank 2**40 (any rank >= 1 is valid input);
    # a is not listed, so b must beat a whatever the lottery says.
    folder = helpers.write_explicit(
        tmp_path / "case", {"a": ["S0"], "b": ["S0"]}, {"S0": ["b"]}, {"S0": 1},
        priority_ranks={"S0": [2**40]})
    for seed in range(4):
        result = run_scenario(folder, seed=seed)
        assert helpers.assignment_map(result) == {"a": "", "b": "S0"}, seed


#: Mechanisms that still crash when there is no arc (see the xfail reason).
@pytest.mark.parametrize("mechanism", [
    pytest.param(name) for name in sorted(MECHANISMS)])
def test_no_applicant_lists_any_school(tmp_path, mechanism):
    # Regression: with no arc at all, Allocation.from_arcs (allocator/solvers/result.py)
    # indexed an empty arc_school and every mechanism raised IndexError (CLI exit 1).
    folder = helpers.write_explicit(tmp_path / "case", {"a": [], "b": []}, {"S0": ["a"]},
                                    {"S0": 1, "S1": 2}, mechanism=mechanism)
    result = run_scenario(folder)
    assert helpers.assignment_map(result) == {"a": "", "b": ""}
    assert list(result.assignments["status"]) == ["unplaced", "unplaced"]
    assert result.verified


@pytest.mark.parametrize("mechanism", [
    pytest.param(name) for name in sorted(MECHANISMS)])
def test_everyone_excluded_under_the_ladder_policy(tmp_path, mechanism):
    # every child has a special-school plan: no arc at all under shanxi-2025 either
    applicants = [dict(row, categories="disabled", disability_plan="special_school")
                  for row in helpers.ladder_applicants()]
    folder = helpers.write_ladder(tmp_path / "case", applicants=applicants, mechanism=mechanism)
    result = run_scenario(folder)
    assert set(result.assignments["status"]) == {"excluded"}
    assert set(result.assignments["school_id"]) == {""}
    assert result.verified
