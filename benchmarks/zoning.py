"""Catchment-design benchmark: the optimiser against the nearest-school baseline and today.

Counties with residential communities: the bundled demo county (``scenarios/demo-county``:
4,000 applicants, 50 schools, 150 communities) and a generated 30,000-applicant county with
80 schools and about 600 communities (the generator's communities option). For each:
children outside their catchment (projected, and by the engine
re-run on each plan), communities and children moved, mean distance, solver status, gap
and time (target: under 60 s on 2 cores for the 30,000 county).

Usage: ``python -m benchmarks.zoning [--only demo|large] [--time-limit 40]
[--contiguity flow|order]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from allocator.synthetic import generate_county, split_into_communities, write_scenario
from allocator.zoning.design import ZoningOptions, design_zones
from allocator.zoning.evaluate import engine_figures, run_engine
from allocator.zoning.outputs import projected_figures

#: name: (applicants, schools, communities, seed); None = the bundled demo county
COUNTIES = {"demo": None, "large": (30000, 80, 600, 7)}
DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo-county"


def county_with_communities(folder: Path, applicants: int, schools: int, communities: int,
                            seed: int) -> Path:
    """Write one generated county whose zones are residential communities."""
    school_frame, applicant_frame = generate_county("C001", applicants, seed,
                                                    n_schools=schools)
    school_frame, applicant_frame, zones = split_into_communities(
        school_frame, applicant_frame, communities, seed)
    return write_scenario(folder, school_frame, applicant_frame, name=folder.name, seed=seed,
                          zones=zones)


def run(name: str, options: ZoningOptions) -> list[dict]:
    """One county: a row per plan (today, nearest school, proposal)."""
    with tempfile.TemporaryDirectory() as work:
        folder = DEMO if COUNTIES[name] is None else county_with_communities(
            Path(work) / name, *COUNTIES[name])
        clock = time.perf_counter()
        result = design_zones(folder, options)
        seconds = time.perf_counter() - clock
        engine = {plan: engine_figures(r) for plan, r in run_engine(result).items()}
    projected = projected_figures(result)
    instance = result.plans[0]
    steps = {phase.name: f"{phase.status} gap {phase.gap:.3f}"
             for phase in instance.proposal.phases}
    rows = []
    for plan, figures in projected.items():
        rows.append({"county": name, "communities": instance.instance.community_count,
                     "schools": instance.instance.school_count, "plan": plan,
                     "outside_projected": figures["outside_catchment"],
                     "outside_engine": engine[plan]["outside_catchment"],
                     "moved_communities": figures["moved_communities"],
                     "moved_children": figures["moved_children"],
                     "distance_km_mean": figures["distance_km_mean"],
                     "engine_distance_km_mean": engine[plan]["distance_km_mean"],
                     "verified": engine[plan]["verified"]})
    rows[-1]["seconds"] = round(seconds, 1)
    rows[-1]["load_average"] = Path("/proc/loadavg").read_text().split()[0] if Path(
        "/proc/loadavg").exists() else ""
    rows[-1]["status"] = instance.proposal.status
    rows[-1]["steps"] = json.dumps(steps)
    return rows


def main() -> None:
    """Run the selected counties and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(COUNTIES), default=None)
    parser.add_argument("--time-limit", type=float, default=40.0)
    parser.add_argument("--contiguity", choices=("flow", "order"), default="flow")
    arguments = parser.parse_args()
    options = ZoningOptions(time_limit=arguments.time_limit, contiguity=arguments.contiguity)
    names = [arguments.only] if arguments.only else list(COUNTIES)
    rows = [row for name in names for row in run(name, options)]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(pd.DataFrame(rows).astype(object).fillna("").to_string(index=False))


if __name__ == "__main__":
    main()
