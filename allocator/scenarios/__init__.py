"""What-if scenarios, comparisons, sweeps and province runs (the layer after ``pipeline``).

Public API::

    read_scenario_file(path)                 # parse and validate a scenario file
    run_scenario_file(path, out_dir, only)   # run named scenarios, one run folder each
    compare_runs([run_a, run_b, ...])        # tidy comparison; write_comparison(...)
    run_sweep(path, seeds, ...)              # scenarios x seeds on Dask; write_sweep(...)
    run_province(folder, out_dir, ...)       # counties in parallel, byte-identical to serial
"""

from allocator.scenarios.compare import Comparison, compare_runs, read_run, write_comparison
from allocator.scenarios.province import run_province
from allocator.scenarios.runner import ScenarioRun, run_scenario_file, solve_prepared
from allocator.scenarios.spec import ScenarioFile, read_scenario_file
from allocator.scenarios.sweep import SweepResult, run_sweep, write_sweep

__all__ = ["Comparison", "ScenarioFile", "ScenarioRun", "SweepResult", "compare_runs",
           "read_run", "read_scenario_file", "run_province", "run_scenario_file", "run_sweep",
           "solve_prepared", "write_comparison", "write_sweep"]
