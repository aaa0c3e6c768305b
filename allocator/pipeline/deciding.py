"""Which key decided a refusal: the tier, the older-sibling rule or one tie-break.

A school ranks the children of one tier by the policy's tie-break chain (earlier
hukou date, earlier property date, longer residence permit, longer social
insurance, then the lottery; POLICY.md). When a child was refused, the key that
decided is the first one, in that order, on which the child and the last child
admitted (the cut-off) differ. :func:`deciding_key` names it with both values
and which direction is better, so ``allocator explain`` does not show the
lottery when a months-of-permit comparison decided.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.policy.lottery import lottery_numbers
from allocator.problem.compiled import SIBLING_SHIFT, TIE_MASK, TIER_SHIFT, CompiledProblem

#: Tie-breaks and whether a smaller value is better.
DIRECTION = {"hukou_since": "earlier", "property_since": "earlier",
             "residence_permit_months": "longer", "social_insurance_months": "longer",
             "lottery": "lower"}


def cutoff_holder(problem: CompiledProblem, worst_key: int) -> int:
    """Position of the applicant holding a school's cut-off key (-1 if none).

    Priority keys are unique at a school, so the arc carrying ``worst_key`` is
    the last child the mechanism admitted there.
    """
    if worst_key < 0:
        return -1
    arcs = np.flatnonzero(problem.arc_priority == worst_key)
    if arcs.size == 0:
        return -1
    return int(np.searchsorted(problem.arc_start, arcs[0], side="right") - 1)


def deciding_key(problem: CompiledProblem, applicants: pd.DataFrame,
                 tie_breaks: tuple[str, ...], explicit: bool, who: int, own_key: int,
                 worst_key: int, tier_numbers: np.ndarray | None) -> dict[str, Any] | None:
    """The key that put ``own_key`` behind the cut-off ``worst_key`` at one school.

    Parameters
    ----------
    problem : CompiledProblem
        The run's compiled problem.
    applicants : pandas.DataFrame
        The scenario's applicants (for the tie-break values).
    tie_breaks : tuple of str
        The policy's tie-break chain.
    explicit : bool
        Whether the policy is ``explicit`` (schools rank by ``priorities.csv``).
    who : int
        Position of the refused child.
    own_key, worst_key : int
        The refused child's packed priority at the school and the cut-off's.
    tier_numbers : numpy.ndarray or None
        Published tier number per tier index for the child's stage.

    Returns
    -------
    dict or None
        ``key`` (tier, older_sibling, school_priority or a tie-break name),
        ``yours``, ``cutoff`` (the values compared) and ``better`` (lower,
        earlier, longer, first); None when there is no cut-off.
    """
    holder = cutoff_holder(problem, worst_key)
    if holder < 0 or own_key <= worst_key:
        return None
    own_tier, cut_tier = (own_key >> TIER_SHIFT) & 0xFF, (worst_key >> TIER_SHIFT) & 0xFF
    if own_tier != cut_tier:
        def number(tier: int) -> int:
            return int(tier_numbers[tier]) if tier_numbers is not None else tier
        return {"key": "tier", "yours": number(own_tier), "cutoff": number(cut_tier),
                "better": "lower"}
    if (own_key >> SIBLING_SHIFT) & 1 != (worst_key >> SIBLING_SHIFT) & 1:
        return {"key": "older_sibling", "yours": "no", "cutoff": "yes", "better": "first"}
    if explicit and own_tier == 0:
        # the listed tier's tie field is the school's dense rank (1 = first listed)
        return {"key": "school_priority", "yours": int(own_key & TIE_MASK),
                "cutoff": int(worst_key & TIE_MASK), "better": "lower"}
    names = ("lottery",) if _is_lottery_tier(problem, own_tier, explicit) else tie_breaks
    return _first_difference(problem, applicants, names, who, holder)


def _is_lottery_tier(problem: CompiledProblem, tier: int, explicit: bool) -> bool:
    """The private round and the unlisted tier of ``explicit`` rank by lottery alone."""
    name = problem.tier_names[tier]
    return name == "private_lottery" or (explicit and tier == 1)


def _first_difference(problem, applicants, names, mine, holder) -> dict[str, Any]:
    lottery = lottery_numbers(problem.draws)
    for name in names:
        if name == "lottery":
            yours, theirs = float(lottery[mine]), float(lottery[holder])
            if yours != theirs:
                return {"key": "lottery", "yours": f"{yours:.4f}", "cutoff": f"{theirs:.4f}",
                        "better": "lower"}
            continue
        yours, theirs = applicants[name].iloc[mine], applicants[name].iloc[holder]
        if _same(yours, theirs):
            continue
        return {"key": name, "yours": _shown(yours), "cutoff": _shown(theirs),
                "better": DIRECTION.get(name, "lower")}
    return {"key": "applicant_id", "yours": str(problem.applicant_ids[mine]),
            "cutoff": str(problem.applicant_ids[holder]), "better": "lower"}


def _same(one: Any, other: Any) -> bool:
    if pd.isna(one) and pd.isna(other):
        return True
    if pd.isna(one) or pd.isna(other):
        return False
    return bool(one == other)


def _shown(value: Any) -> str:
    if pd.isna(value):
        return "-"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
