"""Guarantees checked on every plan, each a named check of the zoning summary.

Contiguity, every community served, each school's own community kept, plan slack
respected and the stability cap respected; the engine's own verification of the re-run
is added by :mod:`allocator.zoning.evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from allocator.zoning.contiguity import catchment_members, disconnected_schools
from allocator.zoning.instance import ZoningInstance

EXAMPLES = 5


@dataclass(frozen=True)
class PlanFigures:
    """What a plan means for one instance: demand per school and the headline figures."""

    demand: np.ndarray
    outside_catchment: int
    moved_communities: int
    moved_children: int
    distance_km_total: float
    children: int

    @property
    def distance_km_mean(self) -> float:
        """Mean distance, children-weighted, from community to catchment school."""
        return self.distance_km_total / self.children if self.children else 0.0


@dataclass
class Check:
    """One guarantee: passed, and examples of what failed."""

    name: str
    passed: bool = True
    examples: list[str] = field(default_factory=list)
    failures: int = 0

    def fail(self, example: str) -> None:
        """Record one failure (the first few are kept as examples)."""
        self.passed = False
        self.failures += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)

    def to_dict(self) -> dict:
        """Plain form for ``summary.json``."""
        return {"name": self.name, "passed": self.passed, "failures": self.failures,
                "examples": self.examples}


def plan_figures(instance: ZoningInstance, assignment: np.ndarray) -> PlanFigures:
    """Projected demand, children beyond plan, moves against today and distance."""
    demand = instance.demand(assignment)
    single = assignment >= 0
    moved = single & (instance.current >= 0) & (assignment != instance.current)
    rows = np.arange(instance.community_count)
    km = np.where(single, instance.distance_km[rows, np.maximum(assignment, 0)], 0.0)
    for community, schools in enumerate(instance.fixed):
        if schools:
            km[community] = instance.distance_km[community, list(schools)].min()
    return PlanFigures(
        demand=demand,
        outside_catchment=int(np.maximum(demand - instance.capacity, 0).sum()),
        moved_communities=int(moved.sum()),
        moved_children=int(instance.children[moved].sum()),
        distance_km_total=float((km * instance.children).sum()),
        children=int(instance.children.sum()))


def guarantee_checks(instance: ZoningInstance, assignment: np.ndarray, zone_ids: np.ndarray,
                     max_moved: int | None) -> list[Check]:
    """Every guarantee of a proposal for one instance.

    Parameters
    ----------
    instance : ZoningInstance
        The county and stage.
    assignment : numpy.ndarray
        School per community (-1: multi-school community, kept as published).
    zone_ids : numpy.ndarray
        Zone id per community of the instance (for the examples).
    max_moved : int, optional
        The stability cap, if any.
    """
    where = f"{instance.county}/{instance.stage}"
    served, contiguous, own = Check("every_community_served"), Check("contiguity"), Check(
        "own_community_kept")
    slack, cap = Check("plan_slack_respected"), Check("stability_cap_respected")
    for community in range(instance.community_count):
        if assignment[community] < 0 and not instance.fixed[community]:
            served.fail(f"{where}: zone {zone_ids[community]} has no school")
    members = catchment_members(instance, assignment)
    for school, cut_off in disconnected_schools(instance, members):
        if not cut_off:
            continue  # an empty catchment: own_community_kept names it
        contiguous.fail(f"{where}: school {instance.school_ids[school]}: zones "
                        f"{', '.join(str(zone_ids[c]) for c in cut_off[:5])} are cut off")
    for school, community in enumerate(instance.own):
        if community not in members[school]:
            own.fail(f"{where}: school {instance.school_ids[school]} lost its own zone "
                     f"{zone_ids[community]}")
    figures = plan_figures(instance, assignment)
    for over in np.flatnonzero(figures.demand > instance.limit).tolist():
        slack.fail(f"{where}: school {instance.school_ids[over]}: demand "
                   f"{figures.demand[over]} > limit {instance.limit[over]}")
    if max_moved is not None and figures.moved_communities > max_moved:
        cap.fail(f"{where}: {figures.moved_communities} communities moved > cap {max_moved}")
    return [served, contiguous, own, slack, cap]
