"""The verification result vocabulary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: How many offending ids a check lists.
EXAMPLES = 10


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one verification check.

    Attributes
    ----------
    name : str
        Check name, stable across versions.
    passed : bool
        False only when a required check found violations.
    violations : int
        Number of violations (reported even when not required).
    required : bool
        Whether violations fail the verification.
    description : str
        What the check means.
    examples : list[str]
        Up to :data:`EXAMPLES` offending application numbers or school ids.
    groups : list[str]
        Sibling groups involved, as member application numbers joined by '+'.
    """

    name: str
    passed: bool
    violations: int
    required: bool
    description: str
    examples: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for ``summary.json``."""
        return asdict(self)
