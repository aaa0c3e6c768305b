"""The season view: later rounds read back from their run folders.

A later round is a run folder written by ``allocator run --after``. The workbench
reads only its files (``assignments.csv``, ``moves.csv``, ``summary.json``) and
shows per school the seats freed by declines, the seats filled by moves in, the
moves out, the late applicants placed and the applicants still waiting, with the
round's headline figures from the ``round`` block of ``summary.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.model.problems import InputError, InputProblem

#: Columns a later round's assignments.csv must hold.
ROUND_COLUMNS = ("applicant_id", "school_id", "status", "previous_school_id", "response",
                 "moved", "late")
#: Columns of moves.csv.
MOVE_COLUMNS = ("applicant_id", "from_school_id", "to_school_id", "chain", "step")
#: Keys of the summary's ``round`` block shown as the round's headline figures.
HEADLINE_KEYS = ("applicants_moved", "newly_placed", "declined", "late_applicants_placed",
                 "still_waiting", "longest_chain")


def read_rounds(folders: list[Path]) -> list[dict[str, Any]]:
    """The season figures of each later-round run folder, in the order given.

    Parameters
    ----------
    folders : list of Path
        Run folders written by ``allocator run --after``.

    Returns
    -------
    list of dict
        Per round: ``name``, ``number``, ``headline`` and ``schools`` (see
        :func:`round_figures`).

    Raises
    ------
    InputError
        Every problem of every folder at once (missing file, missing column, a run
        folder that is not a later round).
    """
    problems: list[InputProblem] = []
    rounds = []
    for folder in folders:
        found = _folder_problems(Path(folder))
        if found:
            problems.extend(found)
            continue
        rounds.append(round_figures(Path(folder)))
    if problems:
        raise InputError(problems)
    return rounds


def _folder_problems(folder: Path) -> list[InputProblem]:
    """Why ``folder`` is not a readable later-round run folder (empty when it is)."""
    if not folder.is_dir():
        return [InputProblem(str(folder), None, None, "--round: not a folder")]
    problems = []
    for name, columns in (("assignments.csv", ROUND_COLUMNS), ("moves.csv", MOVE_COLUMNS)):
        path = folder / name
        if not path.is_file():
            problems.append(InputProblem(str(path), None, None,
                                    "missing; --round needs a run folder of 'allocator run "
                                    "--after'"))
            continue
        try:
            header = pd.read_csv(path, dtype=str, nrows=0).columns
        except (ValueError, UnicodeDecodeError) as error:  # empty or not CSV
            problems.append(InputProblem(str(path), None, None, f"unreadable: {error}"))
            continue
        problems.extend(InputProblem(str(path), 1, column, "column missing (not a later round?)")
                        for column in columns if column not in header)
    summary = folder / "summary.json"
    try:
        block = json.loads(summary.read_text(encoding="utf-8")).get("round")
    except (OSError, ValueError) as error:
        return [*problems, InputProblem(str(summary), None, None, f"unreadable: {error}")]
    if not isinstance(block, dict):
        problems.append(InputProblem(str(summary), None, "round",
                                "no 'round' block (not a later round)"))
    return problems


def round_figures(folder: Path) -> dict[str, Any]:
    """The season figures of one later-round run folder.

    Parameters
    ----------
    folder : Path
        A run folder written by ``allocator run --after`` (already checked).

    Returns
    -------
    dict
        ``name`` (the folder's name), ``number`` (the round number, when the
        manifest records it), ``headline`` (the ``round`` block's moved, newly
        placed, declined, late applicants placed, still waiting, longest chain)
        and ``schools``: one row per school with
        ``freed`` (declines of applicants who held a seat there), ``filled``
        (moves in, newly placed included), ``moved_out``, ``late_placed`` and
        ``waiting`` (still holding the seat they held there, answered ``wait``,
        and not at their first choice).
    """
    assignments = pd.read_csv(folder / "assignments.csv", dtype=str, keep_default_na=False)
    moves = pd.read_csv(folder / "moves.csv", dtype=str, keep_default_na=False)
    block = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["round"]
    placed = assignments["school_id"] != ""
    declined = assignments["status"] == "declined"
    counts = {
        "freed": assignments.loc[declined & (assignments["previous_school_id"] != ""),
                                 "previous_school_id"].value_counts(),
        "filled": moves["to_school_id"].value_counts(),
        "moved_out": moves.loc[moves["from_school_id"] != "", "from_school_id"].value_counts(),
        "late_placed": assignments.loc[placed & (assignments["late"] == "true"),
                                       "school_id"].value_counts(),
        "waiting": assignments.loc[placed & (assignments["response"] == "wait")
                                   & (assignments["school_id"]
                                      == assignments["previous_school_id"])
                                   & (assignments["choice_rank"] != "1"),
                                   "school_id"].value_counts(),
    }
    schools = sorted({str(school) for series in counts.values() for school in series.index}
                     | set(assignments.loc[placed, "school_id"]))
    rows = [{"school_id": school, **{key: int(series.get(school, 0))
                                     for key, series in counts.items()}}
            for school in schools]
    return {"name": folder.name, "number": _round_number(folder),
            "headline": {key: block.get(key) for key in HEADLINE_KEYS},
            "schools": rows}


def _round_number(folder: Path) -> int | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    number = (manifest.get("round") or {}).get("number")
    return int(number) if number is not None else None
