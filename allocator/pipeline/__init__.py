"""Pipeline layer: the main job from scenario folder to run folder."""

from allocator.model.lazy_exports import lazy_getattr

#: Exported name -> module defining it; imported lazily by :func:`__getattr__`.
_EXPORTS = {
    "LoadedScenario": "allocator.pipeline.load",
    "load": "allocator.pipeline.load",
    "RunResult": "allocator.pipeline.run",
    "run_scenario": "allocator.pipeline.run",
    "write_run": "allocator.pipeline.write",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
