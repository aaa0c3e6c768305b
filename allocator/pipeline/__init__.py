"""Pipeline layer: the main job from scenario folder to run folder."""

#: Exported name -> module defining it; imported lazily by :func:`__getattr__`.
_EXPORTS = {
    "LoadedScenario": "allocator.pipeline.load",
    "load": "allocator.pipeline.load",
    "RunResult": "allocator.pipeline.run",
    "run_scenario": "allocator.pipeline.run",
    "write_run": "allocator.pipeline.write",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name on first use (``allocator --help`` stays light)."""
    import importlib

    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
