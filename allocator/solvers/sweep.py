"""County-wide final sweep: the rest go to the nearest school with free seats (统筹)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from allocator.problem.compiled import CompiledProblem, pack_priority
from allocator.problem.overflow import nearest_overflow
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.result import PLACED_BY_SWEEP, Allocation
from allocator.solvers.units import Units, build_units


def final_sweep(problem: CompiledProblem, allocation: Allocation,
                units: Units | None = None) -> Allocation:
    """Place every eligible unplaced applicant at the nearest public school with free seats.

    A serial dictatorship inside each (county, stage) unit: children of the
    guaranteed groups (应入尽入) choose first, then everyone in tie-break order
    (lottery last); each takes the nearest public school that still has seats
    for it (a sibling group needs seats for all its members at one school).
    It is computed as deferred acceptance over the nearest-first lists of all
    schools with free seats, every school ranking by that one order, which
    gives the same result. Schools without a position count as farthest.
    Returns a new allocation; the input is not changed.
    """
    if not problem.final_sweep:
        return allocation
    units = units or build_units(problem)
    waiting = (problem.exclusion == "") & (allocation.assigned_school < 0)
    free_seats = problem.school_capacity - allocation.school_counts(problem.school_count)
    open_public = problem.school_public & (free_seats > 0)
    if not waiting.any() or not open_public.any():
        return replace(allocation, statistics=dict(allocation.statistics, swept=0))
    sweep = _sweep_problem(problem, units, waiting, open_public, free_seats)
    placed = deferred_acceptance(sweep).assigned_school
    newly = waiting & (placed >= 0)
    school = np.where(newly, placed, allocation.assigned_school)
    placed_by = np.where(newly, PLACED_BY_SWEEP, allocation.placed_by)
    assigned_arc = np.where(newly, -1, allocation.assigned_arc)
    statistics = dict(allocation.statistics, swept=int(newly.sum()))
    return replace(allocation, assigned_school=school, placed_by=placed_by.astype(np.int8),
                   assigned_arc=assigned_arc, statistics=statistics)


def _sweep_problem(problem: CompiledProblem, units: Units, waiting: np.ndarray,
                   open_public: np.ndarray, free_seats: np.ndarray) -> CompiledProblem:
    """Lists of every open school nearest first; every school ranks by sweep order."""
    positions = (problem.applicant_lat, problem.applicant_lon, problem.school_lat,
                 problem.school_lon)
    no_group = np.full(max(problem.applicant_count, problem.school_count), -1, dtype=np.int64)
    applicant, school, _, distance = nearest_overflow(
        waiting, problem.applicant_unit, problem.school_unit, open_public, positions, no_group,
        no_group[:problem.school_count], int(open_public.sum()), False,
        np.zeros(0, dtype=np.int64))
    guaranteed = problem.applicant_guaranteed | problem.applicant_guaranteed[units.lead]
    order = np.lexsort((problem.tie_rank, ~guaranteed))
    sweep_rank = np.empty(problem.applicant_count, dtype=np.int64)
    sweep_rank[order] = np.arange(problem.applicant_count)
    counts = np.bincount(applicant, minlength=problem.applicant_count)
    tier = np.zeros(len(school), dtype=np.int16)
    return replace(
        problem, arc_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        arc_school=school.astype(np.int32), arc_tier=tier,
        arc_source=np.zeros(len(school), dtype=np.int8),
        arc_distance=distance.astype(np.float32),
        arc_priority=pack_priority(school, tier, sweep_rank[units.lead[applicant]]
                                   * (int(units.size.max()) + 1)
                                   + _member_offset(units)[applicant]),
        arc_private=np.zeros(len(school), dtype=bool),
        school_capacity=np.where(open_public, free_seats, 0).astype(np.int64))


def _member_offset(units: Units) -> np.ndarray:
    """0 for a lead, 1, 2, ... for its followers (keeps keys unique inside a group)."""
    offset = np.zeros(len(units.lead), dtype=np.int64)
    followers = np.flatnonzero(units.size == 0)
    if followers.size:
        leads = units.lead[followers]
        order = np.argsort(leads, kind="stable")
        run = np.r_[True, leads[order][1:] != leads[order][:-1]]
        start = np.maximum.accumulate(np.where(run, np.arange(len(order)), 0))
        offset[followers[order]] = np.arange(len(order)) - start + 1
    return offset

