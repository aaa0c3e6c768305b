"""Cost of fairness: deferred acceptance (stable) against the min-cost-flow optimum.

Both mechanisms run on the same compiled problem through the same admission
rounds as a run (private lottery, public round, county-wide sweep). The
comparison shows what stability (no justified envy) costs in children placed,
children outside their catchment and distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.pipeline.run import RunResult
from allocator.pipeline.tables import assignments_table
from allocator.problem.compiled import CompiledProblem
from allocator.solvers.registry import get_mechanism
from allocator.solvers.result import Allocation
from allocator.solvers.rounds import allocate
from allocator.verify.checks import envy_arcs

from .frames import OUTSIDE_CODES

COMPARED = ("deferred-acceptance", "min-cost-flow")


def outcome_measures(problem: CompiledProblem, allocation: Allocation,
                     assignments: pd.DataFrame) -> dict[str, float]:
    """Children placed, outside their catchment, distance (total, mean, p95), envy."""
    placed = assignments["status"] == "placed"
    distance = assignments.loc[placed, "distance_km"].dropna()
    outside = placed & assignments["reason_code"].isin(OUTSIDE_CODES)
    return {
        "placed": int(placed.sum()),
        "unplaced": int((assignments["status"] == "unplaced").sum()),
        "outside_catchment": int(outside.sum()),
        "distance_total_km": round(float(distance.sum()), 3),
        "distance_mean_km": round(float(distance.mean()), 3) if len(distance) else 0.0,
        "distance_p95_km": round(float(distance.quantile(0.95)), 3) if len(distance) else 0.0,
        "justified_envy": int(envy_arcs(problem, allocation).sum()),
        "envious_children": int(np.unique(problem.arc_applicant()[
            envy_arcs(problem, allocation)]).size),
    }


def cost_of_fairness(result: RunResult, mechanisms: tuple[str, ...] = COMPARED) -> pd.DataFrame:
    """One row per mechanism with :func:`outcome_measures` and placements by tier.

    The run's own allocation is reused for its mechanism; the others are solved
    on the run's compiled problem.
    """
    scenario = result.loaded.scenario
    rows = []
    for name in mechanisms:
        if name == result.loaded.mechanism.name:
            allocation, assignments = result.allocation, result.assignments
        else:
            allocation = allocate(result.problem, get_mechanism(name))
            assignments = assignments_table(result.problem, allocation, scenario.schools,
                                            scenario.applicants)
        row = {"mechanism": name, **outcome_measures(result.problem, allocation, assignments)}
        tiers = assignments.loc[assignments["status"] == "placed", "tier_name"].replace(
            "", "sweep").value_counts()
        row.update({f"placed_{tier}": int(tiers.get(tier, 0))
                    for tier in (*result.problem.tier_names, "sweep")})
        rows.append(row)
    return pd.DataFrame(rows)


def fairness_gap(table: pd.DataFrame) -> dict[str, float]:
    """Optimum minus stable for each measure (negative distance = km saved by the optimum)."""
    stable = table.set_index("mechanism").loc[COMPARED[0]]
    optimum = table.set_index("mechanism").loc[COMPARED[1]]
    return {key: round(float(optimum[key] - stable[key]), 3) for key in
            ("placed", "outside_catchment", "distance_total_km", "distance_p95_km",
             "justified_envy")}
