"""Running the named scenarios of a scenario file and writing one run folder each."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from allocator.pipeline.load import LoadedScenario
from allocator.pipeline.output_folder import VerificationFailed, check_output_folder
from allocator.pipeline.relocate import inputs_writer
from allocator.pipeline.run import RunResult, solve_loaded
from allocator.pipeline.write import write_run
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.scenarios.build import PreparedScenario, prepare_scenarios
from allocator.scenarios.season import first_round_folder, write_season
from allocator.scenarios.spec import read_scenario_file
from allocator.scenarios.warm import warm_problem
from allocator.solvers.registry import Mechanism
from allocator.solvers.result import Allocation
from allocator.solvers.rounds import allocate as engine_allocate

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScenarioRun:
    """One named scenario's result and where it was written (None: verification failed)."""

    name: str
    result: RunResult
    folder: Path | None
    warm: bool
    first_round: Path | None = None


def allocate(problem: CompiledProblem, mechanism: Mechanism) -> Allocation:
    """The engine's mechanism, its later rounds and the county-wide sweep on ``problem``."""
    return engine_allocate(problem, mechanism)


def solve_compiled(loaded: LoadedScenario, problem: CompiledProblem,
                   timings: dict[str, float] | None = None) -> RunResult:
    """Solve, sweep, verify and tabulate an already compiled problem (a warm re-solve)."""
    return solve_loaded(loaded, lambda step: None, dict(timings or {}), problem=problem)


def solve_prepared(prepared: PreparedScenario, base: CompiledProblem | None = None,
                   warm: bool = True) -> tuple[RunResult, bool]:
    """Solve a prepared what-if, reusing ``base`` when only capacities or zones change.

    Returns the result (its manifest lists every change as ``key: old -> new``)
    and whether the warm path was taken.
    """
    clock = time.perf_counter()
    problem = warm_problem(base, prepared.merged, prepared.loaded) if (
        warm and base is not None) else None
    used_warm = problem is not None
    if problem is not None:
        result = solve_compiled(prepared.loaded, problem,
                                {"warm_compile": time.perf_counter() - clock})
    else:
        result = solve_loaded(prepared.loaded, lambda step: None, {})
    manifest = dict(result.manifest, **prepared.manifest_entries())
    manifest["what_if"]["warm_re_solve"] = used_warm
    return replace(result, manifest=manifest), used_warm


def run_scenario_file(path: str | Path, out_dir: str | Path, only: list[str] | None = None,
                      warm: bool = True, progress: Progress | None = None,
                      extra_writers: Sequence[Callable] = ()) -> list[ScenarioRun]:
    """Run the named scenarios of a scenario file; write ``out_dir/<name>/`` for each.

    Parameters
    ----------
    path : str or Path
        The scenario file.
    out_dir : str or Path
        Parent folder of the run folders (one per scenario, written atomically).
    only : list of str, optional
        Names of the scenarios to run (default: all, in file order).
    warm : bool
        Reuse the base's compiled problem for capacity and catchment what-ifs.
    progress : callable, optional
        Called with a line of text as each scenario starts.
    extra_writers : sequence of callables
        Further writers of each run folder (``(result, staging)``), such as the
        reports' (:func:`allocator.reports.writer.report_writer`).

    Raises
    ------
    InputError
        Every problem of the file and of the selected scenarios, before anything runs.
    """
    say = progress or (lambda text: None)
    scenario_file = read_scenario_file(path)
    names = only or scenario_file.scenario_names
    inputs = [Path(path), scenario_file.base_folder]
    for name in names:  # every folder may be replaced, or none is written
        check_output_folder(Path(out_dir) / name, inputs)
        check_output_folder(first_round_folder(Path(out_dir), name), inputs)
    runs: list[ScenarioRun] = []
    with tempfile.TemporaryDirectory(prefix="allocator-whatif-") as work:
        prepared = prepare_scenarios(scenario_file, names, Path(work))
        base = _base_problem(prepared) if warm else None
        for name in names:
            say(f"running scenario {name}")
            result, used_warm = solve_prepared(prepared[name], base, warm)
            runs.append(_write_scenario(prepared[name], result, Path(out_dir), used_warm, say,
                                        extra_writers))
    return runs


def _write_scenario(prepared: PreparedScenario, result: RunResult, out_dir: Path,
                    used_warm: bool, say: Progress,
                    extra_writers: Sequence[Callable] = ()) -> ScenarioRun:
    """One run folder; for a season, the first round's and the later round's.

    ``extra_writers`` (the reports, when asked for) are written with a plain
    scenario's run folder; a season's two folders are written without them.
    """
    try:
        if prepared.merged.season is None:
            folder = write_run(result, out_dir / prepared.name,
                               extra_writers=[inputs_writer(prepared.loaded), *extra_writers])
            return ScenarioRun(prepared.name, result, folder, used_warm)
        say(f"running the later round of {prepared.name}")
        first, later, later_folder = write_season(prepared, result, out_dir)
        return ScenarioRun(prepared.name, later, later_folder, used_warm, first_round=first)
    except VerificationFailed:  # a failed run writes no folder; the caller reports it
        return ScenarioRun(prepared.name, result, None, used_warm)


def _base_problem(prepared: dict[str, PreparedScenario]) -> CompiledProblem | None:
    """The base compiled once, when some scenario can reuse it."""
    warm_candidates = [p for p in prepared.values() if p.merged.catchments_only]
    if not warm_candidates:
        return None
    from allocator.pipeline.load import load
    loaded = load(warm_candidates[0].scenario_file.base_folder)
    return compile_problem(loaded.scenario, loaded.policy, loaded.seed)
