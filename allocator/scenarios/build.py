"""Turning a named scenario of a scenario file into a loaded, validated scenario.

The base tables are read as text, every change is applied and logged, and the
result is written as an ordinary scenario folder (so it passes exactly the
validation of CONTRACT.md) and loaded from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.readers import find_table, read_table
from allocator.model.yaml_files import read_yaml
from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.run import sha256_file
from allocator.pipeline.write import write_csv
from allocator.policy.config import Policy
from allocator.policy.loader import deep_merge, resolve_policy
from allocator.scenarios.apply import apply_demand, apply_schools, zone_list
from allocator.scenarios.merge import MergedScenario, merge_scenario
from allocator.scenarios.season_draws import season_log
from allocator.scenarios.spec import ScenarioFile
from allocator.solvers.registry import MECHANISMS


@dataclass(frozen=True)
class BaseTables:
    """The base scenario folder as read: settings, text tables and its policy."""

    folder: Path
    settings: dict[str, Any]
    schools: pd.DataFrame
    applicants: pd.DataFrame
    priorities: pd.DataFrame | None
    policy: Policy


@dataclass(frozen=True)
class PreparedScenario:
    """A named scenario ready to solve, with the log of the changes applied."""

    name: str
    merged: MergedScenario
    loaded: LoadedScenario
    changes: tuple[str, ...]
    folder: Path
    scenario_file: ScenarioFile

    def manifest_entries(self) -> dict[str, Any]:
        """What the run's ``manifest.json`` records about the what-if."""
        base = self.scenario_file.base_folder
        return {"what_if": {
            "scenario": self.name,
            "scenario_file": self.scenario_file.path.name,
            "scenario_file_sha256": sha256_file(self.scenario_file.path),
            "base": str(base),
            "base_inputs": {path.name: sha256_file(path) for path in sorted(base.iterdir())
                            if path.is_file()},
            "overrides": list(self.merged.overrides),
            "merge_order": "kinds: seed, mechanism, policy, new_schools, close_schools, "
                           "catchments, capacity, demand, season",
            "changes": list(self.changes),
        }}


def read_base(folder: Path) -> BaseTables:
    """Read the base folder's tables as text and resolve its policy."""
    problems = ProblemCollector()
    document = read_yaml(folder / "scenario.yaml", problems)
    problems.raise_if_any()
    assert document is not None
    settings = document.data if isinstance(document.data, dict) else {}
    frames: dict[str, pd.DataFrame | None] = {}
    for name in ("schools", "applicants", "priorities"):
        path = find_table(folder, name, problems)
        frames[name] = read_table(path, problems) if path else None
    policy, _ = resolve_policy(str(settings.get("policy", "shanxi-2025")), folder, problems)
    problems.raise_if_any()
    assert policy is not None and frames["schools"] is not None
    return BaseTables(folder, settings, frames["schools"], frames["applicants"],
                      frames["priorities"], policy)


def prepare_scenarios(scenario_file: ScenarioFile, names: list[str],
                      work_dir: Path) -> dict[str, PreparedScenario]:
    """Merge, check, apply and load each named scenario (folders go under ``work_dir``).

    Raises
    ------
    InputError
        With every problem of every named scenario, as ``file:line:key: message``.
    """
    problems = ProblemCollector()
    unknown = [name for name in names if name not in scenario_file.model.scenarios]
    for name in unknown:
        problems.add(scenario_file.path.name, None, "--only", f"no scenario named '{name}'")
    problems.raise_if_any()
    base = read_base(scenario_file.base_folder)
    merged = {name: merge_scenario(scenario_file, name, problems) for name in names}
    policies = {name: _policy(scenario_file, base, merged[name], problems) for name in names}
    for name in names:
        check_against_base(scenario_file, base, merged[name], problems)
    problems.raise_if_any()
    return {name: _build(scenario_file, base, merged[name], policies[name], work_dir / name)
            for name in names}


def _policy(scenario_file: ScenarioFile, base: BaseTables, merged: MergedScenario,
            problems: ProblemCollector) -> Policy:
    """The base policy with the scenario's dotted option changes merged in."""
    if not merged.policy:
        return base.policy
    nested = nested_options(merged.policy)
    try:
        return Policy.model_validate(deep_merge(base.policy.model_dump(mode="json"), nested))
    except ValidationError as error:
        for item in error.errors():
            loc = ".".join(str(part) for part in item["loc"])
            dotted = next((key for key in merged.policy if loc.startswith(key)), loc)
            override = merged.owners.get(f"policy.{dotted}", "")
            problems.add(scenario_file.path.name,
                         scenario_file.line("overrides", override, "policy", dotted),
                         f"overrides.{override}.policy.{dotted}", item["msg"])
        return base.policy


def nested_options(dotted_options: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` as ``{"a": {"b": 1}}``."""
    nested: dict[str, Any] = {}
    for dotted, value in dotted_options.items():
        node = nested
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def check_against_base(scenario_file: ScenarioFile, base: BaseTables, merged: MergedScenario,
                       problems: ProblemCollector) -> None:
    """Every school, zone and county an override names must exist (or be new)."""
    existing = set(base.schools["school_id"])
    known = existing | set(merged.new_schools)
    zones = {zone for cell in base.schools["zones"] for zone in zone_list(cell)}
    zones |= {zone for new in merged.new_schools.values() for zone in new.zones}
    counties = set(base.schools["county"])

    def report(key: str, path: tuple, message: str) -> None:
        override = merged.owners.get(key, "")
        problems.add(scenario_file.path.name,
                     scenario_file.line("overrides", override, *path),
                     f"overrides.{override}.{'.'.join(map(str, path))}", message)

    if merged.mechanism is not None and merged.mechanism not in MECHANISMS:
        report("mechanism", ("mechanism",), f"unknown mechanism '{merged.mechanism}'; "
               f"choose from {', '.join(MECHANISMS)}")
    for school_id, new in merged.new_schools.items():
        if school_id in existing:
            report(f"schools.{school_id}", ("new_schools", school_id),
                   f"school '{school_id}' already exists")
        if new.county is not None and new.county not in counties:
            report(f"schools.{school_id}", ("new_schools", school_id, "county"),
                   f"unknown county '{new.county}'")
    references: list[tuple[str, tuple[str, ...], str]] = [
        (f"schools.{s}.capacity", ("capacity", s), s) for s in merged.capacity]
    references += [(f"schools.{s}", ("close_schools", s), s) for s in merged.close_schools]
    references += [(f"schools.{s}", ("close_schools", s, "zones_to"), c.zones_to)
                   for s, c in merged.close_schools.items() if c.zones_to]
    for zone, change in merged.catchments.items():
        if zone not in zones:
            report(f"zones.{zone}", ("catchments", zone), f"unknown zone '{zone}'")
        references += [(f"zones.{zone}", ("catchments", zone), s)
                       for s in (*change.serve, *change.split)]
    for key, path, school_id in references:
        if school_id not in known:
            report(key, path, f"unknown school '{school_id}'")
    for index, demand in enumerate(merged.demand):
        if demand.zone is not None and demand.zone not in zones:
            report(f"demand.{demand.selector}", ("demand", str(index), "zone"),
                   f"unknown zone '{demand.zone}'")
        if demand.county is not None and demand.county not in counties:
            report(f"demand.{demand.selector}", ("demand", str(index), "county"),
                   f"unknown county '{demand.county}'")
    season = merged.season
    for kind in ("declines", "late_applicants") if season is not None else ():
        for index, rate in enumerate(getattr(season, kind)):
            key, path = f"season.{kind}.{rate.selector}", ("season", kind, str(index))
            if rate.zone is not None and rate.zone not in zones:
                report(key, (*path, "zone"), f"unknown zone '{rate.zone}'")
            if rate.county is not None and rate.county not in counties:
                report(key, (*path, "county"), f"unknown county '{rate.county}'")


def _build(scenario_file: ScenarioFile, base: BaseTables, merged: MergedScenario,
           policy: Policy, folder: Path) -> PreparedScenario:
    log: list[str] = []
    settings = dict(base.settings)
    settings["name"] = f"{base.settings.get('name', base.folder.name)}:{merged.name}"
    for key in ("seed", "mechanism"):
        value = getattr(merged, key)
        if value is not None:
            log.append(f"{key}: {settings.get(key)} -> {value}")
            settings[key] = value
    for dotted, value in merged.policy.items():
        log.append(f"policy.{dotted}: {_policy_value(base.policy, dotted)} -> {value}")
    schools, applicants = apply_schools(base.schools, base.applicants, merged,
                                        dict(policy.class_size), log)
    applicants = apply_demand(applicants, merged.demand, int(base.settings["seed"]), log)
    if merged.season is not None:
        log.extend(season_log(merged.season))
    _write_folder(folder, settings, schools, applicants, base, merged.policy)
    try:
        loaded = load(folder)
    except InputError as error:
        raise InputError([InputProblem(f"{merged.name}/{p.file}", p.row, p.column, p.message)
                          for p in error.problems]) from None
    return PreparedScenario(merged.name, merged, loaded, tuple(log), folder, scenario_file)


def _policy_value(policy: Policy, dotted: str) -> Any:
    node: Any = policy.model_dump(mode="json")
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _planner_policy(path: Path) -> dict[str, Any]:
    """The base's own policy file, read within the bounds of the safe YAML reader."""
    problems = ProblemCollector()
    document = read_yaml(path, problems)
    problems.raise_if_any()
    assert document is not None
    return document.data if isinstance(document.data, dict) else {}


def _write_folder(folder: Path, settings: dict[str, Any], schools: pd.DataFrame,
                  applicants: pd.DataFrame, base: BaseTables,
                  policy_options: dict[str, Any]) -> None:
    """Write the derived folder; a changed policy is the base's plus the changed options."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = str(base.settings.get("policy", "shanxi-2025"))
    planner_file = reference.endswith((".yaml", ".yml"))
    if policy_options or planner_file:
        data: dict[str, Any] = {"base": reference}
        if planner_file:
            data = _planner_policy(base.folder / reference)
        data = deep_merge(data, nested_options(policy_options))
        (folder / "policy.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        settings["policy"] = "policy.yaml"
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    write_csv(schools, folder / "schools.csv")
    write_csv(applicants, folder / "applicants.csv")
    if base.priorities is not None:
        write_csv(base.priorities, folder / "priorities.csv")
