"""Solving a later round: the admission rounds on keys where held seats rank first.

Only deferred acceptance keeps every guarantee of a later round: a held seat
ranks first at its school, so no proposal can take it, and an applicant only
leaves it for a school it ranks higher. The other mechanisms refuse.
"""

from __future__ import annotations

from dataclasses import replace

from allocator.problem.later import LaterRoundProblem
from allocator.solvers.registry import Mechanism
from allocator.solvers.result import Allocation
from allocator.solvers.rounds import allocate

#: Why a mechanism cannot run a later round, by name (absent = it can).
REFUSALS: dict[str, str] = {
    "immediate-acceptance": "immediate acceptance makes seats final round by round, so a "
                            "child that waits for a higher choice could lose the seat it holds",
    "min-cost-flow": "the system-optimum flow does not rank held seats first",
    "exact-groups": "the exact sibling-group mode does not rank held seats first",
}


def later_round_refusal(mechanism: str) -> str | None:
    """The sentence refusing ``mechanism`` for a later round, or None if it can run one."""
    reason = REFUSALS.get(mechanism)
    if reason is None:
        return None
    return (f"mechanism '{mechanism}' cannot run a later round ({reason}); run the season "
            "with deferred-acceptance, from its first round")


def allocate_later_round(round_problem: LaterRoundProblem, mechanism: Mechanism) -> Allocation:
    """Private round, public round and sweep of a later round (see :func:`allocate`).

    The mechanism solves on :attr:`LaterRoundProblem.solve`, whose arcs are those
    of :attr:`LaterRoundProblem.problem`: the allocation is valid for both.
    """
    refusal = later_round_refusal(mechanism.name)
    if refusal is not None:
        raise ValueError(refusal)
    allocation = allocate(round_problem.solve, mechanism)
    continuing = round_problem.continuing
    statistics = dict(allocation.statistics, continuing=int(continuing.sum()))
    return replace(allocation, statistics=statistics)
