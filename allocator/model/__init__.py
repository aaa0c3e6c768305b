"""Model layer: the scenario tables, their schemas and their validation.

No policy and no solver lives here; everything above imports from this layer.
"""

#: Exported name -> module defining it; imported lazily by :func:`__getattr__`.
_EXPORTS = {
    "InputError": "allocator.model.problems",
    "InputProblem": "allocator.model.problems",
    "ProblemCollector": "allocator.model.problems",
    "Scenario": "allocator.model.scenario",
    "ScenarioSettings": "allocator.model.scenario",
    "load_tables": "allocator.model.scenario",
    "read_settings": "allocator.model.scenario",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name on first use (``allocator --help`` stays light)."""
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
