"""Property: on random planar counties every proposal is contiguous, serves every community,
keeps each school's own community and respects the limits (Hypothesis)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.zoning.contiguity import catchment_members, disconnected_schools  # noqa: E402
from allocator.zoning.design import ZoningOptions, design_zones  # noqa: E402


def random_county(folder: Path, seed: int, communities: int, schools: int,
                  roomy: bool) -> Path:
    """Random points (no zones.csv: Delaunay neighbours); today's zones drawn at random,
    so they are usually not contiguous and the proposal has to repair them."""
    rng = np.random.default_rng(seed)
    lat = 37.8 + rng.uniform(0, 0.05, communities)
    lon = 112.5 + rng.uniform(0, 0.06, communities)
    children = rng.integers(0, 12, communities)
    owner = np.r_[np.arange(schools), rng.integers(0, schools, communities - schools)]
    total = int(children.sum())
    capacity = [total if roomy else int(rng.integers(5, 40)) for _ in range(schools)]
    school_rows = [{"school_id": f"S{j}", "county": "T", "capacity": capacity[j],
                    "zones": ";".join(f"Z{c}" for c in np.flatnonzero(owner == j)),
                    "lat": round(lat[j], 6), "lon": round(lon[j], 6)} for j in range(schools)]
    applicants = [{"applicant_id": f"A{c}-{i}", "county": "T", "hukou_zone": f"Z{c}",
                   "property_zone": f"Z{c}", "residence_zone": f"Z{c}",
                   "lat": round(lat[c], 6), "lon": round(lon[c], 6)}
                  for c in range(communities) for i in range(children[c])]
    if not applicants:  # a roster needs one row
        applicants = [{"applicant_id": "A0-0", "county": "T", "hukou_zone": "Z0",
                       "lat": round(lat[0], 6), "lon": round(lon[0], 6)}]
    policy = {"base": "shanxi-2025", "zoning": {"neighbour_distance_km": 2.5}}
    return helpers.write_scenario(folder, schools=school_rows, applicants=applicants,
                                  policy_file=policy)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), communities=st.integers(4, 12),
       schools=st.integers(1, 4), roomy=st.booleans(),
       contiguity=st.sampled_from(["flow", "order"]))
def test_every_proposal_keeps_its_guarantees(tmp_path_factory, seed, communities, schools,
                                             roomy, contiguity):
    folder = random_county(tmp_path_factory.mktemp("county"), seed, communities,
                           min(schools, communities), roomy)
    result = design_zones(folder, ZoningOptions(time_limit=2, contiguity=contiguity))
    (plans,) = result.plans
    if plans.proposal.assignment is None:
        assert not roomy or contiguity == "order", plans.proposal.phases
        return
    instance, assignment = plans.instance, plans.proposal.assignment
    assert (assignment >= 0).all()
    assert disconnected_schools(instance, catchment_members(instance, assignment)) == []
    assert all(assignment[c] == s for s, c in enumerate(instance.own))
    assert (instance.demand(assignment) <= instance.limit).all()
    assert all(check["passed"] for check in result.checks)
