"""The planner's edits and the one what-if override they amount to.

An edit is a small JSON mapping sent by the page (``kind`` plus its fields).
The list of edits is folded, in order, into one override of a scenario file
(:mod:`allocator.scenarios.spec`), so the saved file runs in
``allocator scenarios`` to exactly the figures the page shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.schema import SCHOOLS
from allocator.model.validate import parse_column

#: Name of the override and of the scenario a saved workbench file holds.
OVERRIDE_NAME = "workbench"
EDIT_KINDS: tuple[str, ...] = ("classes", "seats", "plan", "zone", "close", "new_school",
                                "policy")


def fold_edits(edits: list[dict[str, Any]], schools: pd.DataFrame,
               class_size: dict[str, int]) -> dict[str, Any]:
    """The override (as plain data) that the ``edits``, applied in order, amount to.

    Parameters
    ----------
    edits : list of dict
        Edits as sent by the page: ``{"kind": "classes", "school": id, "classes": 1}``,
        ``{"kind": "plan", "school": id, "plan": 270}``, ``{"kind": "zone", "zone": z,
        "serve": [ids]}``, ``{"kind": "close", "school": id}``, ``{"kind": "new_school",
        "school": id, ...}`` or ``{"kind": "policy", "key": dotted, "value": v}``.
    schools : DataFrame
        The base scenario's schools (as read: text cells).
    class_size : dict
        Seats per class by stage (the policy's ``class_size``).
    """
    override: dict[str, Any] = {}
    plans = _base_plans(schools)
    stages = dict(zip(schools["school_id"], schools["stage"].replace("", "primary"),
                      strict=True))
    for edit in edits:
        kind = edit["kind"]
        if kind in ("classes", "seats", "plan"):
            school = str(edit["school"])
            change = override.setdefault("capacity", {}).setdefault(school,
                                                                    {"seats": 0, "classes": 0})
            seats_per_class = class_size.get(stages.get(school, "primary"), 45)
            current = plans.get(school, 0) + change["seats"] + change["classes"] * seats_per_class
            if kind == "classes":
                change["classes"] += int(edit["classes"])
            elif kind == "seats":
                change["seats"] += int(edit["seats"])
            else:
                change["seats"] += int(edit["plan"]) - current
        elif kind == "zone":
            form = "split" if edit.get("split") else "serve"
            override.setdefault("catchments", {})[str(edit["zone"])] = {
                form: [str(school) for school in edit.get(form) or []]}
        elif kind == "close":
            closure = {"zones_to": edit["zones_to"]} if edit.get("zones_to") else {}
            override.setdefault("close_schools", {})[str(edit["school"])] = closure
        elif kind == "new_school":
            fields = {key: value for key, value in edit.items() if key not in ("kind", "school")}
            override.setdefault("new_schools", {})[str(edit["school"])] = fields
            plans[str(edit["school"])] = int(fields.get("capacity", 0))
            stages[str(edit["school"])] = fields.get("stage", "primary")
        elif kind == "policy":
            override.setdefault("policy", {})[str(edit["key"])] = edit["value"]
    for change in override.get("capacity", {}).values():
        for key in ("seats", "classes"):
            if change[key] == 0:
                del change[key]
    return override


def _base_plans(schools: pd.DataFrame) -> dict[str, int]:
    plans = pd.to_numeric(schools["capacity"], errors="coerce").fillna(0).astype(int)
    return dict(zip(schools["school_id"], plans, strict=True))


def scenario_document(base_folder: Path, override: dict[str, Any],
                      description: str = "") -> dict[str, Any]:
    """A scenario file holding the workbench's override (and a baseline to compare with)."""
    return {
        "base": str(base_folder.resolve()),
        "description": description or "edits made in the planners' workbench",
        "overrides": {OVERRIDE_NAME: {"description": "workbench edits", **override}},
        "scenarios": {"baseline": [], OVERRIDE_NAME: [OVERRIDE_NAME]},
    }


def scenario_yaml(document: dict[str, Any]) -> str:
    """The scenario file as YAML text (UTF-8, Chinese kept readable)."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def check_plans(edits: list[dict[str, Any]], schools: pd.DataFrame,
                class_size: dict[str, int]) -> None:
    """Refuse a plan below zero with the message ``allocator validate`` gives for it.

    A scenario file clamps a plan at zero; the page refuses instead, naming the
    row and column of ``schools.csv`` as the command-line validation does.

    Raises
    ------
    InputError
        ``schools.csv:row:capacity: -45 is below the minimum 0`` for each such school.
    """
    capacity = fold_edits(edits, schools, class_size).get("capacity", {})
    plans = _base_plans(schools)
    text = schools["capacity"].astype(str).copy()
    for position, (school, stage) in enumerate(zip(schools["school_id"], schools["stage"],
                                                   strict=True)):
        change = capacity.get(school)
        if change:
            size = class_size.get(stage or "primary", 45)
            plan = plans[school] + change.get("seats", 0) + change.get("classes", 0) * size
            text.iloc[position] = str(plan)
    problems = ProblemCollector()
    column = next(column for column in SCHOOLS.columns if column.name == "capacity")
    parse_column(text.reset_index(drop=True), column, "schools.csv", problems)
    problems.raise_if_any()


def edit_problem(message: str) -> InputError:
    """An edit refused before it reaches the scenario file (unknown kind or field)."""
    return InputError([InputProblem("edit", None, None, message)])


def check_edit_shape(edit: Any) -> dict[str, Any]:
    """The edit as a mapping with a known kind, or an :class:`InputError`."""
    if not isinstance(edit, dict) or edit.get("kind") not in EDIT_KINDS:
        raise edit_problem(f"unknown edit; the kind must be one of {', '.join(EDIT_KINDS)}")
    required = {"classes": ("school", "classes"), "seats": ("school", "seats"),
                "plan": ("school", "plan"),
                "zone": ("zone",), "close": ("school",), "new_school": ("school", "capacity"),
                "policy": ("key", "value")}[edit["kind"]]
    missing = [name for name in required if name not in edit]
    if missing:
        raise edit_problem(f"edit '{edit['kind']}' needs {', '.join(missing)}")
    for name in ("classes", "seats", "plan", "capacity"):
        if name in edit and not _is_integer(edit[name]):
            raise edit_problem(f"'{name}' must be a whole number, not '{edit[name]}'")
    return edit


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.lstrip("-").isdigit()


def edits_from_merged(merged: Any) -> list[dict[str, Any]]:
    """The edits that rebuild a merged what-if scenario (loading a scenario file).

    Raises
    ------
    InputError
        For changes the workbench does not edit (demand, seed, mechanism).
    """
    refused = [kind for kind in ("demand", "seed", "mechanism") if kind in merged.kinds]
    if refused:
        raise edit_problem(f"the workbench does not edit {', '.join(refused)} changes; run this "
                           "file with 'allocator scenarios'")
    edits: list[dict[str, Any]] = []
    for key, value in merged.policy.items():
        edits.append({"kind": "policy", "key": key, "value": value})
    for school, new in merged.new_schools.items():
        fields = new.model_dump(mode="json", exclude_defaults=True)
        edits.append({"kind": "new_school", "school": school, **fields,
                      "capacity": new.capacity})
    for school, closure in merged.close_schools.items():
        edits.append({"kind": "close", "school": school, "zones_to": closure.zones_to})
    for zone, change in merged.catchments.items():
        form = "serve" if change.serve else "split"
        edits.append({"kind": "zone", "zone": zone, form: list(getattr(change, form))})
    for school, change in merged.capacity.items():
        if change.classes:
            edits.append({"kind": "classes", "school": school, "classes": change.classes})
        if change.seats:
            edits.append({"kind": "seats", "school": school, "seats": change.seats})
    return edits
