"""Verification of a later round: nobody who holds a seat is ever worse off.

:func:`verify_later_round` runs every first-round check on the round's
problem, replaces the envy check by one that exempts seats held from the
previous round (a held seat ranks first at its school by design), and adds
the guarantees of the season.
"""

from __future__ import annotations

import numpy as np

from allocator.problem.later import LaterRoundProblem
from allocator.solvers.result import PLACED_BY_MECHANISM, Allocation
from allocator.solvers.units import build_units
from allocator.verify.checks import envy_arcs, verify
from allocator.verify.groups import groups_involved
from allocator.verify.result import EXAMPLES, CheckResult


def verify_later_round(later: LaterRoundProblem, allocation: Allocation,
                       stability_required: bool = True) -> list[CheckResult]:
    """Every check of a first round, envy relative to held seats, and the round's own.

    Parameters
    ----------
    later : LaterRoundProblem
        The round (its :attr:`~LaterRoundProblem.problem` form is checked).
    allocation : Allocation
        The round's outcome.
    stability_required : bool
        Whether the mechanism promises no justified envy.
    """
    problem = later.problem
    linked = bool((problem.applicant_group >= 0).any())
    checks = [check for check in verify(problem, allocation, stability_required)
              if check.name != "no_justified_envy"]
    return [*checks,
            check_round_envy(later, allocation, stability_required and not linked),
            check_continuing_not_worse(later, allocation),
            check_acceptors_unchanged(later, allocation),
            check_declined_hold_nothing(later, allocation)]


def round_envy_arcs(later: LaterRoundProblem, allocation: Allocation) -> np.ndarray:
    """Per arc: justified envy except toward a seat held from the previous round.

    Like :func:`allocator.verify.checks.envy_arcs`, but an applicant that stayed
    at the seat it held is not counted among those a school admitted: its seat
    was never open to others.
    """
    return envy_arcs(later.problem, allocation, never_open=later.held_arc)


def check_round_envy(later: LaterRoundProblem, allocation: Allocation,
                     required: bool = True) -> CheckResult:
    """No justified envy, except toward a seat held from the previous round."""
    problem = later.problem
    envious = np.flatnonzero(round_envy_arcs(later, allocation))
    arc_applicant = problem.arc_applicant()
    examples = [f"{problem.applicant_ids[arc_applicant[a]]} -> "
                f"{problem.school_ids[problem.arc_school[a]]}" for a in envious[:EXAMPLES]]
    return CheckResult("no_justified_envy", envious.size == 0 or not required,
                       int(envious.size), required,
                       "no applicant prefers a school that has a free seat or admitted someone "
                       "of lower priority, except toward a seat held from the previous round "
                       "(blocking pairs counted)", examples,
                       groups=groups_involved(problem, np.unique(arc_applicant[envious])))


def check_continuing_not_worse(later: LaterRoundProblem, allocation: Allocation) -> CheckResult:
    """Every continuing applicant ends at its held school or one it ranks higher.

    Its list in this round stops at the held seat, so any school of its own
    list is at least as good; a sibling placed with its group is judged by the
    group's lead, whose list speaks for the group.
    """
    problem = later.problem
    school = allocation.assigned_school
    held_index = _held_arc_index(later)
    arc = allocation.assigned_arc
    own = (arc >= problem.arc_start[:-1]) & (arc < problem.arc_start[1:])
    fine = (school == later.held_school) | (
        (allocation.placed_by == PLACED_BY_MECHANISM) & own & (arc <= held_index))
    lead = build_units(problem).lead
    fine |= (lead != np.arange(problem.applicant_count)) & fine[lead] & (school == school[lead])
    offenders = np.flatnonzero(later.continuing & ~fine)
    return CheckResult("continuing_not_worse", offenders.size == 0, int(offenders.size), True,
                       "no continuing applicant ends at a school it ranks below the one it held",
                       [str(problem.applicant_ids[a]) for a in offenders[:EXAMPLES]])


def check_acceptors_unchanged(later: LaterRoundProblem, allocation: Allocation) -> CheckResult:
    """Applicants that accepted keep exactly the seat they held."""
    accepted = later.continuing & (later.response == "accept")
    offenders = np.flatnonzero(accepted & (allocation.assigned_school != later.held_school))
    return CheckResult("acceptors_unchanged", offenders.size == 0, int(offenders.size), True,
                       "applicants that accepted keep the seat they held",
                       [str(later.problem.applicant_ids[a]) for a in offenders[:EXAMPLES]])


def check_declined_hold_nothing(later: LaterRoundProblem, allocation: Allocation) -> CheckResult:
    """Declined applicants hold no seat."""
    declined = later.response == "decline"
    offenders = np.flatnonzero(declined & (allocation.assigned_school >= 0))
    return CheckResult("declined_hold_nothing", offenders.size == 0, int(offenders.size), True,
                       "declined applicants hold no seat",
                       [str(later.problem.applicant_ids[a]) for a in offenders[:EXAMPLES]])


def _held_arc_index(later: LaterRoundProblem) -> np.ndarray:
    """Index of each applicant's held arc (-1 for none)."""
    held = np.flatnonzero(later.held_arc)
    result = np.full(later.problem.applicant_count, -1, dtype=np.int64)
    result[later.problem.arc_applicant()[held]] = held
    return result
