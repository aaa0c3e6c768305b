"""Verification layer: checks used by the pipeline, the tests and the reports."""

from allocator.verify.checks import all_passed, envy_arcs, verify
from allocator.verify.result import CheckResult

__all__ = ["CheckResult", "all_passed", "envy_arcs", "verify"]
