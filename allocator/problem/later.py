"""A later round's problem (递补, 补录): held seats guaranteed, lists truncated.

Feigenbaum, Kanoria, Lo and Sethuraman (2020), "Dynamic matching in school
choice: efficient seat reassignment after late cancellations" (Management
Science): deferred acceptance in which every continuing applicant ranks first
at the school it holds. From the compiled problem of the roster as it stands
now, :func:`later_round_problem` builds

1. this round's priority keys: the tie-break rank of this round (the lottery
   reversed with ``--lottery reversed``), late applicants after on-time ones of
   the same tier when the policy says so;
2. each applicant's list for this round: a continuing applicant that waits
   keeps the schools it ranks above its held one, then the held one (it never
   moves down); one that accepts keeps only the held school; a declined one
   keeps nothing; unplaced and late applicants keep their whole list. A held
   seat that is not on the current list (placed by the county-wide sweep, or
   with its sibling group) is added after the list as an arc of its own;
3. the keys the mechanism solves with: every held arc first at its school.

The first form (this round's keys) is what verification and the tables read;
the second only differs in ``arc_priority``, so an allocation of one is an
allocation of the other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from allocator.problem.compiled import (
    SCHOOL_SHIFT,
    SOURCE_NAMES,
    TIE_MASK,
    TIER_SHIFT,
    CompiledProblem,
    pack_priority,
)
from allocator.problem.distance import haversine_km

#: Source code of an arc added for a held seat that is not on the current list.
SOURCE_PREVIOUS_SEAT = len(SOURCE_NAMES)
DECLINED = "declined"
PRIVATE_TIER_NAME = "private_lottery"


@dataclass(frozen=True)
class HeldSeats:
    """What each applicant of the current roster brings into a later round.

    Attributes
    ----------
    school : np.ndarray
        Position of the school held from the previous round, -1 for none.
    response : np.ndarray
        ``accept``, ``wait`` or ``decline`` (the policy's default already
        applied to holders); ``''`` for an applicant that competes with its
        whole list (unplaced before, or late).
    late : np.ndarray
        Applicants that were not in the previous run.
    tie_rank : np.ndarray
        Tie-break rank of this round (0 = best), lottery reversed if asked.
    lottery_rank : np.ndarray
        Rank in this round's lottery order alone (the private-school round).
    """

    school: np.ndarray
    response: np.ndarray
    late: np.ndarray
    tie_rank: np.ndarray
    lottery_rank: np.ndarray


@dataclass(frozen=True, eq=False)
class LaterRoundProblem:
    """The two forms of a later round's problem and what each applicant holds.

    Attributes
    ----------
    problem : CompiledProblem
        Truncated lists with this round's keys (verification and tables).
    solve : CompiledProblem
        Same arcs; every held arc ranks first at its school.
    held_arc : np.ndarray
        Per arc: it is the seat its applicant holds from the previous round.
    held_school : np.ndarray
        Per applicant: held school position, -1 for none (declined ones too).
    response : np.ndarray
        Per applicant: effective response (a sibling group that keeps a seat
        accepts as one when any member accepts).
    late : np.ndarray
        Late applicants.
    lottery_rank : np.ndarray
        Rank in this round's lottery order (the private-school round's tie-break).
    """

    problem: CompiledProblem
    solve: CompiledProblem
    held_arc: np.ndarray
    held_school: np.ndarray
    response: np.ndarray
    late: np.ndarray
    lottery_rank: np.ndarray

    @property
    def continuing(self) -> np.ndarray:
        """Applicants that hold a seat and did not decline it."""
        return self.held_school >= 0


def later_round_problem(problem: CompiledProblem, seats: HeldSeats, *, explicit: bool,
                        late_after_on_time: bool) -> LaterRoundProblem:
    """Build a later round from the current roster's compiled ``problem``.

    Parameters
    ----------
    problem : CompiledProblem
        The roster and plans as they stand now, compiled as for a first round.
    seats : HeldSeats
        Held schools, responses, late applicants and this round's tie-breaks.
    explicit : bool
        Under the ``explicit`` policy a school's listed applicants keep their
        ``priorities.csv`` rank; only the unlisted ones are ordered by lottery.
    late_after_on_time : bool
        Late applicants rank after on-time applicants of the same tier.
    """
    tie = _round_rank(seats.tie_rank, seats.late, late_after_on_time)
    lottery = _round_rank(seats.lottery_rank, seats.late, late_after_on_time)
    keyed = replace(_rekey(problem, tie, lottery, explicit), tie_rank=tie)
    response = _group_responses(problem, seats.school, seats.response)
    held_school = np.where(response == "decline", -1, seats.school)
    truncated, held_arc = _truncate(keyed, held_school, response, lottery)
    round_problem = replace(
        truncated, applicant_group=_round_groups(problem, held_school, response),
        exclusion=np.where(response == "decline", DECLINED, problem.exclusion).astype(object),
        school_capacity=round_capacity(problem, response == "decline"))
    solve = replace(round_problem, arc_priority=_held_first(round_problem, held_arc))
    return LaterRoundProblem(round_problem, solve, held_arc, held_school, response,
                             seats.late.astype(bool), lottery)


def round_capacity(problem: CompiledProblem, declined: np.ndarray) -> np.ndarray:
    """Seats per school this round: the plan, raised for certified children (tier 0) that
    put the school first, as a first round would, not counting those who declined."""
    if not problem.first_tier_up_to_ceiling:
        return problem.school_capacity
    exclusion = np.where(declined, DECLINED, problem.exclusion).astype(object)
    return replace(problem, exclusion=exclusion).with_capacity(
        problem.school_plan, problem.school_ceiling).school_capacity


def _round_rank(rank: np.ndarray, late: np.ndarray, late_after_on_time: bool) -> np.ndarray:
    """``rank`` re-numbered with late applicants after every on-time one (if asked)."""
    if not late_after_on_time or not late.any():
        return rank.astype(np.int64)
    order = np.lexsort((rank, late))
    result = np.empty(len(rank), dtype=np.int64)
    result[order] = np.arange(len(rank))
    return result


def _rekey(problem: CompiledProblem, tie: np.ndarray, lottery: np.ndarray,
           explicit: bool) -> CompiledProblem:
    """Replace the tie-break part of every key by this round's rank (tiers unchanged)."""
    applicant = problem.arc_applicant()
    sub = np.where(problem.arc_private, lottery[applicant], tie[applicant])
    if explicit:  # listed applicants keep the school's own order
        listed = problem.arc_tier == 0
        sub = np.where(listed, problem.arc_priority & TIE_MASK, sub)
    key = (problem.arc_priority & ~np.int64(TIE_MASK)) | sub.astype(np.int64)
    return replace(problem, arc_priority=key)


def _group_responses(problem: CompiledProblem, school: np.ndarray,
                     response: np.ndarray) -> np.ndarray:
    """A sibling group keeps or moves as one: if any member holding a seat accepts,
    every member holding a seat accepts."""
    response = np.asarray(response, dtype=object).copy()
    group = problem.applicant_group
    member = (group >= 0) & (school >= 0) & (response != "decline")
    if not member.any():
        return response
    accepting = np.zeros(int(group.max()) + 1, dtype=bool)
    accepting[group[member & (response == "accept")]] = True
    response[member & accepting[np.maximum(group, 0)]] = "accept"
    return response


def _round_groups(problem: CompiledProblem, held_school: np.ndarray,
                  response: np.ndarray) -> np.ndarray:
    """Sibling groups of this round: members that did not decline, still together.

    A group whose remaining members hold different seats (or some hold one and
    others none) cannot move as one: its members apply on their own.
    """
    group = np.where(response == "decline", -1, problem.applicant_group)
    members = np.flatnonzero(group >= 0)
    if members.size == 0:
        return group
    frame = pd.DataFrame({"group": group[members], "school": held_school[members]})
    stats = frame.groupby("group")["school"].agg(["nunique", "size"])
    intact = stats.index[(stats["nunique"] == 1) & (stats["size"] >= 2)].to_numpy()
    return np.where(np.isin(group, intact), group, -1).astype(np.int64)


def _truncate(problem: CompiledProblem, held_school: np.ndarray, response: np.ndarray,
              lottery: np.ndarray) -> tuple[CompiledProblem, np.ndarray]:
    """Each applicant's list for this round, and which arcs are held seats."""
    applicant = problem.arc_applicant()
    start, end = problem.arc_start[:-1], problem.arc_start[1:]
    holds = held_school >= 0
    at_held = np.flatnonzero(holds[applicant]
                             & (problem.arc_school == held_school[applicant]))
    owners, first = np.unique(applicant[at_held], return_index=True)
    held_position = np.full(problem.applicant_count, -1, dtype=np.int64)
    held_position[owners] = at_held[first]
    on_list = held_position >= 0
    keep_from, keep_to = start.copy(), end.copy()
    keep_to[on_list] = held_position[on_list] + 1
    accept = response == "accept"
    keep_from[on_list & accept] = held_position[on_list & accept]
    keep_from[holds & ~on_list & accept] = end[holds & ~on_list & accept]
    keep_to[response == "decline"] = keep_from[response == "decline"]
    position = np.arange(problem.arc_count)
    kept = np.flatnonzero((position >= keep_from[applicant]) & (position < keep_to[applicant]))
    added = np.flatnonzero(holds & ~on_list)
    return _with_added_arcs(problem, kept, added, held_school[added], lottery,
                            held_position)


def _with_added_arcs(problem: CompiledProblem, kept: np.ndarray, added: np.ndarray,
                     added_school: np.ndarray, lottery: np.ndarray,
                     held_position: np.ndarray) -> tuple[CompiledProblem, np.ndarray]:
    """Kept arcs plus one arc per held seat missing from its holder's list (last)."""
    private_round = bool(problem.tier_names) and problem.tier_names[-1] == PRIVATE_TIER_NAME
    private = private_round & ~problem.school_public[added_school]
    catch_all = len(problem.tier_names) - 1 - int(private_round)
    tier = np.where(private, len(problem.tier_names) - 1, max(catch_all, 0)).astype(np.int16)
    sub = np.where(private, lottery[added], problem.tie_rank[added])
    distance = haversine_km(problem.applicant_lat[added], problem.applicant_lon[added],
                            problem.school_lat[added_school], problem.school_lon[added_school])
    applicant = problem.arc_applicant()
    owner = np.concatenate([applicant[kept], added])
    order = np.lexsort((np.r_[np.zeros(len(kept)), np.ones(len(added))], owner))
    held = np.concatenate([kept == held_position[applicant[kept]],
                           np.ones(len(added), dtype=bool)])[order]

    def merged(values: np.ndarray, extra: np.ndarray) -> np.ndarray:
        return np.concatenate([values[kept], extra.astype(values.dtype)])[order]

    counts = np.bincount(owner, minlength=problem.applicant_count)
    sub_problem = replace(
        problem, arc_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        arc_school=merged(problem.arc_school, added_school),
        arc_tier=merged(problem.arc_tier, tier),
        arc_source=merged(problem.arc_source, np.full(len(added), SOURCE_PREVIOUS_SEAT)),
        arc_distance=merged(problem.arc_distance, distance),
        arc_priority=merged(problem.arc_priority, pack_priority(added_school, tier, sub)),
        arc_private=merged(problem.arc_private, private))
    return sub_problem, held


def _held_first(problem: CompiledProblem, held_arc: np.ndarray) -> np.ndarray:
    """Keys with every held arc first at its school (tier field 0); others one tier down."""
    applicant = problem.arc_applicant()
    held_key = ((problem.arc_school.astype(np.int64) << SCHOOL_SHIFT)
                | problem.tie_rank[applicant].astype(np.int64))
    return np.where(held_arc, held_key, problem.arc_priority + (np.int64(1) << TIER_SHIFT))
