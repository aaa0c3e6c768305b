"""``allocator audit verify``: the demo run is confirmed; tampering is found and named."""

from __future__ import annotations

from sqlalchemy import select, update
from store_support import DEMO
from typer.testing import CliRunner

from allocator.interfaces.cli import app
from allocator.pipeline import run_scenario, write_run
from allocator.store import models


def _cli(*args):
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_the_demo_run_is_confirmed_exported_identically_and_tampering_is_named(
        engine, store_url, tmp_path):
    assert _cli("db", "import", DEMO, "--db", store_url)[0] == 0
    code, stdout, _ = _cli("job", "run", "--db", store_url, "--job-key", "demo-2025")
    assert code == 0 and "stored as run 1" in stdout
    assert _cli("db", "export-run", "--db", store_url, "--job-key", "demo-2025", "--out",
                tmp_path / "exported")[0] == 0
    direct = write_run(run_scenario(DEMO), tmp_path / "direct")
    for name in ("assignments.csv", "schools.csv", "summary.json"):
        assert (tmp_path / "exported" / name).read_bytes() == (direct / name).read_bytes(), name

    code, stdout, _ = _cli("audit", "verify", "--db", store_url, "--job-key", "demo-2025")
    assert code == 0 and "confirmed, byte-identical" in stdout

    with engine.begin() as connection:
        row = connection.execute(select(models.assignments).where(
            models.assignments.c.run_id == 1, models.assignments.c.status == "placed")
            .order_by(models.assignments.c.position)).first()
        connection.execute(update(models.assignments).where(
            models.assignments.c.run_id == 1, models.assignments.c.position == row.position)
            .values(school_id="140702-S999"))
    code, stdout, stderr = _cli("audit", "verify", "--db", store_url, "--job-key", "demo-2025")
    assert code == 1 and "difference" in stderr
    assert (f"row {row.position + 2} (applicant {row.applicant_id}): school_id stored "
            f"'140702-S999', recomputed '{row.school_id}'") in stdout


def test_a_tampered_input_or_lottery_draw_is_named(engine, store_url, tmp_path):
    from store_support import TINY

    _cli("db", "import", TINY, "--db", store_url)
    _cli("job", "run", "--db", store_url, "--job-key", "tiny")
    with engine.begin() as connection:
        connection.execute(update(models.lottery_draws).where(
            models.lottery_draws.c.lottery_order == 1).values(draw="0000000000000000"))
        connection.execute(update(models.run_inputs).where(
            models.run_inputs.c.file_name == "scenario.yaml").values(
            content="name: tiny-hand-checked\nseed: 8\n"))
    code, stdout, _ = _cli("audit", "verify", "--db", store_url, "--run-id", "1")
    assert code == 1
    assert "input scenario.yaml: content no longer matches its recorded SHA-256" in stdout
    assert "lottery draws: 1 of 9 differ (first at order 1)" in stdout
    with engine.connect() as connection:
        kinds = [row.kind for row in connection.execute(select(models.audit_events))]
    assert kinds.count("audit_verified") == 1
