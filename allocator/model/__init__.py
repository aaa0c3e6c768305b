"""Model layer: the scenario tables, their schemas and their validation.

No policy and no solver lives here; everything above imports from this layer.
"""

from allocator.model.lazy_exports import lazy_getattr

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

__getattr__ = lazy_getattr(__name__, _EXPORTS)
