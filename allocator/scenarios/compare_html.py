"""The comparison as one self-contained HTML page with plots (matplotlib, inlined PNG)."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

from allocator.scenarios.compare import Comparison


def comparison_html(comparison: Comparison) -> str:
    """HTML page: what changed, metrics, plots, seats by school, movers, categories."""
    reference = comparison.runs[0]
    parts = [f"<h1>Comparison with {html.escape(reference)}</h1>"]
    for run, changes in comparison.changes.items():
        if run != reference and changes:
            items = "".join(f"<li><code>{html.escape(c)}</code></li>" for c in changes)
            parts.append(f"<h3>{html.escape(run)}: changes applied</h3><ul>{items}</ul>")
    parts.append("<h2>Metrics</h2>" + comparison.metrics.to_html(index=False, na_rep=""))
    parts.append(_plots(comparison))
    parts.append("<h2>Seats by school (schools that changed)</h2>"
                 + comparison.schools.to_html(index=False))
    summary = (comparison.movers.groupby(["run", "why"]).size().rename("applicants")
               .reset_index())
    parts.append("<h2>Who moved, and why</h2>" + summary.to_html(index=False))
    parts.append(comparison.movers.head(500).to_html(index=False, na_rep=""))
    parts.append("<h2>Placed by category</h2>" + comparison.categories.to_html(index=False))
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
             "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Comparison</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")


def _plots(comparison: Comparison) -> str:
    """Bar charts: change of admissions by school, and movers by reason."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    schools = comparison.schools
    if len(schools):
        pivot = schools.pivot_table(index="school_id", columns="run", values="assigned_change",
                                    fill_value=0)
        pivot.plot.bar(ax=axes[0])
    axes[0].set_title("change of admitted children by school")
    axes[0].set_ylabel("children")
    movers = comparison.movers
    if len(movers):
        counts = movers.groupby(["why", "run"]).size().unstack(fill_value=0)
        counts.index = [text[:40] for text in counts.index]
        counts.plot.barh(ax=axes[1])
    axes[1].set_title("movers by reason")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<h2>Plots</h2><img alt='comparison plots' src='data:image/png;base64,{encoded}'>"


def metrics_for_terminal(comparison: Comparison) -> pd.DataFrame:
    """The metrics table, as printed by ``allocator compare``."""
    return comparison.metrics
