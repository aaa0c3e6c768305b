"""``allocator audit verify``: re-run a recorded run from the store and compare.

A notary's check, in order:

1. Every stored input file still has the SHA-256 recorded with the run, and the
   roster hash matches ``applicants.csv``.
2. The engine re-runs those files with the recorded seed and mechanism.
3. The recomputed ``assignments.csv`` must equal, byte for byte, both the one
   recorded (its SHA-256) and the one rebuilt from the stored rows; every
   differing cell is named.
4. The ordered lottery draws, ``schools.csv`` and ``summary.json`` must match too.

A later round (``job run --after``) is re-run as a later round: from its stored
inputs (roster, plans, the responses it used) and its stored previous round,
whose folder is rebuilt from the store and must still match the SHA-256 of its
manifest; ``moves.csv`` is compared as well.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from allocator import __version__
from allocator.model.problems import InputError
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.store import models
from allocator.store.audit_log import record_event
from allocator.store.errors import database_errors
from allocator.store.rounds import PreviousRound, find_previous, later_round_files, round_of
from allocator.store.run_records import (
    ASSIGNMENTS_FILE,
    assignments_text,
    lottery_rows,
    read_run_folder,
    sha256_text,
    stored_texts,
)

MAX_LISTED = 20
COMPARED_FILES = ("schools.csv", "summary.json")


class UnknownRun(LookupError):
    """No stored run has the requested job key or id."""


@dataclass
class VerifyReport:
    """Outcome of re-running a recorded run."""

    run_id: int
    job_key: str
    assignments_sha256: str
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """Whether the re-run reproduced the record exactly."""
        return not self.differences


def verify_run(engine: Engine, job_key: str | None = None, run_id: int | None = None,
               actor: str = "cli") -> VerifyReport:
    """Re-run the recorded run and list every difference (see the module docstring).

    Parameters
    ----------
    engine : Engine
        The store.
    job_key, run_id : optional
        Which run (one of them).
    actor : str
        Who verifies; the outcome is added to the audit log.
    """
    with engine.connect() as connection:
        query = select(models.runs)
        query = query.where(models.runs.c.job_key == job_key) if job_key is not None else \
            query.where(models.runs.c.id == run_id)
        run = connection.execute(query).first()
        if run is None:
            wanted = f"job key '{job_key}'" if job_key is not None else f"id {run_id}"
            raise UnknownRun(f"no stored run with {wanted}")
        inputs = stored_texts(connection, models.run_inputs, run.id)
        input_hashes = {row.file_name: row.sha256 for row in connection.execute(
            select(models.run_inputs).where(models.run_inputs.c.run_id == run.id))}
        recorded_files = stored_texts(connection, models.run_files, run.id)
        stored_assignments = assignments_text(connection, run)
        stored_draws = [dict(row._mapping) for row in connection.execute(
            select(models.lottery_draws).where(models.lottery_draws.c.run_id == run.id)
            .order_by(models.lottery_draws.c.lottery_order))]
        later = round_of(connection, run.id)
        previous = None
        if later is not None:
            previous_key = connection.scalar(select(models.runs.c.job_key).where(
                models.runs.c.id == later.previous_run_id))
            previous = None if previous_key is None else find_previous(connection,
                                                                         str(previous_key))
    report = VerifyReport(run.id, run.job_key, run.assignments_sha256)
    _check_inputs(report, run, inputs, input_hashes)
    if run.engine_version != __version__:
        report.notes.append(f"recorded with engine {run.engine_version}, re-run with "
                            f"{__version__}")
    recomputed = _recompute(report, run, inputs, later, previous)
    if recomputed is not None:
        result, files = recomputed
        _compare_assignments(report, run, files[ASSIGNMENTS_FILE], stored_assignments)
        _compare_draws(report, lottery_rows(run.id, result), stored_draws)
        compared = COMPARED_FILES + (("moves.csv",) if later is not None else ())
        for name in compared:
            if files.get(name) != recorded_files.get(name):
                report.differences.append(f"{name}: recomputed file differs from the recorded "
                                          "one")
    with database_errors("recording the audit"), engine.begin() as connection:
        record_event(connection, "audit_verified", actor, run_id=run.id, details={
            "identical": report.identical, "differences": len(report.differences)})
    return report


def _recompute(report: VerifyReport, run, inputs: dict[str, str], later,
               previous: PreviousRound | None):
    """Re-run the recorded run (a later round after its stored previous round)."""
    if later is None or previous is None:
        with tempfile.TemporaryDirectory(prefix="allocator-audit-") as temporary:
            folder = Path(temporary) / "scenario"
            folder.mkdir()
            for name, text in inputs.items():
                (folder / name).write_bytes(text.encode("utf-8"))
            result = run_scenario(folder, seed=int(run.seed), mechanism=run.mechanism)
            return result, read_run_folder(write_run(result, Path(temporary) / "run"))
    report.notes.append(f"round {later.round_number} after job {previous.run.job_key} "
                        f"({later.lottery} lottery)")
    try:
        result, files = later_round_files(previous, inputs, later.lottery, int(run.seed),
                                          run.mechanism)
    except InputError as error:
        report.differences.extend(f"cannot re-run the round after job {previous.run.job_key}: "
                                  f"{problem}" for problem in error.problems[:MAX_LISTED])
        return None
    if not files:
        report.differences.append("the recomputed later round fails its verification")
        return None
    return result, files


def _check_inputs(report: VerifyReport, run, inputs: dict[str, str],
                  hashes: dict[str, str]) -> None:
    for name, text in inputs.items():
        if sha256_text(text) != hashes[name]:
            report.differences.append(f"input {name}: content no longer matches its recorded "
                                      f"SHA-256 {hashes[name]}")
    if sha256_text(inputs.get("applicants.csv", "")) != run.roster_sha256:
        report.differences.append(f"roster: applicants.csv does not match the recorded roster "
                                  f"SHA-256 {run.roster_sha256}")


def _compare_assignments(report: VerifyReport, run, recomputed: str, stored: str) -> None:
    report.assignments_sha256 = sha256_text(recomputed)
    if sha256_text(recomputed) != run.assignments_sha256:
        report.differences.append(f"assignments.csv: recomputed SHA-256 {sha256_text(recomputed)}"
                                  f" differs from the recorded {run.assignments_sha256}")
    if stored != recomputed:
        report.differences.extend(cell_differences(stored, recomputed))


def cell_differences(stored: str, recomputed: str) -> list[str]:
    """Human-readable differences between two ``assignments.csv`` texts, cell by cell."""
    old = list(csv.reader(io.StringIO(stored)))
    new = list(csv.reader(io.StringIO(recomputed)))
    lines: list[str] = []
    if old[:1] != new[:1]:
        lines.append(f"assignments.csv header: stored {old[:1]} recomputed {new[:1]}")
    header = new[0] if new else []
    for index in range(1, max(len(old), len(new))):
        if index >= len(old) or index >= len(new):
            lines.append(f"assignments.csv row {index + 1}: present only in the "
                         f"{'recomputed' if index >= len(old) else 'stored'} result")
            continue
        for column, before, after in zip(header, old[index], new[index], strict=False):
            if before != after:
                lines.append(f"assignments.csv row {index + 1} (applicant {new[index][0]}): "
                             f"{column} stored '{before}', recomputed '{after}'")
    if len(lines) > MAX_LISTED:
        lines = lines[:MAX_LISTED] + [f"... and {len(lines) - MAX_LISTED} more differences"]
    return lines


def _compare_draws(report: VerifyReport, recomputed: list[dict], stored: list[dict]) -> None:
    fields = ("lottery_order", "applicant_id", "subject", "draw", "lottery")
    differing = [r["lottery_order"] for r, s in zip(recomputed, stored, strict=False)
                 if any(r[f] != s[f] for f in fields)]
    if len(recomputed) != len(stored) or differing:
        report.differences.append(
            f"lottery draws: {len(differing)} of {len(recomputed)} differ"
            + (f" (first at order {differing[0]})" if differing else "")
            + (f"; stored {len(stored)} draws" if len(recomputed) != len(stored) else ""))
