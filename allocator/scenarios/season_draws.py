"""The draws of a season what-if: who declines, who waits, who arrives late.

Algorithm (for a reader who wants to re-run a draw by hand):

1. ``key`` = ``b"season:" + channel + b":" + str(seed)`` with channel ``decline``,
   ``wait`` or ``late``. The lottery is keyed by the bare seed, so no season draw
   is ever correlated with a lottery number.
2. ``message`` = ``b"group:" + sibling_group`` for an applicant in a sibling group
   (twins decline, wait or stay together), else ``b"applicant:" + applicant_id``.
3. ``u`` = BLAKE2b(message, key=key, digest_size=8) as a big-endian integer / 2**64.
4. The event happens when ``u`` is below the applicant's rate.

A draw depends only on (seed, channel, id): adding, removing or reordering other
applicants changes no one else's response.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from allocator.scenarios.apply import demand_mask
from allocator.scenarios.spec import DemandChange, Season, SeasonRate

#: Suffix of the id of a late twin (the clone of an on-time applicant that arrives late).
LATE_SUFFIX = "-late"


def season_uniform(applicants: pd.DataFrame, seed: int, channel: str) -> np.ndarray:
    """One number in [0, 1) per applicant, keyed by (seed, channel, id or sibling group).

    Parameters
    ----------
    applicants : DataFrame
        Text table with ``applicant_id`` and, optionally, ``sibling_group``.
    seed : int
        The draw seed.
    channel : str
        ``decline``, ``wait`` or ``late``.
    """
    key = f"season:{channel}:{seed}".encode("ascii")
    groups = (applicants["sibling_group"].astype(str) if "sibling_group" in applicants.columns
              else pd.Series([""] * len(applicants), index=applicants.index))
    messages = np.where(groups.to_numpy(dtype=object) != "", "group:" + groups,
                        "applicant:" + applicants["applicant_id"].astype(str))
    keyed = hashlib.blake2b(key=key, digest_size=8)

    def digest(message: str) -> bytes:
        state = keyed.copy()
        state.update(message.encode("utf-8"))
        return state.digest()

    digests = b"".join(map(digest, messages))
    draws = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    return draws.astype(np.float64) / float(2**64)


def rate_of(applicants: pd.DataFrame, rates: tuple[SeasonRate, ...]) -> np.ndarray:
    """Each applicant's rate: the highest of the rates whose selectors all match it."""
    result = np.zeros(len(applicants), dtype=np.float64)
    for rate in rates:
        result = np.where(_matches(applicants, rate), np.maximum(result, rate.rate), result)
    return result


def _matches(applicants: pd.DataFrame, rate: SeasonRate) -> np.ndarray:
    if rate.selector == "all":
        return np.ones(len(applicants), dtype=bool)
    selector = DemandChange(category=rate.category, zone=rate.zone, county=rate.county,
                            factor=1.0)
    return demand_mask(applicants, selector)


def draw_responses(applicants: pd.DataFrame, previous_school: pd.Series, season: Season,
                   seed: int) -> pd.DataFrame:
    """``responses.csv`` of the later round: a row for every applicant holding a seat.

    Parameters
    ----------
    applicants : DataFrame
        The roster of the first round (text table).
    previous_school : Series
        The school each applicant holds after the first round (``""``: none), by
        applicant id.
    season : Season
        The merged season of the scenario.
    seed : int
        The draw seed.

    Returns
    -------
    DataFrame
        ``applicant_id``, ``response`` (``decline``, ``wait`` or ``accept``), roster order.
    """
    held = applicants["applicant_id"].map(previous_school).fillna("").to_numpy() != ""
    declines = held & (season_uniform(applicants, seed, "decline")
                       < rate_of(applicants, season.declines))
    waits = held & ~declines & (season_uniform(applicants, seed, "wait")
                                < (season.waits or 0.0))
    response = np.where(declines, "decline", np.where(waits, "wait", "accept"))
    return pd.DataFrame({"applicant_id": applicants["applicant_id"].to_numpy()[held],
                         "response": response[held]})


def draw_late_applicants(applicants: pd.DataFrame, season: Season, seed: int) -> pd.DataFrame:
    """Late twins ``<id>-late`` of the drawn applicants (same facts, no sibling group)."""
    drawn = season_uniform(applicants, seed, "late") < rate_of(applicants,
                                                               season.late_applicants)
    late = applicants[drawn].copy()
    late["applicant_id"] = late["applicant_id"].astype(str) + LATE_SUFFIX
    if "sibling_group" in late.columns:
        late["sibling_group"] = ""
    return late.reset_index(drop=True)


def season_log(season: Season) -> list[str]:
    """The season's changes as ``key: old -> new`` lines of the what-if's change log."""
    lines = [f"season.declines.{rate.selector}: 0 -> {rate.rate:g} of placed applicants "
             "decline" for rate in season.declines]
    lines.append(f"season.waits: 0 -> {season.waits or 0:g} of placed applicants wait")
    lines += [f"season.late_applicants.{rate.selector}: 0 -> {rate.rate:g} arrive late"
              for rate in season.late_applicants]
    lines.append(f"season.lottery: (none) -> later round, lottery {season.lottery or 'same'}")
    if season.seed is not None:
        lines.append(f"season.seed: (run seed) -> {season.seed}")
    return lines
