"""Model layer: the scenario tables, their schemas and their validation.

No policy and no solver lives here; everything above imports from this layer.
"""

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.scenario import Scenario, ScenarioSettings, load_tables, read_settings

__all__ = ["InputError", "InputProblem", "ProblemCollector", "Scenario", "ScenarioSettings",
           "load_tables", "read_settings"]
