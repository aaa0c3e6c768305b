"""Zoning proposals in the workbench: the moves of ``allocator zoning`` as edits to accept.

The county is generated with communities and the proposal is the run folder that
``allocator zoning`` writes on it; expected figures come from ``allocator scenarios``
on the proposal's what-if file.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient

from allocator.model.problems import InputError
from allocator.workbench.app import create_app
from allocator.workbench.mapdata import map_geometry
from allocator.workbench.payload import proposal_payload
from allocator.workbench.proposal import (
    available_proposals,
    proposal_from_work_folder,
    read_proposal,
)
from allocator.workbench.state import open_workbench

TOKEN = "test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def proposal_bench(proposal_county, tmp_path_factory):
    county, zoning = proposal_county
    work = tmp_path_factory.mktemp("proposal-work")
    shutil.copytree(zoning, work / zoning.name)
    return open_workbench(county, work)


@pytest.fixture
def bench(proposal_bench):
    proposal_bench.reset()
    proposal_bench.undone.clear()
    proposal_bench.proposal = None
    proposal_bench.rejected.clear()
    return proposal_bench


@pytest.fixture(scope="module")
def moved(proposal_county) -> pd.DataFrame:
    table = pd.read_csv(proposal_county[1] / "moved_communities.csv", dtype={"zone_id": str})
    assert len(table) > 0, "the generated county must give a proposal that moves communities"
    return table


def test_the_work_folder_offers_zoning_folders_and_proposal_files_not_its_own(bench):
    work = bench.engine.work_folder
    assert available_proposals(work) == ["zoning-2026"]
    bench.set_proposal(proposal_from_work_folder(bench.engine, "zoning-2026"))
    bench.apply({"kind": "classes", "school": bench.engine.tables.schools["school_id"][0],
                 "classes": 1})
    assert (work / "loaded-proposal.yaml").is_file() and (work / "workbench-edits.yaml").is_file()
    shutil.copy(work / "zoning-2026" / "zoning-scenarios.yaml", work / "plan-b.yaml")
    try:
        assert available_proposals(work) == ["plan-b.yaml", "zoning-2026"]
    finally:
        (work / "plan-b.yaml").unlink()


def test_moves_are_the_rows_of_moved_communities(bench, moved):
    proposal = proposal_from_work_folder(bench.engine, "zoning-2026")
    assert proposal.source == "moved_communities.csv"
    shown = [(m.zone, m.from_schools, m.to_schools, m.children, m.distance_change_km)
             for m in proposal.moves]
    expected = [(row.zone_id, (row.from_school_id,), (row.to_school_id,), row.children,
                 row.distance_change_km) for row in moved.sort_values("zone_id").itertuples()]
    assert shown == expected
    communities = pd.read_csv(bench.engine.work_folder / "zoning-2026" / "communities.csv",
                              dtype={"zone_id": str}).set_index("zone_id")
    for move in proposal.moves:
        assert (move.lat, move.lon) == (communities.loc[move.zone, "lat"],
                                        communities.loc[move.zone, "lon"])


def test_an_uploaded_what_if_file_gives_the_same_moves_with_figures_from_the_roster(
        bench, proposal_county, moved):
    text = (proposal_county[1] / "zoning-scenarios.yaml").read_text(encoding="utf-8")
    proposal = read_proposal(bench.engine, text, "upload")
    table = proposal_from_work_folder(bench.engine, "zoning-2026")
    assert proposal.source == "roster"
    assert [(m.zone, m.from_schools, m.to_schools) for m in proposal.moves] == \
        [(m.zone, m.from_schools, m.to_schools) for m in table.moves]
    for mine, theirs in zip(proposal.moves, table.moves, strict=True):
        assert mine.children > 0 and mine.lat is not None
        if abs(theirs.distance_change_km) > 0.2:  # same homes, same schools: same direction
            assert (mine.distance_change_km > 0) == (theirs.distance_change_km > 0)


def test_accepting_every_move_gives_the_figures_of_the_proposal_scenario(bench,
                                                                         proposal_expected):
    bench.set_proposal(proposal_from_work_folder(bench.engine, "zoning-2026"))
    pending = bench.pending_moves()
    bench.apply_group([move.as_edit() for move in pending], "proposal zoning-2026")
    assert bench.current.warm
    assert bench.current.result.summary["counts"] == proposal_expected["proposal"]["counts"]
    assert bench.pending_moves() == []
    payload = proposal_payload(bench, "en")
    assert payload["counts"] == {"pending": 0, "accepted": len(pending), "rejected": 0}


def test_accept_all_is_undone_and_redone_as_one_step(bench, proposal_expected):
    bench.set_proposal(proposal_from_work_folder(bench.engine, "zoning-2026"))
    first = bench.pending_moves()[0]
    bench.apply(first.as_edit())
    assert not bench.accepted(bench.pending_moves()[0]) and bench.accepted(first)
    bench.apply_group([move.as_edit() for move in bench.pending_moves()], "all")
    assert bench.pending_moves() == []
    bench.undo()
    assert len(bench.edits) == 1 and len(bench.pending_moves()) == len(
        bench.proposal.moves) - 1
    bench.redo()
    assert bench.pending_moves() == []
    assert bench.current.result.summary["counts"] == proposal_expected["proposal"]["counts"]
    bench.undo()
    bench.undo()
    assert bench.current.result.summary["counts"] == proposal_expected["current"]["counts"]


def test_a_rejected_move_is_left_out_of_accept_all(bench):
    bench.set_proposal(proposal_from_work_folder(bench.engine, "zoning-2026"))
    rejected = bench.proposal.moves[0]
    bench.rejected.add(rejected.zone)
    bench.apply_group([move.as_edit() for move in bench.pending_moves()], "all")
    statuses = {move["zone"]: move["status"] for move in proposal_payload(bench, "zh")["moves"]}
    assert statuses.pop(rejected.zone) == "rejected"
    assert set(statuses.values()) == {"accepted"}
    assert not bench.accepted(rejected)


def test_a_file_that_is_not_a_catchment_proposal_is_refused(bench, proposal_county):
    with pytest.raises(InputError, match="not valid YAML"):
        read_proposal(bench.engine, "scenarios: [", "upload")
    document = yaml.safe_load((proposal_county[1] / "zoning-scenarios.yaml").read_text("utf-8"))
    school = bench.engine.tables.schools["school_id"][0]
    document["overrides"]["proposed_zones"]["capacity"] = {school: {"seats": 10}}
    with pytest.raises(InputError, match="changes catchments only.*capacity"):
        read_proposal(bench.engine, yaml.safe_dump(document), "upload")
    document["overrides"]["proposed_zones"].pop("capacity")
    document["overrides"]["proposed_zones"]["catchments"]["NOWHERE"] = {"serve": [school]}
    with pytest.raises(InputError, match="NOWHERE"):
        read_proposal(bench.engine, yaml.safe_dump(document), "upload")


def test_routes_accept_reject_and_refuse_names_outside_the_work_folder(bench,
                                                                       proposal_expected):
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(bench.engine.folder, loaded.schools, loaded.applicants)
    client = TestClient(create_app(bench, TOKEN, layers))
    assert client.get("/api/proposals", headers=BEARER).json() == {"available": ["zoning-2026"]}
    for name in ("../zoning-2026", "/etc/passwd", "workbench-edits.yaml"):
        refused = client.post("/api/proposal", params={"name": name}, headers=BEARER)
        assert refused.status_code == 422 and "no proposal named" in refused.text
    assert client.post("/api/proposal/accept-all", headers=BEARER).json()["problems"] == [
        "proposal::: load a proposal first"]
    state = client.post("/api/proposal", params={"name": "zoning-2026"}, headers=BEARER).json()
    zones = [move["zone"] for move in state["proposal"]["moves"]]
    state = client.post("/api/proposal/reject", params={"zone": zones[0]}, headers=BEARER).json()
    assert state["proposal"]["moves"][0]["status"] == "rejected"
    state = client.post("/api/proposal/reject", params={"zone": zones[0], "undo": "true"},
                        headers=BEARER).json()
    state = client.post("/api/proposal/accept", params={"zone": zones[0]},
                        headers=BEARER).json()
    assert [move["status"] for move in state["proposal"]["moves"]][:2] == ["accepted",
                                                                           "pending"]
    assert len(state["edits"]) == 1
    state = client.post("/api/proposal/accept-all", headers=BEARER).json()
    assert state["proposal"]["counts"]["pending"] == 0
    assert state["figures"]["placed"] == proposal_expected["proposal"]["counts"]["placed"]
    unknown = client.post("/api/proposal/accept", params={"zone": "NOWHERE"}, headers=BEARER)
    assert unknown.status_code == 422 and "does not move zone 'NOWHERE'" in unknown.text


def test_uploaded_yaml_is_held_to_the_bounds_of_every_yaml_file(bench):
    """Uploads were parsed with yaml.safe_load before any bound: an alias bomb or a
    Python tag reached the workbench's own parsing."""
    levels = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 10)]
    bomb = "\n".join(levels) + "\nscenarios: {}\n"
    with pytest.raises(InputError, match="alias"):
        read_proposal(bench.engine, bomb, "upload")
    with pytest.raises(InputError, match="alias"):
        bench.load_scenario_file(bomb)
    with pytest.raises(InputError, match="tag"):
        bench.load_scenario_file("base: !!python/object/apply:os.system ['true']\n")
    deep = "scenarios: " + "[" * 5000 + "]" * 5000 + "\n"   # a RecursionError before
    with pytest.raises(InputError, match="nested"):
        read_proposal(bench.engine, deep, "upload")
    with pytest.raises(InputError, match="nested"):
        bench.load_scenario_file(deep)
