"""The ``min-cost-flow`` mechanism: optimality, lexicographic order and capacity.

The optimum is checked against an independent model: networkx's network
simplex on the non-aggregated graph (one node per applicant) with exact
Python-integer lexicographic weights ``(P + 1) ** k``, which no 64-bit solver
could hold.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from allocator.pipeline.load import load
from allocator.pipeline.run import run_scenario
from allocator.problem.compile import compile_problem
from allocator.solvers import min_cost_flow as mcf
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.sweep import final_sweep
from allocator.synthetic import generate_county, generate_province, write_scenario
from allocator.verify.checks import verify

RESOLUTION = 0.1


def compiled(folder, county: str, applicants: int, seed: int, schools: int | None = None):
    school_frame, applicant_frame = generate_county(county, applicants, seed, n_schools=schools)
    write_scenario(folder, school_frame, applicant_frame, name="t", seed=seed)
    loaded = load(folder)
    return compile_problem(loaded.scenario, loaded.policy, loaded.seed)


def outcome_vector(problem, allocation) -> tuple[int, list[int], int]:
    """(children placed after the sweep, placements by tier incl. sweep, distance classes)."""
    arc = allocation.assigned_arc[allocation.assigned_arc >= 0]
    tiers = np.bincount(problem.arc_tier[arc], minlength=len(problem.tier_names)).tolist()
    swept = final_sweep(problem, allocation)
    placed = int(swept.placed.sum())
    tiers.append(placed - len(arc))
    distance = int(mcf.distance_class(problem.arc_distance[arc], RESOLUTION).sum())
    return placed, tiers, distance


def networkx_optimum(problem) -> tuple[int, list[int], int]:
    """The same objective solved on one node per applicant with exact big weights."""
    tier_count = len(problem.tier_names)
    people = [i for i in range(problem.applicant_count) if problem.exclusion[i] == ""]
    bound = len(people) + 1
    distance_bound = bound * (int(mcf.distance_class(problem.arc_distance, RESOLUTION).max(
        initial=0)) + 1)
    tier_weight = [sum(distance_bound * bound ** (tier_count - j) for j in range(1, t + 1))
                   for t in range(tier_count + 1)]
    unplaced_weight = distance_bound * bound ** (tier_count + 1)
    graph = nx.DiGraph()
    sweep_units = set(mcf._sweep_units(problem).tolist())
    for school in range(problem.school_count):
        graph.add_edge(("s", school), "sink", capacity=int(problem.school_capacity[school]),
                       weight=0)
        if problem.school_public[school] and int(problem.school_unit[school]) in sweep_units:
            graph.add_edge(("pool", int(problem.school_unit[school])), ("s", school),
                           capacity=int(problem.school_capacity[school]), weight=0)
    for person in people:
        node = ("a", person)
        graph.add_node(node, demand=-1)
        graph.add_edge(node, "sink", capacity=1, weight=unplaced_weight)
        if int(problem.applicant_unit[person]) in sweep_units:
            graph.add_edge(node, ("pool", int(problem.applicant_unit[person])), capacity=1,
                           weight=tier_weight[tier_count])
        for arc in range(problem.arc_start[person], problem.arc_start[person + 1]):
            distance = int(mcf.distance_class(problem.arc_distance[arc:arc + 1], RESOLUTION)[0])
            graph.add_edge(node, ("s", int(problem.arc_school[arc])), capacity=1,
                           weight=tier_weight[int(problem.arc_tier[arc])] + distance)
    graph.nodes["sink"]["demand"] = len(people)
    _, flow = nx.network_simplex(graph)
    tiers = [0] * (tier_count + 1)
    distance_total = placed = 0
    for person in people:
        for arc in range(problem.arc_start[person], problem.arc_start[person + 1]):
            if flow[("a", person)].get(("s", int(problem.arc_school[arc])), 0):
                tiers[int(problem.arc_tier[arc])] += 1
                distance_total += int(mcf.distance_class(problem.arc_distance[arc:arc + 1],
                                                         RESOLUTION)[0])
                placed += 1
        pool = ("pool", int(problem.applicant_unit[person]))
        if flow[("a", person)].get(pool, 0):
            tiers[tier_count] += 1
            placed += 1
    return placed, tiers, distance_total


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_equals_the_independent_networkx_optimum(tmp_path, seed):
    problem = compiled(tmp_path, f"C{seed}", 40 + 10 * seed, seed, schools=4)
    allocation = mcf.min_cost_flow(problem, RESOLUTION)
    assert outcome_vector(problem, allocation) == networkx_optimum(problem)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_never_fewer_than_deferred_acceptance_and_within_capacity(tmp_path, seed):
    problem = compiled(tmp_path, f"D{seed}", 600, seed)
    optimum = final_sweep(problem, mcf.min_cost_flow(problem))
    stable = final_sweep(problem, deferred_acceptance(problem))
    assert optimum.placed.sum() >= stable.placed.sum()
    counts = optimum.school_counts(problem.school_count)
    assert (counts <= problem.school_capacity).all()
    failed = [c.name for c in verify(problem, optimum, stability_required=False)
              if c.required and not c.passed]
    assert failed == []


def small_graph(level_costs, cycle_bound=5):
    """Three schools of one seat, four applicants: a lexicographic trap.

    Applicant 0: school 0 at tier 2, school 1 at tier 1. Applicant 1: school 2 at
    tier 2. Applicant 2: school 0 at tier 0, school 2 at tier 1. Applicant 3:
    school 0 at tier 1. The lexicographic optimum places applicant 2 at tier 0
    (tiers 0, 1, 2 once each); linear tier weights (0, 1, 3) prefer three tier-1
    placements, trading applicant 2's tier-0 seat for lower-tier children.
    """
    tails = np.array([0, 0, 1, 2, 2, 3, 4, 5, 6, 0, 1, 2, 3])
    heads = np.array([4, 5, 6, 4, 6, 4, 7, 7, 7, 7, 7, 7, 7])
    capacities = np.ones(13, dtype=np.int64)
    supplies = np.array([1, 1, 1, 1, 0, 0, 0, -4])
    return mcf.FlowGraph(tails, heads, capacities, supplies, level_costs, cycle_bound)


TRAP_TIERS = np.array([2, 1, 2, 0, 1, 1, -1, -1, -1, -1, -1, -1, -1])


def placed_by_tier(flows) -> list[int]:
    return np.bincount(TRAP_TIERS[:6][flows[:6] > 0], minlength=3).tolist()


def test_a_higher_tier_child_is_never_traded_for_lower_ones(monkeypatch):
    unplaced = np.r_[np.zeros(9, np.int64), np.ones(4, np.int64)]
    levels = [unplaced, (TRAP_TIERS >= 1).astype(np.int64), (TRAP_TIERS >= 2).astype(np.int64)]
    flows, calls = mcf.lexicographic_flow(small_graph(levels))
    assert calls == 1
    assert placed_by_tier(flows) == [1, 1, 1]
    linear = unplaced * 100 + np.select([TRAP_TIERS == 1, TRAP_TIERS == 2], [1, 3], 0)
    linear_flows, _ = mcf.lexicographic_flow(small_graph([linear]))
    assert placed_by_tier(linear_flows) == [0, 3, 0]  # the trap is real for linear weights
    # one level per solve: potentials fix each optimal face before the next level
    monkeypatch.setattr(mcf, "_COST_LIMIT", 8)
    split_flows, calls = mcf.lexicographic_flow(small_graph(levels))
    assert calls == 3
    assert placed_by_tier(split_flows) == [1, 1, 1]


@pytest.mark.parametrize("seed", [21, 22])
def test_solving_level_by_level_gives_the_same_optimum(tmp_path, seed, monkeypatch):
    problem = compiled(tmp_path, f"L{seed}", 80, seed, schools=5)
    together = outcome_vector(problem, mcf.min_cost_flow(problem, RESOLUTION))
    monkeypatch.setattr(mcf, "_COST_LIMIT", 1 << 12)
    assert outcome_vector(problem, mcf.min_cost_flow(problem, RESOLUTION)) == together


def test_same_input_same_result(tmp_path):
    problem = compiled(tmp_path, "R", 300, 9)
    first = mcf.min_cost_flow(problem)
    second = mcf.min_cost_flow(problem)
    assert np.array_equal(first.assigned_arc, second.assigned_arc)


def test_pipeline_on_two_counties_places_at_least_as_many_and_verifies(tmp_path):
    schools, applicants = generate_province(1500, 2, 31)
    folder = write_scenario(tmp_path / "p", schools, applicants, name="two", seed=31)
    stable = run_scenario(folder, mechanism="deferred-acceptance")
    optimum = run_scenario(folder, mechanism="min-cost-flow")
    assert optimum.verified
    assert optimum.summary["counts"]["placed"] >= stable.summary["counts"]["placed"]
    assert (optimum.schools["assigned"] <= optimum.schools["capacity"]).all()
    assert optimum.allocation.statistics["solver_calls"] >= 2  # one graph per county at least
