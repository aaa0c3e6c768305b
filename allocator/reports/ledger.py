"""Seat ledger by round (学位台账) and the surplus redistribution plan (余额调配).

Rounds, in the order a county fills seats: certified groups (tier 0), local
children (hukou or home in the catchment), migrant children (随迁子女, the
policy's migrant tier), other children on their own list (everyone else,
private-school applicants), overflow (children redirected from full
catchments), and the county-wide sweep (统筹, including siblings seated with
their group). For every school: ``plan = sum of seats taken by the rounds +
surplus``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ROUNDS = ("certified", "local", "migrant", "other", "overflow", "sweep")


def placement_round(frame: pd.DataFrame, tier_names: tuple[str, ...]) -> pd.Series:
    """Round name of each placed child ('' for children not placed)."""
    code, tier = frame["reason_code"], frame["tier_name"].fillna("")
    migrant_tiers = [name for name in tier_names if "migrant" in name]
    last = tier_names[-1] if tier_names else ""
    first = tier_names[0] if tier_names else ""
    conditions = [
        ~frame["placed"],
        code.isin(["sweep", "sibling_group"]),
        code == "overflow",
        tier == first,
        tier.isin(migrant_tiers),
        (tier == last) | code.isin(["private_round"]) | (tier == ""),
    ]
    choices = ["", "sweep", "overflow", "certified", "migrant", "other"]
    return pd.Series(np.select(conditions, choices, default="local"), index=frame.index)


def seat_ledger(frame: pd.DataFrame, schools: pd.DataFrame,
                tier_names: tuple[str, ...]) -> pd.DataFrame:
    """Per school: plan, seats taken in each round, surplus left after each round.

    ``plan`` is the ``capacity`` of the run's schools table (the plan the
    mechanism filled, certified raises included).
    """
    placed = frame["placed"].to_numpy()
    rounds = placement_round(frame, tier_names).to_numpy()[placed]
    school = frame["school_position"].to_numpy()[placed]
    ledger = schools[["school_id", "name", "county", "stage", "kind", "capacity"]].rename(
        columns={"capacity": "plan"}).reset_index(drop=True)
    left = ledger["plan"].to_numpy().copy()
    for name in ROUNDS:
        seats = np.bincount(school[rounds == name], minlength=len(ledger))
        left = left - seats
        ledger[f"taken_{name}"] = seats
        ledger[f"surplus_after_{name}"] = left
    ledger["surplus"] = left
    return ledger


def county_ledger(ledger: pd.DataFrame) -> pd.DataFrame:
    """The seat ledger summed per county and stage."""
    numbers = [column for column in ledger.columns if column == "plan"
               or column.startswith(("taken_", "surplus"))]
    return ledger.groupby(["county", "stage"], sort=True)[numbers].sum().reset_index()


def ledger_balances(ledger: pd.DataFrame) -> bool:
    """Whether plan = sum of seats taken by every round + surplus, for every row."""
    taken = ledger[[f"taken_{name}" for name in ROUNDS]].sum(axis=1)
    return bool((ledger["plan"] == taken + ledger["surplus"]).all())


def redistribution_plan(frame: pd.DataFrame) -> pd.DataFrame:
    """Which schools' seats absorbed which catchments' overflow: flows with counts and distance.

    One row per (county, stage, home catchment school, receiving school, route): children
    placed outside their catchment, their number and distances ('' = no catchment school).
    """
    moved = frame[frame["outside_catchment"]]
    keys = ["county", "stage", "home_school_id", "school_id", "reason_code"]
    flows = moved.groupby(keys, sort=True)["distance_km"].agg(["size", "mean", "max"])
    flows = flows.reset_index().rename(columns={
        "home_school_id": "from_school_id", "school_id": "to_school_id",
        "reason_code": "route", "size": "children", "mean": "distance_mean_km",
        "max": "distance_max_km"})
    flows["distance_mean_km"] = flows["distance_mean_km"].round(3)
    flows["distance_max_km"] = flows["distance_max_km"].round(3)
    return flows.sort_values(["county", "stage", "children"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True)


def idle_surplus(ledger: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Schools with seats left after every round, with how many of those seats absorbed overflow."""
    absorbed = plan.groupby("to_school_id")["children"].sum()
    idle = ledger[ledger["surplus"] > 0][["school_id", "name", "county", "stage", "kind",
                                          "plan", "surplus"]].copy()
    idle["absorbed_overflow"] = idle["school_id"].map(absorbed).fillna(0).astype(int).to_numpy()
    return idle.sort_values(["county", "surplus"], ascending=[True, False],
                            kind="stable").reset_index(drop=True)
