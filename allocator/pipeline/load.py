"""Loading a scenario folder with its policy and mechanism, every problem at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from allocator.model.problems import ProblemCollector
from allocator.model.scenario import (
    MAX_SEED,
    Scenario,
    ScenarioSettings,
    load_tables,
    read_settings,
    yaml_line,
)
from allocator.model.zone_files import check_zone_files
from allocator.policy.config import Policy
from allocator.policy.loader import resolve_policy
from allocator.solvers.registry import MECHANISMS, PLANNED_MECHANISMS, Mechanism


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario ready to compile: tables, policy, mechanism and effective seed."""

    scenario: Scenario
    policy: Policy
    policy_path: Path | None
    mechanism: Mechanism
    seed: int


def load(folder: str | Path, seed: int | None = None,
         mechanism: str | None = None) -> LoadedScenario:
    """Read and validate ``folder``; raise :class:`InputError` listing every problem.

    Parameters
    ----------
    folder : str or Path
        The scenario folder (CONTRACT.md).
    seed : int, optional
        Overrides the seed of ``scenario.yaml``.
    mechanism : str, optional
        Overrides the mechanism of ``scenario.yaml``.
    """
    folder = Path(folder)
    problems = ProblemCollector()
    settings = read_settings(folder, problems)
    if settings is None:
        if folder.is_dir():  # still list the tables' problems in the same run
            load_tables(folder, ScenarioSettings(name="(invalid scenario.yaml)", seed=0),
                        problems)
        problems.raise_if_any()
        raise AssertionError("unreachable: settings missing without a problem")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        problems.add("command line", None, "--seed",
                     f"the seed must be a whole number from 0 to {MAX_SEED}")
    policy, policy_path = resolve_policy(settings.policy, folder, problems)
    chosen = mechanism or settings.mechanism
    if chosen not in MECHANISMS:
        where = "--mechanism" if mechanism else "mechanism"
        detail = PLANNED_MECHANISMS.get(chosen, "unknown mechanism")
        problems.add("scenario.yaml" if not mechanism else "command line",
                     yaml_line(folder / "scenario.yaml", "mechanism") if not mechanism else None,
                     where, f"{detail} '{chosen}'; choose from {', '.join(MECHANISMS)}")
    scenario = load_tables(
        folder, settings, problems,
        spatial_required=policy.uses_zones if policy else True,
        class_size_caps=dict(policy.class_size) if policy else None)
    if scenario is not None and (policy is None or policy.uses_zones):
        check_zone_files(scenario, problems)  # the engine ignores them, but not a broken one
    problems.raise_if_any()
    assert scenario is not None and policy is not None
    return LoadedScenario(scenario, policy, policy_path, MECHANISMS[chosen],
                          settings.seed if seed is None else seed)
