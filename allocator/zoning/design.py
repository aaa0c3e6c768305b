"""``allocator zoning``: read, build, solve, check; one result object, inputs untouched."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from allocator.model.problems import ProblemCollector
from allocator.pipeline.load import LoadedScenario, load
from allocator.zoning.baseline import nearest_school
from allocator.zoning.checks import Check, guarantee_checks
from allocator.zoning.communities import Communities, read_communities
from allocator.zoning.instance import ZoningInstance, build_instances
from allocator.zoning.model import Proposal, propose


@dataclass(frozen=True)
class ZoningOptions:
    """Options of one design run (recorded in the summary)."""

    candidates: int = 6
    time_limit: float = 60.0
    max_moved: int | None = None
    seed: int = 0
    contiguity: str = "flow"

    def to_dict(self) -> dict:
        """Plain form for ``summary.json``."""
        return {"candidates": self.candidates, "time_limit": self.time_limit,
                "max_moved_communities": self.max_moved, "solver_seed": self.seed,
                "contiguity": self.contiguity}


@dataclass(frozen=True)
class InstancePlans:
    """Today's zones, the nearest-school baseline and the proposal of one county and stage."""

    instance: ZoningInstance
    zone_ids: np.ndarray
    current: np.ndarray
    baseline: np.ndarray
    proposal: Proposal
    checks: list[Check]

    @property
    def proposed(self) -> np.ndarray:
        """The proposal's assignment, or today's zones when the solver found none."""
        if self.proposal.assignment is None:
            return self.current
        return self.proposal.assignment


@dataclass(frozen=True)
class ZoningResult:
    """Everything ``allocator zoning`` writes."""

    loaded: LoadedScenario
    communities: Communities
    plans: list[InstancePlans]
    options: ZoningOptions
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def checks(self) -> list[dict]:
        """Guarantee checks merged over instances (one entry per name)."""
        merged: dict[str, Check] = {}
        for plans in self.plans:
            for check in plans.checks:
                total = merged.setdefault(check.name, Check(check.name))
                for example in check.examples:
                    total.fail(example)
                total.failures += check.failures - len(check.examples)
                total.passed = total.passed and check.passed
        found = [check.to_dict() for check in merged.values()]
        solved = all(plans.proposal.assignment is not None for plans in self.plans)
        found.append({"name": "proposal_found", "passed": solved, "failures": int(not solved),
                      "examples": [f"{p.instance.county}/{p.instance.stage}: "
                                   f"{p.proposal.status}" for p in self.plans
                                   if p.proposal.assignment is None][:5]})
        return found


def design_zones(folder: str | Path, options: ZoningOptions | None = None) -> ZoningResult:
    """Propose catchments for every county and stage of a scenario folder.

    Parameters
    ----------
    folder : str or Path
        Scenario folder (``zones.csv`` and ``zones.geojson`` optional).
    options : ZoningOptions, optional
        Candidates per community, solver time, stability cap and seed.

    Raises
    ------
    InputError
        Every problem of the scenario and of its communities, at once.
    """
    options = options or ZoningOptions()
    clock = time.perf_counter()
    loaded = load(folder)
    problems = ProblemCollector()
    communities = read_communities(loaded, problems)
    problems.raise_if_any()
    assert communities is not None
    instances = build_instances(loaded, communities, options.candidates, problems)
    problems.raise_if_any()
    timings = {"read": time.perf_counter() - clock}
    max_moved = options.max_moved if options.max_moved is not None else (
        loaded.policy.zoning.max_moved_communities)
    options = replace(options, max_moved=max_moved)
    plans = []
    clock = time.perf_counter()
    for instance in instances:
        proposal = propose(instance, max_moved=max_moved, time_limit=options.time_limit,
                           seed=options.seed, contiguity=options.contiguity)
        zone_ids = communities.zone_ids[instance.communities]
        plans.append(InstancePlans(instance, zone_ids, instance.current,
                                   nearest_school(instance), proposal, []))
        assignment = plans[-1].proposed
        plans[-1].checks.extend(guarantee_checks(instance, assignment, zone_ids, max_moved))
    timings["solve"] = time.perf_counter() - clock
    return ZoningResult(loaded, communities, plans, options, timings)
