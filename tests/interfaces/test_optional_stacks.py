"""The engine and CLI work without the optional stacks (portal, cluster, parquet), and a
command that needs one names the extra to install.

Each test runs the CLI in a fresh interpreter in which importing a module of those extras
fails with ModuleNotFoundError, as it does when the package is not installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from allocator.interfaces.extras import EXTRA_OF_MODULE, missing_extra_message

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny"

#: Runs the CLI with every optional module unimportable.
BLOCKED_RUN = """
import sys

for name in {blocked!r}:
    sys.modules[name] = None  # importing it raises ModuleNotFoundError, find_spec finds nothing
from allocator.interfaces.cli import main
sys.argv = ["allocator", *{arguments!r}]
main()
"""


def run_cli(*arguments: str, cwd: Path, blocked: tuple[str, ...] = ()
            ) -> subprocess.CompletedProcess:
    code = BLOCKED_RUN.format(blocked=sorted(blocked), arguments=list(arguments))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def run_without_extras(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_cli(*arguments, cwd=cwd, blocked=tuple(EXTRA_OF_MODULE))


def test_run_validate_and_reports_need_no_optional_stack(tmp_path):
    checked = run_without_extras("validate", str(TINY), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    done = run_without_extras("run", str(TINY), "--out", str(tmp_path / "run"), "-q",
                              cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = {path.name for path in (tmp_path / "run").iterdir()}
    assert {"assignments.csv", "schools.csv", "summary.json", "manifest.json",
            "report.html", "report.xlsx"} <= written


def test_without_the_optional_stacks_the_run_folder_is_byte_identical(tmp_path):
    lean = run_without_extras("run", str(TINY), "--out", str(tmp_path / "lean"), "-q",
                              cwd=tmp_path)
    assert lean.returncode == 0, lean.stderr
    full = run_cli("run", str(TINY), "--out", str(tmp_path / "full"), "-q", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    for path in sorted((tmp_path / "full").iterdir()):
        if path.name != "manifest.json":  # timings differ from run to run
            assert (tmp_path / "lean" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_portal_command_without_the_portal_stack_names_the_extra(tmp_path):
    refused = run_without_extras("db", "upgrade", "--db", f"sqlite:///{tmp_path}/x.db",
                                 cwd=tmp_path)
    assert refused.returncode == 1
    assert "pip install 'allocator[portal]'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "x.db").exists()


def test_the_message_names_the_extra_of_the_missing_module():
    error = ModuleNotFoundError("No module named 'dask.distributed'", name="dask.distributed")
    assert "'allocator[cluster]'" in missing_extra_message(error)
    assert missing_extra_message(ModuleNotFoundError("x", name="numpy")) is None
