"""The main job: load, compile, solve, sweep, verify and tabulate one scenario."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.pipeline.ledgers import guarantee_ledger, plan_adjustments, sibling_ledger
from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.tables import assignments_table, schools_table, summary_counts
from allocator.policy.lottery import LOTTERY_ALGORITHM
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation
from allocator.solvers.rounds import allocate
from allocator.verify.checks import CheckResult, all_passed, verify

Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a run produced; written to a run folder by :func:`write_run`."""

    loaded: LoadedScenario
    problem: CompiledProblem
    allocation: Allocation
    checks: list[CheckResult]
    assignments: pd.DataFrame
    schools: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """Whether every required verification check passed."""
        return all_passed(self.checks)


def run_scenario(folder: str | Path, seed: int | None = None, mechanism: str | None = None,
                 progress: Progress | None = None) -> RunResult:
    """Run the scenario in ``folder`` end to end (nothing is written).

    Parameters
    ----------
    folder : str or Path
        Scenario folder (CONTRACT.md).
    seed, mechanism : optional
        Override ``scenario.yaml``.
    progress : callable, optional
        Called with the name of each step as it starts.

    Raises
    ------
    InputError
        With every problem in the input, before anything is computed.
    """
    say = progress or (lambda step: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say("reading and validating the scenario")
    loaded = load(folder, seed=seed, mechanism=mechanism)
    timings["load"] = time.perf_counter() - clock
    result = solve_loaded(loaded, say, timings)
    return result


def solve_loaded(loaded: LoadedScenario, say: Progress, timings: dict[str, float],
                 problem: CompiledProblem | None = None) -> RunResult:
    """Compile (unless ``problem`` is given), solve, sweep, verify and tabulate.

    Passing the compiled ``problem`` of ``loaded`` (for example one changed
    only by :meth:`CompiledProblem.with_capacity`) skips the compile: a warm
    re-solve for what-if scenarios.
    """
    clock = time.perf_counter()
    if problem is None:
        say("compiling the problem")
        problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    timings["compile"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say(f"solving ({loaded.mechanism.name})")
    allocation = allocate(problem, loaded.mechanism)
    timings["solve"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say("verifying")
    checks = verify(problem, allocation, stability_required=loaded.mechanism.stable)
    timings["verify"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say("building the tables")
    scenario = loaded.scenario
    assignments = assignments_table(problem, allocation, scenario.schools, scenario.applicants)
    school_table = schools_table(problem, allocation, scenario.schools)
    summary = {
        "scenario": scenario.settings.name,
        "seed": loaded.seed,
        "policy": loaded.policy.name,
        "mechanism": loaded.mechanism.name,
        "counts": summary_counts(assignments, school_table),
        "mechanism_statistics": {key: plain(value)
                                 for key, value in sorted(allocation.statistics.items())},
        "guarantee": guarantee_ledger(problem, allocation, scenario.applicants),
        "plan_adjustments": plan_adjustments(problem),
        "siblings": sibling_ledger(problem, allocation, scenario.applicants, checks),
        "verification": {"passed": all_passed(checks),
                         "checks": [check.to_dict() for check in checks]},
        "warnings": [str(warning) for warning in scenario.warnings],
    }
    timings["tables"] = time.perf_counter() - clock
    manifest = build_manifest(loaded, problem, timings)
    return RunResult(loaded, problem, allocation, checks, assignments, school_table, summary,
                     manifest, timings)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a statistic (numpy scalars become Python numbers)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.integer | bool):
        return int(value) if not isinstance(value, bool) else value
    if isinstance(value, np.floating):
        return float(value)
    return value


def build_manifest(loaded: LoadedScenario, problem: CompiledProblem,
                   timings: dict[str, float]) -> dict[str, Any]:
    """Engine version, seed, policy, mechanism, input hashes and timings."""
    files = list(loaded.scenario.input_files)
    if loaded.policy_path is not None:
        files.append(loaded.policy_path)
    inputs = {path.name: sha256_file(path) for path in files}
    policy_json = json.dumps(loaded.policy.model_dump(mode="json"), sort_keys=True,
                             ensure_ascii=False)
    draws = np.sort(problem.draws).astype(">u8").tobytes()
    return {
        "engine": "allocator",
        "engine_version": __version__,
        "engine_source_sha256": engine_source_sha256(),
        "scenario": loaded.scenario.settings.name,
        "scenario_folder": str(loaded.scenario.folder.resolve()),
        "seed": loaded.seed,
        "policy": loaded.policy.name,
        "policy_sha256": hashlib.sha256(policy_json.encode("utf-8")).hexdigest(),
        "mechanism": loaded.mechanism.name,
        "lottery_algorithm": LOTTERY_ALGORITHM,
        "lottery_draws_sha256": hashlib.sha256(draws).hexdigest(),
        "inputs": inputs,
        "input_encodings": dict(sorted(loaded.scenario.encodings.items())),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "timings_seconds": {key: round(value, 4) for key, value in timings.items()},
    }


@functools.cache
def engine_source_sha256() -> str:
    """SHA-256 over the engine's own source (every .py and .yaml of the package).

    Recorded in each manifest, so an audit can tell whether a different result
    comes from a changed engine even when the version number did not change.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
