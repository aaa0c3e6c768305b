"""Fixed costs: ``allocator --help`` and ``--version`` import no heavy stack.

Timing is measured by ``benchmarks/fixed_costs.py`` (whole processes, ratios
against ``python -c "import numpy, pandas"`` in the same run); this test pins
the cause that timing depends on: which modules a light command loads.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
