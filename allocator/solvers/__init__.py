"""Solver layer: one module per mechanism behind a registry."""

from allocator.solvers.registry import MECHANISMS, PLANNED_MECHANISMS, Mechanism, get_mechanism
from allocator.solvers.result import Allocation
from allocator.solvers.sweep import final_sweep

__all__ = ["MECHANISMS", "PLANNED_MECHANISMS", "Allocation", "Mechanism", "final_sweep",
           "get_mechanism"]
