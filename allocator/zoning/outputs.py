"""The zoning folder: proposed schools.csv, what-if file, tables, summary, map page.

| file | content |
|---|---|
| ``schools.csv`` | the scenario's schools.csv with the proposed ``zones`` |
| ``zoning-scenarios.yaml`` | what-if file: ``current``, ``nearest_school``, ``proposal`` |
| ``communities.csv`` | every community: position, children, school today / baseline / proposed |
| ``moved_communities.csv`` | communities whose school changes: from, to, children, distance |
| ``demand.csv`` | per school: plan, limit, projected demand today / baseline / proposed |
| ``summary.json`` | figures of the three plans (projected and engine), solver steps, checks |
| ``report.html`` | the map and the tables |
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.model.problems import ProblemCollector
from allocator.model.readers import find_table, read_table
from allocator.pipeline.csv_text import write_frame
from allocator.pipeline.run import sha256_file
from allocator.pipeline.write import write_folder_atomically
from allocator.zoning.checks import plan_figures
from allocator.zoning.design import ZoningResult
from allocator.zoning.evaluate import PLANS, WHAT_IF_FILE, changed_zones, what_if_text


def communities_table(result: ZoningResult) -> pd.DataFrame:
    """One row per community and stage: position, children and the three schools."""
    frames = []
    communities = result.communities
    for plans in result.plans:
        instance = plans.instance

        def schools(assignment: np.ndarray, instance=instance) -> list[str]:
            ids = instance.school_ids
            return [";".join(ids[list(instance.fixed[c])]) if assignment[c] < 0 else
                    str(ids[assignment[c]]) for c in range(instance.community_count)]
        frames.append(pd.DataFrame({
            "county": instance.county, "stage": instance.stage, "zone_id": plans.zone_ids,
            "name": communities.names[instance.communities],
            "lat": np.round(communities.lat[instance.communities], 6),
            "lon": np.round(communities.lon[instance.communities], 6),
            "children": instance.children, "school_current": schools(plans.current),
            "school_nearest": schools(plans.baseline), "school_proposed": schools(
                plans.proposed)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def moved_table(result: ZoningResult) -> pd.DataFrame:
    """Communities whose school changes under the proposal."""
    rows = []
    for plans in result.plans:
        instance = plans.instance
        for community, school in enumerate(plans.proposed):
            before = instance.current[community]
            if school < 0 or before < 0 or school == before:
                continue
            km_before = instance.distance_km[community, before]
            km_after = instance.distance_km[community, school]
            rows.append({"county": instance.county, "stage": instance.stage,
                         "zone_id": plans.zone_ids[community],
                         "from_school_id": instance.school_ids[before],
                         "to_school_id": instance.school_ids[school],
                         "children": int(instance.children[community]),
                         "distance_km_before": round(float(km_before), 3),
                         "distance_km_after": round(float(km_after), 3),
                         "distance_change_km": round(float(km_after - km_before), 3)})
    columns = ["county", "stage", "zone_id", "from_school_id", "to_school_id", "children",
               "distance_km_before", "distance_km_after", "distance_change_km"]
    return pd.DataFrame(rows, columns=columns)


def demand_table(result: ZoningResult) -> pd.DataFrame:
    """Per school: plan, limit and projected catchment demand under each plan."""
    frames = []
    for plans in result.plans:
        instance = plans.instance
        frame = pd.DataFrame({"county": instance.county, "stage": instance.stage,
                              "school_id": instance.school_ids, "plan": instance.capacity,
                              "limit": instance.limit})
        for name, assignment in (("current", plans.current), ("nearest_school", plans.baseline),
                                 ("proposal", plans.proposed)):
            frame[f"demand_{name}"] = instance.demand(assignment)
        frame["beyond_plan_current"] = np.maximum(frame["demand_current"] - frame["plan"], 0)
        frame["beyond_plan_proposal"] = np.maximum(frame["demand_proposal"] - frame["plan"], 0)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def proposed_schools(result: ZoningResult) -> pd.DataFrame:
    """The scenario's schools table as read (text), with the proposed ``zones``."""
    problems = ProblemCollector()
    folder = result.loaded.scenario.folder
    path = find_table(folder, "schools", problems)
    schools = read_table(path, problems) if path else None
    problems.raise_if_any()
    assert schools is not None
    zones = [[z.strip() for z in str(cell).split(";") if z.strip()] for cell in schools["zones"]]
    position_of = {school_id: i for i, school_id in enumerate(schools["school_id"])}
    for plans in result.plans:
        for zone, school_id in changed_zones(plans, "proposal").items():
            for school in plans.instance.school_ids:
                at = position_of[school]
                zones[at] = [z for z in zones[at] if z != zone]
            zones[position_of[school_id]].append(zone)
    schools = schools.copy()
    schools["zones"] = [";".join(cell) for cell in zones]
    return schools


def projected_figures(result: ZoningResult) -> dict:
    """Projected figures of each plan, summed over counties and stages."""
    figures = {}
    for name in PLANS:
        total = {"outside_catchment": 0, "moved_communities": 0, "moved_children": 0,
                 "distance_km_total": 0.0, "children": 0}
        for plans in result.plans:
            assignment = {"current": plans.current, "nearest_school": plans.baseline,
                          "proposal": plans.proposed}[name]
            one = plan_figures(plans.instance, assignment)
            for key in total:
                total[key] += getattr(one, key)
        children = total.pop("children")
        km = total.pop("distance_km_total")
        total["distance_km_mean"] = round(km / children, 3) if children else 0.0
        figures[name] = total
    return figures


def summary(result: ZoningResult, engine: dict[str, dict]) -> dict:
    """``summary.json``: plans, solver steps, guarantees and the engine re-runs."""
    checks = result.checks
    proposal = engine["proposal"]
    checks.append({"name": "engine_re_run_verifies", "passed": proposal["verified"],
                   "failures": len(proposal["failed_checks"]),
                   "examples": proposal["failed_checks"][:5]})
    return {
        "scenario": result.loaded.scenario.settings.name,
        "communities": int(len(result.communities.zone_ids)),
        "neighbour_source": result.communities.neighbour_source,
        "neighbour_pairs": int(len(result.communities.edges)),
        "options": result.options.to_dict() | {
            "plan_slack": result.loaded.policy.zoning.plan_slack,
            "neighbour_distance_km": result.loaded.policy.zoning.neighbour_distance_km},
        "projected": projected_figures(result),
        "engine": engine,
        "instances": [{"county": p.instance.county, "stage": p.instance.stage,
                       "communities": p.instance.community_count,
                       "schools": p.instance.school_count,
                       "status": p.proposal.status, "variables": p.proposal.variables,
                       "steps": [{k: v for k, v in phase.to_dict().items() if k != "seconds"}
                                 for phase in p.proposal.phases]}
                      for p in result.plans],
        "verification": {"passed": all(check["passed"] for check in checks), "checks": checks},
    }


def write_zoning(result: ZoningResult, engine: dict[str, dict], out_dir: str | Path,
                 lang: str = "zh") -> Path:
    """Write the zoning folder atomically (see the module docstring for its files)."""
    from allocator.zoning.report import report_page

    out = Path(out_dir)
    folder = result.loaded.scenario.folder
    base = os.path.relpath(folder.resolve(), out.resolve())
    data = summary(result, engine)
    manifest = {"engine_version": __version__, "command": "zoning",
                "inputs": {path.name: sha256_file(path) for path in (
                    *result.loaded.scenario.input_files, *result.communities.input_files)},
                "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
                "solver_steps_seconds": {f"{p.instance.county}/{p.instance.stage}": {
                    phase.name: round(phase.seconds, 3) for phase in p.proposal.phases}
                    for p in result.plans}}

    def fill(staging: Path) -> None:
        write_frame(proposed_schools(result), staging / "schools.csv")
        (staging / WHAT_IF_FILE).write_text(what_if_text(result, base), encoding="utf-8")
        write_frame(communities_table(result), staging / "communities.csv")
        write_frame(moved_table(result), staging / "moved_communities.csv")
        write_frame(demand_table(result), staging / "demand.csv")
        for name, content in (("summary.json", data), ("manifest.json", manifest)):
            (staging / name).write_text(json.dumps(content, indent=2, ensure_ascii=False)
                                        + "\n", encoding="utf-8")
        (staging / "report.html").write_text(report_page(result, data, lang),
                                             encoding="utf-8")

    return write_folder_atomically(fill, out, kind="zoning", inputs=[folder])
