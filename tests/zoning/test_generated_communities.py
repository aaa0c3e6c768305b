"""The generator's communities option: a few hundred communities per county, clustered homes,
contiguous catchments of communities, a few multi-school communities; deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.model.problems import ProblemCollector
from allocator.pipeline.load import load
from allocator.synthetic import (
    ZONE_COLUMNS,
    generate_county,
    split_into_communities,
    write_scenario,
)
from allocator.zoning.communities import read_communities
from allocator.zoning.contiguity import catchment_members, disconnected_schools
from allocator.zoning.instance import build_instances


@pytest.fixture(scope="module")
def generated():
    schools, applicants = generate_county("C001", 8000, 3, n_schools=40)
    return schools, applicants, split_into_communities(schools, applicants, 250, 3)


def test_the_option_is_deterministic_and_leaves_its_inputs_alone(generated):
    schools, applicants, (new_schools, new_applicants, zones) = generated
    again = split_into_communities(schools, applicants, 250, 3)
    for first, second in zip((new_schools, new_applicants, zones), again, strict=True):
        pd.testing.assert_frame_equal(first, second)
    public = schools["kind"] == "public"
    assert schools["zones"][public].str.contains("-Z").all()
    assert not applicants["residence_zone"].str.contains("-C").any()


def test_communities_replace_zones_everywhere(generated):
    _, _, (schools, applicants, zones) = generated
    assert tuple(zones.columns) == ZONE_COLUMNS
    assert 200 <= len(zones) <= 250
    served = {z for cell in schools["zones"] for z in cell.split(";") if z}
    assert served == set(zones["zone_id"])
    public = schools[schools["kind"] == "public"]
    assert (public["zones"] != "").all()
    multi = pd.Series([z for cell in public["zones"] for z in cell.split(";")]).value_counts()
    assert 1 <= (multi > 1).sum() <= 10  # a few multi-school communities
    for column in ("hukou_zone", "property_zone", "residence_zone"):
        used = applicants[column][applicants[column] != ""]
        assert used.isin(zones["zone_id"]).all(), column


def test_homes_cluster_around_their_community(generated):
    _, _, (_, applicants, zones) = generated
    centre = zones.set_index("zone_id")[["lat", "lon"]].astype(float)
    homes = applicants[["residence_zone", "lat", "lon"]].assign(
        lat=lambda f: f["lat"].astype(float), lon=lambda f: f["lon"].astype(float))
    offset = homes[["lat", "lon"]].to_numpy() - centre.loc[homes["residence_zone"]].to_numpy()
    km = np.hypot(offset[:, 0] * 111, offset[:, 1] * 90)
    assert np.median(km) < 0.5


def test_todays_catchments_are_contiguous_and_the_scenario_is_valid(generated, tmp_path):
    _, _, (schools, applicants, zones) = generated
    folder = write_scenario(tmp_path / "county", schools, applicants, name="communities",
                            seed=3, zones=zones)
    loaded = load(folder)
    problems = ProblemCollector()
    communities = read_communities(loaded, problems)
    assert communities is not None and communities.neighbour_source == "zones.csv"
    (instance,) = build_instances(loaded, communities, 6, problems)
    assert not problems
    assert disconnected_schools(instance, catchment_members(instance, instance.current)) == []
