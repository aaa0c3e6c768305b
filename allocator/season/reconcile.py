"""The autumn reconciliation (查漏补缺, 控辍保学): who was placed, who enrolled, who is missing.

Steps of :func:`reconcile`:

1. every applicant of the run gets a status from its placement and its enrolment
   (报到): ``enrolled_as_placed``, ``enrolled_elsewhere`` (placed at A, enrolled
   at B), ``no_show`` (placed, not enrolled), ``enrolled_unplaced`` (enrolled
   without a placement), or its run status (``unplaced``, ``excluded``,
   ``declined``) when it did not enrol; a child enrolled by its roll id alone
   is ``enrolled_without_application``;
2. per school: placed, enrolled, no-shows, placed here but enrolled elsewhere,
   enrolled here from another placement, enrolled without a placement, seats free;
3. ``responses.csv`` for the next round (CONTRACT.md, "Later rounds"): ``accept``
   for a child enrolled where placed, ``decline`` for a no-show, a child enrolled
   at another school, and an unplaced applicant who enrolled (it leaves the
   waiting lists);
4. with a roll: each child on it is ``enrolled``, ``placed_not_enrolled``,
   ``applied_not_placed``, ``excluded`` (the run's ledger) or ``no_application``;
   the gaps by county and zone; every child of a guaranteed group (应入尽入,
   the policy's ``guarantee``) who is not enrolled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.model.problems import ProblemCollector
from allocator.model.scenario import read_settings
from allocator.policy.config import Guarantee, Policy
from allocator.policy.loader import builtin_policy_names, load_builtin_policy, resolve_policy

from .reconcile_inputs import ReconcileInputs, RunFolder, sha256_of

CHILD_STATUSES = ("enrolled_as_placed", "enrolled_elsewhere", "no_show", "enrolled_unplaced",
                  "enrolled_without_application", "unplaced", "excluded", "declined")
ROLL_STATUSES = ("enrolled", "placed_not_enrolled", "applied_not_placed", "excluded",
                 "no_application")
RESPONSE_OF_STATUS = {"enrolled_as_placed": "accept", "no_show": "decline",
                      "enrolled_elsewhere": "decline"}


@dataclass(frozen=True)
class Reconciliation:
    """Every table of one reconciliation (the roll's three are None without a roll)."""

    children: pd.DataFrame
    schools: pd.DataFrame
    responses: pd.DataFrame
    roll_children: pd.DataFrame | None
    roll_gaps: pd.DataFrame | None
    guaranteed_not_enrolled: pd.DataFrame | None
    summary: dict


@dataclass(frozen=True)
class GuaranteeRule:
    """Who belongs to a guaranteed group, and where the rule was read from."""

    guarantee: Guarantee
    source: str


def guarantee_of_run(run: RunFolder) -> GuaranteeRule:
    """The ``guarantee`` block of the policy the run used.

    The policy is looked up among the built-ins by the manifest's name, then in
    the run's scenario folder; it is used only when its SHA-256 equals the
    manifest's ``policy_sha256``. Otherwise the engine's default guarantee is
    used and the source says so.
    """
    manifest = run.manifest
    wanted = manifest.get("policy_sha256")
    for policy, source in _candidate_policies(manifest):
        digest = _policy_sha256(policy)
        if digest == wanted:
            return GuaranteeRule(policy.guarantee, source)
    return GuaranteeRule(Guarantee(), f"engine default: the run's policy "
                         f"'{manifest.get('policy', '')}' was not found with its SHA-256")


def _candidate_policies(manifest: dict) -> list[tuple[Policy, str]]:
    found: list[tuple[Policy, str]] = []
    name = str(manifest.get("policy", ""))
    if name in builtin_policy_names():
        found.append((load_builtin_policy(name), f"built-in policy '{name}'"))
    folder = Path(str(manifest.get("scenario_folder", "")))
    problems = ProblemCollector()
    settings = read_settings(folder, problems) if folder.is_dir() else None
    if settings is not None:
        policy, path = resolve_policy(settings.policy, folder, problems)
        if policy is not None and not problems:
            found.append((policy, f"policy of {path or settings.policy}"))
    return found


def _policy_sha256(policy: Policy) -> str:
    text = json.dumps(policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def reconcile(inputs: ReconcileInputs, rule: GuaranteeRule | None = None) -> Reconciliation:
    """Reconcile a run's placements with the enrolment list and the roll.

    Parameters
    ----------
    inputs : ReconcileInputs
        From :func:`allocator.season.reconcile_inputs.load_inputs`.
    rule : GuaranteeRule, optional
        The guaranteed groups; by default those of the run's policy.

    Returns
    -------
    Reconciliation
        The tables and ``summary`` (see the module docstring for the statuses).
    """
    rule = rule or guarantee_of_run(inputs.run)
    children = child_statuses(inputs)
    schools = school_table(inputs.run.schools, children)
    responses = children.loc[children["response"] != "", ["applicant_id", "response"]]
    roll_children = roll_gaps = guaranteed = None
    if inputs.roll is not None:
        roll_children = roll_statuses(inputs.roll, children, rule.guarantee)
        roll_gaps = gaps_by_area(roll_children)
        guaranteed = guaranteed_not_enrolled(roll_children)
    summary = build_summary(inputs, rule, children, schools, responses, roll_children)
    return Reconciliation(children, schools, responses.reset_index(drop=True), roll_children,
                          roll_gaps, guaranteed, summary)


def child_statuses(inputs: ReconcileInputs) -> pd.DataFrame:
    """One row per applicant of the run (run order), then children enrolled by roll id only."""
    run, enrolled = inputs.run.assignments, inputs.enrolled
    by_applicant = enrolled[enrolled["applicant_id"] != ""].set_index("applicant_id")
    roll_link = pd.Series(dtype=object)
    if inputs.roll is not None:
        linked = inputs.roll[inputs.roll["applicant_id"] != ""]
        roll_link = pd.Series(linked["roll_id"].to_numpy(), index=linked["applicant_id"])
    ids = run["applicant_id"]
    placed = run["school_id"].where(run["status"] == "placed", "")
    frame = pd.DataFrame({
        "applicant_id": ids,
        "roll_id": _lookup(ids, by_applicant["roll_id"]).where(
            lambda v: v != "", _lookup(ids, roll_link)),
        "county": run["county"], "stage": run["stage"], "run_status": run["status"],
        "placed_school_id": placed,
        "enrolled_school_id": _lookup(ids, by_applicant["school_id"]),
        "enrolled_on": _lookup(ids, _dates(by_applicant["enrolled_on"])),
    })
    frame["status"] = _status(frame)
    response = _lookup(frame["status"], pd.Series(RESPONSE_OF_STATUS))
    waiting_enrolled = (frame["status"] == "enrolled_unplaced") & (frame["run_status"]
                                                                   == "unplaced")
    frame["response"] = response.where(~waiting_enrolled, "decline")
    return pd.concat([frame, _roll_only_children(inputs)], ignore_index=True)


def _lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` for every key, ``""`` where the key is absent."""
    found = keys.map(table).astype(object)
    return found.where(found.notna(), "")


def _dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("") if len(values) else values.astype(object)


def _status(frame: pd.DataFrame) -> np.ndarray:
    placed = (frame["placed_school_id"] != "").to_numpy()
    enrolled = (frame["enrolled_school_id"] != "").to_numpy()
    same = (frame["placed_school_id"] == frame["enrolled_school_id"]).to_numpy()
    return np.select(
        [placed & enrolled & same, placed & enrolled, placed, enrolled],
        ["enrolled_as_placed", "enrolled_elsewhere", "no_show", "enrolled_unplaced"],
        default=frame["run_status"].to_numpy(dtype=object)).astype(object)


def _roll_only_children(inputs: ReconcileInputs) -> pd.DataFrame:
    rows = inputs.enrolled[inputs.enrolled["applicant_id"] == ""]
    roll = inputs.roll.set_index("roll_id") if inputs.roll is not None else None
    county = rows["roll_id"].map(roll["county"]) if roll is not None else ""
    stage = rows["roll_id"].map(roll["stage"]) if roll is not None else ""
    return pd.DataFrame({
        "applicant_id": "", "roll_id": rows["roll_id"], "county": county, "stage": stage,
        "run_status": "", "placed_school_id": "", "enrolled_school_id": rows["school_id"],
        "enrolled_on": _dates(rows["enrolled_on"]),
        "status": "enrolled_without_application", "response": "",
    }, index=rows.index)


def _count_by(values: pd.Series, mask: pd.Series | np.ndarray, index: pd.Index) -> np.ndarray:
    counts = values[np.asarray(mask)].value_counts()
    return counts.reindex(index, fill_value=0).to_numpy(dtype=np.int64)


def school_table(schools: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """Per school: placed, enrolled and where the difference went.

    ``placed = enrolled_as_placed + no_shows + left_for_other_school`` and
    ``enrolled = enrolled_as_placed + arrived_from_other_school +
    enrolled_without_placement``; ``seats_free = capacity - enrolled`` (negative:
    more children enrolled than the plan). ``next_round_plan = enrolled_as_placed +
    max(seats_free, 0)``: the plan for the next round's ``schools.csv``, the seats held
    by children who accept plus the seats still free (children enrolled outside the
    allocation occupy the rest).
    """
    index = pd.Index(schools["school_id"])
    placed, enrolled = children["placed_school_id"], children["enrolled_school_id"]
    status = children["status"]
    table = schools[["school_id", "name", "county", "capacity"]].reset_index(drop=True).copy()
    table["placed"] = _count_by(placed, placed != "", index)
    table["enrolled"] = _count_by(enrolled, enrolled != "", index)
    table["enrolled_as_placed"] = _count_by(enrolled, status == "enrolled_as_placed", index)
    table["no_shows"] = _count_by(placed, status == "no_show", index)
    table["left_for_other_school"] = _count_by(placed, status == "enrolled_elsewhere", index)
    table["arrived_from_other_school"] = _count_by(enrolled, status == "enrolled_elsewhere",
                                                   index)
    table["enrolled_without_placement"] = _count_by(
        enrolled, status.isin(["enrolled_unplaced", "enrolled_without_application"]), index)
    table["seats_free"] = table["capacity"] - table["enrolled"]
    table["next_round_plan"] = table["enrolled_as_placed"] + table["seats_free"].clip(lower=0)
    return table


def roll_statuses(roll: pd.DataFrame, children: pd.DataFrame,
                  guarantee: Guarantee) -> pd.DataFrame:
    """One row per child on the roll: its application, placement, enrolment and status."""
    known = children[children["roll_id"] != ""].set_index("roll_id")
    ids = roll["roll_id"]
    frame = pd.DataFrame({
        "roll_id": ids, "county": roll["county"], "zone": roll["zone"], "stage": roll["stage"],
        "registration": roll["registration"],
        "birth_year": roll["birth_date"].dt.year.astype("Int64"),
        "categories": roll["categories"], "disability_plan": roll["disability_plan"],
        "guaranteed": is_guaranteed(roll, guarantee),
        "applicant_id": _lookup(ids, known["applicant_id"]),
        "run_status": _lookup(ids, known["run_status"]),
        "placed_school_id": _lookup(ids, known["placed_school_id"]),
        "enrolled_school_id": _lookup(ids, known["enrolled_school_id"]),
    })
    enrolled = (frame["enrolled_school_id"] != "").to_numpy()
    run_status = frame["run_status"].to_numpy(dtype=object)
    frame["roll_status"] = np.select(
        [enrolled, run_status == "placed", np.isin(run_status, ["unplaced", "declined"]),
         run_status == "excluded"],
        ["enrolled", "placed_not_enrolled", "applied_not_placed", "excluded"],
        default="no_application").astype(object)
    return frame


def is_guaranteed(roll: pd.DataFrame, guarantee: Guarantee) -> np.ndarray:
    """Whether each child on the roll belongs to a guaranteed group (应入尽入)."""
    tags = ";" + roll["categories"] + ";"
    result = np.zeros(len(roll), dtype=bool)
    for category in guarantee.categories:
        result |= tags.str.contains(f";{category};", regex=False).to_numpy()
    if guarantee.disabled_mainstream:
        result |= (tags.str.contains(";disabled;", regex=False)
                   & (roll["disability_plan"] == "mainstream")).to_numpy()
    return result


def gaps_by_area(roll_children: pd.DataFrame) -> pd.DataFrame:
    """Children on the roll by county and zone: enrolled, and every kind of gap."""
    frame = roll_children.assign(
        children=1, **{status: roll_children["roll_status"] == status
                       for status in ROLL_STATUSES},
        guaranteed_not_enrolled=roll_children["guaranteed"]
        & (roll_children["roll_status"] != "enrolled"))
    columns = ["children", *ROLL_STATUSES, "guaranteed", "guaranteed_not_enrolled"]
    grouped = frame.groupby(["county", "zone"], sort=True)[columns].sum().reset_index()
    for column in columns:
        grouped[column] = grouped[column].astype(np.int64)
    return grouped


def guaranteed_not_enrolled(roll_children: pd.DataFrame) -> pd.DataFrame:
    """Every child of a guaranteed group on the roll who is not enrolled, by county and zone."""
    missing = roll_children[roll_children["guaranteed"]
                            & (roll_children["roll_status"] != "enrolled")]
    columns = ["roll_id", "applicant_id", "county", "zone", "stage", "registration",
               "categories", "disability_plan", "roll_status", "placed_school_id"]
    return missing[columns].sort_values(["county", "zone", "roll_id"], kind="stable").reset_index(
        drop=True)


def build_summary(inputs: ReconcileInputs, rule: GuaranteeRule, children: pd.DataFrame,
                  schools: pd.DataFrame, responses: pd.DataFrame,
                  roll_children: pd.DataFrame | None) -> dict:
    """``summary.json`` of the reconciliation: where it came from and its counts."""
    run = inputs.run
    statuses = children["status"].value_counts()
    applicants = children[children["applicant_id"] != ""]
    summary = {
        "kind": "reconciliation",
        "engine_version": __version__,
        "run": {"folder": str(run.folder), "assignments_sha256": run.assignments_sha256,
                **{key: run.manifest.get(key) for key in ("scenario", "seed", "policy",
                                                          "mechanism")}},
        "inputs": {role: {"file": path.name, "sha256": sha256_of(path)}
                   for role, path in inputs.files.items()},
        "ignored_columns": inputs.ignored_columns,
        "counts": {
            "applicants": int(len(applicants)),
            "placed": int((applicants["placed_school_id"] != "").sum()),
            "enrolled": int((children["enrolled_school_id"] != "").sum()),
            "by_status": {status: int(statuses.get(status, 0)) for status in CHILD_STATUSES},
        },
        "responses": {kind: int((responses["response"] == kind).sum())
                      for kind in ("accept", "decline")},
        "schools": {"schools": int(len(schools)),
                    "seats_free": int(schools["seats_free"].clip(lower=0).sum()),
                    "over_plan": schools.loc[schools["seats_free"] < 0, "school_id"].tolist()},
        "guarantee": {"categories": list(rule.guarantee.categories),
                      "disabled_mainstream": rule.guarantee.disabled_mainstream,
                      "source": rule.source},
        "roll": None if roll_children is None else _roll_counts(roll_children),
    }
    return summary


def _roll_counts(roll_children: pd.DataFrame) -> dict:
    statuses = roll_children["roll_status"].value_counts()
    missing = roll_children["guaranteed"] & (roll_children["roll_status"] != "enrolled")
    return {"children": int(len(roll_children)),
            **{status: int(statuses.get(status, 0)) for status in ROLL_STATUSES},
            "guaranteed": int(roll_children["guaranteed"].sum()),
            "guaranteed_not_enrolled": int(missing.sum())}
