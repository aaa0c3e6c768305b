"""Re-solving the workbench's edits: warm in memory where it can, else as ``allocator scenarios``.

Every edit list is written as a scenario file in the workbench's own folder and
read back by :func:`allocator.scenarios.spec.read_scenario_file`, then merged and
checked against the base exactly as the command line does, so a refused edit
carries the command's own ``file:line:key: message``. Plans and catchment moves
(the common edits) are then applied to the base tables in memory and re-solved
on the base's compiled problem (:func:`allocator.scenarios.warm.warm_problem`);
new or closed schools and policy switches take the command's full path
(:func:`allocator.scenarios.build.prepare_scenarios`).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.problems import ProblemCollector
from allocator.model.validate import explode_list
from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.run import RunResult, solve_loaded
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.scenarios.apply import apply_schools
from allocator.scenarios.build import (
    BaseTables,
    check_against_base,
    prepare_scenarios,
    read_base,
)
from allocator.scenarios.merge import MergedScenario, merge_scenario
from allocator.scenarios.runner import solve_compiled, solve_prepared
from allocator.scenarios.spec import read_scenario_file
from allocator.scenarios.warm import warm_problem
from allocator.workbench.edits import (
    OVERRIDE_NAME,
    check_plans,
    fold_edits,
    scenario_document,
    scenario_yaml,
)

#: Solved plans kept for undo and redo (each holds a full result).
RECENT_PLANS = 8


@dataclass(frozen=True)
class Solved:
    """One re-solve: the result, the scenario file text and how it was obtained."""

    result: RunResult
    document: dict[str, Any]
    warm: bool
    seconds: float


class Engine:
    """The base scenario, solved once, and re-solves of edit lists against it.

    Parameters
    ----------
    folder : Path
        The base scenario folder (read only).
    work_folder : Path
        The workbench's own folder: the current scenario file and prepared
        what-if folders are written here, nowhere else.
    """

    def __init__(self, folder: Path, work_folder: Path):
        self.folder = folder.resolve()
        self.work_folder = work_folder
        self.loaded: LoadedScenario = load(self.folder)
        self.tables: BaseTables = read_base(self.folder)
        work_folder.mkdir(parents=True, exist_ok=True)  # only once the scenario is valid
        self.problem: CompiledProblem = compile_problem(self.loaded.scenario, self.loaded.policy,
                                                        self.loaded.seed)
        self.base = solve_loaded(self.loaded, lambda step: None, {}, problem=self.problem)
        self.class_size = dict(self.loaded.policy.class_size)
        self._recent: OrderedDict[str, Solved] = OrderedDict()

    def document(self, edits: list[dict[str, Any]]) -> dict[str, Any]:
        """The scenario file (as data) that the edits amount to."""
        override = fold_edits(edits, self.tables.schools, self.class_size)
        return scenario_document(self.folder, override)

    def solve(self, edits: list[dict[str, Any]]) -> Solved:
        """Re-solve the base with ``edits``.

        Raises
        ------
        InputError
            Every problem, worded as ``allocator validate`` / ``allocator scenarios``
            word them; nothing changes in the workbench.
        """
        clock = time.perf_counter()
        check_plans(edits, self.tables.schools, self.class_size)
        document = self.document(edits)
        if not edits:
            return Solved(self.base, document, True, time.perf_counter() - clock)
        key = json.dumps(document, sort_keys=True, default=str)
        if key in self._recent:  # undo and redo of recent plans: no re-solve
            self._recent.move_to_end(key)
            return replace(self._recent[key], seconds=time.perf_counter() - clock)
        solved = self._solve(document, clock)
        self._recent[key] = solved
        while len(self._recent) > RECENT_PLANS:
            self._recent.popitem(last=False)
        return solved

    def forget_recent(self) -> None:
        """Drop the recent solves (benchmarks time every re-solve afresh)."""
        self._recent.clear()

    def _solve(self, document: dict[str, Any], clock: float) -> Solved:
        path = self.work_folder / "workbench-edits.yaml"
        path.write_text(scenario_yaml(document), encoding="utf-8")
        scenario_file = read_scenario_file(path)
        problems = ProblemCollector()
        merged = merge_scenario(scenario_file, OVERRIDE_NAME, problems)
        check_against_base(scenario_file, self.tables, merged, problems)
        problems.raise_if_any()
        result = self._warm(merged) if _in_memory(merged) else None
        warm = result is not None
        if result is None:
            prepared = prepare_scenarios(scenario_file, [OVERRIDE_NAME],
                                         self.work_folder / "prepared")[OVERRIDE_NAME]
            result, warm = solve_prepared(prepared, self.problem)
        return Solved(result, document, warm, time.perf_counter() - clock)

    def _warm(self, merged: MergedScenario) -> RunResult | None:
        """Plans and zone moves applied to the base tables in memory, solved warm."""
        log: list[str] = []
        schools, _ = apply_schools(self.tables.schools, self.tables.applicants, merged,
                                   self.class_size, log)
        loaded = with_schools(self.loaded, schools)
        problem = warm_problem(self.problem, merged, loaded)
        if problem is None:
            return None
        return solve_compiled(loaded, problem)


def _in_memory(merged: MergedScenario) -> bool:
    """Only plans and whole-zone moves: the applicants' table is untouched."""
    return merged.catchments_only and all(change.serve for change in
                                          merged.catchments.values())


def with_schools(loaded: LoadedScenario, schools_text: pd.DataFrame) -> LoadedScenario:
    """``loaded`` with the plans, classes and zones of ``schools_text`` (same schools, same order).

    Only these three columns can differ after a plan change or a zone move, and
    the values are those a cold load of the written folder would parse.
    """
    scenario = loaded.scenario
    typed = scenario.schools.copy()
    typed["capacity"] = schools_text["capacity"].astype(np.int64).to_numpy()
    classes = pd.to_numeric(schools_text["classes"].replace("", None), errors="coerce")
    typed["classes"] = classes.astype("Int64").to_numpy()
    typed["zones"] = schools_text["zones"].astype(str).to_numpy()
    long = explode_list(typed["zones"])
    school_zones = pd.DataFrame({"school_position": long["position"].to_numpy(dtype=np.int64),
                                 "zone": long["item"].to_numpy(dtype=object)})
    return replace(loaded, scenario=replace(scenario, schools=typed, school_zones=school_zones))
