"""Delaunay neighbours: cut at a distance, never disconnected, duplicates joined."""

from __future__ import annotations

import numpy as np

from allocator.model.geometry import delaunay_edges, local_km, neighbour_edges


def connected(count: int, edges: np.ndarray) -> bool:
    seen, stack = {0}, [0]
    lists: dict[int, list[int]] = {}
    for a, b in edges:
        lists.setdefault(int(a), []).append(int(b))
        lists.setdefault(int(b), []).append(int(a))
    while stack:
        for other in lists.get(stack.pop(), []):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return len(seen) == count


def test_points_at_the_same_position_are_joined_and_the_relation_stays_connected():
    # found by the property test: a community without homes sat on its school's community
    # and Qhull dropped both twins, cutting them off from the county
    rng = np.random.default_rng(11)
    points = rng.uniform(0, 5, (16, 2))
    points[1] = points[0]
    edges = neighbour_edges(points, 1.0)
    assert [0, 1] in edges.tolist()
    assert connected(16, edges)


def test_the_cut_keeps_short_edges_and_the_spanning_tree_bridges_gaps():
    points = np.array([[0, 0], [1, 0], [0, 1], [10, 0], [11, 0], [10, 1]], dtype=float)
    edges = neighbour_edges(points, 2.0).tolist()
    assert {(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)} <= {tuple(e) for e in edges}
    assert connected(6, np.array(edges))
    assert len(edges) == 7  # one bridge across the 9 km gap


def test_collinear_points_are_chained():
    points = np.column_stack([np.arange(5.0), np.zeros(5)])
    assert delaunay_edges(points).tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]


def test_local_km_is_about_111_km_per_degree_of_latitude():
    xy = local_km(np.array([37.0, 38.0]), np.array([112.0, 112.0]))
    assert abs((xy[1, 1] - xy[0, 1]) - 111.2) < 0.2
