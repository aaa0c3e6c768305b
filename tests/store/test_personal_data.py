"""Names and national ID numbers sent by a portal are never logged, stored or written."""

from __future__ import annotations

import csv
import logging

from store_support import TINY, all_text, copy_scenario
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.pipeline.load import load
from allocator.store.personal import mask_name, mask_national_id

NAMES = ["王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰"]
IDS = [f"1407022019{month:02d}0{day}12{day}{'X' if day % 2 else day}"
       for month, day in zip(range(1, 10), range(1, 10), strict=True)]


def _roster_with_personal_data(folder):
    path = folder / "applicants.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0] += ["name", "national_id"]
    for row, name, number in zip(rows[1:], NAMES, IDS, strict=True):
        row += [name, number]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_no_name_or_id_number_leaks_from_a_roster_that_holds_them(engine, store_url, tmp_path,
                                                                   caplog):
    folder = copy_scenario(TINY, tmp_path / "portal")
    _roster_with_personal_data(folder)
    assert not {"name", "national_id"} & set(load(folder).scenario.applicants.columns)
    caplog.set_level(logging.DEBUG)  # every logger, SQL statements and parameters included
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    runner = CliRunner()
    commands = [
        ["db", "import", folder], ["job", "run", "--job-key", "k"],
        ["job", "run", "--job-key", "k"], ["audit", "verify", "--job-key", "k"],
        ["appeal", "--job-key", "k", "--applicant", "a3", "--field", "hukou_since",
         "--value", "2011-01-01", "--actor", "clerk", "--reason", "booklet"],
        ["db", "export-run", "--job-key", "k", "--out", tmp_path / "run"],
        ["db", "export-scenario", "--out", tmp_path / "published"],
    ]
    printed = []
    for command in commands:
        result = runner.invoke(app, [*map(str, command), "--db", store_url])
        assert result.exit_code == 0, (command, result.stderr)
        printed.append(result.stdout + result.stderr)
    written = "".join(path.read_text(encoding="utf-8") for path in tmp_path.rglob("*")
                      if path.is_file() and path.relative_to(tmp_path).parts[0] in (
                          "run", "published"))  # the run's copied inputs/ included
    stored = all_text(engine)
    haystacks = {"logs": caplog.text, "output": "".join(printed), "files": written,
                 "store": stored}
    # The scan saw the roster's INSERT, whose parameters the engine hides from every log.
    assert "INSERT INTO applicants" in caplog.text
    assert "SQL parameters hidden" in caplog.text and "王**" not in caplog.text
    for where, text in haystacks.items():
        leaked = [value for value in NAMES + IDS if value in text]
        assert leaked == [], f"personal data in {where}"
    assert mask_name(NAMES[0]) == "王**" and mask_national_id(IDS[0]) in stored
    published = (tmp_path / "published" / "applicants.csv").read_text(encoding="utf-8")
    assert "王**" in published and mask_national_id(IDS[0]) in published
