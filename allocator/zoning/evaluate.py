"""The engine on today's zones, the baseline and the proposal, through a what-if file.

The proposal is written as a scenario file of :mod:`allocator.scenarios.spec` (one
``catchments`` change per moved community), so ``allocator scenarios`` and
``allocator compare`` show its effect; here the same file is run in-process, and each
run's own verification becomes the check ``engine_re_run_verifies``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import yaml

from allocator.pipeline.run import RunResult
from allocator.reports.frames import applicant_frame
from allocator.scenarios.build import prepare_scenarios
from allocator.scenarios.runner import solve_prepared
from allocator.scenarios.spec import read_scenario_file
from allocator.zoning.design import InstancePlans, ZoningResult

WHAT_IF_FILE = "zoning-scenarios.yaml"
PLANS: tuple[str, ...] = ("current", "nearest_school", "proposal")
OVERRIDES = {"nearest_school": "nearest_school_zones", "proposal": "proposed_zones"}


def changed_zones(plans: InstancePlans, which: str) -> dict[str, str]:
    """``zone id -> school id`` of every community whose school differs from today's."""
    assignment = plans.proposed if which == "proposal" else plans.baseline
    instance = plans.instance
    changes = {}
    for community, school in enumerate(assignment):
        if school >= 0 and school != instance.current[community]:
            changes[str(plans.zone_ids[community])] = str(instance.school_ids[school])
    return changes


def what_if_text(result: ZoningResult, base: str) -> str:
    """The scenario file: ``current``, ``nearest_school`` and ``proposal``."""
    overrides = {}
    for which, name in OVERRIDES.items():
        changes: dict[str, str] = {}
        for plans in result.plans:
            changes.update(changed_zones(plans, which))
        overrides[name] = {
            "description": ("catchments proposed by allocator zoning" if which == "proposal"
                            else "every community to its nearest school (baseline)"),
            "catchments": {zone: {"serve": [school]} for zone, school in sorted(
                changes.items())}}
    document = {"base": base,
                "description": f"allocator zoning of {result.loaded.scenario.settings.name}",
                "overrides": overrides,
                "scenarios": {"current": [], "nearest_school": [OVERRIDES["nearest_school"]],
                              "proposal": [OVERRIDES["proposal"]]}}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def run_engine(result: ZoningResult) -> dict[str, RunResult]:
    """Run the engine on each plan (what-if file with an absolute base, in a temp folder)."""
    folder = result.loaded.scenario.folder.resolve()
    with tempfile.TemporaryDirectory(prefix="allocator-zoning-") as work:
        path = Path(work) / WHAT_IF_FILE
        path.write_text(what_if_text(result, str(folder)), encoding="utf-8")
        prepared = prepare_scenarios(read_scenario_file(path), list(PLANS), Path(work) / "runs")
        return {name: solve_prepared(prepared[name], None, warm=False)[0] for name in PLANS}


def engine_figures(run: RunResult) -> dict:
    """Placed, placed outside their catchment, mean distance and verification of a run."""
    frame = applicant_frame(run)
    placed = frame["placed"].to_numpy(dtype=bool)
    distance = frame["distance_km"].to_numpy(dtype=float)[placed]
    distance = distance[~np.isnan(distance)]
    failed = [check.name for check in run.checks if check.required and not check.passed]
    return {"placed": int(placed.sum()),
            "outside_catchment": int(frame["outside_catchment"].sum()),
            "distance_km_mean": round(float(distance.mean()), 3) if len(distance) else 0.0,
            "verified": bool(run.verified), "failed_checks": failed}
