"""Later rounds in the store: ``allocator job run --job-key K2 --after K1``.

A later round is computed from three stored things, all read in one snapshot:
the verified roster and plans as they stand now, the stored run of ``K1`` (its
folder rebuilt from the store and checked against its manifest's SHA-256, like
any ``--after`` folder) and the responses stored for ``K1`` (none: the policy's
``rounds.default_response``). The engine's own later round
(:func:`allocator.pipeline.after.run_after`) does the work, so a round through
the store equals the same round through ``allocator run --after`` on the
exported folders. The run is stored like a first round, in one transaction,
plus a ``run_rounds`` row linking it to ``K1``.

The previous run folder is rebuilt in a temporary folder; its path is recorded
in ``summary.json`` and ``manifest.json`` as ``store:<K1>`` instead, so the same
round re-run by ``allocator audit verify`` writes the same files.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from allocator.model.problems import InputError, InputProblem
from allocator.pipeline.after import LOTTERY_ORDERS, LaterRoundResult, run_after, write_moves
from allocator.pipeline.write import write_run
from allocator.store import models
from allocator.store.responses import RESPONSES_FILE, stored_responses
from allocator.store.run_records import read_run_folder, run_folder_files

STORE_LABEL = "store:"


@dataclass(frozen=True)
class PreviousRound:
    """The stored run a later round follows, as files, with its responses."""

    run: Row
    files: dict[str, str]
    responses: str | None
    responses_sha256: str
    round_number: int = 1


def find_previous(connection: Connection, job_key: str) -> PreviousRound:
    """The stored run of ``job_key`` with its folder files and stored responses.

    Raises
    ------
    InputError
        No run is stored under ``job_key`` (named as the ``--after`` option).
    """
    run = connection.execute(select(models.runs).where(models.runs.c.job_key == job_key)).first()
    if run is None:
        raise InputError([InputProblem("command line", None, "--after",
                                       f"no stored run with job key '{job_key}'")])
    responses = stored_responses(connection, run.id)
    number = connection.scalar(select(models.run_rounds.c.round_number).where(
        models.run_rounds.c.run_id == run.id)) or 1
    return PreviousRound(run, run_folder_files(connection, run),
                         None if responses is None else responses.content,
                         "" if responses is None else responses.sha256, int(number))


def lottery_problem(lottery: str, after: str | None) -> str | None:
    """Why ``lottery`` cannot be used with ``after``, or None."""
    if lottery not in LOTTERY_ORDERS:
        return f"lottery must be one of {', '.join(LOTTERY_ORDERS)}"
    if lottery != "same" and after is None:
        return f"lottery '{lottery}' needs 'after' (a later round)"
    return None


def later_round_files(previous: PreviousRound, inputs: dict[str, str], lottery: str,
                      seed: int, mechanism: str,
                      progress=None) -> tuple[LaterRoundResult, dict[str, str]]:
    """Compute a later round in a temporary folder; the result and its run folder's files.

    Parameters
    ----------
    previous : PreviousRound
        The stored run it follows.
    inputs : dict
        The scenario files (roster, plans, policy) and ``responses.csv`` if any.
    lottery : {'same', 'reversed'}
        Lottery order of this round.
    seed, mechanism
        The previous run's (``run_after`` refuses any other).

    Returns
    -------
    tuple
        The result and, when it verified, every file of its run folder by name
        (empty when verification failed).

    Raises
    ------
    InputError
        Every problem of the roster, the responses or the previous run.
    """
    with tempfile.TemporaryDirectory(prefix="allocator-round-") as temporary:
        root = Path(temporary)
        previous_folder = _write_files(previous.files, root / "previous")
        scenario_folder = _write_files(inputs, root / "scenario")
        label = f"{STORE_LABEL}{previous.run.job_key}"
        try:
            result = run_after(scenario_folder, previous_folder, lottery, seed=seed,
                               mechanism=mechanism, progress=progress)
        except InputError as error:
            raise InputError([replace(problem, file=problem.file.replace(
                str(previous_folder), label)) for problem in error.problems]) from None
        result = replace(result, summary=_relabel(result.summary, previous_folder, label),
                         manifest=_relabel(result.manifest, previous_folder, label))
        if not result.verified:
            return result, {}
        folder = write_run(result, root / "run", extra_writers=[write_moves])
        return result, read_run_folder(folder)


def round_inputs(files: dict[str, str], previous: PreviousRound) -> dict[str, str]:
    """The scenario files plus the stored responses as ``responses.csv``."""
    if previous.responses is None:
        return dict(files)
    return {**files, RESPONSES_FILE: previous.responses}


def insert_round(connection: Connection, run_id: int, previous: PreviousRound,
                 lottery: str) -> None:
    """Link the stored later round ``run_id`` to the run it follows."""
    connection.execute(insert(models.run_rounds).values(
        run_id=run_id, previous_run_id=previous.run.id,
        round_number=previous.round_number + 1, lottery=lottery,
        responses_sha256=previous.responses_sha256))


def round_of(connection: Connection, run_id: int) -> Row | None:
    """The ``run_rounds`` row of a later round's run (None for a first round)."""
    return connection.execute(select(models.run_rounds).where(
        models.run_rounds.c.run_id == run_id)).first()


def following_round(connection: Connection, run_id: int) -> str | None:
    """Job key of the latest-stored later round that follows run ``run_id``, if any."""
    return connection.scalar(select(models.runs.c.job_key).join(
        models.run_rounds, models.run_rounds.c.run_id == models.runs.c.id).where(
        models.run_rounds.c.previous_run_id == run_id).order_by(models.runs.c.id.desc())
        .limit(1))


def _write_files(files: dict[str, str], folder: Path) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return folder


def _relabel(value: Any, folder: Path, label: str) -> Any:
    """``value`` with every string naming ``folder`` replaced by ``label``."""
    names = {str(folder), str(folder.resolve())}
    if isinstance(value, dict):
        return {key: _relabel(item, folder, label) for key, item in value.items()}
    if isinstance(value, list):
        return [_relabel(item, folder, label) for item in value]
    if isinstance(value, str) and value in names:
        return label
    return value
