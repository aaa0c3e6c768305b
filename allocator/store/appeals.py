"""Appeals (申诉): a corrected fact, the recomputed tier, and a plan adjustment if due.

:func:`decide_appeal` follows POLICY.md ("Process, disclosure and appeals"):

1. Record the corrected fact (one ``applicants.csv`` column of one applicant) on top
   of the run's stored roster and of the applicant's earlier appeals.
2. Recompile the run's problem with the corrected roster (same seed: the lottery
   number belongs to the applicant, so nobody else's draw changes) and read the
   applicant's new effective list, tiers and priority keys.
3. A school earlier on that list than the applicant's current school would have
   admitted them when its cut-off was open (fewer mechanism admissions than seats)
   or when the applicant's priority key beats the worst key it admitted by the
   mechanism. The first such school is where they were wrongly refused.
4. Place them there by an explicit plan adjustment: +1 seat (0 when a seat is
   free now), recorded with who, when and why. Nobody admitted is displaced.
   Everything lands in ``appeals``, ``plan_adjustments`` and ``audit_events`` in
   one transaction. The run's own assignments are never changed, so the notary's
   re-run still matches; the current placement is the run plus its appeals.

In the admission season an appeal applies to the latest round: an appeal to a
run that a later round (``job run --after``) followed is refused
(:class:`AppealOnEarlierRound`, naming the latest round's job key), and the cut-offs
of a later round are those of everyone it placed, continuing holders included.
An applicant who declined its seat in the round is refused as well.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, func, insert, select

from allocator.model.schema import APPLICANTS
from allocator.pipeline.load import load
from allocator.problem.compile import compile_problem
from allocator.problem.compiled import SCHOOL_SHIFT, TIER_SHIFT, CompiledProblem
from allocator.store import models
from allocator.store.audit_log import record_event
from allocator.store.audit_verify import UnknownRun
from allocator.store.errors import database_errors
from allocator.store.rounds import following_round
from allocator.store.run_records import stored_texts

log = logging.getLogger("allocator.store")

#: Columns an appeal may not change: identity, county and stage start a new application.
FIXED_FIELDS = frozenset({"applicant_id", "county", "stage"})
CORRECTABLE_FIELDS: tuple[str, ...] = tuple(
    name for name in APPLICANTS.names if name not in FIXED_FIELDS)


class AppealRefused(ValueError):
    """The appeal cannot be decided as asked (the message names the field)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class AppealOnEarlierRound(AppealRefused):
    """The run was followed by a later round: the appeal belongs to the latest one."""


@dataclass(frozen=True)
class AppealDecision:
    """The recorded outcome of one appeal."""

    appeal_id: int
    applicant_id: str
    field: str
    old_value: str
    new_value: str
    old_school_id: str
    new_school_id: str
    old_tier: str
    new_tier: str
    decision: str
    explanation: str
    capacity_change: int | None


@dataclass(frozen=True)
class _Standing:
    """Where the applicant stands before this appeal."""

    school_id: str
    tier: str
    corrections: dict[str, str]


def decide_appeal(engine: Engine, job_key: str, applicant_id: str, field: str, value: str,
                  actor: str, reason: str) -> AppealDecision:
    """Record and decide an appeal against the run of ``job_key`` (see the module docstring).

    Raises
    ------
    AppealRefused
        Unknown applicant, a field that may not be corrected, a value the engine
        refuses, or a missing actor or reason (nothing is written).
    """
    _check_request(field, actor, reason)
    with engine.connect() as connection:
        run = connection.execute(select(models.runs).where(
            models.runs.c.job_key == job_key)).first()
        if run is None:
            raise UnknownRun(f"no stored run with job key '{job_key}'")
        _check_latest_round(connection, run)
        inputs = stored_texts(connection, models.run_inputs, run.id)
        standing = _standing(connection, run.id, applicant_id)
        placements = _placements(connection, run.id)
    corrections = {**standing.corrections, field: value}
    header, rows = _roster(inputs["applicants.csv"])
    id_column = header.index("applicant_id")
    position = next((i for i, row in enumerate(rows) if row[id_column] == applicant_id), None)
    if position is None:
        raise AppealRefused("applicant_id", f"'{applicant_id}' is not in the run's roster")
    old_value = _cell(header, rows[position], field, standing.corrections)
    problem = _corrected_problem(inputs, header, rows, position, corrections, field,
                                 int(run.seed))
    in_sibling_group = bool(_cell(header, rows[position], "sibling_group", corrections))
    outcome = _evaluate(problem, position, standing, placements, in_sibling_group)
    with database_errors("recording the appeal"), engine.begin() as connection:
        decision = _record(connection, run.id, applicant_id, field, old_value, value, standing,
                           outcome, actor, reason)
    log.info("appeal %s on run %s for applicant %s: %s", decision.appeal_id, run.id,
             applicant_id, decision.decision)
    return decision


def _check_latest_round(connection: Connection, run) -> None:
    """Refuse an appeal to a run that a later round followed (it applies to the latest)."""
    latest, seen = None, {run.id}
    following = following_round(connection, run.id)
    while following is not None:
        latest = following
        next_id = connection.scalar(select(models.runs.c.id).where(
            models.runs.c.job_key == following))
        if next_id is None or next_id in seen:  # pragma: no cover - no cycle, no gap
            break
        seen.add(next_id)
        following = following_round(connection, next_id)
    if latest is not None:
        raise AppealOnEarlierRound(
            "job_key", f"job '{run.job_key}' was followed by a later round; an appeal applies "
            f"to the latest round of the season: send it to job '{latest}'")


def _check_request(field: str, actor: str, reason: str) -> None:
    if field not in CORRECTABLE_FIELDS:
        raise AppealRefused("field", f"'{field}' cannot be corrected by an appeal; choose one "
                            f"of {', '.join(CORRECTABLE_FIELDS)}")
    if not actor.strip():
        raise AppealRefused("actor", "say who decides the appeal")
    if not reason.strip():
        raise AppealRefused("reason", "say why (the verified document or decision)")


def _standing(connection: Connection, run_id: int, applicant_id: str) -> _Standing:
    row = connection.execute(select(models.assignments).where(
        models.assignments.c.run_id == run_id,
        models.assignments.c.applicant_id == applicant_id)).first()
    if row is None:
        raise AppealRefused("applicant_id", f"'{applicant_id}' has no assignment in this run")
    if row.status == "declined":
        raise AppealRefused("applicant_id", f"'{applicant_id}' declined in this round (its "
                            "responses); it holds no application to appeal")
    school, tier, corrections = row.school_id, row.tier_name, {}
    for appeal in connection.execute(select(models.appeals).where(
            models.appeals.c.run_id == run_id, models.appeals.c.applicant_id == applicant_id)
            .order_by(models.appeals.c.id)):
        corrections[appeal.field] = appeal.new_value
        school, tier = appeal.new_school_id, appeal.new_tier
    return _Standing(school, tier, corrections)


def _placements(connection: Connection, run_id: int) -> dict[str, object]:
    """Per applicant: stored school and whether the mechanism placed them; seats and moves."""
    rows = connection.execute(select(
        models.assignments.c.applicant_id, models.assignments.c.school_id,
        models.assignments.c.status, models.assignments.c.source).where(
        models.assignments.c.run_id == run_id)).all()
    moved = connection.execute(select(models.appeals.c.old_school_id,
                                      models.appeals.c.new_school_id).where(
        models.appeals.c.run_id == run_id, models.appeals.c.decision == "placed")).all()
    added = dict(connection.execute(select(
        models.plan_adjustments.c.school_id, func.sum(models.plan_adjustments.c.capacity_change))
        .where(models.plan_adjustments.c.run_id == run_id)
        .group_by(models.plan_adjustments.c.school_id)).all())
    return {"school": {r.applicant_id: r.school_id for r in rows if r.status == "placed"},
            "by_mechanism": {r.applicant_id for r in rows
                             if r.status == "placed" and r.source not in ("", "sweep")},
            "moved": moved, "added": {k: int(v) for k, v in added.items()}}


def _roster(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def _cell(header: list[str], row: list[str], field: str, corrections: dict[str, str]) -> str:
    if field in corrections:
        return corrections[field]
    return row[header.index(field)] if field in header else ""


def _corrected_problem(inputs: dict[str, str], header: list[str], rows: list[list[str]],
                       position: int, corrections: dict[str, str], field: str,
                       seed: int) -> CompiledProblem:
    header = list(header) + [name for name in corrections if name not in header]
    rows = [row + [""] * (len(header) - len(row)) for row in rows]
    for name, value in corrections.items():
        rows[position][header.index(name)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    with tempfile.TemporaryDirectory(prefix="allocator-appeal-") as temporary:
        folder = Path(temporary)
        for name, text in {**inputs, "applicants.csv": buffer.getvalue()}.items():
            (folder / name).write_bytes(text.encode("utf-8"))
        try:
            loaded = load(folder)
        except Exception as error:  # an InputError names the bad cell
            raise AppealRefused(field, f"the corrected value is refused: {error}") from None
    return compile_problem(loaded.scenario, loaded.policy, seed)


@dataclass(frozen=True)
class _Outcome:
    decision: str
    school_id: str
    tier: str
    explanation: str
    capacity_change: int | None


def _evaluate(problem: CompiledProblem, position: int, standing: _Standing,
              placements: dict, in_sibling_group: bool) -> _Outcome:
    """Find the first school before the current one that would have admitted the applicant."""
    start, end = int(problem.arc_start[position]), int(problem.arc_start[position + 1])
    school_ids = [str(s) for s in problem.school_ids]
    names = problem.tier_names
    if problem.exclusion[position]:
        return _Outcome("unchanged", standing.school_id, standing.tier,
                        f"not placed by the engine ({problem.exclusion[position]}) even with "
                        "the corrected fact", None)
    listed = [school_ids[s] for s in problem.arc_school[start:end]]
    bound = listed.index(standing.school_id) if standing.school_id in listed else len(listed)
    current_tier = names[problem.arc_tier[start + bound]] if bound < len(listed) else \
        standing.tier
    admitted = _mechanism_admits(problem, placements, str(problem.applicant_ids[position]))
    checked = []
    for arc in range(start, start + bound):
        school = int(problem.arc_school[arc])
        cutoff = _cutoff(problem, school, admitted.get(school_ids[school], []))
        tier = names[problem.arc_tier[arc]]
        if cutoff is None or problem.arc_priority[arc] < cutoff:
            return _admit(problem, school, tier, cutoff, placements, in_sibling_group)
        checked.append(f"{school_ids[school]} (tier {tier}, cut-off tier "
                       f"{_tier_name(problem, cutoff)})")
    shown = "; ".join(checked[:3]) + (" ..." if len(checked) > 3 else "")
    return _Outcome("unchanged", standing.school_id, current_tier,
                    "no school before the current one on the corrected list would have "
                    f"admitted the applicant{': ' + shown if shown else ''}", None)


def _mechanism_admits(problem: CompiledProblem, placements: dict,
                      appellant: str) -> dict[str, list[int]]:
    index = {str(a): i for i, a in enumerate(problem.applicant_ids)}
    admits: dict[str, list[int]] = {}
    for applicant, school in placements["school"].items():
        if applicant in placements["by_mechanism"] and applicant != appellant:
            admits.setdefault(school, []).append(index[applicant])
    return admits


def _cutoff(problem: CompiledProblem, school: int, admitted: list[int]) -> int | None:
    """Worst priority key the mechanism admitted at ``school``; None if seats were left."""
    if len(admitted) < int(problem.school_capacity[school]):
        return None
    arc_applicant = problem.arc_applicant()
    mask = (problem.arc_school == school) & np.isin(arc_applicant, admitted)
    return int(problem.arc_priority[mask].max()) if mask.any() else None


def _tier_name(problem: CompiledProblem, key: int) -> str:
    """Tier name packed in a priority key (see :func:`allocator.problem.compiled.pack_priority`)."""
    return problem.tier_names[(key >> TIER_SHIFT) & ((1 << (SCHOOL_SHIFT - TIER_SHIFT)) - 1)]


def _admit(problem: CompiledProblem, school: int, tier: str, cutoff: int | None,
           placements: dict, in_sibling_group: bool) -> _Outcome:
    school_id = str(problem.school_ids[school])
    why = ("it still had free seats when the mechanism closed" if cutoff is None else
           f"the corrected priority (tier {tier}) beats its cut-off (tier "
           f"{_tier_name(problem, cutoff)})")
    if in_sibling_group:
        return _Outcome("referred", school_id, tier,
                        f"would have been admitted at {school_id}: {why}; the applicant applies "
                        "with siblings, so the county decides the joint placement by hand", None)
    occupied = sum(1 for s in placements["school"].values() if s == school_id)
    occupied += sum((new == school_id) - (old == school_id) for old, new in placements["moved"])
    seats = int(problem.school_capacity[school]) + placements["added"].get(school_id, 0)
    change = 0 if occupied < seats else 1
    plan = "a free seat, no plan change" if change == 0 else "a plan adjustment of +1 seat"
    return _Outcome("placed", school_id, tier,
                    f"wrongly refused at {school_id}: {why}; placed there by {plan}, "
                    "nobody displaced", change)


def _record(connection: Connection, run_id: int, applicant_id: str, field: str, old_value: str,
            new_value: str, standing: _Standing, outcome: _Outcome, actor: str,
            reason: str) -> AppealDecision:
    now = models.utc_now()
    appeal_id = models.inserted_id(connection.execute(insert(models.appeals).values(
        run_id=run_id, applicant_id=applicant_id, field=field, old_value=old_value,
        new_value=new_value, old_school_id=standing.school_id,
        new_school_id=outcome.school_id if outcome.decision == "placed" else standing.school_id,
        old_tier=standing.tier, new_tier=outcome.tier, decision=outcome.decision,
        explanation=outcome.explanation, actor=actor, reason=reason, created_at=now,
    )))
    details = {"appeal_id": appeal_id, "applicant_id": applicant_id, "field": field,
               "decision": outcome.decision, "from_school": standing.school_id,
               "to_school": outcome.school_id, "old_tier": standing.tier,
               "new_tier": outcome.tier}
    record_event(connection, "appeal_decided", actor, reason, run_id, details)
    if outcome.decision == "placed":
        connection.execute(insert(models.plan_adjustments).values(
            run_id=run_id, appeal_id=appeal_id, school_id=outcome.school_id,
            capacity_change=outcome.capacity_change, actor=actor, reason=reason,
            created_at=now))
        record_event(connection, "plan_adjusted", actor, reason, run_id, {
            "appeal_id": appeal_id, "school_id": outcome.school_id,
            "capacity_change": outcome.capacity_change})
    new_school = outcome.school_id if outcome.decision == "placed" else standing.school_id
    return AppealDecision(appeal_id, applicant_id, field, old_value, new_value,
                          standing.school_id, new_school, standing.tier, outcome.tier,
                          outcome.decision, outcome.explanation, outcome.capacity_change)
