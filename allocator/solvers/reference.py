"""A straightforward pure-Python deferred acceptance: the benchmark baseline.

Same input and output as :func:`allocator.solvers.deferred_acceptance.deferred_acceptance`
but written the textbook way (a queue of free applicants, a max-heap per school),
so a benchmark can measure what the vectorised version buys and a test can
check both agree.
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from allocator.problem.compiled import CompiledProblem
from allocator.solvers.result import Allocation


def reference_deferred_acceptance(problem: CompiledProblem) -> Allocation:
    """Gale-Shapley with one proposal at a time (dicts, deque and heaps)."""
    start = problem.arc_start.tolist()
    arc_school = problem.arc_school.tolist()
    priority = problem.arc_priority.tolist()
    capacity = problem.school_capacity.tolist()
    eligible = (problem.exclusion == "").tolist()
    pointer = start[:-1]
    held: dict[int, int] = {}
    school_heap: dict[int, list[tuple[int, int, int]]] = {}
    queue = deque(i for i in range(problem.applicant_count)
                  if eligible[i] and start[i] < start[i + 1])
    proposals = 0
    while queue:
        applicant = queue.popleft()
        while pointer[applicant] < start[applicant + 1]:
            arc = pointer[applicant]
            pointer[applicant] += 1
            proposals += 1
            school = arc_school[arc]
            if capacity[school] == 0:
                continue
            heap = school_heap.setdefault(school, [])
            if len(heap) < capacity[school]:
                heapq.heappush(heap, (-priority[arc], applicant, arc))
                held[applicant] = arc
                break
            if -heap[0][0] > priority[arc]:
                _, bumped, _ = heapq.heapreplace(heap, (-priority[arc], applicant, arc))
                held[applicant] = arc
                del held[bumped]
                queue.append(bumped)
                break
    assigned = np.full(problem.applicant_count, -1, dtype=np.int64)
    for applicant, arc in held.items():
        assigned[applicant] = arc
    return Allocation.from_arcs("deferred-acceptance/reference", assigned, problem.arc_school,
                                {"proposals": proposals})
