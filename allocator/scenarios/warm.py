"""Warm re-solves: reuse the base's compiled problem for capacity and catchment what-ifs.

A capacity change touches no arc: the base problem is reused with new
capacities (:func:`with_plan`). A catchment edit changes
only the effective lists and tiers of the applicants living, registered or
owning a home in an edited zone: only they are recompiled and their arcs are
spliced into the base problem. Everyone else's arcs, lotteries and tie-break
ranks stay as they were, so the result is identical to a cold compile.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np

from allocator.pipeline.load import LoadedScenario
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import TIE_MASK, CompiledProblem
from allocator.scenarios.apply import ZONE_COLUMNS
from allocator.scenarios.merge import MergedScenario
from allocator.scenarios.subset import subset_scenario

#: Per-arc arrays spliced as they are (the priority key is re-ranked, the offsets rebuilt).
_ARC_FIELDS = tuple(f.name for f in fields(CompiledProblem)
                    if f.name.startswith("arc_") and f.name not in ("arc_start", "arc_priority"))


def warm_problem(base: CompiledProblem, merged: MergedScenario,
                 loaded: LoadedScenario) -> CompiledProblem | None:
    """The what-if's compiled problem derived from ``base``, or None if it needs a cold build.

    Parameters
    ----------
    base : CompiledProblem
        The base scenario compiled with the same policy and seed.
    merged : MergedScenario
        The what-if's changes; only capacity and catchment edits are warm.
    loaded : LoadedScenario
        The what-if scenario, loaded (same schools and applicants, in the same order).
    """
    if not merged.catchments_only:
        return None
    scenario = loaded.scenario
    if len(scenario.applicants) != base.applicant_count or not np.array_equal(
            scenario.schools["school_id"].to_numpy(dtype=object), base.school_ids):
        return None
    problem = base
    if merged.catchments:
        problem = splice_reached(base, loaded, reached_applicants(loaded, merged))
    return with_school_plan(problem, loaded)


def with_school_plan(problem: CompiledProblem, loaded: LoadedScenario) -> CompiledProblem:
    """``problem`` with the plans and class ceilings of the what-if's schools.

    The schools alone are compiled (no applicants: milliseconds), so plans and
    ceilings come from the engine's own rules; see :func:`with_plan` for seats.
    """
    nobody = np.zeros(len(loaded.scenario.applicants), dtype=bool)
    schools_only = compile_problem(subset_scenario(loaded.scenario, nobody), loaded.policy,
                                   loaded.seed)
    return with_plan(problem, schools_only.school_plan, schools_only.school_ceiling)


def with_plan(problem: CompiledProblem, plan: np.ndarray,
              ceiling: np.ndarray | None = None) -> CompiledProblem:
    """``problem`` with other plans (招生计划), seats computed as a cold compile does
    (:meth:`CompiledProblem.with_capacity`)."""
    return problem.with_capacity(plan, ceiling)


def reached_applicants(loaded: LoadedScenario, merged: MergedScenario) -> np.ndarray:
    """Applicants with a hukou, home or residence in an edited zone (or one of its parts)."""
    applicants = loaded.scenario.applicants
    edited = set(merged.catchments)
    reached = np.zeros(len(applicants), dtype=bool)
    for column in ZONE_COLUMNS:
        zone = applicants[column].astype(str).str.split("@").str[0]
        reached |= zone.isin(edited).to_numpy()
    return reached


def splice_reached(base: CompiledProblem, loaded: LoadedScenario,
                   reached: np.ndarray) -> CompiledProblem:
    """``base`` with the arcs of the ``reached`` applicants compiled afresh."""
    if not reached.any():
        return base
    sub = compile_problem(subset_scenario(loaded.scenario, reached), loaded.policy, loaded.seed)
    positions = np.flatnonzero(reached)
    base_applicant = base.arc_applicant()
    keep = ~reached[base_applicant]
    sub_applicant = positions[sub.arc_applicant()]
    owner = np.concatenate([base_applicant[keep], sub_applicant])
    order = np.argsort(owner, kind="stable")
    arrays: dict[str, Any] = {
        name: np.concatenate([getattr(base, name)[keep], getattr(sub, name)])[order]
        for name in _ARC_FIELDS}
    owner = owner[order]
    counts = np.bincount(owner, minlength=base.applicant_count)
    applicant_lat = base.applicant_lat.copy()
    applicant_lon = base.applicant_lon.copy()
    applicant_lat[positions], applicant_lon[positions] = sub.applicant_lat, sub.applicant_lon
    priority = np.concatenate([base.arc_priority[keep], _global_keys(base, sub, positions)])
    return replace(base, arc_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                   arc_priority=priority[order], applicant_lat=applicant_lat,
                   applicant_lon=applicant_lon, **arrays)


def _global_keys(base: CompiledProblem, sub: CompiledProblem,
                 positions: np.ndarray) -> np.ndarray:
    """The sub-problem's priority keys with the base's ranks in the low bits.

    The low bits rank applicants among those compiled: by the tie-break chain,
    or by the lottery alone at private schools (公民同招).
    """
    owner = positions[sub.arc_applicant()]
    lottery_rank = np.empty(base.applicant_count, dtype=np.int64)
    lottery_rank[np.argsort(base.draws, kind="stable")] = np.arange(base.applicant_count)
    private = getattr(sub, "arc_private", np.zeros(sub.arc_count, dtype=bool))
    low = np.where(private, lottery_rank[owner], base.tie_rank[owner])
    return (sub.arc_priority & ~np.int64(TIE_MASK)) | low
