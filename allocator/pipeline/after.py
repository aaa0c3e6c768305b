"""A later round of the season: ``allocator run SCENARIO --out OUT --after PREVIOUS``.

Reads the previous run folder (checked against its manifest) and the scenario
as it stands now (roster, plans, ``responses.csv``), refuses a seed, policy or
mechanism other than the previous run's, builds the round in which every held
seat is guaranteed (:mod:`allocator.problem.later`), solves, verifies
(:mod:`allocator.verify.rounds`) and tabulates, with the vacancy chains of
``moves.csv`` and the ``round`` block of ``summary.json``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.problems import InputError, ProblemCollector
from allocator.model.scenario import yaml_line
from allocator.pipeline.csv_text import write_frame
from allocator.pipeline.ledgers import guarantee_ledger, plan_adjustments, sibling_ledger
from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.moves import SeatChanges, vacancy_chains
from allocator.pipeline.previous import (
    PreviousRun,
    RosterLink,
    link_roster,
    read_previous_run,
    read_responses,
)
from allocator.pipeline.round_tables import round_assignments, round_block, round_schools
from allocator.pipeline.run import (
    Progress,
    RunResult,
    build_manifest,
    plain,
    sha256_file,
)
from allocator.pipeline.tables import assignments_table, schools_table, summary_counts
from allocator.policy.tiers import tie_break_rank
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import CompiledProblem
from allocator.problem.later import (
    HeldSeats,
    LaterRoundProblem,
    later_round_problem,
    round_capacity,
)
from allocator.solvers.later_round import allocate_later_round, later_round_refusal
from allocator.solvers.result import Allocation
from allocator.verify.checks import all_passed
from allocator.verify.rounds import verify_later_round

LOTTERY_ORDERS = ("same", "reversed")


@dataclass(frozen=True, eq=False)
class LaterRoundResult(RunResult):
    """A :class:`RunResult` of a later round, with the round's problem and moves."""

    later: LaterRoundProblem | None = None
    moves: pd.DataFrame | None = None
    previous_capacity: np.ndarray | None = None


def run_after(folder: str | Path, previous_dir: str | Path, lottery: str = "same",
              seed: int | None = None, mechanism: str | None = None,
              progress: Progress | None = None) -> LaterRoundResult:
    """Run a later round of ``folder`` after the run folder ``previous_dir`` (nothing written).

    Parameters
    ----------
    folder : str or Path
        Scenario folder holding the roster and plans as they stand now, and
        optionally ``responses.csv``.
    previous_dir : str or Path
        Run folder of the previous round (a first round or a later round).
    lottery : {'same', 'reversed'}
        Keep the published lottery order, or reverse it for this round only.
    seed, mechanism : optional
        Must equal the previous run's (they are only checked).
    progress : callable, optional
        Called with the name of each step as it starts.

    Raises
    ------
    InputError
        Every problem of the scenario, the previous run and the responses.
    """
    if lottery not in LOTTERY_ORDERS:
        raise ValueError(f"--lottery must be one of {', '.join(LOTTERY_ORDERS)}")
    say = progress or (lambda step: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say("reading the previous run and the scenario")
    loaded, previous, link, responses_path, problem = _read_inputs(folder, previous_dir, seed,
                                                                   mechanism, timings)
    clock = time.perf_counter()
    say("building the later round")
    later = later_round_problem(
        problem, _held_seats(loaded, problem, link, lottery),
        explicit=loaded.policy.kind == "explicit",
        late_after_on_time=loaded.policy.rounds.late_applicants == "after_on_time")
    timings["round"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say(f"solving the later round ({loaded.mechanism.name})")
    allocation = allocate_later_round(later, loaded.mechanism)
    timings["solve"] = time.perf_counter() - clock
    return _finish(loaded, previous, link, later, allocation, lottery, responses_path, say,
                   timings)


def _read_inputs(folder, previous_dir, seed, mechanism, timings):
    """Load everything and compile, recording every problem before raising once."""
    clock = time.perf_counter()
    problems = ProblemCollector()
    previous = read_previous_run(previous_dir, problems)
    loaded = None
    try:
        loaded = load(folder, seed=seed, mechanism=mechanism)
    except InputError as error:
        for problem in error.problems:
            problems.add(problem.file, problem.row, problem.column, problem.message)
    responses = read_responses(Path(folder), problems)
    link = None
    if loaded is not None and previous is not None:
        _check_settings(loaded, previous, seed, mechanism, problems)
        scenario = loaded.scenario
        applicants_file = next(p.name for p in scenario.input_files if p.stem == "applicants")
        link = link_roster(previous, scenario.applicants, scenario.schools, responses,
                           loaded.policy.rounds.default_response, applicants_file, problems)
    timings["load"] = time.perf_counter() - clock
    clock = time.perf_counter()
    problem = None
    if link is not None:
        problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
        _check_held_seats(loaded, problem, link, problems)
    timings["compile"] = time.perf_counter() - clock
    problems.raise_if_any()
    assert loaded is not None and previous is not None and link is not None
    return loaded, previous, link, responses[1], problem


def _check_settings(loaded: LoadedScenario, previous: PreviousRun, seed: int | None,
                    mechanism: str | None, problems: ProblemCollector) -> None:
    """Seed, policy and mechanism must be the previous run's; the mechanism must fit."""
    settings_path = loaded.scenario.folder / "scenario.yaml"
    recorded = previous.manifest
    where = previous.label("manifest.json")

    def refuse(key: str, override: bool, message: str) -> None:
        if override:
            problems.add("command line", None, f"--{key}", message)
        else:
            problems.add("scenario.yaml", yaml_line(settings_path, key), key, message)

    if loaded.seed != recorded.get("seed"):
        refuse("seed", seed is not None,
               f"seed {loaded.seed} differs from the previous run's seed {recorded.get('seed')} "
               f"({where}): a later round keeps every lottery number of the season")
    if (loaded.policy.name != recorded.get("policy")
            or policy_sha256(loaded) != recorded.get("policy_sha256")):
        refuse("policy", False,
               f"policy '{loaded.policy.name}' differs from the previous run's policy "
               f"'{recorded.get('policy')}' ({where}): the rules cannot change mid-season")
    if loaded.mechanism.name != recorded.get("mechanism"):
        refuse("mechanism", mechanism is not None,
               f"mechanism '{loaded.mechanism.name}' differs from the previous run's "
               f"'{recorded.get('mechanism')}' ({where})")
    refusal = later_round_refusal(loaded.mechanism.name)
    if refusal is not None:
        refuse("mechanism", mechanism is not None, refusal)


def policy_sha256(loaded: LoadedScenario) -> str:
    """SHA-256 of the policy as :func:`allocator.pipeline.run.build_manifest` records it."""
    text = json.dumps(loaded.policy.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_held_seats(loaded: LoadedScenario, problem: CompiledProblem, link: RosterLink,
                      problems: ProblemCollector) -> None:
    """A plan below the seats held there, or a holder now excluded, is an input error."""
    holding = (link.previous_school >= 0) & (link.response != "decline")
    held = np.bincount(link.previous_school[holding], minlength=problem.school_count)
    capacity = round_capacity(problem, link.response == "decline")
    short = np.flatnonzero(held > capacity)
    schools_file = next(p.name for p in loaded.scenario.input_files if p.stem == "schools")
    for school in short.tolist():
        problems.add(schools_file, school + 2, "capacity",
                     f"school {problem.school_ids[school]}: plan {capacity[school]}"
                     f" is below the {held[school]} seats continuing applicants hold there "
                     "(decline seats in responses.csv or keep the plan)", kind="plan cut")
    excluded = np.flatnonzero(holding & (problem.exclusion != ""))
    applicants_file = next(p.name for p in loaded.scenario.input_files
                           if p.stem == "applicants")
    problems.add_rows(applicants_file, excluded + 2, "applicant_id",
                      [f"applicant {problem.applicant_ids[a]} holds a seat but is now excluded "
                       f"({problem.exclusion[a]}); give it a 'decline' response to free the seat"
                       for a in excluded], kind="excluded holder")


def _held_seats(loaded: LoadedScenario, problem: CompiledProblem, link: RosterLink,
                lottery: str) -> HeldSeats:
    """Held seats, responses and this round's tie-breaks (lottery reversed if asked)."""
    draws = problem.draws if lottery == "same" else np.invert(problem.draws)
    tie = (problem.tie_rank if lottery == "same"
           else tie_break_rank(loaded.scenario.applicants, loaded.policy, draws))
    order = np.argsort(draws, kind="stable")
    lottery_rank = np.empty(len(draws), dtype=np.int64)
    lottery_rank[order] = np.arange(len(draws))
    return HeldSeats(link.previous_school, link.response, link.late, tie, lottery_rank)


def _finish(loaded: LoadedScenario, previous: PreviousRun, link: RosterLink,
            later: LaterRoundProblem, allocation: Allocation, lottery: str,
            responses_path: Path | None, say: Progress,
            timings: dict[str, float]) -> LaterRoundResult:
    clock = time.perf_counter()
    say("verifying")
    checks = verify_later_round(later, allocation, loaded.mechanism.stable)
    timings["verify"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say("building the tables")
    scenario, problem = loaded.scenario, later.problem
    base = assignments_table(problem, allocation, scenario.schools, scenario.applicants)
    assignments = round_assignments(base, later, allocation, link, previous.assignments)
    school_table = round_schools(schools_table(problem, allocation, scenario.schools), later,
                                 allocation)
    moves = vacancy_chains(SeatChanges(
        problem.applicant_ids, problem.school_ids, link.previous_school,
        allocation.assigned_school, (link.previous_school >= 0) & (later.response == "decline"),
        problem.tie_rank, link.previous_capacity, problem.school_capacity))
    counts = summary_counts(assignments, school_table)
    counts["declined"] = int((assignments["status"] == "declined").sum())
    summary: dict[str, Any] = {
        "scenario": scenario.settings.name, "seed": loaded.seed, "policy": loaded.policy.name,
        "mechanism": loaded.mechanism.name, "counts": counts,
        "mechanism_statistics": {key: plain(value)
                                 for key, value in sorted(allocation.statistics.items())},
        "guarantee": guarantee_ledger(problem, allocation, scenario.applicants),
        "plan_adjustments": plan_adjustments(problem),
        "siblings": sibling_ledger(problem, allocation, scenario.applicants, checks),
        "round": round_block(previous, later, allocation, link, moves, lottery,
                             loaded.policy.rounds.model_dump()),
        "verification": {"passed": all_passed(checks),
                         "checks": [check.to_dict() for check in checks]},
    }
    timings["tables"] = time.perf_counter() - clock
    manifest = _round_manifest(loaded, problem, timings, previous, lottery, responses_path)
    return LaterRoundResult(loaded, problem, allocation, checks, assignments, school_table,
                            summary, manifest, timings, later=later, moves=moves,
                            previous_capacity=link.previous_capacity)


def _round_manifest(loaded: LoadedScenario, problem: CompiledProblem,
                    timings: dict[str, float], previous: PreviousRun, lottery: str,
                    responses_path: Path | None) -> dict[str, Any]:
    manifest = build_manifest(loaded, problem, timings)
    if responses_path is not None:
        manifest["inputs"] = dict(manifest["inputs"],
                                  **{responses_path.name: sha256_file(responses_path)})
    manifest["round"] = {"number": previous.round_number + 1,
                         "after": str(previous.folder.resolve()), "lottery": lottery}
    manifest["previous_runs"] = previous.chain
    return manifest


def write_moves(result: RunResult, folder: Path) -> None:
    """Extra writer of a later round's run folder: ``moves.csv``."""
    if isinstance(result, LaterRoundResult) and result.moves is not None:
        write_frame(result.moves, folder / "moves.csv")
