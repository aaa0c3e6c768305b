"""Pipeline layer: the main job from scenario folder to run folder."""

from allocator.pipeline.load import LoadedScenario, load
from allocator.pipeline.run import RunResult, run_scenario
from allocator.pipeline.write import write_run

__all__ = ["LoadedScenario", "RunResult", "load", "run_scenario", "write_run"]
