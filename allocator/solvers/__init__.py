"""Solver layer: one module per mechanism behind a registry."""

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


def __getattr__(name: str):
    """Import an exported name on first use (``allocator --help`` stays light)."""
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
