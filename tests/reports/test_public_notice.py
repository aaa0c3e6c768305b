"""Public notices (公示): the disclosure files in words, through the same gate, same bytes
from the run folder, the store's export and the service.

The tiny scenario has a child placed at a special school by the expert committee's plan
(a8): it must appear in no notice, only in the counts.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.model.vocabulary import column_label, value_label
from allocator.pipeline.run import run_scenario
from allocator.pipeline.write import write_run
from allocator.reports.public_notice import NOTICE_FILES, public_notice
from allocator.reports.writer import report_writer

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny"
EXCLUSION_TEXT = ("excluded", "special_school", "home_teaching", "under_age", "resource_room",
                  "不参与分配：")
EXPORT = ("db", "export-run", "--job-key", "k")


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """The tiny scenario's run folder with reports, in each language."""
    result = run_scenario(TINY)
    base = tmp_path_factory.mktemp("notice")
    return {lang: write_run(result, base / lang, extra_writers=[report_writer(lang)])
            for lang in ("zh", "en")}


def notice(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / NOTICE_FILES[name], dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


def machine(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_notices_say_in_words_what_the_machine_files_say_in_codes(tiny_runs, lang):
    folder = tiny_runs[lang]
    codes, words = machine(folder, "disclosure_admitted"), notice(folder, "disclosure_admitted")
    header = lambda name: column_label(name, lang)  # noqa: E731
    assert list(words.columns) == [header(c) for c in ("school_id", "name", "application_number",
                                                        "status", "tier_name", "route",
                                                        "lottery", "appeal_id")]
    # the same children, in the same order: nothing added, nothing left out
    assert words[header("application_number")].tolist() == codes["application_number"].tolist()
    assert words[header("route")].tolist() == [value_label(v, lang) for v in codes["route"]]
    assert words[header("status")].tolist() == [value_label(v, lang) for v in codes["status"]]
    schools = machine(folder, "disclosure").set_index("school_id")["name"]
    placed = codes["school_id"] != ""
    assert words.loc[placed, header("name")].tolist() == schools[codes.loc[placed,
                                                                       "school_id"]].tolist()
    if lang == "zh":  # every value a reader sees is in Chinese, tiers by the policy's labels
        for column in (header("status"), header("route"), header("tier_name")):
            assert not words[column].str.contains(r"[a-z]{3}", regex=True).any(), column


def test_the_school_notice_formats_numbers_and_names_tiers(tmp_path):
    codes = pd.DataFrame({
        "school_id": ["S1"], "name": ["=HYPERLINK(\"x\")"], "county": ["140702"],
        "stage": ["primary"], "kind": ["public"], "plan": [12345], "catchment_zones": ["Z1"],
        "conditions": ["0. 优抚对象"], "admitted": [12000], "surplus": [345],
        "cutoff_tier": [3], "cutoff_tier_name": ["hukou_only"], "cutoff_lottery": [0.25],
        "redirected_away": [0], "redirected_in": [1], "admitted_hukou_only": [1200]})
    shown = public_notice("disclosure", codes, "zh", {"hukou_only": "片区内有户籍、无房产"})
    row = shown.iloc[0]
    assert row["招生计划"] == "12,345" and row["录取人数"] == "12,000"
    assert row["录取截止类别"] == "片区内有户籍、无房产"
    assert row["录取：片区内有户籍、无房产"] == "1,200"
    assert row["截止抽签号"] == "0.2500000000" and row["学段"] == "小学"
    assert "录取截止类别序号" not in shown.columns  # the tier number is for machines
    assert row["学校名称"].startswith("'=")  # formula-safe after translation too


def test_a_notice_goes_through_the_publication_gate():
    leaking = pd.DataFrame({
        "application_number": ["a1"], "school_id": [""], "status": ["unplaced"], "tier": [None],
        "tier_name": [""], "route": ["excluded:special_school"], "lottery": ["0.5"],
        "appeal_id": [""], "reason": ["excluded: placed at a special school"]})
    with pytest.raises(ValueError, match="would reveal an exclusion"):
        public_notice("disclosure_admitted", leaking, "zh")
    shown = public_notice("disclosure_admitted", leaking.assign(route="unplaced"), "en")
    assert "Reason" not in shown.columns and "reason" not in shown.columns  # allow-list


def test_no_excluded_child_in_any_notice(tiny_runs):
    for folder in tiny_runs.values():
        for name in NOTICE_FILES.values():
            text = (folder / name).read_text(encoding="utf-8-sig")
            assert "a8," not in text
            for word in EXCLUSION_TEXT:
                assert word not in text, (name, word)
        counts = notice(folder, "disclosure_counts")
        assert counts.iloc[:, -1].tolist() == machine(folder, "disclosure_counts")[
            "excluded"].tolist()


def test_notices_open_in_excel_as_utf8(tiny_runs):
    for folder in tiny_runs.values():
        for name in NOTICE_FILES.values():
            assert (folder / name).read_bytes().startswith(b"\xef\xbb\xbf"), name


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    """A store holding the tiny scenario and its run under job key k."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'portal.db'}"
    runner = CliRunner()
    for command in (["db", "import", str(TINY)], ["job", "run", "--job-key", "k"]):
        outcome = runner.invoke(app, [*command, "--db", url])
        assert outcome.exit_code == 0, outcome.output
    return url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_store_export_writes_the_run_folders_notices_byte_for_byte(tiny_runs, store_url,
                                                                      tmp_path, lang):
    out = tmp_path / "export"
    outcome = CliRunner().invoke(app, [*EXPORT, "--out", str(out), "--db", store_url,
                                       "--public-notice", lang])
    assert outcome.exit_code == 0, outcome.output
    for name in ("disclosure_admitted", "disclosure_counts"):
        file_name = NOTICE_FILES[name]
        assert (out / file_name).read_bytes() == (tiny_runs[lang] / file_name).read_bytes()
    plain = tmp_path / "plain"
    CliRunner().invoke(app, [*EXPORT, "--out", str(plain), "--db", store_url])
    assert not list(plain.glob("public_notice_*"))  # the export without the option is unchanged


def test_the_store_export_refuses_an_unknown_language(store_url, tmp_path):
    outcome = CliRunner().invoke(app, [*EXPORT, "--out", str(tmp_path / "x"), "--db", store_url,
                                       "--public-notice", "fr"])
    assert outcome.exit_code == 2
    assert "command line::--public-notice: unknown language 'fr'" in outcome.output
    assert not (tmp_path / "x").exists()


def test_the_service_sends_the_same_notice(tiny_runs, tmp_path):
    from allocator.store.database import open_store

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
    from service_support import AUTH, tiny_app, wait_for
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path / 'service.db'}"
    open_store(url).dispose()
    with TestClient(tiny_app(url)) as client:
        client.post("/jobs", headers=AUTH, json={"job_key": "tiny-2025"})
        assert wait_for(client, "tiny-2025")["state"] == "completed"
        for lang in ("zh", "en"):
            for table, name in (("admitted", "disclosure_admitted"),
                                ("counts", "disclosure_counts")):
                response = client.get(f"/jobs/tiny-2025/public-notice?lang={lang}&table={table}",
                                      headers=AUTH)
                assert response.headers["content-type"].startswith("text/csv")
                assert response.content == (tiny_runs[lang] / NOTICE_FILES[name]).read_bytes()
        refused = client.get("/jobs/tiny-2025/public-notice?lang=fr", headers=AUTH)
        assert refused.status_code == 422
