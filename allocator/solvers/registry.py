"""Mechanisms by name, with capability flags."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.deferred_acceptance import deferred_acceptance
from allocator.solvers.immediate_acceptance import immediate_acceptance
from allocator.solvers.result import Allocation


@dataclass(frozen=True)
class LazySolver:
    """A solver imported on its first call (OR-Tools costs a quarter second to import)."""

    module: str
    function: str

    def __call__(self, problem: CompiledProblem) -> Allocation:
        solve = getattr(importlib.import_module(self.module), self.function)
        return solve(problem)


@dataclass(frozen=True)
class Mechanism:
    """A registered mechanism.

    Attributes
    ----------
    name : str
        Name used in ``scenario.yaml`` and ``--mechanism``.
    solve : Callable
        Compiled problem in, allocation out.
    stable : bool
        Guarantees no justified envy; verification fails on envy only for these.
    description : str
        One line for help texts and reports.
    fast : bool
        Cheap enough to re-solve many times (what-if evaluations in reports); a
        slow mechanism's what-ifs are evaluated with deferred acceptance instead.
    """

    name: str
    solve: Callable[[CompiledProblem], Allocation]
    stable: bool
    description: str
    fast: bool = True


MECHANISMS: dict[str, Mechanism] = {
    mechanism.name: mechanism for mechanism in (
        Mechanism("deferred-acceptance", deferred_acceptance, True,
                  "applicant-proposing deferred acceptance: no justified envy"),
        Mechanism("immediate-acceptance", immediate_acceptance, False,
                  "Boston / 志愿优先: choices round by round, seats final each round"),
        Mechanism("exact-groups", LazySolver("allocator.solvers.exact_groups", "exact_groups"),
                  False,
                  "exact mode for sibling groups (CP-SAT, county-size instances): groups "
                  "together, fewest blocking pairs, then most placed, then distance",
                  fast=False),
        Mechanism("min-cost-flow", LazySolver("allocator.solvers.min_cost_flow", "min_cost_flow"),
                  False,
                  "system optimum: most placed, then tiers lexicographically, then distance"),
    )
}

#: Mechanisms named by the contract that this version does not provide yet.
PLANNED_MECHANISMS: dict[str, str] = {}


def get_mechanism(name: str) -> Mechanism:
    """The mechanism called ``name`` (KeyError with the known names otherwise)."""
    if name not in MECHANISMS:
        raise KeyError(f"unknown mechanism '{name}'; choose from {', '.join(MECHANISMS)}")
    return MECHANISMS[name]
