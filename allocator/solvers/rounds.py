"""Admission rounds around a mechanism: private lottery, public round, sweep.

:func:`allocate` is what the pipeline calls for any registered mechanism:

1. Private round (公民同招): applicants who stated private schools take part in a
   lottery-ordered deferred acceptance over those schools only. Winners leave
   the public pool; losers keep every public choice, with no penalty.
2. Public round: the chosen mechanism on everyone else's public arcs.
3. The county-wide sweep for whoever is still unplaced (when the policy has it).
4. ``together: preferred``: groups left unplaced are split and the public round
   is run again with their members applying on their own.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.registry import Mechanism
from allocator.solvers.result import PLACED_BY_NONE, Allocation
from allocator.solvers.sweep import final_sweep


def allocate(problem: CompiledProblem, mechanism: Mechanism) -> Allocation:
    """Run the private round, the public round with ``mechanism`` and the sweep."""
    eligible = problem.exclusion == ""
    winners = np.zeros(problem.applicant_count, dtype=bool)
    private = None
    if problem.arc_private.any():
        private_problem, private_arcs = problem.restrict(problem.arc_private, eligible)
        private = deferred_acceptance(private_problem)
        winners = private.placed
    public_problem, public_arcs = problem.restrict(~problem.arc_private, eligible & ~winners)
    public = _public_round(public_problem, mechanism)
    if problem.groups_together == "preferred":
        public_problem, public = _split_unplaced_groups(public_problem, public, mechanism)
    assigned_arc = _to_original(public.assigned_arc, public_arcs)
    assigned_school = public.assigned_school.copy()
    placed_by = public.placed_by.copy()
    statistics = dict(public.statistics)
    if private is not None:
        assigned_arc[winners] = _to_original(private.assigned_arc, private_arcs)[winners]
        assigned_school[winners] = private.assigned_school[winners]
        placed_by[winners] = private.placed_by[winners]
        statistics["private_round_placed"] = int(winners.sum())
    return Allocation(mechanism.name, assigned_arc, assigned_school, placed_by, statistics)


def _public_round(problem: CompiledProblem, mechanism: Mechanism) -> Allocation:
    return final_sweep(problem, mechanism.solve(problem))


def _split_unplaced_groups(problem: CompiledProblem, allocation: Allocation,
                           mechanism: Mechanism) -> tuple[CompiledProblem, Allocation]:
    """Re-run the public round with unplaced groups applying individually."""
    grouped = problem.applicant_group >= 0
    unplaced = grouped & (allocation.placed_by == PLACED_BY_NONE)
    if not unplaced.any():
        return problem, allocation
    split = np.isin(problem.applicant_group, np.unique(problem.applicant_group[unplaced]))
    relaxed = replace(problem, applicant_group=np.where(split, -1, problem.applicant_group))
    result = _public_round(relaxed, mechanism)
    statistics = dict(result.statistics, groups_split=int(np.unique(
        problem.applicant_group[split]).size))
    return relaxed, replace(result, statistics=statistics)


def _to_original(assigned_arc: np.ndarray, arc_map: np.ndarray) -> np.ndarray:
    """Arc indices of a sub-problem mapped back to the full problem (-1 stays -1)."""
    mapped = np.full(len(assigned_arc), -1, dtype=np.int64)
    has = assigned_arc >= 0
    mapped[has] = arc_map[assigned_arc[has]]
    return mapped
