"""Who is placed by the engine at all (FILTER): age rule and disability plans."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.policy.config import Policy

#: Exclusion codes written to the outputs (``status = excluded``).
EXCLUSION_REASONS: dict[str, str] = {
    "under_age": "below the grade-1 minimum age on the cut-off day",
    "special_school": "placed at a special school by the expert committee (kept in the ledger)",
    "home_teaching": "taught at home by the expert committee's plan (kept in the ledger)",
}


def exclusions(applicants: pd.DataFrame, policy: Policy, entry_year: int | None) -> np.ndarray:
    """Exclusion code per applicant ('' = placed by the engine).

    The age rule applies to grade 1 only and only when the scenario states its
    ``entry_year``: a child must be ``policy.age.minimum`` years old on the
    cut-off day (31 August by default) of that year.
    """
    reason = np.full(len(applicants), "", dtype=object)
    plan = applicants["disability_plan"].to_numpy(dtype=object)
    reason[plan == "special_school"] = "special_school"
    reason[plan == "home_teaching"] = "home_teaching"
    if entry_year is not None and policy.kind == "ladder":
        cutoff = pd.Timestamp(year=entry_year - policy.age.minimum, month=policy.age.cutoff_month,
                              day=policy.age.cutoff_day)
        born_late = (applicants["birth_date"] > cutoff).to_numpy(dtype=bool)
        primary = (applicants["stage"] == "primary").to_numpy(dtype=bool)
        reason[born_late & primary & (reason == "")] = "under_age"
    return reason
