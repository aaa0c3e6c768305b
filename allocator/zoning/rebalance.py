"""A greedy start for the CP-SAT model: move boundary communities off overfull schools.

Starting from today's zones, repeatedly give a community on the edge of a school over its
plan to a neighbouring school with room, when that lowers the children beyond plan, keeps
both catchments contiguous and the receiving school within its limit. CP-SAT starts from
the result (a hint), so a large county gets a good first solution at once.
"""

from __future__ import annotations

import numpy as np

from allocator.zoning.instance import ZoningInstance

MAX_ROUNDS = 10_000


def rebalance(instance: ZoningInstance, start: np.ndarray) -> np.ndarray:
    """Greedy single moves until none lowers the children beyond plan.

    Parameters
    ----------
    instance : ZoningInstance
        The county and stage.
    start : numpy.ndarray
        A contiguous assignment within the limits (today's zones).

    Returns
    -------
    numpy.ndarray
        An assignment at least as good on children beyond plan, still contiguous and
        within the limits (moves only between candidate schools).
    """
    assignment = start.copy()
    adjacency = instance.adjacency()
    own = set(int(c) for c in instance.own)
    for _ in range(MAX_ROUNDS):
        move = _best_move(instance, assignment, adjacency, own)
        if move is None:
            break
        community, school = move
        assignment[community] = school
    return assignment


def _best_move(instance, assignment, adjacency, own) -> tuple[int, int] | None:
    demand = instance.demand(assignment)
    over = demand - instance.capacity
    best: tuple[float, int, int] | None = None
    for community in range(instance.community_count):
        school = int(assignment[community])
        if school < 0 or over[school] <= 0 or community in own:
            continue
        children = int(instance.children[community])
        targets = {int(assignment[o]) for o in adjacency[community] if assignment[o] >= 0}
        for target in sorted(targets - {school}):
            if target not in instance.candidates[community]:
                continue
            after = demand[target] + children
            gain = min(children, over[school]) - max(0, after - instance.capacity[target]) \
                + max(0, over[target])
            if gain <= 0 or after > instance.limit[target]:
                continue
            key = (-gain + 1e-3 * instance.distance_km[community, target], community, target)
            if (best is None or key < best) and _still_contiguous(
                    instance, adjacency, assignment, community, school):
                best = key
    return None if best is None else (best[1], best[2])


def _still_contiguous(instance, adjacency, assignment, community, school) -> bool:
    """Whether ``school`` stays joined without ``community`` (the target gains a
    neighbour of its own catchment, so it stays joined)."""
    inside = {int(c) for c in np.flatnonzero(assignment == school) if c != community}
    inside |= {c for c, shared in enumerate(instance.fixed) if school in shared}
    start = int(instance.own[school])
    seen, stack = {start}, [start]
    while stack:
        for other in adjacency[stack.pop()]:
            if other in inside and other not in seen:
                seen.add(other)
                stack.append(other)
    return seen == inside
