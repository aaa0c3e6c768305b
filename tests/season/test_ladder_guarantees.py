"""On random ladder-policy counties every guarantee of a later round holds.

Synthetic counties under ``shanxi-2025`` (catchments, tiers, overflow, the
county-wide sweep, private schools, sibling groups); some applicants arrive
late, plans grow, families accept, wait or decline at random. The guarantees
are checked here from the written tables, not only from the engine's checks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.pipeline.after import run_after
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.synthetic import generate_province, write_scenario

FAMILY_COLUMNS = ("county", "stage", "birth_date", "hukou_zone", "hukou_city", "property_zone",
                  "residence_zone", "residence_permit_months", "social_insurance_months",
                  "hukou_since", "property_since", "lat", "lon", "sibling_school", "preferences",
                  "feeder_school")


def with_twins(roster: pd.DataFrame, pairs: int) -> pd.DataFrame:
    """``pairs`` evenly spaced pairs of single applicants become twins (one family)."""
    roster = roster.copy()
    single = np.flatnonzero((roster["sibling_group"].fillna("") == "").to_numpy())
    first, second = single[0:-1:2], single[1::2][:len(single[0:-1:2])]
    chosen = np.linspace(0, len(first) - 1, pairs).astype(np.int64)
    first, second = first[chosen], second[chosen]
    columns = [roster.columns.get_loc(c) for c in FAMILY_COLUMNS if c in roster.columns]
    roster.iloc[second, columns] = roster.iloc[first, columns].to_numpy()
    group = roster.columns.get_loc("sibling_group")
    labels = [f"TWIN{k:04d}" for k in range(len(first))]
    roster.iloc[first, group] = labels
    roster.iloc[second, group] = labels
    return roster


def season_folders(root: Path, seed: int, applicants: int, late_share: float,
                   added: int, twins: int = 0) -> tuple[Path, Path, pd.DataFrame]:
    """First-round and later-round scenario folders of one synthetic county."""
    schools, roster = generate_province(applicants, 1, seed)
    if twins:
        roster = with_twins(roster, twins)
    rng = np.random.default_rng(seed)
    late = rng.random(len(roster)) < late_share
    grouped = roster["sibling_group"].fillna("").astype(str) != ""
    late &= ~grouped  # twins arrive together with the rest of the roster
    first = write_scenario(root / "first", schools, roster[~late], name="season", seed=seed)
    grown = schools.copy()
    grown["capacity"] = (pd.to_numeric(grown["capacity"]).astype(int)
                         + rng.integers(0, added + 1, len(grown)))
    if "classes" in grown.columns:
        classes = pd.to_numeric(grown["classes"], errors="coerce").fillna(0).astype(int)
        grown["classes"] = np.maximum(classes, -(-grown["capacity"].astype(int) // 45))
    later = write_scenario(root / "later", grown, roster, name="season", seed=seed)
    return first, later, roster[late]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 10_000), applicants=st.integers(150, 600),
       late_share=st.sampled_from([0.0, 0.05, 0.15]), added=st.integers(0, 3),
       shares=st.tuples(st.floats(0, 0.3), st.floats(0, 0.5)),
       lottery=st.sampled_from(["same", "reversed"]))
def test_guarantees_hold_on_random_counties(seed, applicants, late_share, added, shares,
                                            lottery):
    with tempfile.TemporaryDirectory() as temporary:
        check_season(Path(temporary), seed, applicants, late_share, added, shares, lottery)


def test_guarantees_with_sweep_private_round_and_twins(tmp_path):
    """A county large enough for the sweep, private schools and twin groups in round 1."""
    first_result, result = check_season(tmp_path, 11, 4000, 0.05, 2, (0.1, 0.5), "reversed",
                                        twins=60)
    codes = set(first_result.assignments["reason_code"])
    assert {"sweep", "private_round"} <= codes
    assert (first_result.assignments.groupby(
        first_result.loaded.scenario.applicants["sibling_group"].to_numpy())["school_id"]
        .nunique().drop("", errors="ignore") == 1).all()
    # a private school's cut-off is the last admitted in this round's order: late applicants
    # last, then the reversed lottery (the lowest published number last)
    schools = result.schools
    private = schools[(schools["kind"] == "private") & (schools["cutoff_lottery"] != "")]
    assert len(private)
    placed = result.assignments[result.assignments["status"] == "placed"]
    for school, cutoff in zip(private["school_id"], private["cutoff_lottery"], strict=True):
        admitted = placed[placed["school_id"] == school]
        last = admitted.assign(lottery=admitted["lottery"].astype(float)).sort_values(
            ["late", "lottery"], ascending=[True, False]).iloc[-1]
        assert abs(float(cutoff) - last["lottery"]) < 2e-10


def check_season(root: Path, seed: int, applicants: int, late_share: float, added: int,
                 shares: tuple[float, float], lottery: str, twins: int = 0):
    """Run two rounds and check every guarantee from the tables; return both results."""
    first, later_folder, late = season_folders(root, seed, applicants, late_share, added,
                                               twins)
    first_result = run_scenario(first)
    assert first_result.verified
    write_run(first_result, root / "run1")
    before = first_result.assignments.set_index("applicant_id")
    placed = before.index[before["status"] == "placed"]
    rng = np.random.default_rng(seed + 1)
    draw = rng.random(len(placed))
    response = np.where(draw < shares[0], "decline",
                        np.where(draw < shares[0] + shares[1], "wait", "accept"))
    pd.DataFrame({"applicant_id": placed, "response": response}).to_csv(
        later_folder / "responses.csv", index=False)
    result = run_after(later_folder, root / "run1", lottery)
    assert result.verified, [c for c in result.summary["verification"]["checks"]
                             if not c["passed"]]
    after = result.assignments.set_index("applicant_id")
    given_response = dict(zip(placed, response, strict=True))
    for applicant, answer in given_response.items():
        old, new = before.at[applicant, "school_id"], after.at[applicant, "school_id"]
        if answer == "decline":
            assert after.at[applicant, "status"] == "declined" and new == ""
        elif answer == "accept":
            assert new == old
        else:
            assert new != ""
            if new != old:  # moved up: a school ranked higher on its own list
                assert after.at[applicant, "moved"] == "true"
                old_rank = before.at[applicant, "choice_rank"]
                assert pd.isna(old_rank) or after.at[applicant, "choice_rank"] < old_rank
    counts = after.loc[after["status"] == "placed", "school_id"].value_counts()
    capacity = result.schools.set_index("school_id")["capacity"]
    assert (counts <= capacity.reindex(counts.index)).all()
    assert set(late["applicant_id"]) == set(after.index[after["late"] == "true"])
    moves = result.moves
    assert len(moves) == int(((after["moved"] == "true") | (
        (after["previous_school_id"] == "") & (after["status"] == "placed"))).sum())
    grouped = result.loaded.scenario.applicants["sibling_group"].to_numpy()
    kept = after.loc[after["status"] == "placed", "school_id"].groupby(
        grouped[(after["status"] == "placed").to_numpy()]).nunique().drop("", errors="ignore")
    assert (kept == 1).all()  # twins keep or move as one
    return first_result, result
