"""Problem layer: one compiled, solver-neutral form consumed by every mechanism."""

from allocator.problem.compile import compile_problem
from allocator.problem.compiled import SOURCE_NAMES, CompiledProblem

__all__ = ["SOURCE_NAMES", "CompiledProblem", "compile_problem"]
