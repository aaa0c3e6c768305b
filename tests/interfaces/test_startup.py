"""Fixed costs: ``allocator --help`` and ``--version`` import no heavy stack.

Timing is measured by ``benchmarks/fixed_costs.py`` (whole processes, ratios
against ``python -c "import numpy, pandas"`` in the same run); this test pins
the cause that timing depends on: which modules a light command loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

HEAVY = ("numpy", "pandas", "scipy", "ortools", "matplotlib", "sqlalchemy", "fastapi", "dask",
         "networkx", "openpyxl", "markdown_it", "jinja2")

PROBE = """
import json, sys
sys.argv = ["allocator", *json.loads(sys.argv[1])]
from allocator.interfaces.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("arguments", [["--help"], ["--version"], ["run", "--help"],
                                       ["db", "--help"]])
def test_light_commands_import_no_heavy_stack(arguments):
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(arguments)],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    loaded = json.loads(completed.stderr.strip().splitlines()[-1])
    assert loaded == [], f"allocator {' '.join(arguments)} imported {loaded}"
    assert completed.stdout.strip()


#: What ``run --no-reports`` must not load: the other commands' stacks, the reports' stack,
#: the OR-Tools/scipy/networkx solvers (deferred acceptance needs none of them) and typer's
#: pydantic coercion layer (typer 0.29's ``_adapters``: about 0.3 s a start).
RUN_HEAVY = ("scipy", "ortools", "matplotlib", "sqlalchemy", "fastapi", "dask", "networkx",
             "openpyxl", "markdown_it", "jinja2", "fontTools", "typer._adapters")

RUN_PROBE = """
import json, sys
sys.argv = ["allocator", *json.loads(sys.argv[1])]
from allocator.interfaces.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
loader = sys.modules.get("pydantic.plugin._loader")
scanned = loader is not None and loader._plugins is not None
print(json.dumps([code, sorted(m for m in {heavy} if m in sys.modules), scanned]),
      file=sys.stderr)
"""


def test_run_without_reports_imports_only_the_engine(tmp_path):
    arguments = ["run", str(helpers.TINY), "--out", str(tmp_path / "run"),
                 "--no-reports"]
    completed = subprocess.run(
        [sys.executable, "-c", RUN_PROBE.format(heavy=RUN_HEAVY), json.dumps(arguments)],
        capture_output=True, text=True, timeout=120, check=False,
        env={key: value for key, value in os.environ.items()
             if key != "PYDANTIC_DISABLE_PLUGINS"})
    code, loaded, scanned = json.loads(completed.stderr.strip().splitlines()[-1])
    assert code in (0, None), completed.stderr
    assert (tmp_path / "run" / "assignments.csv").is_file()
    assert loaded == [], f"allocator run --no-reports imported {loaded}"
    assert not scanned, "pydantic scanned every installed distribution for plugins"


def test_run_with_reports_draws_its_plots_without_matplotlib(tmp_path):
    arguments = ["run", str(helpers.TINY), "--out", str(tmp_path / "run"), "-q"]
    completed = subprocess.run(
        [sys.executable, "-c", RUN_PROBE.format(heavy=("matplotlib", "PIL", "ssl")),
         json.dumps(arguments)], capture_output=True, text=True, timeout=300, check=False)
    code, loaded, _ = json.loads(completed.stderr.strip().splitlines()[-1])
    assert code in (0, None), completed.stderr
    assert "<svg" in (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert loaded == [], f"allocator run with reports imported {loaded}"
