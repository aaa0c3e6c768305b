"""Running a season what-if: the first round, drawn responses, then a later round.

A scenario with a ``season`` override is run as two ordinary run folders under the
output folder: ``<name>.first-round/`` (the first round, as any what-if) and
``<name>/`` (the later round of CONTRACT.md "Later rounds", run by
:func:`allocator.pipeline.after.run_after` after the first round, with the drawn
``responses.csv`` and late applicants). Comparisons see the later round.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.pipeline.after import LaterRoundResult, run_after, write_moves
from allocator.pipeline.relocate import INPUTS_FOLDER, inputs_writer
from allocator.pipeline.run import RunResult
from allocator.pipeline.write import write_csv, write_run
from allocator.scenarios.build import PreparedScenario
from allocator.scenarios.season_draws import draw_late_applicants, draw_responses
from allocator.scenarios.spec import Season

#: Suffix of the first round's run folder beside the later round's.
FIRST_ROUND_SUFFIX = ".first-round"

#: Columns of the per-run season table of a sweep, after scenario, seed and lottery.
SEASON_METRICS: tuple[str, ...] = (
    "seats_freed", "declined", "waiting_responses", "moves", "newly_placed",
    "late_applicants", "late_applicants_placed", "still_waiting", "unplaced", "idle_seats",
    "chains", "longest_chain")


def first_round_folder(out_dir: Path, name: str) -> Path:
    """Where the first round of season scenario ``name`` is written."""
    return Path(out_dir) / f"{name}{FIRST_ROUND_SUFFIX}"


def draw_seed(season: Season, run_seed: int) -> int:
    """The seed of the season's draws: its own, else the run's lottery seed."""
    return season.seed if season.seed is not None else run_seed


def write_later_folder(scenario_folder: Path, first_round: Path, season: Season, seed: int,
                       target: Path) -> Path:
    """Write the later round's scenario folder to ``target``.

    It is the first round's scenario folder, with the late twins appended to
    ``applicants.csv`` and the drawn ``responses.csv`` added.

    Parameters
    ----------
    scenario_folder : Path
        The what-if's derived scenario folder (``applicants.csv`` as written by it).
    first_round : Path
        The first round's run folder (its ``assignments.csv`` gives the held seats).
    season : Season
        The merged season.
    seed : int
        The draw seed (:func:`draw_seed`).
    target : Path
        A folder that does not exist yet.
    """
    shutil.copytree(scenario_folder, target)
    applicants = _text_table(target / "applicants.csv")
    previous = _text_table(first_round / "assignments.csv")
    held = previous.set_index("applicant_id")["school_id"]
    responses = draw_responses(applicants, held, season, seed)
    late = draw_late_applicants(applicants, season, seed)
    if len(late):
        write_csv(pd.concat([applicants, late], ignore_index=True), target / "applicants.csv")
    write_csv(responses, target / "responses.csv")
    return target


def _text_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def run_later_round(scenario_folder: Path, first_round: Path, season: Season, seed: int,
                    work: Path, lottery: str) -> LaterRoundResult:
    """The later round after ``first_round`` with drawn responses (nothing written but ``work``).

    Parameters
    ----------
    scenario_folder, first_round, season : see :func:`write_later_folder`
    seed : int
        The run's lottery seed (the draw seed follows :func:`draw_seed`).
    work : Path
        A scratch folder; the later scenario folder is written inside it.
    lottery : {'same', 'reversed'}
        The later round's lottery order.
    """
    folder = work / "later-round"  # the draws do not depend on the lottery order
    if not folder.exists():
        write_later_folder(scenario_folder, first_round, season, draw_seed(season, seed), folder)
    return run_after(folder, first_round, lottery, seed=seed)


def write_season(prepared: PreparedScenario, first: RunResult,
                 out_dir: Path) -> tuple[Path, RunResult, Path | None]:
    """Write the first round, run and write the later round (CONTRACT.md run folders).

    Returns
    -------
    tuple
        The first round's folder, the later round's result and its folder (None when
        its verification failed: nothing is written for it).

    Raises
    ------
    VerificationFailed
        When the first round's verification failed (nothing is written).
    """
    from allocator.pipeline.output_folder import VerificationFailed

    season = prepared.merged.season
    assert season is not None, "write_season runs scenarios with a season only"
    first_folder = write_run(first, first_round_folder(out_dir, prepared.name),
                             extra_writers=[inputs_writer(prepared.loaded)])
    with tempfile.TemporaryDirectory(prefix="allocator-season-") as work:
        lottery = season.lottery or "same"
        later = run_later_round(prepared.folder, first_folder, season, first.loaded.seed,
                                Path(work), lottery)
        manifest = dict(later.manifest, **prepared.manifest_entries())
        manifest["what_if"]["season"] = {
            "first_round": first_folder.name, "lottery": lottery,
            "draw_seed": draw_seed(season, first.loaded.seed),
            "season": season.model_dump(mode="json")}
        later = replace(later, manifest=manifest)
        try:
            folder: Path | None = write_run(
                later, Path(out_dir) / prepared.name, inputs=[first_folder],
                extra_writers=[write_moves, inputs_writer(later.loaded), _responses_writer])
        except VerificationFailed:
            folder = None
    return first_folder, later, folder


def _responses_writer(result: RunResult, staging: Path) -> None:
    """Keep the drawn ``responses.csv`` with the run's other inputs."""
    source = result.loaded.scenario.folder / "responses.csv"
    if source.is_file():
        shutil.copyfile(source, staging / INPUTS_FOLDER / "responses.csv")


def season_row(result: RunResult, lottery: str) -> dict[str, Any]:
    """The season metrics of one later round (a row of the sweep's season table)."""
    block = result.summary["round"]
    return {"lottery": lottery, "seats_freed": block["seats_freed"],
            "declined": block["declined_this_round"],
            "waiting_responses": block["responses"]["wait"],
            "moves": block["applicants_moved"], "newly_placed": block["newly_placed"],
            "late_applicants": block["late_applicants"],
            "late_applicants_placed": block["late_applicants_placed"],
            "still_waiting": block["still_waiting"], "unplaced": block["unplaced"],
            "idle_seats": result.summary["counts"]["surplus_seats"],
            "chains": block["chains"], "longest_chain": block["longest_chain"],
            "verified": result.verified}
