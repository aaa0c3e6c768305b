"""Metrics as named functions returning tidy frames, checked against direct counts."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.reports import metrics
from allocator.reports.frames import applicant_frame, schools_frame


@pytest.fixture(scope="module")
def frames(county_result):
    return applicant_frame(county_result), schools_frame(county_result)


@pytest.mark.parametrize("by", metrics.GROUPINGS)
def test_every_metric_is_tidy_for_every_grouping(frames, by):
    frame, schools = frames
    table = metrics.all_metrics(frame, schools, by)
    assert list(table.columns) == metrics.COLUMNS
    assert (table["by"] == by).all()
    shares = table[~table["metric"].str.endswith("_km")]
    assert shares["value"].between(0, 1).all()
    assert not table.duplicated(["group", "metric"]).any()


def test_county_figures_equal_direct_counts(frames, county_result):
    frame, schools = frames
    table = metrics.all_metrics(frame, schools, "county").set_index("metric")["value"]
    assignments = county_result.assignments
    placed = assignments["status"] == "placed"
    eligible = assignments["status"] != "excluded"
    assert table["placement_rate"] == pytest.approx(placed.sum() / eligible.sum(), abs=1e-6)
    outside = placed & assignments["reason_code"].isin(["overflow", "sweep", "sibling_group"])
    assert table["own_catchment_rate"] == pytest.approx(1 - outside.sum() / placed.sum(),
                                                        abs=1e-6)
    distance = assignments.loc[placed, "distance_km"]
    assert table["distance_p95_km"] == pytest.approx(distance.quantile(0.95), abs=1e-3)
    assert table["class_size_compliance"] == 1.0


def test_migrant_share_counts_public_schools_only(frames):
    frame, _ = frames
    table = metrics.migrant_public_share(frame, "county")
    migrants = frame[frame["migrant"] & frame["placed"]]
    assert table["denominator"].sum() == len(migrants) > 0
    assert table["numerator"].sum() == int((migrants["kind"] == "public").sum())


def test_twins_are_counted_per_group(frames):
    frame, _ = frames
    table = metrics.twins_together(frame, "county")
    groups = frame.loc[frame["sibling_group"] != "", "sibling_group"].nunique()
    assert table["denominator"].sum() == groups
    assert np.all(table["numerator"] <= table["denominator"])


def test_an_unknown_grouping_is_refused(frames):
    with pytest.raises(ValueError, match="unknown grouping"):
        metrics.placement_rate(frames[0], "province")
