"""The reports' vocabulary: labels, values and numbers as a planner reads them."""

from __future__ import annotations

import pandas as pd

from allocator.model.vocabulary import column_label, format_number, localise, value_label


def test_columns_values_and_numbers_in_both_languages():
    tiers = {"hukou_and_home": "房户一致"}
    assert column_label("placed_hukou_and_home", "zh", tiers) == "录取：房户一致"
    assert column_label("surplus_after_sweep", "en") == "Surplus after county-wide sweep"
    assert value_label("overflow", "zh") == "调剂" and value_label("red", "en") == "red"
    assert format_number(12345, "placed", "zh") == "12,345"
    assert format_number(1.0, "placement_rate", "en") == "100.0%"
    assert format_number(0.859658, "own_catchment_rate", "zh") == "86.0%"
    assert format_number(1.2345, "distance_mean_km", "zh") == "1.23"
    assert format_number(float("nan"), "surplus", "zh") == ""


def test_localise_keeps_numbers_typed_for_spreadsheets_and_labels_unique():
    frame = pd.DataFrame({"capacity": [10], "plan": [12], "route": ["sweep"],
                          "oversubscribed": [True]})
    shown = localise(frame, "zh", as_text=False)
    assert list(shown.columns) == ["招生计划", "招生计划 (2)", "录取途径", "超额报名"]
    assert shown.iloc[0].tolist() == [10, 12, "全县统筹", "是"]
    text = localise(frame, "en")
    assert text.iloc[0].tolist() == ["10", "12", "county-wide sweep", "yes"]


def test_every_reason_of_the_demo_county_reads_in_chinese():
    # the engine writes its reasons in English; a Chinese planner reads them translated,
    # part by part, with the policy's tier labels (no English word left over)
    import re
    from pathlib import Path

    from allocator.model.vocabulary import reason_text
    from allocator.pipeline import run_scenario
    from allocator.reports.writer import tier_labels

    result = run_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "demo-county")
    tiers = tier_labels(result, "zh")
    for reason in set(result.assignments["reason"]):
        chinese = reason_text(reason, "zh", tiers)
        assert not re.search(r"[A-Za-z]{2,}", chinese), (reason, chinese)
        assert reason_text(reason, "en", tiers) == reason
