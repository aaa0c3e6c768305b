"""Benchmarks: seeded generators swept over size; run ``python -m benchmarks.foundation``."""
