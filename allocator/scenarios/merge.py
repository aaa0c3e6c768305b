"""Merging the overrides of one named scenario into one set of changes.

Merge order (documented in docs/what-ifs.md): the overrides of a scenario are taken in
the order listed and flattened into keyed changes (``seed``, ``mechanism``,
``policy.<dotted.key>``, ``schools.<id>``, ``schools.<id>.capacity``,
``zones.<id>``, ``demand.<selector>``). A key set by two overrides, or a policy
key inside another one (``policy.migrants`` and ``policy.migrants.inflow_counties``),
is a conflict and is refused, as is any change that refers to a school another
override closes. Without conflicts the order of overrides cannot matter, so the
changes are then applied in one fixed order of kinds: seed and mechanism, policy
options, new schools, closed schools, catchment edits, capacity, demand (demand
changes in the order listed), and last the season (``season.<key>``,
``season.declines.<selector>``, ``season.late_applicants.<selector>``), which
acts after the first round: responses are drawn and a later round is run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allocator.model.problems import ProblemCollector
from allocator.scenarios.spec import (
    CapacityChange,
    DemandChange,
    NewSchool,
    ScenarioFile,
    SchoolClosure,
    Season,
    ZoneChange,
)

#: Kinds of override, in the order they are applied.
KIND_ORDER: tuple[str, ...] = ("seed", "mechanism", "policy", "new_schools", "close_schools",
                               "catchments", "capacity", "demand", "season")


@dataclass(frozen=True)
class MergedScenario:
    """The changes of one named scenario, conflict-free, ready to apply."""

    name: str
    overrides: tuple[str, ...]
    seed: int | None = None
    mechanism: str | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    new_schools: dict[str, NewSchool] = field(default_factory=dict)
    close_schools: dict[str, SchoolClosure] = field(default_factory=dict)
    catchments: dict[str, ZoneChange] = field(default_factory=dict)
    capacity: dict[str, CapacityChange] = field(default_factory=dict)
    demand: tuple[DemandChange, ...] = ()
    season: Season | None = None
    owners: dict[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Kinds of change present, in application order."""
        return tuple(kind for kind in KIND_ORDER if getattr(self, kind) not in (None, {}, ()))

    @property
    def capacity_only(self) -> bool:
        """Only capacity deltas: the compiled problem can be reused as it is."""
        return self.kinds == ("capacity",)

    @property
    def catchments_only(self) -> bool:
        """Only catchment edits (and capacities): only the reached applicants recompile."""
        return bool(self.kinds) and set(self.kinds) <= {"catchments", "capacity"}


def merge_scenario(scenario_file: ScenarioFile, name: str,
                   problems: ProblemCollector) -> MergedScenario:
    """Merge the overrides of scenario ``name``; record every conflict in ``problems``."""
    model = scenario_file.model
    listed = tuple(item for item in model.scenarios[name] if item in model.overrides)
    owners: dict[str, str] = {}
    merged: dict[str, Any] = {"policy": {}, "new_schools": {}, "close_schools": {},
                              "catchments": {}, "capacity": {}, "demand": []}

    def claim(key: str, override: str, *path: Any) -> bool:
        clash = _clashing_key(key, owners)
        if clash is None:
            owners[key] = override
            return True
        problems.add(scenario_file.path.name, scenario_file.line("overrides", override, *path),
                     f"scenarios.{name}",
                     f"conflict: override '{override}' sets '{key}', which override "
                     f"'{owners[clash]}' already sets ('{clash}'); refused")
        return False

    for override_name in listed:
        override = model.overrides[override_name]
        for kind in ("seed", "mechanism"):
            value = getattr(override, kind)
            if value is not None and claim(kind, override_name, kind):
                merged[kind] = value
        for key, value in override.policy.items():
            if claim(f"policy.{key}", override_name, "policy", key):
                merged["policy"][key] = value
        for kind, prefix, suffix in (("new_schools", "schools", ""),
                                     ("close_schools", "schools", ""),
                                     ("catchments", "zones", ""),
                                     ("capacity", "schools", ".capacity")):
            for target, change in getattr(override, kind).items():
                if claim(f"{prefix}.{target}{suffix}", override_name, kind, target):
                    merged[kind][target] = change
        for index, change in enumerate(override.demand):
            if claim(f"demand.{change.selector}", override_name, "demand", index):
                merged["demand"].append(change)
        if override.season is not None:
            _merge_season(override.season, override_name, claim, merged.setdefault("season", {}))
    result = MergedScenario(name=name, overrides=listed, seed=merged.get("seed"),
                            mechanism=merged.get("mechanism"), policy=merged["policy"],
                            new_schools=merged["new_schools"],
                            close_schools=merged["close_schools"],
                            catchments=merged["catchments"], capacity=merged["capacity"],
                            demand=tuple(merged["demand"]),
                            season=_season(merged.get("season")), owners=owners)
    _check_closed_references(scenario_file, result, problems)
    return result


def _merge_season(season: Season, override: str, claim: Any,
                  merged: dict[str, Any]) -> None:
    """Claim the season's keys one by one, so two overrides may share a season."""
    for key in ("waits", "lottery", "seed"):
        value = getattr(season, key)
        if value is not None and claim(f"season.{key}", override, "season", key):
            merged[key] = value
    for kind in ("declines", "late_applicants"):
        for index, rate in enumerate(getattr(season, kind)):
            if claim(f"season.{kind}.{rate.selector}", override, "season", kind, index):
                merged.setdefault(kind, []).append(rate)


def _season(merged: dict[str, Any] | None) -> Season | None:
    """The merged season, or None when no override has one."""
    if merged is None:
        return None
    return Season(**{key: tuple(value) if isinstance(value, list) else value
                     for key, value in merged.items()})


def _clashing_key(key: str, owners: dict[str, str]) -> str | None:
    """An owned key equal to ``key``, or (for policy keys and closures) nested with it."""
    if key in owners:
        return key
    for owned in owners:
        if owned.startswith(key + ".") or key.startswith(owned + "."):
            return owned
    return None


def _check_closed_references(scenario_file: ScenarioFile, merged: MergedScenario,
                             problems: ProblemCollector) -> None:
    """A closed school may not receive zones from another change."""
    closed = set(merged.close_schools)
    references: list[tuple[str, str]] = []
    for zone, change in merged.catchments.items():
        references += [(school, f"zones.{zone}") for school in (*change.serve, *change.split)]
    for school, closure in merged.close_schools.items():
        if closure.zones_to:
            references.append((closure.zones_to, f"schools.{school}"))
    for school, key in references:
        if school in closed:
            override = merged.owners.get(key, "")
            problems.add(scenario_file.path.name, scenario_file.line("overrides", override),
                         f"scenarios.{merged.name}",
                         f"conflict: '{key}' gives zones to school '{school}', which "
                         f"override '{merged.owners[f'schools.{school}']}' closes; refused")
