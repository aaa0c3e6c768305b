"""Planners' reports: metrics, seat ledger, surplus plan, fairness, recommendations, documents.

This layer comes after :mod:`allocator.pipeline`; it reads a run's result and
never changes it. :func:`allocator.reports.writer.report_writer` is the extra
writer that puts ``report.html``, ``report.xlsx`` and the disclosure files into
every run folder.
"""
