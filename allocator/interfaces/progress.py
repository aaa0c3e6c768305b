"""Progress of long commands: a spinner line on stderr and, at ``--log-level info``, a log.

The spinner (rich's status) shows only on a terminal; the log lines go to stderr
wherever it points, so a batch job sees every step with a time stamp.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

LOGGER = logging.getLogger("allocator.cli")


def log_step(step: str) -> None:
    """Log one step of a long command at info level."""
    LOGGER.info(step)


def reporter(status) -> Callable[[str], None]:
    """A progress callback that logs each step and shows it on ``status`` (a rich Status)."""

    def report(step: str) -> None:
        log_step(step)
        status.update(step)

    return report
