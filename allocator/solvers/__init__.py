"""Solver layer: one module per mechanism behind a registry."""

from allocator.model.lazy_exports import lazy_getattr

#: Exported name -> module defining it; imported lazily by :func:`__getattr__`.
_EXPORTS = {
    "MECHANISMS": "allocator.solvers.registry",
    "PLANNED_MECHANISMS": "allocator.solvers.registry",
    "Mechanism": "allocator.solvers.registry",
    "get_mechanism": "allocator.solvers.registry",
    "Allocation": "allocator.solvers.result",
    "final_sweep": "allocator.solvers.sweep",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
