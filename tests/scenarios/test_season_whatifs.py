"""Season what-ifs: drawn responses, a later round, and the season sweep."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.model import outputs, study_outputs
from allocator.model.problems import InputError
from allocator.policy.lottery import lottery_draws, lottery_numbers
from allocator.scenarios import read_scenario_file, run_scenario_file, run_sweep, write_sweep
from allocator.scenarios.season_draws import (
    draw_late_applicants,
    draw_responses,
    season_uniform,
)
from allocator.scenarios.season_sweep import EXPECTED_COLUMNS, SEASON_COLUMNS
from allocator.scenarios.spec import Season, SeasonRate
from allocator.synthetic import generate_county

from .conftest import ROOT, write_file

SEASON_FILE = """\
base: {base}
overrides:
  declines:
    season:
      declines: [{{category: migrant, rate: 0.3}}, {{rate: 0.1}}]
      waits: 0.25
  late:
    season: {{late_applicants: [{{rate: 0.05}}], lottery: {lottery}}}
scenarios:
  season: [declines, late]
"""


@pytest.fixture(scope="module")
def county_roster() -> pd.DataFrame:
    """The applicants of a generated county of 6,000 children, as text."""
    _, applicants = generate_county("T02", 6000, 17)
    return applicants.astype(str).replace({"nan": "", "None": ""})


def _binomial_ok(hits: int, trials: int, rate: float) -> bool:
    """Within five standard deviations of the expected count."""
    return abs(hits - trials * rate) <= 5 * math.sqrt(trials * rate * (1 - rate)) + 1


def test_draws_depend_only_on_seed_channel_and_id(county_roster):
    roster = county_roster[["applicant_id", "sibling_group"]]
    draws = pd.Series(season_uniform(roster, 7, "decline"), index=roster["applicant_id"])
    shuffled = roster.sample(frac=0.5, random_state=3)
    again = season_uniform(shuffled, 7, "decline")
    assert np.array_equal(again, draws[shuffled["applicant_id"]].to_numpy())
    assert not np.array_equal(season_uniform(roster, 8, "decline"), draws.to_numpy())
    assert not np.array_equal(season_uniform(roster, 7, "wait"), draws.to_numpy())
    lottery = lottery_numbers(lottery_draws(roster["applicant_id"], roster["sibling_group"], 7))
    assert abs(np.corrcoef(lottery, draws.to_numpy())[0, 1]) < 0.05  # its own channel
    grouped = roster[roster["sibling_group"] != ""]
    if len(grouped):  # twins draw together
        by_group = pd.Series(season_uniform(grouped, 7, "decline")).groupby(
            grouped["sibling_group"].to_numpy()).nunique()
        assert (by_group == 1).all()


def test_rates_are_respected_on_a_generated_county(county_roster):
    season = Season(declines=(SeasonRate(category="migrant", rate=0.3), SeasonRate(rate=0.1)),
                    waits=0.25, late_applicants=(SeasonRate(category="migrant", rate=0.2),))
    held = pd.Series(np.where(np.arange(len(county_roster)) % 10 == 9, "", "S1"),
                     index=county_roster["applicant_id"])
    responses = draw_responses(county_roster, held, season, 11)
    assert len(responses) == int((held != "").sum())  # only seat holders respond
    migrant = ((county_roster["hukou_zone"] == "") & (county_roster["property_zone"] == "")
               & (county_roster["residence_zone"] != "")).to_numpy()
    assert migrant.sum() > 300
    response = county_roster["applicant_id"].map(
        responses.set_index("applicant_id")["response"]).fillna("")
    declined = (response == "decline").to_numpy()
    for mask, rate in ((migrant & (held != "").to_numpy(), 0.3),
                       (~migrant & (held != "").to_numpy(), 0.1)):
        assert _binomial_ok(int(declined[mask].sum()), int(mask.sum()), rate)
    staying = (response.isin(["wait", "accept"])).to_numpy()
    assert _binomial_ok(int((response == "wait").sum()), int(staying.sum()), 0.25)
    late = draw_late_applicants(county_roster, season, 11)
    assert late["applicant_id"].str.endswith("-late").all()
    assert _binomial_ok(len(late), int(migrant.sum()), 0.2)
    assert (late["sibling_group"] == "").all()


def test_season_conflicts_and_bad_values_are_refused_with_lines(small_county, tmp_path):
    path = write_file(tmp_path, f"""\
base: {small_county}
overrides:
  a:
    season: {{waits: 0.2, declines: [{{category: migrant, rate: 0.1}}]}}
  b:
    season:
      waits: 0.3
      declines:
        - {{category: migrant, rate: 0.2}}
        - {{zone: NO-SUCH-ZONE, rate: 0.1}}
scenarios:
  clash: [a, b]
""")
    scenario_file = read_scenario_file(path)
    with pytest.raises(InputError) as caught:
        run_scenario_file(scenario_file.path, tmp_path / "out")
    lines = [str(problem) for problem in caught.value.problems]
    assert any(line.startswith("whatifs.yaml:7:scenarios.clash:") and "season.waits" in line
               for line in lines), lines
    assert any(line.startswith("whatifs.yaml:9:scenarios.clash:")
               and "season.declines.category=migrant" in line for line in lines), lines
    assert any(line.startswith("whatifs.yaml:10:overrides.b.season.declines.1.zone:")
               and "unknown zone 'NO-SUCH-ZONE'" in line for line in lines), lines
    assert not (tmp_path / "out").exists()
    bad = write_file(tmp_path, f"""\
base: {small_county}
overrides:
  a:
    season: {{waits: 1.5, lottery: upside-down, declines: [{{category: alien, rate: 0.1}}]}}
scenarios:
  one: [a]
""", name="bad.yaml")
    with pytest.raises(InputError) as caught:
        read_scenario_file(bad)
    lines = [str(problem) for problem in caught.value.problems]
    assert len(lines) == 3, lines
    assert all(line.startswith("bad.yaml:4:overrides.a.season.") for line in lines), lines
    assert any(line.startswith("bad.yaml:4:overrides.a.season.waits:") for line in lines)
    assert any(line.startswith("bad.yaml:4:overrides.a.season.lottery:") for line in lines)
    assert any("unknown category 'alien'" in line for line in lines)


def test_a_season_scenario_writes_a_first_round_and_a_verified_later_round(small_county,
                                                                           tmp_path):
    path = write_file(tmp_path, SEASON_FILE.format(base=small_county, lottery="reversed"))
    runs = run_scenario_file(path, tmp_path / "out")
    run = runs[0]
    assert run.folder == tmp_path / "out" / "season"
    assert run.first_round == tmp_path / "out" / "season.first-round"
    summary = json.loads((run.folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["verification"]["passed"]
    block = summary["round"]
    assert block["number"] == 2 and block["lottery"] == "reversed"
    assert block["responses"]["decline"] > 0 and block["responses"]["wait"] > 0
    assert block["late_applicants"] > 0
    manifest = json.loads((run.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["round"]["after"] == str(run.first_round.resolve())
    assert any(change.startswith("season.waits: 0 -> 0.25")
               for change in manifest["what_if"]["changes"])
    responses = pd.read_csv(run.folder / "inputs" / "responses.csv", dtype=str)
    first = pd.read_csv(run.first_round / "assignments.csv", dtype=str, keep_default_na=False)
    holders = set(first.loc[first["school_id"] != "", "applicant_id"])
    assert set(responses["applicant_id"]) == holders
    later = pd.read_csv(run.folder / "assignments.csv", dtype=str, keep_default_na=False)
    declined = set(responses.loc[responses["response"] == "decline", "applicant_id"])
    assert set(later.loc[later["status"] == "declined", "applicant_id"]) == declined
    again = run_scenario_file(path, tmp_path / "again")[0]
    for name in ("assignments.csv", "schools.csv", "moves.csv"):
        assert (again.folder / name).read_bytes() == (run.folder / name).read_bytes()


def test_the_sweep_reports_the_season_for_both_lotteries(small_county, tmp_path):
    path = write_file(tmp_path, SEASON_FILE.format(base=small_county, lottery="same")
                      + "  baseline: []\n")
    result = run_sweep(path, [5, 6], workers=1, processes=False)
    assert result.failures.empty
    season = result.season
    assert tuple(season.columns) == SEASON_COLUMNS
    assert set(season["scenario"]) == {"season"}  # no season, no rows
    assert len(season) == 4 and set(season["lottery"]) == {"same", "reversed"}
    assert season["verified"].all()
    pairs = season.pivot(index="seed", columns="lottery", values="declined")
    assert (pairs["same"] == pairs["reversed"]).all()  # the same draws for both lotteries
    # the sweep's row for seed 5 (the base seed) and the same lottery is the written run
    runs = run_scenario_file(path, tmp_path / "runs", only=["season"])
    block = json.loads((runs[0].folder / "summary.json").read_text(encoding="utf-8"))["round"]
    row = season[(season["seed"] == 5) & (season["lottery"] == "same")].iloc[0]
    assert (row["moves"], row["newly_placed"], row["declined"]) == (
        block["applicants_moved"], block["newly_placed"], block["declined_this_round"])
    written = write_sweep(result, tmp_path / "sweep")
    names = {item.name for item in written}
    assert {"season.csv", "season_expected.csv", "season.png"} <= names
    for name in ("season.csv", "season_expected.csv"):  # documented like every column
        headers = list(pd.read_csv(tmp_path / "sweep" / name, nrows=0).columns)
        assert outputs.undocumented(name, headers, None, study_outputs.SWEEP_FOLDER) == []
    documented = {described.name for described in study_outputs.SWEEP_FOLDER}
    assert {path.name for path in (tmp_path / "sweep").iterdir()} <= documented
    expected = pd.read_csv(tmp_path / "sweep" / "season_expected.csv")
    assert tuple(expected.columns) == EXPECTED_COLUMNS
    moves = expected[(expected["metric"] == "moves") & (expected["lottery"] == "same")]
    assert moves["mean"].iloc[0] == pytest.approx(
        season.loc[season["lottery"] == "same", "moves"].mean())


def test_a_first_round_of_a_season_is_an_ordinary_run(small_county, tmp_path):
    """The first round equals the scenario run without its season."""
    path = write_file(tmp_path, SEASON_FILE.format(base=small_county, lottery="same")
                      + "  baseline: []\n")
    runs = {run.name: run for run in run_scenario_file(path, tmp_path / "out")}
    first = Path(runs["season"].first_round) / "assignments.csv"
    assert first.read_bytes() == (runs["baseline"].folder / "assignments.csv").read_bytes()


def test_the_sweep_command_prints_the_expected_season(small_county, tmp_path):
    from typer.testing import CliRunner

    from allocator.interfaces.cli import app

    path = write_file(tmp_path, SEASON_FILE.format(base=small_county, lottery="same"))
    result = CliRunner().invoke(app, ["sweep", str(path), "--seeds", "2", "--workers", "1",
                                      "--out", str(tmp_path / "sweep")])
    assert result.exit_code == 0, result.output
    assert "招生季：各随机种子的期望" in result.output  # the tables read in Chinese by default
    assert (tmp_path / "sweep" / "season_expected.csv").is_file()


def test_the_bundled_season_file_runs_and_the_migrant_season_is_logged(tmp_path):
    """The example of docs/season-what-ifs.md: scenarios/demo-county-season.yaml."""
    path = ROOT / "scenarios" / "demo-county-season.yaml"
    assert "scenarios/demo-county-season.yaml" in (ROOT / "docs" / "season-what-ifs.md").read_text(
        encoding="utf-8")
    runs = {run.name: run for run in run_scenario_file(path, tmp_path / "out",
                                                       only=["migrant_season"])}
    run = runs["migrant_season"]
    assert run.folder is not None and run.result.verified
    block = run.result.summary["round"]
    assert block["lottery"] == "reversed" and block["late_applicants"] > 0
    changes = run.result.manifest["what_if"]["changes"]
    assert "season.declines.category=migrant: 0 -> 0.2 of placed applicants decline" in changes
    assert "season.declines.all: 0 -> 0.1 of placed applicants decline" in changes


def test_compare_says_who_declined_and_who_arrived_late(small_county, tmp_path):
    """A declined child did not move in a chain, and a late twin is not a demand change."""
    from allocator.model.vocabulary import why_text
    from allocator.scenarios import compare_runs

    path = write_file(tmp_path, SEASON_FILE.format(base=small_county, lottery="same")
                      + "  baseline: []\n")
    runs = {run.name: run for run in run_scenario_file(path, tmp_path / "out")}
    movers = compare_runs([runs["baseline"].folder, runs["season"].folder]).movers
    later = pd.read_csv(runs["season"].folder / "assignments.csv", dtype=str,
                        keep_default_na=False).set_index("applicant_id")
    why = movers.set_index("applicant_id")["why"]
    declined = later.index[later["status"] == "declined"]
    late = later.index[later["late"] == "true"]
    assert len(declined) and len(late)
    assert (why[declined] == "declined its seat (later round)").all()
    assert (why[late] == "late applicant (later round)").all()
    for text in ("declined its seat (later round)", "late applicant (later round)"):
        assert why_text(text, "zh") != text  # comparison.html reads in Chinese too
