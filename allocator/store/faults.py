"""Fault-injection points for the fault tests (inactive unless asked for).

The job calls :func:`checkpoint` between its writes. When the environment
variable ``ALLOCATOR_FAULT`` names that checkpoint (``NAME`` or ``NAME:kill``),
the process raises :class:`InjectedFault` there, or kills itself with SIGKILL,
so tests can show that a job interrupted at any point leaves the store as it was.
"""

from __future__ import annotations

import os
import signal

FAULT_VARIABLE = "ALLOCATOR_FAULT"


class InjectedFault(RuntimeError):
    """Raised at a checkpoint named in ``ALLOCATOR_FAULT``."""


def checkpoint(name: str) -> None:
    """Fail here if ``ALLOCATOR_FAULT`` asks for it; otherwise do nothing."""
    wanted = os.environ.get(FAULT_VARIABLE, "")
    if not wanted:
        return
    point, _, action = wanted.partition(":")
    if point != name:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise InjectedFault(f"fault injected at checkpoint '{name}'")
