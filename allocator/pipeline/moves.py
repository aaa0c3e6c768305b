"""Vacancy chains of a later round: which freed or added seat started each move.

At every school the seats open in this round are, in this order: seats given
up by applicants that declined, seats left by applicants that moved away,
seats that were already free, seats added to the plan. Applicants arriving at
the school (moving in, or placed for the first time) take them in this
round's priority order. An arrival that took a seat left by a mover continues
that mover's chain one step further; any other arrival starts a chain named
after its seat (``SCHOOL:declined:APPLICANT``, ``SCHOOL:free:K``,
``SCHOOL:added:K``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

MOVE_COLUMNS = ("applicant_id", "from_school_id", "to_school_id", "chain", "step")


@dataclass(frozen=True)
class SeatChanges:
    """Per applicant and per school, what changed between two rounds (positions)."""

    applicant_ids: np.ndarray
    school_ids: np.ndarray
    previous_school: np.ndarray
    final_school: np.ndarray
    declined_seat: np.ndarray
    order: np.ndarray
    previous_capacity: np.ndarray
    capacity: np.ndarray

    @property
    def arrivals(self) -> np.ndarray:
        """Applicants placed at a school they did not hold before."""
        return (self.final_school >= 0) & (self.final_school != self.previous_school)

    @property
    def movers(self) -> np.ndarray:
        """Applicants that held a seat and now hold one at another school."""
        return self.arrivals & (self.previous_school >= 0)


def vacancy_chains(changes: SeatChanges) -> pd.DataFrame:
    """``moves.csv``: one row per applicant whose school changed, by chain and step.

    Parameters
    ----------
    changes : SeatChanges
        Previous and final school of every applicant, and both rounds' plans.
    """
    seat_of = _seats_taken(changes)
    chain: dict[int, tuple[str, int]] = {}
    for applicant in seat_of:
        _resolve(applicant, seat_of, changes, chain)
    rows = sorted(seat_of)
    ids, schools = changes.applicant_ids, changes.school_ids
    frame = pd.DataFrame({
        "applicant_id": [ids[a] for a in rows],
        "from_school_id": [schools[changes.previous_school[a]]
                           if changes.previous_school[a] >= 0 else "" for a in rows],
        "to_school_id": [schools[changes.final_school[a]] for a in rows],
        "chain": [chain[a][0] for a in rows],
        "step": [chain[a][1] for a in rows],
    }, columns=list(MOVE_COLUMNS))
    frame = frame.sort_values(["chain", "step", "applicant_id"], kind="stable")
    return frame.reset_index(drop=True).astype({"step": np.int64})


def _seats_taken(changes: SeatChanges) -> dict[int, tuple[str, object]]:
    """Per arriving applicant the seat it took: ('mover', applicant) or ('root', label)."""
    arrivals = np.flatnonzero(changes.arrivals)
    arrivals = arrivals[np.lexsort((changes.order[arrivals], changes.final_school[arrivals]))]
    incoming: dict[int, list[int]] = defaultdict(list)
    for applicant in arrivals.tolist():
        incoming[int(changes.final_school[applicant])].append(applicant)
    seats = _open_seats(changes, set(incoming))
    taken: dict[int, tuple[str, object]] = {}
    for school, applicants in incoming.items():
        for applicant, seat in zip(applicants, seats[school], strict=False):
            taken[applicant] = seat
    return taken


def _open_seats(changes: SeatChanges, schools: set[int]) -> dict[int, list]:
    """Open seats of each school receiving arrivals, in the documented order."""
    leaving = np.flatnonzero((changes.previous_school >= 0)
                             & (changes.final_school != changes.previous_school))
    leaving = leaving[np.lexsort((changes.order[leaving],
                                  ~changes.declined_seat[leaving]))]
    seats: dict[int, list] = defaultdict(list)
    ids, school_ids = changes.applicant_ids, changes.school_ids
    for applicant in leaving.tolist():
        school = int(changes.previous_school[applicant])
        if school in schools:
            seats[school].append(
                ("root", f"{school_ids[school]}:declined:{ids[applicant]}")
                if changes.declined_seat[applicant] else ("mover", applicant))
    held_before = np.bincount(changes.previous_school[changes.previous_school >= 0],
                              minlength=len(school_ids))
    for school in schools:
        before, now = changes.previous_capacity[school], changes.capacity[school]
        free = max(0, min(before, now) - held_before[school])
        added = max(0, now - max(before, held_before[school]))
        seats[school] += [("root", f"{school_ids[school]}:free:{k + 1}") for k in range(free)]
        seats[school] += [("root", f"{school_ids[school]}:added:{k + 1}") for k in range(added)]
    return seats


def _resolve(applicant: int, seat_of: dict, changes: SeatChanges,
             chain: dict[int, tuple[str, int]]) -> tuple[str, int]:
    """Chain label and step of ``applicant``, following movers back to a root seat."""
    path: list[int] = []
    visited: set[int] = set()
    current = applicant
    while current not in chain:
        kind, value = seat_of[current]
        if kind == "root":
            chain[current] = (str(value), 1)
            break
        following = int(value)
        if following in visited or following == current or following not in seat_of:
            # no root found (cannot happen under deferred acceptance): label the loop
            chain[current] = (f"{changes.school_ids[changes.final_school[current]]}:loop", 1)
            break
        path.append(current)
        visited.add(current)
        current = following
    for member in reversed(path):
        label, step = chain[int(seat_of[member][1])]
        chain[member] = (label, step + 1)
    return chain[applicant]
