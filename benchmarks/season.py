"""Later rounds of the season: reversed against same lottery, and the cost of a round.

1. Three counties of ``--county-applicants`` (default 20,000): a generated county
   under ``shanxi-2025`` as generated (the county-wide sweep places everyone), the
   same with every plan cut to 90 %, and a county where only the lottery decides
   (``explicit`` policy, seats for 90 %, five popular-weighted choices). Of the placed
   children 10 % decline and 20 % wait (drawn per applicant from ``--seed``); the
   later round is run with the same and with the reversed lottery. Reported per
   variant: moves (children that held a seat and moved), newly placed children,
   vacancy chains and the longest chain, and seats left idle.
2. The province (``--province-applicants``, default 1,000,000, 117 counties) with
   5 % declines: end-to-end time (run + write, no reports) of the first round and
   of the later round, measured in the same process, and their ratio.

Usage: ``python -m benchmarks.season [--county-applicants 20000]
[--province-applicants 1000000] [--seed 1] [--skip-province]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.pipeline.after import run_after, write_moves
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.synthetic import generate_county, write_scenario
from benchmarks.generators import counties_for, materialise


def draw_responses(assignments: pd.DataFrame, decline: float, wait: float,
                   seed: int) -> pd.DataFrame:
    """Responses of the placed applicants: ``decline`` and ``wait`` shares, others accept."""
    placed = assignments.loc[assignments["status"] == "placed", "applicant_id"].to_numpy()
    draw = np.random.default_rng(seed).random(len(placed))
    response = np.where(draw < decline, "decline",
                        np.where(draw < decline + wait, "wait", "accept"))
    return pd.DataFrame({"applicant_id": placed, "response": response})


def lottery_county(applicants: int, seed: int, folder: Path) -> Path:
    """A county where only the lottery decides (``explicit`` policy, no priorities).

    40 schools, seats for 90 % of the applicants; each applicant ranks 5 schools drawn
    with popularity weights falling like 1/rank (some schools are far more wanted).
    """
    rng = np.random.default_rng(seed)
    schools = [f"S{k:02d}" for k in range(40)]
    weight = 1.0 / np.arange(1, 41)
    lists = [";".join(rng.choice(schools, size=5, replace=False, p=weight / weight.sum()))
             for _ in range(applicants)]
    folder.mkdir(parents=True)
    seats = int(0.9 * applicants) // 40
    pd.DataFrame({"school_id": schools, "capacity": seats}).to_csv(folder / "schools.csv",
                                                                    index=False)
    pd.DataFrame({"applicant_id": [f"A{k:06d}" for k in range(applicants)],
                  "preferences": lists}).to_csv(folder / "applicants.csv", index=False)
    (folder / "scenario.yaml").write_text(
        f"name: season-lottery-county\nseed: {seed}\npolicy: explicit\n", encoding="utf-8")
    return folder


def county_folders(applicants: int, seed: int, root: Path) -> list[tuple[str, Path]]:
    """The three counties compared: ladder as generated, ladder tight, lottery only."""
    schools, people = generate_county("B01", applicants, seed)
    tight = schools.copy()
    tight["capacity"] = np.floor(tight["capacity"].astype(int) * 0.9).astype(int)
    return [
        ("ladder, as generated", write_scenario(root / "ladder", schools, people,
                                                name="season-county", seed=seed)),
        ("ladder, plans at 90 %", write_scenario(root / "tight", tight, people,
                                                 name="season-county", seed=seed)),
        ("lottery only (explicit)", lottery_county(applicants, seed, root / "lottery")),
    ]


def county_comparison(applicants: int, seed: int, root: Path) -> list[dict]:
    """Moves and newly placed children with the same and the reversed lottery."""
    rows = []
    for variant, folder in county_folders(applicants, seed, root):
        first = run_scenario(folder)
        write_run(first, folder.with_name(folder.name + "-run1"))
        responses = draw_responses(first.assignments, 0.10, 0.20, seed)
        responses.to_csv(folder / "responses.csv", index=False)
        for lottery in ("same", "reversed"):
            later = run_after(folder, folder.with_name(folder.name + "-run1"), lottery)
            block = later.summary["round"]
            rows.append({"county": variant, "lottery": lottery,
                         "unplaced before": int((first.assignments["status"] == "unplaced")
                                                .sum()),
                         "moves": block["applicants_moved"],
                         "newly placed": block["newly_placed"], "chains": block["chains"],
                         "longest chain": block["longest_chain"],
                         "idle seats": later.summary["counts"]["surplus_seats"],
                         "verified": later.verified})
    return rows


def province_timing(applicants: int, seed: int, root: Path) -> dict:
    """End-to-end seconds of the first and the later round on the province."""
    folder = materialise("province", applicants, seed)
    clock = time.perf_counter()
    first = run_scenario(folder)
    write_run(first, root / "province-run1")
    first_seconds = time.perf_counter() - clock
    later_folder = root / "province-later"
    later_folder.mkdir()
    for path in folder.iterdir():
        if path.is_file():
            (later_folder / path.name).symlink_to(path.resolve())
    draw_responses(first.assignments, 0.05, 0.0, seed).to_csv(
        later_folder / "responses.csv", index=False)
    del first
    clock = time.perf_counter()
    later = run_after(later_folder, root / "province-run1", "same")
    write_run(later, root / "province-run2", extra_writers=[write_moves])
    later_seconds = time.perf_counter() - clock
    block = later.summary["round"]
    return {"applicants": applicants, "counties": counties_for(applicants),
            "first round s": round(first_seconds, 1), "later round s": round(later_seconds, 1),
            "ratio": round(later_seconds / first_seconds, 2),
            "declined": block["declined"], "newly placed": block["newly_placed"],
            "moves": block["applicants_moved"], "verified": later.verified,
            "later timings": later.timings}


def markdown(rows: list[dict]) -> str:
    """A Markdown table of ``rows`` (dicts with the same keys)."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    """Run both parts and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--county-applicants", type=int, default=20_000)
    parser.add_argument("--province-applicants", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-province", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        rows = county_comparison(options.county_applicants, options.seed, root)
        print(markdown(rows))
        if not options.skip_province:
            timing = province_timing(options.province_applicants, options.seed, root)
            print(json.dumps(timing, indent=2, default=float))


if __name__ == "__main__":
    main()
