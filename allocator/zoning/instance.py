"""One catchment-design instance per (county, stage): communities, schools, demand, candidates.

A community's children are the applicants whose catchment tier would come from it: the
zone of an owned home (房产), else of the hukou (户籍), else of the residence with a
residence permit (居住证), as in the Shanxi ladder. Children placed outside the regular
system (special school, home teaching) are left out. A community served today by several
schools of the stage (多校划片) keeps that assignment; its children count at each of its
schools in equal shares.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.pipeline.load import LoadedScenario
from allocator.problem.distance import haversine_km
from allocator.zoning.communities import Communities, served_zones

OUTSIDE_SYSTEM = ("special_school", "home_teaching")


@dataclass(frozen=True)
class ZoningInstance:
    """The communities and public schools of one county and stage.

    Attributes
    ----------
    county, stage : str
        What the instance covers.
    communities : numpy.ndarray
        Global community index (into :class:`Communities`) per local community.
    school_positions : numpy.ndarray
        Row of each public school in ``schools.csv`` (0-based).
    school_ids : numpy.ndarray
        Id per school.
    capacity : numpy.ndarray
        Plan (招生计划) per school.
    children : numpy.ndarray
        Projected catchment children per community.
    current : numpy.ndarray
        School serving each community today (-1: several or none).
    fixed : tuple of tuple of int
        Schools of each multi-school community (empty for the others).
    distance_km : numpy.ndarray
        Community-to-school distance, shape (communities, schools).
    edges : numpy.ndarray
        Neighbour pairs in local community numbers.
    own : numpy.ndarray
        The school's own community (the one holding it: nearest it among those it serves).
    candidates : tuple of numpy.ndarray
        Schools a community may be given (reachable from the school's own community).
    limit : numpy.ndarray
        Highest demand allowed per school (plan plus slack, or today's demand if higher).
    edge_km : numpy.ndarray
        Length of each neighbour pair (between community positions).
    """

    county: str
    stage: str
    communities: np.ndarray
    school_positions: np.ndarray
    school_ids: np.ndarray
    capacity: np.ndarray
    children: np.ndarray
    current: np.ndarray
    fixed: tuple[tuple[int, ...], ...]
    distance_km: np.ndarray
    edges: np.ndarray
    own: np.ndarray
    candidates: tuple[np.ndarray, ...]
    limit: np.ndarray
    edge_km: np.ndarray

    @property
    def community_count(self) -> int:
        """Number of communities."""
        return len(self.communities)

    @property
    def school_count(self) -> int:
        """Number of schools."""
        return len(self.school_ids)

    def fixed_demand(self) -> np.ndarray:
        """Children of multi-school communities, counted at each school in equal shares
        (rounded to whole children per school)."""
        demand = np.zeros(self.school_count)
        for community, schools in enumerate(self.fixed):
            for school in schools:
                demand[school] += self.children[community] / len(schools)
        return np.rint(demand).astype(np.int64)

    def demand(self, assignment: np.ndarray) -> np.ndarray:
        """Projected catchment children per school under ``assignment`` (-1 = multi-school)."""
        demand = self.fixed_demand()
        single = assignment >= 0
        np.add.at(demand, assignment[single], self.children[single])
        return demand

    def adjacency(self) -> list[list[int]]:
        """Neighbour lists in local community numbers."""
        lists: list[list[int]] = [[] for _ in range(self.community_count)]
        for a, b in self.edges:
            lists[a].append(int(b))
            lists[b].append(int(a))
        return lists


def community_children(loaded: LoadedScenario, communities: Communities) -> np.ndarray:
    """Projected catchment children per (community, stage) as a frame column per stage."""
    applicants = loaded.scenario.applicants
    zone = applicants["property_zone"].copy()
    zone = zone.where(zone != "", applicants["hukou_zone"])
    permit = applicants["residence_permit_months"].to_numpy() > 0
    zone = zone.where((zone != "") | ~permit, applicants["residence_zone"])
    inside = ~applicants["disability_plan"].isin(OUTSIDE_SYSTEM).to_numpy() & (zone != "")
    index = communities.index()
    keys = [index.get(key, -1) for key in zip(applicants["county"], zone, strict=True)]
    frame = pd.DataFrame({"community": keys, "stage": applicants["stage"].to_numpy()})
    frame = frame[inside & (frame["community"] >= 0).to_numpy()]
    return frame.groupby(["stage", "community"]).size()


def build_instances(loaded: LoadedScenario, communities: Communities, candidates: int,
                    problems: ProblemCollector) -> list[ZoningInstance]:
    """Every (county, stage) with public schools, in sorted order.

    Parameters
    ----------
    loaded : LoadedScenario
        The scenario.
    communities : Communities
        Positions and neighbours.
    candidates : int
        Nearest schools each community may be given (besides its school of today).
    problems : ProblemCollector
        Receives communities no school can reach over the neighbour relation.
    """
    schools = loaded.scenario.schools
    served = served_zones(loaded)
    served = served[(schools["kind"].to_numpy()[served["school_position"]] == "public")]
    index = communities.index()
    served = served.assign(community=[index[key] for key in zip(
        served["county"], served["zone"], strict=True)],
        stage=schools["stage"].to_numpy()[served["school_position"]])
    children = community_children(loaded, communities)
    instances = []
    for (county, stage), part in served.groupby(["county", "stage"], sort=True):
        instance = _instance(loaded, communities, str(county), str(stage), part, children,
                             candidates, problems)
        if instance is not None:
            instances.append(instance)
    return instances


def _instance(loaded, communities, county, stage, part, children, candidates, problems):
    schools = loaded.scenario.schools
    positions = np.array(sorted(set(part["school_position"])), dtype=np.int64)
    members = np.array(sorted(set(part["community"])), dtype=np.int64)
    local = {int(c): i for i, c in enumerate(members)}
    school_local = {int(p): i for i, p in enumerate(positions)}
    serving: list[list[int]] = [[] for _ in members]
    for community, school in zip(part["community"], part["school_position"], strict=True):
        serving[local[int(community)]].append(school_local[int(school)])
    current = np.array([s[0] if len(s) == 1 else -1 for s in serving], dtype=np.int64)
    fixed = tuple(tuple(sorted(s)) if len(s) > 1 else () for s in serving)
    lat = schools["lat"].to_numpy(dtype=float)[positions]
    lon = schools["lon"].to_numpy(dtype=float)[positions]
    distance = haversine_km(communities.lat[members][:, None], communities.lon[members][:, None],
                            lat[None, :], lon[None, :])
    distance = np.nan_to_num(distance, nan=0.0)
    in_instance = np.isin(communities.edges, members).all(axis=1)
    edges = np.vectorize(local.get, otypes=[np.int64])(communities.edges[in_instance]).reshape(
        -1, 2)
    count = np.zeros(len(members), dtype=np.int64)
    if stage in children.index.get_level_values(0):
        by_community = children.loc[stage]
        count = by_community.reindex(members, fill_value=0).to_numpy(dtype=np.int64)
    own = _own_communities(serving, distance, len(positions))
    draft = ZoningInstance(
        county, stage, members, positions, schools["school_id"].to_numpy(dtype=object)[
            positions], schools["capacity"].to_numpy(dtype=np.int64)[positions], count,
        current, fixed, distance, edges, own, (), np.zeros(len(positions), dtype=np.int64),
        _edge_km(communities, members, edges))
    allowed = _candidates(draft, candidates, communities, problems)
    today = draft.demand(current)
    slack = loaded.policy.zoning.plan_slack
    limit = np.maximum(np.floor(draft.capacity * (1 + slack) + 1e-9), np.ceil(today - 1e-9))
    return ZoningInstance(**{**draft.__dict__, "candidates": allowed,
                             "limit": limit.astype(np.int64)})


def _edge_km(communities: Communities, members: np.ndarray, edges: np.ndarray) -> np.ndarray:
    lat, lon = communities.lat[members], communities.lon[members]
    return haversine_km(lat[edges[:, 0]], lon[edges[:, 0]], lat[edges[:, 1]], lon[edges[:, 1]])


def _own_communities(serving: list[list[int]], distance: np.ndarray, schools: int) -> np.ndarray:
    own = np.full(schools, -1, dtype=np.int64)
    for school in range(schools):
        mine = [c for c, s in enumerate(serving) if school in s]
        own[school] = min(mine, key=lambda c: (distance[c, school], c))
    return own


def _candidates(instance: ZoningInstance, nearest: int, communities: Communities,
                problems: ProblemCollector) -> tuple[np.ndarray, ...]:
    """Nearest schools and today's school, kept where the school's own community reaches."""
    order = np.argsort(instance.distance_km, axis=1, kind="stable")[:, :nearest]
    wanted = [set(order[c].tolist()) | ({int(instance.current[c])} if instance.current[c] >= 0
                                        else set()) for c in range(instance.community_count)]
    reach = _reachable(instance, wanted)
    allowed = [sorted(s for s in wanted[c] if c in reach[s]) if not instance.fixed[c] else []
               for c in range(instance.community_count)]
    missing = [c for c in range(instance.community_count) if not instance.fixed[c]
               and not allowed[c]]
    if missing:  # widen to every school before calling a community unreachable
        every = [set(range(instance.school_count))] * instance.community_count
        reach = _reachable(instance, every)
        for c in missing:
            allowed[c] = sorted(s for s in range(instance.school_count) if c in reach[s])
            if not allowed[c]:
                file, row = communities.where(int(instance.communities[c]))
                problems.add(file, row, "neighbours",
                             f"zone '{communities.zone_ids[instance.communities[c]]}' cannot be "
                             "reached from any school's own community over the neighbour "
                             f"relation (county {instance.county}, {instance.stage})")
    return tuple(np.array(a, dtype=np.int64) for a in allowed)


def _reachable(instance: ZoningInstance, wanted: list[set[int]]) -> list[set[int]]:
    """Per school: communities joined to its own community through allowed communities."""
    adjacency = instance.adjacency()
    reach = []
    for school in range(instance.school_count):
        def allowed(c: int, school: int = school) -> bool:
            if instance.fixed[c]:
                return school in instance.fixed[c]
            return school in wanted[c]
        start = int(instance.own[school])
        seen = {start}
        queue = deque([start])
        while queue:
            for other in adjacency[queue.popleft()]:
                if other not in seen and allowed(other):
                    seen.add(other)
                    queue.append(other)
        reach.append(seen)
    return reach
