"""Verification layer: checks used by the pipeline, the tests and the reports."""

from allocator.verify.checks import CheckResult, all_passed, envy_arcs, verify

__all__ = ["CheckResult", "all_passed", "envy_arcs", "verify"]
