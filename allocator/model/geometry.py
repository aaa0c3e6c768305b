"""Plane geometry of zone positions: local kilometres and a Delaunay neighbour relation.

Used where ``zones.csv`` gives no neighbours: communities (社区, 小区) are neighbours when
their Delaunay edge is short, plus the shortest edges that keep the county connected.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

EARTH_RADIUS_KM = 6371.0088


def local_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Positions in kilometres on a plane tangent at the mean latitude, shape (n, 2).

    Parameters
    ----------
    lat, lon : numpy.ndarray
        WGS84 degrees.

    Returns
    -------
    numpy.ndarray
        ``(x, y)`` per point: east and north of the mean position (equirectangular, exact
        enough within a county).
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if len(lat) == 0:
        return np.zeros((0, 2))
    scale = np.pi / 180.0 * EARTH_RADIUS_KM
    x = (lon - lon.mean()) * scale * np.cos(np.radians(lat.mean()))
    y = (lat - lat.mean()) * scale
    return np.column_stack([x, y])


def delaunay_edges(points: np.ndarray) -> np.ndarray:
    """Sorted unique ``(i, j)`` pairs, ``i < j``, of the Delaunay triangulation of ``points``.

    Two points give one edge; collinear points are chained along their line (Qhull
    refuses a flat triangulation). Points at the same position are joined to the first of
    them; a point Qhull leaves out is joined to its nearest triangulated point.
    """
    count = len(points)
    if count < 2:
        return np.zeros((0, 2), dtype=np.int64)
    unique, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    pairs = first[_unique_edges(unique)] if len(unique) > 1 else np.zeros((0, 2), np.int64)
    twins = np.flatnonzero(first[inverse] != np.arange(count))
    pairs = np.vstack([pairs, np.column_stack([first[inverse[twins]], twins])])
    used = np.unique(pairs.reshape(-1))
    left_out = np.setdiff1d(first, used) if len(unique) > 1 else np.zeros(0, np.int64)
    if len(left_out) and len(used):
        nearest = used[cKDTree(points[used]).query(points[left_out])[1]]
        pairs = np.vstack([pairs, np.column_stack([left_out, nearest])])
    return np.unique(np.sort(pairs.astype(np.int64), axis=1), axis=0)


def _unique_edges(points: np.ndarray) -> np.ndarray:
    """Delaunay pairs of distinct points (a chain when they are collinear)."""
    try:
        if len(points) < 3:
            raise QhullError("too few points")
        simplices = Delaunay(points).simplices
        pairs = np.vstack([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    except (QhullError, ValueError):
        axis = points - points.mean(axis=0)
        direction = np.linalg.svd(axis, full_matrices=False)[2][0]
        order = np.argsort(axis @ direction, kind="stable")
        pairs = np.column_stack([order[:-1], order[1:]])
    return pairs.astype(np.int64)


def neighbour_edges(points: np.ndarray, cut_km: float) -> np.ndarray:
    """Delaunay edges at most ``cut_km`` long, plus the minimum spanning tree's edges.

    The tree's edges keep the relation connected where a long gap (a river, fields between
    townships) would otherwise cut a county in pieces.

    Parameters
    ----------
    points : numpy.ndarray
        Positions in kilometres, shape (n, 2) (see :func:`local_km`).
    cut_km : float
        Longest Delaunay edge kept as a neighbour pair.

    Returns
    -------
    numpy.ndarray
        Sorted unique ``(i, j)`` pairs with ``i < j``.
    """
    edges = delaunay_edges(points)
    if len(edges) == 0:
        return edges
    length = np.hypot(*(points[edges[:, 0]] - points[edges[:, 1]]).T)
    short = length <= cut_km
    weights = np.maximum(length, 1e-9)  # a zero weight would read as "no edge"
    graph = coo_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(len(points),) * 2)
    tree = minimum_spanning_tree(graph.tocsr()).tocoo()
    tree_pairs = np.sort(np.column_stack([tree.row, tree.col]).astype(np.int64), axis=1)
    return np.unique(np.vstack([edges[short], tree_pairs]), axis=0)
