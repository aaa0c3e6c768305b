"""Issue 3 rules, each on a small hand-checked scenario (siblings, certified groups,
the guarantee, private schools, grade 7, inclusive education)."""

from __future__ import annotations

import itertools

import pytest

from allocator.pipeline import run_scenario
from tests.helpers import assignment_map, write_explicit, write_scenario

SCHOOL_COLUMNS = ["school_id", "county", "stage", "kind", "capacity", "classes", "zones", "lat",
                  "lon", "resource_room", "nine_year", "group", "feeds_into"]
APPLICANT_COLUMNS = ["applicant_id", "county", "stage", "hukou_zone", "property_zone",
                     "residence_zone", "residence_permit_months", "hukou_since", "categories",
                     "disability_plan", "sibling_group", "sibling_school", "preferences",
                     "feeder_school"]


def school(school_id, capacity, zones="", lon=112.50, **extra):
    row = {"school_id": school_id, "county": "T", "stage": "primary", "kind": "public",
           "capacity": capacity, "classes": "", "zones": zones, "lat": 37.80, "lon": lon,
           "resource_room": "false", "nine_year": "false", "group": "", "feeds_into": ""}
    row.update(extra)
    return row


def child(applicant_id, zone="Z1", hukou=True, home=True, **extra):
    row = {"applicant_id": applicant_id, "county": "T", "stage": "primary",
           "hukou_zone": zone if hukou else "", "property_zone": zone if home else "",
           "residence_zone": zone, "residence_permit_months": 0, "hukou_since": "",
           "categories": "", "disability_plan": "", "sibling_group": "", "sibling_school": "",
           "preferences": "", "feeder_school": ""}
    row.update(extra)
    return row


def run(folder, schools, applicants, seed=7, policy_file=None):
    write_scenario(folder, schools=schools, applicants=applicants, seed=seed,
                   policy_file=policy_file, school_columns=SCHOOL_COLUMNS,
                   applicant_columns=APPLICANT_COLUMNS)
    return run_scenario(folder)


def check(result, name):
    return next(c for c in result.checks if c.name == name)


# --------------------------------------------------------------------------- 长幼随学


def test_younger_sibling_is_admitted_ahead_of_a_same_tier_child(tmp_path):
    schools = [school("A", 1, "Z1"), school("B", 5, "Z2", lon=112.52)]
    applicants = [child("sib", sibling_school="A"), child("other")]
    lotteries_favoured_other = 0
    for seed in range(1, 9):
        result = run(tmp_path / f"s{seed}", schools, applicants, seed=seed)
        table = result.assignments.set_index("applicant_id")
        assert table.loc["sib", "school_id"] == "A"
        assert table.loc["sib", "tier"] == table.loc["other", "tier"] == 1 or (
            table.loc["other", "school_id"] == "B")
        lotteries_favoured_other += float(table.loc["other", "lottery"]) < float(
            table.loc["sib", "lottery"])
    assert lotteries_favoured_other > 0, "no seed tested the sibling rule against the lottery"


def test_older_sibling_request_adds_a_choice_and_own_tier_rule(tmp_path):
    # the sibling's school B is outside the child's catchment: the request adds it first
    schools = [school("A", 2, "Z1"), school("B", 1, "Z2", lon=112.52)]
    applicants = [child("sib", sibling_school="B"), child("local", zone="Z2")]
    within = run(tmp_path / "within", schools, applicants)
    assert assignment_map(within)["sib"] == "A"          # tier 6 at B loses to local tier 1
    own = run(tmp_path / "own", schools, applicants,
              policy_file={"base": "shanxi-2025", "siblings": {"older_sibling": "own_tier"}})
    assert assignment_map(own)["sib"] == "A"             # own tier ranks after catchment tiers
    zero = run(tmp_path / "zero", schools, applicants,
               policy_file={"base": "shanxi-2025", "siblings": {"older_sibling": "tier_zero"}})
    assert assignment_map(zero)["sib"] == "B"            # tier 0 beats the local child
    assert assignment_map(zero)["local"] == "A"
    row = zero.assignments.set_index("applicant_id").loc["sib"]
    assert row["reason_code"] == "older_sibling" and row["tier"] == 0


# --------------------------------------------------------------------------- twins


def test_twins_share_a_lottery_number_and_are_placed_together(tmp_path):
    schools = [school("A", 3, "Z1"), school("B", 3, "Z2", lon=112.52)]
    applicants = [child("t1", sibling_group="G"), child("t2", sibling_group="G"),
                  child("x1"), child("x2")]
    for seed in range(1, 6):
        result = run(tmp_path / f"s{seed}", schools, applicants, seed=seed)
        table = result.assignments.set_index("applicant_id")
        assert table.loc["t1", "lottery"] == table.loc["t2", "lottery"]
        assert table.loc["t1", "school_id"] == table.loc["t2", "school_id"] != ""
        assert check(result, "siblings_together").violations == 0
        assert (result.schools["assigned"] <= result.schools["capacity"]).all()


def test_couples_style_instance_completes_with_blocking_pairs_reported(tmp_path):
    """Twins t1+t2, singles x and y; A and B have 2 seats each.
    A ranks x > twins > y, B ranks y > twins > x; twins and x prefer A, y prefers B.
    Every assignment keeping the twins together has a blocking pair (checked by brute
    force below), so no stable assignment exists."""
    preferences = {"t1": ["A", "B"], "t2": ["A", "B"], "x": ["A", "B"], "y": ["B", "A"]}
    priorities = {"A": ["x", "t1", "t2", "y"], "B": ["y", "t1", "t2", "x"]}
    capacities = {"A": 2, "B": 2}
    assert not _has_stable_together_matching(preferences, priorities, capacities)
    folder = write_explicit(tmp_path / "couples", preferences, priorities, capacities)
    applicants = (folder / "applicants.csv").read_text().splitlines()
    rows = [applicants[0] + ",sibling_group"] + [
        line + (",G" if line.startswith("t") else ",") for line in applicants[1:]]
    (folder / "applicants.csv").write_text("\n".join(rows) + "\n")
    result = run_scenario(folder)
    placed = assignment_map(result)
    assert placed["t1"] == placed["t2"]
    assert (result.schools["assigned"] <= result.schools["capacity"]).all()
    envy = check(result, "no_justified_envy")
    assert envy.violations > 0 and not envy.required
    assert envy.groups == ["t1+t2"]
    assert result.summary["siblings"]["blocking_pairs"] == envy.violations
    assert result.verified


def _has_stable_together_matching(preferences, priorities, capacities) -> bool:
    schools = list(capacities) + [None]
    for twins, x, y in itertools.product(schools, repeat=3):
        match = {"t1": twins, "t2": twins, "x": x, "y": y}
        load = {s: sum(1 for v in match.values() if v == s) for s in capacities}
        if any(load[s] > capacities[s] for s in capacities):
            continue
        if not _blocking_pair(match, load, preferences, priorities, capacities):
            return True
    return False


def _blocking_pair(match, load, preferences, priorities, capacities) -> bool:
    for applicant, ranking in preferences.items():
        current = match[applicant]
        better = ranking if current is None else ranking[:ranking.index(current)]
        for target in better:
            if load[target] < capacities[target]:
                return True
            order = priorities[target]
            if any(match[o] == target and order.index(o) > order.index(applicant)
                   for o in preferences):
                return True
    return False


# --------------------------------------------------------------------------- tier 0


def test_certified_children_raise_the_plan_but_never_past_56_per_class(tmp_path):
    schools = [school("A", 45, "Z1", classes=1), school("B", 60, "Z2", lon=112.52, classes=2)]
    applicants = [child(f"m{i:02d}", hukou=False, home=False, categories="military")
                  for i in range(60)]
    result = run(tmp_path, schools, applicants)
    table = result.schools.set_index("school_id")
    assert table.loc["A", "assigned"] == 56
    assert check(result, "class_size_ceiling").violations == 0
    adjustments = result.summary["plan_adjustments"]
    assert adjustments == [{"school_id": "A", "plan": 45, "seats": 56, "certified_extra": 11,
                            "ceiling": 56}]
    assert (result.assignments["status"] == "placed").all()


def test_disabled_child_goes_to_the_nearest_resource_room_within_the_radius(tmp_path):
    near_room = [school("A", 5, "Z1"), school("R", 5, "Z2", lon=112.535, resource_room="true")]
    kid = child("d", categories="disabled", disability_plan="mainstream")
    result = run(tmp_path / "near", near_room, [kid])
    row = result.assignments.set_index("applicant_id").loc["d"]
    assert (row["school_id"], row["reason_code"], row["tier"]) == ("R", "resource_room", 0)
    far_room = [school("A", 5, "Z1"), school("R", 5, "Z2", lon=112.75, resource_room="true")]
    result = run(tmp_path / "far", far_room, [kid])
    assert assignment_map(result)["d"] == "A"
    special = child("s", categories="disabled", disability_plan="special_school")
    result = run(tmp_path / "special", near_room, [special])
    assert result.assignments.loc[0, "status"] == "excluded"


# --------------------------------------------------------------------------- 应入尽入


def test_guaranteed_child_shortfall_is_reported_when_no_seat_is_left(tmp_path):
    schools = [school("A", 1, "Z1"), school("B", 1, "Z2", lon=112.52)]
    applicants = [child("p"), child("g", hukou=False, home=False, categories="left_behind"),
                  child("q", hukou=False, home=False, hukou_since="2015-01-01")]
    result = run(tmp_path, schools, applicants)
    placed = assignment_map(result)
    assert placed == {"p": "A", "q": "B", "g": ""}
    guarantee = result.summary["guarantee"]
    assert guarantee["unplaced"] == ["g"]
    assert guarantee["shortfall_by_area"] == [
        {"county": "T", "stage": "primary", "area_school_id": "A", "seats_needed": 1}]
    assert check(result, "guaranteed_enrolled").passed


def test_guaranteed_child_goes_first_in_the_county_wide_sweep(tmp_path):
    schools = [school("A", 1, "Z1"), school("B", 1, "Z2", lon=112.52)]
    applicants = [child("p"), child("g", hukou=False, home=False, categories="orphan"),
                  child("q", hukou=False, home=False, hukou_since="2015-01-01")]
    result = run(tmp_path, schools, applicants,
                 policy_file={"base": "shanxi-2025", "overflow": {"candidates": 0}})
    placed = assignment_map(result)
    assert placed["g"] == "B" and placed["q"] == ""
    assert "guarantee" in result.assignments.set_index("applicant_id").loc["g", "reason"]
    assert result.summary["guarantee"]["unplaced"] == []


# --------------------------------------------------------------------------- 公民同招


def test_private_school_loser_keeps_the_public_catchment_seat(tmp_path):
    schools = [school("P", 1, kind="private", lon=112.51), school("A", 2, "Z1")]
    applicants = [child("a", preferences="P"), child("b", preferences="P"), child("c")]
    result = run(tmp_path, schools, applicants)
    table = result.assignments.set_index("applicant_id")
    winner, loser = sorted(["a", "b"], key=lambda x: float(table.loc[x, "lottery"]))
    assert table.loc[winner, "school_id"] == "P"
    assert table.loc[winner, "reason_code"] == "private_round"
    assert table.loc[loser, "school_id"] == "A"
    assert "lost the private-school lottery" in table.loc[loser, "reason"]
    assert table.loc["c", "school_id"] == "A"
    assert result.verified


# --------------------------------------------------------------------------- grade 7


def test_feeder_primary_and_nine_year_pupils_come_first_at_their_junior_school(tmp_path):
    schools = [
        school("P1", 50, "Z9", feeds_into="J1"),
        school("N", 50, "Z8", nine_year="true", feeds_into="NJ"),
        school("J1", 1, "Z1", stage="junior", lon=112.51),
        school("NJ", 1, "Z1", stage="junior", lon=112.512, nine_year="true"),
        school("J2", 5, "Z2", stage="junior", lon=112.53),
    ]
    applicants = [
        child("fed", zone="Z2", stage="junior", feeder_school="P1"),
        child("cont", zone="Z2", stage="junior", feeder_school="N"),
        child("local", stage="junior"), child("local2", stage="junior"),
    ]
    result = run(tmp_path, schools, applicants)
    table = result.assignments.set_index("applicant_id")
    assert table.loc["fed", "school_id"] == "J1"
    assert table.loc["fed", "tier_name"] == "feeder_primary"
    assert table.loc["cont", "school_id"] == "NJ"
    assert table.loc["cont", "tier_name"] == "nine_year_continuing"
    assert set(table.loc[["local", "local2"], "school_id"]) == {"J2"}
    # grade-7 tiers are numbered for the junior ladder (certified 0, nine-year 1, feeder 2)
    assert table.loc["fed", "tier"] == 2 and table.loc["local", "tier"] == 8


def test_primary_tiers_keep_the_published_numbers(tmp_path):
    result = run(tmp_path, [school("A", 5, "Z1")],
                 [child("home"), child("migrant", hukou=False, home=False,
                                       residence_permit_months=6)])
    table = result.assignments.set_index("applicant_id")
    assert table.loc["home", "tier"] == 1 and table.loc["migrant", "tier"] == 5


@pytest.mark.parametrize("mechanism", ["deferred-acceptance", "immediate-acceptance"])
def test_demo_county_twins_together_guarantee_closed(mechanism, tmp_path):
    from pathlib import Path
    demo = Path(__file__).resolve().parents[2] / "scenarios" / "demo-county"
    result = run_scenario(demo, mechanism=mechanism)
    assert result.summary["siblings"]["groups"] > 0
    assert (result.summary["siblings"]["groups_placed_together"]
            == result.summary["siblings"]["groups"])
    assert result.summary["guarantee"]["unplaced"] == []
    assert result.verified
