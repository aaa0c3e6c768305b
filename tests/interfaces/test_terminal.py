"""Terminal output: tables fit the width without cutting an id or a name, the choices of
--mechanism, --lang and --log-level are shown in --help, and long commands report progress."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.interfaces.choices import MECHANISM_NAMES  # noqa: E402
from allocator.interfaces.terminal_tables import column_widths, frame_table  # noqa: E402

DEMO = helpers.REPO / "scenarios" / "demo-county"


def _rendered(frame: pd.DataFrame, width: int) -> list[str]:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(frame_table("t", frame, width))
    return console.export_text().splitlines()


def _recommendations() -> pd.DataFrame:
    return pd.DataFrame({
        "step": [1, 2], "school_id": ["140702-S004", "140702-S0123"],
        "name": ["城关第二学校", "城关第一小学附属幼儿园"], "seats_added": [45, 45],
        "moved_from_school_id": ["", "140702-S017"], "outside_after": [508, 454],
        "gain_children": [50, 54], "gain_distance_km": [421.46, 406.208]})


KEPT = ["140702-S004", "140702-S0123", "城关第二学校", "城关第一小学附属幼儿园", "140702-S017"]


@pytest.mark.parametrize("width", [80, 100, 200])
def test_ids_and_names_are_never_cut(width):
    lines = _rendered(_recommendations(), width)
    text = "\n".join(lines)
    assert all(len(line) <= width for line in lines)
    assert "…" not in text
    for value in KEPT:
        assert value in text, f"{value} was cut at {width} columns"


def test_too_narrow_for_the_ids_folds_them_without_losing_a_character():
    lines = _rendered(_recommendations(), 50)
    text = "".join(lines)
    assert all(len(line) <= 50 for line in lines) and "…" not in text
    for value in KEPT:
        for character in set(value):
            assert text.count(character) >= value.count(character)


def test_every_cell_is_whole_when_the_table_fits():
    widths = column_widths(["school_id", "gain_distance_km"], [["S1", "406.208"]], 80)
    assert widths == [6, 8]  # headers' longest words ('school', 'distance')


def test_recommend_at_80_columns_shows_full_ids_and_names(tmp_path):
    table = tmp_path / "recommend.csv"
    outcome = helpers.run_cli_subprocess("recommend", DEMO, "--classes", "3", "--csv", table,
                                         env={"COLUMNS": "80"}, timeout=300)
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    rows = pd.read_csv(table, dtype=str, keep_default_na=False)
    assert len(rows)
    for school, name in zip(rows["school_id"], rows["name"], strict=True):
        assert school in outcome.stdout and name in outcome.stdout
    assert "…" not in outcome.stdout


def test_the_help_lists_mechanisms_and_languages():
    help_text = helpers.run_cli("run", "--help").stdout
    assert "[deferred-acceptance|immediate-acceptance|exact-groups|min-cost-flow]" in help_text
    assert "[zh|en]" in help_text
    assert "[debug|info|warning|error]" in helpers.run_cli("--help").stdout


def test_the_light_mechanism_list_is_the_registry():
    from allocator.solvers.registry import MECHANISMS

    assert tuple(MECHANISMS) == MECHANISM_NAMES


def test_an_unknown_mechanism_is_still_reported_by_the_engine(tmp_path):
    helpers.write_ladder(tmp_path / "s")
    outcome = helpers.run_cli("run", tmp_path / "s", "--out", tmp_path / "o", "--mechanism",
                              "lottery-only")
    assert outcome.exit_code == 2
    assert "command line::--mechanism" in outcome.stderr


def test_log_level_info_logs_the_steps_on_stderr(tmp_path):
    helpers.write_ladder(tmp_path / "s")
    outcome = helpers.run_cli("--log-level", "info", "run", tmp_path / "s", "--out",
                              tmp_path / "o", "-q", "--no-reports")
    assert outcome.exit_code == 0, outcome.stderr
    assert "INFO allocator.cli: verifying" in outcome.stderr
    quiet = helpers.run_cli("run", tmp_path / "s", "--out", tmp_path / "o2", "-q",
                            "--no-reports")
    assert "INFO" not in quiet.stderr


def test_an_unknown_log_level_is_refused():
    outcome = helpers.run_cli("--log-level", "loud", "version")
    assert outcome.exit_code == 2
    assert "command line::--log-level: 'loud'" in outcome.stderr


def test_province_reports_each_county_as_it_starts(tmp_path):
    from allocator.scenarios.province import run_province
    from allocator.synthetic import generate_province, write_scenario

    schools, applicants = generate_province(400, 2, 4)
    folder = write_scenario(tmp_path / "p", schools, applicants, name="p", seed=4)
    steps: list[str] = []
    run_province(folder, parallel=False, progress=steps.append)
    counties = sorted(schools["county"].astype(str).unique())
    assert steps[0] == "reading and validating the roster"
    assert [step for step in steps if step.startswith("solving county")] == [
        f"solving county {county} ({number} of 2)" for number, county in enumerate(counties, 1)]
    outcome = helpers.run_cli("--log-level", "info", "province", folder, "--out", tmp_path / "o",
                              "--serial")
    assert outcome.exit_code == 0, outcome.stderr
    assert "solving county" in outcome.stderr and "writing the run folder" in outcome.stderr
