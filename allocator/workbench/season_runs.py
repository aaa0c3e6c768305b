"""Later rounds run from the page: ``allocator run --after`` inside the workbench's own folder.

The first round is the base scenario's run (the published allocation). Each round
run from the page takes a responses file that the planner put in the work folder,
copies the scenario folder with that file as its ``responses.csv`` into
``season/``, runs :func:`allocator.pipeline.after.run_after` after the previous
round and writes the round's run folder there, as ``allocator run --after`` does.
Nothing is written outside the work folder.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.model.problems import InputError, InputProblem
from allocator.pipeline.after import LOTTERY_ORDERS, run_after, write_moves
from allocator.pipeline.relocate import portable
from allocator.pipeline.write import write_run
from allocator.workbench.engine import Engine
from allocator.workbench.season import round_figures

#: Folder of the work folder holding the season's scenario copies and round folders.
SEASON = "season"
RESPONSE_COLUMNS = ("applicant_id", "response")


def responses_files(work_folder: Path) -> list[str]:
    """CSV files directly in the work folder with ``applicant_id`` and ``response`` columns."""
    names = []
    for path in sorted(work_folder.glob("*.csv")):
        try:
            header = pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8-sig").columns
        except (ValueError, UnicodeDecodeError):
            continue
        if all(column in header for column in RESPONSE_COLUMNS):
            names.append(path.name)
    return names


class SeasonRunner:
    """The rounds run from the page, each after the previous one.

    Parameters
    ----------
    engine : Engine
        The workbench's base scenario (its run is the first round).
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.folder = engine.work_folder / SEASON
        self.rounds: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def run_next(self, responses: str, lottery: str = "same") -> dict[str, Any]:
        """Run the next round with the responses file ``responses`` of the work folder.

        Returns
        -------
        dict
            The round's season figures (:func:`allocator.workbench.season.round_figures`).

        Raises
        ------
        InputError
            An unknown responses file or lottery order, or every problem that
            ``allocator run --after`` reports (unknown applicants, bad responses).
        """
        if responses not in responses_files(self.engine.work_folder):
            raise _season_problem(f"no responses file named '{responses}' in the workbench's "
                                  "folder (a CSV with applicant_id and response)")
        if lottery not in LOTTERY_ORDERS:
            raise _season_problem(f"the lottery order is one of {', '.join(LOTTERY_ORDERS)}")
        with self.lock:
            previous = self._previous()
            number = len(self.rounds) + 2
            scenario = self.folder / f"scenario-{number}"
            shutil.rmtree(scenario, ignore_errors=True)
            work = self.engine.work_folder.resolve()
            shutil.copytree(self.engine.folder, scenario, ignore=lambda folder, names: [
                name for name in names if (Path(folder) / name).resolve() == work])
            shutil.copyfile(self.engine.work_folder / responses, scenario / "responses.csv")
            try:
                result = run_after(scenario, previous, lottery)
            except InputError as error:  # name the planner's file, not the copy
                raise InputError([replace(problem, file=responses)
                                  if problem.file == "responses.csv" else problem
                                  for problem in error.problems]) from None
            out = self.folder / f"round-{number}"
            write_run(portable(result, out), out, extra_writers=[write_moves],
                      inputs=[previous])
            figures = {**round_figures(out), "responses": responses, "lottery": lottery}
            self.rounds.append(figures)
            return figures

    def _previous(self) -> Path:
        """The last round's folder; the base run is written as the first round when needed."""
        if self.rounds:
            return self.folder / self.rounds[-1]["name"]
        first = self.folder / "round-1"
        if not (first / "assignments.csv").is_file():
            self.folder.mkdir(exist_ok=True)
            write_run(portable(self.engine.base, first), first)
        return first


def _season_problem(message: str) -> InputError:
    return InputError([InputProblem("season", None, None, message)])
