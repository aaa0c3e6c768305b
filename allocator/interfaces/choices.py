"""Choices of the command line's options, as light lists for ``--help``.

``--help`` must not import the solvers (numpy, SciPy, OR-Tools), so the
mechanism names are spelled here; ``tests/interfaces/test_terminal.py`` checks
them against the solver registry. The engine still validates every value and
reports an unknown one as ``command line::--mechanism: ...`` (exit 2).
"""

from __future__ import annotations

MECHANISM_NAMES: tuple[str, ...] = ("deferred-acceptance", "immediate-acceptance",
                                    "exact-groups", "min-cost-flow")
LANGUAGE_NAMES: tuple[str, ...] = ("zh", "en")
LOG_LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error")


def metavar(names: tuple[str, ...]) -> str:
    """The choices as ``--help`` shows them: ``[a|b|c]``."""
    return "[" + "|".join(names) + "]"


MECHANISM_METAVAR = metavar(MECHANISM_NAMES)
LANGUAGE_METAVAR = metavar(LANGUAGE_NAMES)
