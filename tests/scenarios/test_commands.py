"""The ``scenarios`` and ``compare`` commands: exit codes, outputs and problem lines."""

from __future__ import annotations

from typer.testing import CliRunner

from allocator.interfaces.cli import app

from .conftest import DEMO_WHATIFS, write_file

runner = CliRunner()


def test_scenarios_then_compare_write_runs_csv_and_html(tmp_path):
    result = runner.invoke(app, ["scenarios", str(DEMO_WHATIFS), "--only",
                                 "baseline,two_classes", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "two_classes" in result.output and "热启动" in result.output  # warm, in Chinese
    result = runner.invoke(app, ["compare", str(tmp_path / "runs" / "baseline"),
                                 str(tmp_path / "runs" / "two_classes"), "--out",
                                 str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    assert "schools.140702-S007.capacity: 258 -> 348" in result.output
    assert (tmp_path / "cmp" / "comparison.html").is_file()
    assert (tmp_path / "cmp" / "movers.csv").read_text().startswith("run,applicant_id,")


def test_an_invalid_scenario_file_exits_2_with_file_line_key(tmp_path):
    path = write_file(tmp_path, "base: .\noverrides:\n  a: {seed: soon}\nscenarios:\n  x: [a]\n")
    result = runner.invoke(app, ["scenarios", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "whatifs.yaml:3:overrides.a.seed:" in result.output
    assert not (tmp_path / "out").exists()


def test_compare_needs_two_runs(tmp_path):
    result = runner.invoke(app, ["compare", str(tmp_path)])
    assert result.exit_code == 2
