"""Comparing run folders: metrics side by side, seats by school, who moved where and why.

The first run is the reference; every other run is compared with it. Applicants
and schools are matched by id, so a what-if's rows line up with the base's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocator.pipeline.cell_safety import neutralise_frame

#: Headline metrics of ``summary.json`` (``counts``) compared side by side.
METRICS: tuple[str, ...] = ("applicants", "placed", "unplaced", "excluded", "first_choice",
                            "capacity", "surplus_seats", "schools", "schools_oversubscribed",
                            "schools_full")


@dataclass(frozen=True)
class Comparison:
    """Tidy tables comparing runs with the first one."""

    runs: tuple[str, ...]
    metrics: pd.DataFrame
    schools: pd.DataFrame
    movers: pd.DataFrame
    categories: pd.DataFrame
    changes: dict[str, list[str]]
    policy: str = ""


@dataclass(frozen=True)
class RunFolder:
    """The tables of one run folder."""

    name: str
    assignments: pd.DataFrame
    schools: pd.DataFrame
    summary: dict
    manifest: dict


def read_run(folder: str | Path) -> RunFolder:
    """Read a run folder written by ``allocator run`` or ``allocator scenarios``."""
    folder = Path(folder)
    read = {"dtype": str, "keep_default_na": False}
    return RunFolder(folder.name, pd.read_csv(folder / "assignments.csv", **read),
                     pd.read_csv(folder / "schools.csv", **read),
                     json.loads((folder / "summary.json").read_text(encoding="utf-8")),
                     json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def compare_runs(folders: list[str | Path]) -> Comparison:
    """Compare every run with the first.

    Parameters
    ----------
    folders : list of path
        Run folders; at least two. Names must differ (the folder names label the runs).
    """
    runs = [read_run(folder) for folder in folders]
    names = [run.name for run in runs]
    if len(runs) < 2 or len(set(names)) != len(names):
        raise ValueError("give at least two run folders with different names")
    reference = runs[0]
    return Comparison(
        runs=tuple(names), metrics=metrics_table(runs),
        schools=pd.concat([schools_diff(reference, run) for run in runs[1:]],
                          ignore_index=True),
        movers=pd.concat([movers_table(reference, run) for run in runs[1:]], ignore_index=True),
        categories=categories_table(runs),
        changes={run.name: run.manifest.get("what_if", {}).get("changes", []) for run in runs},
        policy=str(reference.manifest.get("policy", "")))


def metrics_table(runs: list[RunFolder]) -> pd.DataFrame:
    """One row per metric, one column per run, then the change from the first run."""
    rows = []
    for metric in METRICS:
        values = [run.summary["counts"].get(metric) for run in runs]
        rows.append({"metric": metric, **dict(zip([r.name for r in runs], values, strict=True))})
    for statistic in ("mean", "p95"):
        values = [run.summary["counts"]["distance_km"].get(statistic) for run in runs]
        rows.append({"metric": f"distance_km_{statistic}",
                     **dict(zip([r.name for r in runs], values, strict=True))})
    frame = pd.DataFrame(rows)
    for run in runs[1:]:
        frame[f"{run.name}_change"] = (pd.to_numeric(frame[run.name]) - pd.to_numeric(
            frame[runs[0].name])).round(3)
    return frame


def schools_diff(reference: RunFolder, other: RunFolder) -> pd.DataFrame:
    """Schools whose plan or admissions differ (added and closed schools included)."""
    columns = ["school_id", "name", "capacity", "assigned", "surplus"]
    left = reference.schools[columns].set_index("school_id")
    right = other.schools[columns].set_index("school_id")
    joined = left.merge(right, how="outer", left_index=True, right_index=True,
                         suffixes=("_before", "_after"))
    for column in ("capacity", "assigned", "surplus"):
        before = pd.to_numeric(joined[f"{column}_before"]).fillna(0).astype(int)
        after = pd.to_numeric(joined[f"{column}_after"]).fillna(0).astype(int)
        joined[f"{column}_before"], joined[f"{column}_after"] = before, after
        joined[f"{column}_change"] = after - before
    joined["name"] = joined["name_after"].fillna(joined["name_before"])
    joined["status"] = "changed"
    joined.loc[joined["name_before"].isna(), "status"] = "new"
    joined.loc[joined["name_after"].isna(), "status"] = "closed"
    changed = ((joined["capacity_change"] != 0) | (joined["assigned_change"] != 0)
               | (joined["status"] != "changed"))
    result = joined[changed].reset_index()
    result.insert(0, "run", other.name)
    keep = ["run", "school_id", "name", "status"] + [
        f"{c}_{w}" for c in ("capacity", "assigned", "surplus")
        for w in ("before", "after", "change")]
    return result[keep]


def movers_table(reference: RunFolder, other: RunFolder) -> pd.DataFrame:
    """Applicants whose outcome differs, with the school they left and joined and why."""
    columns = ["applicant_id", "school_id", "status", "tier_name", "reason_code", "reason",
               "county"]
    left = reference.assignments[columns].set_index("applicant_id")
    right = other.assignments[columns].set_index("applicant_id")
    joined = left.merge(right, how="outer", left_index=True, right_index=True,
                         suffixes=("_before", "_after"))
    outcome = ["school_id", "status", "tier_name", "reason_code"]
    differs = pd.Series(False, index=joined.index)
    for column in outcome:
        differs |= joined[f"{column}_before"].fillna("-") != joined[f"{column}_after"].fillna("-")
    moved = joined[differs].copy()
    plan_changed = _plan_changed(reference, other)
    late = _late_applicants(other)
    moved["why"] = [_why(row, plan_changed, late) for row in moved.itertuples()]
    moved = moved.reset_index()
    moved.insert(0, "run", other.name)
    keep = ["run", "applicant_id", "county_before", "school_id_before", "school_id_after",
            "tier_name_before", "tier_name_after", "reason_code_before", "reason_code_after",
            "why", "reason_after"]
    return moved[keep].rename(columns={"county_before": "county", "reason_after": "reason"})


def _plan_changed(reference: RunFolder, other: RunFolder) -> set[str]:
    left = reference.schools.set_index("school_id")["capacity"]
    right = other.schools.set_index("school_id")["capacity"]
    joined = pd.concat([left, right], axis=1, keys=["before", "after"])
    return set(joined.index[joined["before"].fillna("") != joined["after"].fillna("")])


def _late_applicants(run: RunFolder) -> set[str]:
    """Ids of the late applicants of a later round (none in a first round)."""
    if "late" not in run.assignments.columns:
        return set()
    return set(run.assignments.loc[run.assignments["late"] == "true", "applicant_id"])


def _why(row, plan_changed: set[str], late: frozenset[str] | set[str] = frozenset()) -> str:
    """A short explanation of one applicant's change."""
    before, after = row.school_id_before, row.school_id_after
    if pd.isna(before) and pd.isna(row.status_before):
        return ("late applicant (later round)" if row.Index in late
                else "new applicant (demand change)")
    if pd.isna(row.status_after):
        return "applicant removed (demand change)"
    if row.status_after == "declined" and row.status_before != "declined":
        return "declined its seat (later round)"
    if row.tier_name_before != row.tier_name_after and before == after:
        return f"priority tier changed: {row.tier_name_before} -> {row.tier_name_after}"
    if after in plan_changed or before in plan_changed:
        school = after if after in plan_changed else before
        return f"plan changed at {school}"
    return "chain: a seat was freed or taken by others' moves"


def categories_table(runs: list[RunFolder]) -> pd.DataFrame:
    """Placed applicants per tier and per placement route, for every run (tidy)."""
    rows = []
    for run in runs:
        placed = run.assignments[run.assignments["status"] == "placed"]
        for dimension in ("tier_name", "reason_code"):
            for value, count in placed[dimension].replace("", "(sweep)").value_counts(
                    ).sort_index().items():
                rows.append({"run": run.name, "dimension": dimension, "category": value,
                             "placed": int(count)})
    tidy = pd.DataFrame(rows)
    return tidy.pivot_table(index=["dimension", "category"], columns="run", values="placed",
                            fill_value=0).reset_index()[["dimension", "category",
                                                         *[r.name for r in runs]]]


def write_comparison(comparison: Comparison, out_dir: str | Path,
                     inputs: list[str | Path] | tuple = (), lang: str = "zh") -> list[Path]:
    """Write the tables as CSV and a self-contained HTML page with plots, atomically.

    ``out_dir`` must be absent, empty or a folder the engine wrote, and may not
    be or contain one of the compared run folders.
    """
    from allocator.pipeline.write import write_folder_atomically
    from allocator.scenarios.compare_html import comparison_html

    names = [f"{name}.csv" for name in ("metrics", "schools", "movers", "categories")]

    def fill(staging: Path) -> None:
        for name in names:
            neutralise_frame(getattr(comparison, name[:-4])).to_csv(
                staging / name, index=False, lineterminator="\n")
        (staging / "comparison.html").write_text(comparison_html(
            comparison, lang, tier_labels(comparison, lang)),
                                                 encoding="utf-8")

    out = write_folder_atomically(fill, out_dir, kind="comparison",
                                  inputs=inputs)
    return [out / name for name in [*names, "comparison.html"]]


def tier_labels(comparison: Comparison, lang: str) -> dict[str, str]:
    """Tier name -> label of the reference run's policy when it is a built-in one."""
    from allocator.policy.loader import builtin_policy_names, load_builtin_policy

    name = comparison.policy
    if name not in builtin_policy_names():
        return {}
    policy = load_builtin_policy(name)
    return {tier.name: (tier.label_zh if lang == "zh" else tier.label_en) or tier.name
            for tier in policy.tiers}
