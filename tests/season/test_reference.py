"""A later round equals a plain reference DA in which held seats rank first (explicit policy).

Random explicit instances: a first round through the engine, then random
responses (accept, wait, decline, none), late applicants and plan increases,
a later round with the same or the reversed lottery, and the textbook deferred
acceptance below written from the contract's words only.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.pipeline.after import run_after  # noqa: E402
from allocator.pipeline.run import run_scenario  # noqa: E402
from allocator.pipeline.write import write_run  # noqa: E402
from allocator.policy.lottery import lottery_draws  # noqa: E402

EXPLICIT_POLICY = (Path(helpers.REPO) / "allocator/policy/builtin/explicit.yaml").read_text(
    encoding="utf-8")


@st.composite
def seasons(draw):
    """A random explicit instance and what happens between the two rounds."""
    school_count = draw(st.integers(1, 4))
    schools = [f"s{k}" for k in range(school_count)]
    on_time = draw(st.integers(1, 8))
    late = draw(st.integers(0, 3))
    applicants = [f"a{k}" for k in range(on_time)] + [f"late{k}" for k in range(late)]
    preferences = {}
    for a in applicants:
        length = draw(st.integers(0, school_count))
        preferences[a] = list(draw(st.permutations(schools)))[:length]
    priorities = {s: draw(st.lists(st.sampled_from(applicants), unique=True, max_size=6))
                  for s in schools}
    capacity = {s: draw(st.integers(0, 3)) for s in schools}
    added = {s: draw(st.integers(0, 2)) for s in schools}
    responses = {a: draw(st.sampled_from(["accept", "wait", "wait", "decline", None]))
                 for a in applicants[:on_time]}
    return {
        "schools": schools, "on_time": applicants[:on_time], "late": applicants[on_time:],
        "preferences": preferences, "priorities": priorities, "capacity": capacity,
        "added": added, "responses": responses, "seed": draw(st.integers(0, 10_000)),
        "lottery": draw(st.sampled_from(["same", "reversed"])),
        "late_rule": draw(st.sampled_from(["after_on_time", "with_on_time"])),
    }


def write_round(folder: Path, case: dict, applicants: list[str], capacity: dict) -> Path:
    """Scenario folder of one round (policy: explicit with the case's late-applicant rule)."""
    rows = [{"school_id": s, "applicant_id": a, "rank": rank}
            for s, listed in case["priorities"].items()
            for rank, a in enumerate([a for a in listed if a in applicants], start=1)]
    policy = EXPLICIT_POLICY.replace("name: explicit", "name: explicit-season") + (
        f"rounds: {{late_applicants: {case['late_rule']}}}\n")
    return helpers.write_scenario(
        folder, schools=[{"school_id": s, "capacity": capacity[s]} for s in case["schools"]],
        applicants=[{"applicant_id": a, "preferences": ";".join(case["preferences"][a])}
                    for a in applicants],
        priorities=rows, policy_file=policy, seed=case["seed"],
        school_columns=["school_id", "capacity"], applicant_columns=["applicant_id",
                                                                    "preferences"])


def reference_round(case: dict, held: dict[str, str]) -> dict[str, str]:
    """Textbook DA of the later round: held seats first, lists cut at the held seat."""
    applicants = case["on_time"] + case["late"]
    capacity = {s: case["capacity"][s] + case["added"][s] for s in case["schools"]}
    lists = {}
    for a in applicants:
        response = case["responses"].get(a)
        seat = held.get(a, "")
        full = case["preferences"][a]
        if seat and (response or "accept") == "decline" or not seat and response == "decline":
            lists[a] = []
        elif seat and (response or "accept") == "accept":
            lists[a] = [seat]
        elif seat:
            lists[a] = full[:full.index(seat) + 1]
        else:
            lists[a] = list(full)
    draws = dict(zip(applicants, lottery_draws(pd.Series(applicants),
                                               pd.Series([""] * len(applicants)), case["seed"]),
                     strict=True))

    def key(school: str, a: str) -> tuple:
        if held.get(a) == school and lists[a] and lists[a][-1] == school:
            return (0, 0, 0, 0)
        listed = [x for x in case["priorities"][school] if x in applicants]
        if a in listed:
            return (1, listed.index(a), 0, 0)
        draw = int(draws[a])
        lottery = draw if case["lottery"] == "same" else (2**64 - 1 - draw)
        late = int(a in case["late"]) if case["late_rule"] == "after_on_time" else 0
        return (2, late, lottery, a)

    return plain_deferred_acceptance(lists, capacity, key)


def plain_deferred_acceptance(lists, capacity, key) -> dict[str, str]:
    """One proposal at a time; each school keeps its best ``capacity`` proposers."""
    next_choice = dict.fromkeys(lists, 0)
    holding: dict[str, list[str]] = {s: [] for s in capacity}
    free = [a for a in lists if lists[a]]
    while free:
        a = free.pop(0)
        if next_choice[a] >= len(lists[a]):
            continue
        school = lists[a][next_choice[a]]
        next_choice[a] += 1
        holding[school] = sorted(holding[school] + [a], key=lambda x: key(school, x))
        if len(holding[school]) > capacity[school]:
            rejected = holding[school].pop()
            free.append(rejected)
    result = dict.fromkeys(lists, "")
    for school, held in holding.items():
        for a in held:
            result[a] = school
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons())
def test_later_round_equals_plain_reference(case):
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        first = write_round(root / "first", case, case["on_time"], case["capacity"])
        result = run_scenario(first)
        write_run(result, root / "run1")
        held = {a: s for a, s in zip(result.assignments["applicant_id"],
                                     result.assignments["school_id"], strict=True) if s}
        later_folder = write_round(root / "later", case, case["on_time"] + case["late"],
                                   {s: case["capacity"][s] + case["added"][s]
                                    for s in case["schools"]})
        responses = [{"applicant_id": a, "response": r} for a, r in case["responses"].items()
                     if r is not None and (r == "decline" or a in held)]
        helpers.write_table(later_folder / "responses.csv", responses,
                            ["applicant_id", "response"])
        later = run_after(later_folder, root / "run1", case["lottery"])
        engine = helpers.assignment_map(later)
        assert engine == reference_round(case, held)
        assert later.verified, later.summary["verification"]
        status = dict(zip(later.assignments["applicant_id"], later.assignments["status"],
                          strict=True))
        for a, r in case["responses"].items():
            if r == "decline":
                assert status[a] == "declined"
