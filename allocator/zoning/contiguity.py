"""Contiguity of catchments: single-commodity flow constraints and the check on a plan.

Flow model (Shirabe 2005; as in districting models since): the school's own community is
the source; every other community of the catchment consumes one unit, and flow may only
run between neighbouring communities that both belong to the catchment. A catchment
receives all its units exactly when it is connected to its own community.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from ortools.sat.python import cp_model
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from allocator.zoning.instance import ZoningInstance

#: ``membership[(community, school)]``: a 0/1 variable, or 1 for a fixed assignment.
Membership = dict[tuple[int, int], cp_model.IntVar | int]


#: ``flows[(school, tail, head)]``: the flow variable of one arc of one school's network.
Flows = dict[tuple[int, int, int], cp_model.IntVar]


def add_flow_contiguity(model: cp_model.CpModel, instance: ZoningInstance,
                        membership: Membership) -> Flows:
    """Add one flow network per school; return its flow variables (for hints).

    Parameters
    ----------
    model : cp_model.CpModel
        The model to extend.
    instance : ZoningInstance
        Communities, neighbours and own communities.
    membership : dict
        The assignment variables (or constants) of every allowed (community, school).
    """
    adjacency = instance.adjacency()
    flows: Flows = {}
    for school in range(instance.school_count):
        nodes = sorted(c for (c, s) in membership if s == school)
        inside = set(nodes)
        bound = max(len(nodes) - 1, 0)
        root = int(instance.own[school])
        inflow: dict[int, list] = {c: [] for c in nodes}
        outflow: dict[int, list] = {c: [] for c in nodes}
        for tail in nodes:
            for head in adjacency[tail]:
                if head not in inside or head == root:
                    continue
                flow = model.new_int_var(0, bound, f"f_{school}_{tail}_{head}")
                flows[(school, tail, head)] = flow
                for end in (tail, head):
                    member = membership[(end, school)]
                    if not isinstance(member, int):
                        model.add(flow <= bound * member)
                outflow[tail].append(flow)
                inflow[head].append(flow)
        for community in nodes:
            if community == root:
                continue
            model.add(sum(inflow[community]) - sum(outflow[community])
                      == membership[(community, school)])
    return flows


def tree_flows(instance: ZoningInstance, assignment: np.ndarray) -> dict[tuple[int, int, int],
                                                                        int]:
    """Flow values that carry ``assignment`` (a breadth-first tree per catchment).

    Each arc of the tree from the school's own community carries the size of the subtree
    below it; the other arcs carry nothing. Parts cut off from the own community get no
    flow (the assignment is then not contiguous, and the hint only partly feasible).
    """
    adjacency = instance.adjacency()
    values: dict[tuple[int, int, int], int] = {}
    for school, members in enumerate(catchment_members(instance, assignment)):
        inside = set(members)
        root = int(instance.own[school])
        if root not in inside:
            continue
        parent, order, queue = {root: -1}, [root], deque([root])
        while queue:
            node = queue.popleft()
            for other in adjacency[node]:
                if other in inside and other not in parent:
                    parent[other] = node
                    order.append(other)
                    queue.append(other)
        size = dict.fromkeys(order, 1)
        for node in reversed(order[1:]):
            size[parent[node]] += size[node]
            values[(school, parent[node], node)] = size[node]
    return values


def disconnected_schools(instance: ZoningInstance,
                         members: list[list[int]]) -> list[tuple[int, list[int]]]:
    """Schools whose communities are not all joined to their own community.

    Parameters
    ----------
    instance : ZoningInstance
        Neighbours and own communities.
    members : list of list of int
        Communities of each school's catchment.

    Returns
    -------
    list of (school, communities cut off)
        Empty when every catchment is contiguous.
    """
    adjacency = instance.adjacency()
    found = []
    for school, mine in enumerate(members):
        inside = set(mine)
        start = int(instance.own[school])
        if start not in inside:
            found.append((school, sorted(inside)))
            continue
        seen = {start}
        queue = deque([start])
        while queue:
            for other in adjacency[queue.popleft()]:
                if other in inside and other not in seen:
                    seen.add(other)
                    queue.append(other)
        if seen != inside:
            found.append((school, sorted(inside - seen)))
    return found


def catchment_members(instance: ZoningInstance, assignment: np.ndarray) -> list[list[int]]:
    """Communities of each school: single assignments plus multi-school communities."""
    members: list[list[int]] = [[] for _ in range(instance.school_count)]
    for community, school in enumerate(assignment):
        if school >= 0:
            members[int(school)].append(community)
        for shared in instance.fixed[community]:
            members[shared].append(community)
    return members


def add_order_contiguity(model: cp_model.CpModel, instance: ZoningInstance,
                         membership: Membership) -> int:
    """Ordering constraints: a community may join a school only if a neighbour nearer the
    school's own community (along neighbours, in km) joins it too; return their number.

    Every chain of ever-nearer neighbours ends at the school's own community, so each
    catchment is contiguous (the nearer-neighbour rule of Gillani et al. 2023, with the
    distance taken along the neighbour relation). This is a restriction, not an
    equivalent: a catchment that bends back (a member with no nearer member neighbour) is
    excluded; the flow model (:func:`add_flow_contiguity`) admits every contiguous one.
    """
    adjacency = instance.adjacency()
    added = 0
    for school in range(instance.school_count):
        along = _distance_from(instance, int(instance.own[school]))
        for community in range(instance.community_count):
            member = membership.get((community, school))
            if member is None or isinstance(member, int) or community == instance.own[school]:
                continue
            here = (along[community], community)
            nearer = [membership[(other, school)] for other in adjacency[community]
                      if (other, school) in membership and (along[other], other) < here]
            model.add(member <= sum(nearer))
            added += 1
    return added


def _distance_from(instance: ZoningInstance, source: int) -> np.ndarray:
    """Shortest distance (km along neighbour pairs) from ``source`` to every community."""
    count = instance.community_count
    edges = instance.edges
    weights = np.maximum(instance.edge_km, 1e-6)
    graph = coo_matrix((np.r_[weights, weights], (np.r_[edges[:, 0], edges[:, 1]],
                                                  np.r_[edges[:, 1], edges[:, 0]])),
                       shape=(count, count)).tocsr()
    return dijkstra(graph, directed=True, indices=source)
