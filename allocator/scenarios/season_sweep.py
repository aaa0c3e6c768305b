"""Season what-ifs in a sweep: expected moves, newly placed, declines and idle seats.

For a scenario with a ``season`` override every (scenario, seed) task runs the first
round, draws the responses from (seed, id), and runs the later round twice: with
the same and with the reversed lottery (Feigenbaum, Kanoria, Lo and Sethuraman
2020). The draws are the same for both lotteries, so the two rows of a seed differ
only by the lottery order.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.run import solve_loaded
from allocator.pipeline.write import write_run
from allocator.scenarios.season import SEASON_METRICS, run_later_round, season_row
from allocator.scenarios.spec import Season

#: Lottery orders every season sweep compares.
SWEEP_LOTTERIES: tuple[str, ...] = ("same", "reversed")

#: Columns of ``season.csv``: one row per (scenario, seed, lottery).
SEASON_COLUMNS: tuple[str, ...] = ("scenario", "seed", "lottery", *SEASON_METRICS, "verified")

#: Columns of ``season_expected.csv``: one row per (scenario, lottery, metric).
EXPECTED_COLUMNS: tuple[str, ...] = ("scenario", "lottery", "metric", "seeds", "mean", "std",
                                     "min", "max")


def season_task(task: Callable[..., dict[str, Any]],
                season: Season | None) -> Callable[..., dict[str, Any]]:
    """The task for a scenario: the season task when it has a season and ``task`` is
    the engine's own (a test's replacement task is kept as it is)."""
    from allocator.scenarios.sweep import sweep_task

    if season is None or task is not sweep_task:
        return task
    return functools.partial(season_sweep_task, season=season)


def season_sweep_task(folder: str, scenario: str, seed: int, season: Season) -> dict[str, Any]:
    """First round, drawn responses, later rounds with both lotteries (worker side).

    Returns the first round's compact tables (as :func:`sweep_task`) plus
    ``season``: one metrics row per lottery order.
    """
    from allocator.scenarios.sweep import _loaded, task_outcome

    loaded = replace(_loaded(folder), seed=seed)
    first = solve_loaded(loaded, lambda step: None, {})
    outcome = task_outcome(scenario, seed, first)
    with tempfile.TemporaryDirectory(prefix="allocator-season-sweep-") as work:
        first_folder = write_run(first, Path(work) / "first-round")
        outcome["season"] = [
            {"scenario": scenario, "seed": seed,
             **season_row(run_later_round(Path(folder), first_folder, season, seed,
                                          Path(work), lottery), lottery)}
            for lottery in SWEEP_LOTTERIES]
    return outcome


def season_table(outcomes: list[dict[str, Any]]) -> pd.DataFrame:
    """The season rows of sorted outcomes as one tidy table (empty without seasons)."""
    rows = [row for outcome in outcomes for row in outcome.get("season", [])]
    frame = pd.DataFrame(rows, columns=list(SEASON_COLUMNS))
    return frame.sort_values(["scenario", "seed", "lottery"]).reset_index(drop=True)


def expected_season(season: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, lottery and metric: mean, standard deviation, min and max over seeds."""
    if season.empty:
        return pd.DataFrame(columns=list(EXPECTED_COLUMNS))
    long = season.melt(id_vars=["scenario", "seed", "lottery"], value_vars=list(SEASON_METRICS),
                       var_name="metric")
    long["value"] = long["value"].astype(float)
    grouped = long.groupby(["scenario", "lottery", "metric"], sort=True)["value"]
    table = grouped.agg(seeds="count", mean="mean", std="std", min="min", max="max")
    table = table.reset_index()
    table["std"] = table["std"].fillna(0.0)
    return table[list(EXPECTED_COLUMNS)].round(4)


def write_season_tables(season: pd.DataFrame, out: Path) -> list[Path]:
    """``season.csv``, ``season_expected.csv`` and ``season.png`` (nothing without seasons)."""
    if season.empty:
        return []
    paths = [out / "season.csv", out / "season_expected.csv"]
    for frame, path in zip((season, expected_season(season)), paths, strict=True):
        neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n")
    return [*paths, plot_season(expected_season(season), out)]


def plot_season(expected: pd.DataFrame, out: Path) -> Path:
    """Bars of the expected moves, newly placed, declined and idle seats, by lottery."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ("moves", "newly_placed", "declined", "idle_seats")
    scenarios = sorted(expected["scenario"].unique())
    figure, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.6))
    width = 0.8 / len(SWEEP_LOTTERIES)
    for axis, metric in zip(axes, metrics, strict=True):
        for offset, lottery in enumerate(SWEEP_LOTTERIES):
            rows = (expected[(expected["metric"] == metric) & (expected["lottery"] == lottery)]
                    .set_index("scenario").reindex(scenarios))
            axis.bar([i + offset * width for i in range(len(scenarios))], rows["mean"],
                     width, yerr=rows["std"], label=f"{lottery} lottery", capsize=2)
        axis.set_xticks([i + width / 2 for i in range(len(scenarios))], scenarios,
                        rotation=30, ha="right", fontsize=7)
        axis.set_title(f"expected {metric.replace('_', ' ')}")
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    path = out / "season.png"
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path
