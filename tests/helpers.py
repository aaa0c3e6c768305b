"""Test helpers: write scenario folders from Python data and run the CLI.

Test modules import this file by putting ``tests/`` on ``sys.path`` (the test
folders have no ``__init__.py``)::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import helpers  # noqa: E402

Everything here writes only below the folder it is given (a ``tmp_path``).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "scenarios" / "tiny"

Row = Mapping[str, Any]


# --------------------------------------------------------------------------- writing tables


def csv_text(rows: Sequence[Row] | None = None, columns: Sequence[str] | None = None) -> str:
    """CSV text of ``rows`` (dicts); columns in first-seen order unless ``columns`` is given.

    Missing keys and ``None`` become empty cells; booleans become ``true``/``false``.
    ``rows`` may be empty when ``columns`` is given (a header-only table).
    """
    rows = list(rows or [])
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            for key in row:
                seen.setdefault(key, None)
        columns = list(seen)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    return str(value)


def write_table(path: Path, rows: Sequence[Row] | str | bytes,
                columns: Sequence[str] | None = None, encoding: str = "utf-8") -> Path:
    """Write one table: dict rows, raw CSV text, or raw bytes (written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(rows, bytes):
        path.write_bytes(rows)
    elif isinstance(rows, str):
        path.write_bytes(rows.encode(encoding))
    else:
        path.write_bytes(csv_text(rows, columns).encode(encoding))
    return path


def write_scenario(folder: Path, *, schools: Sequence[Row] | str | bytes,
                   applicants: Sequence[Row] | str | bytes,
                   priorities: Sequence[Row] | str | bytes | None = None,
                   policy_file: Mapping[str, Any] | str | None = None,
                   name: str = "test-scenario", seed: int = 7,
                   policy: str | None = None, mechanism: str | None = "deferred-acceptance",
                   settings: Mapping[str, Any] | None = None,
                   settings_text: str | None = None,
                   applicant_columns: Sequence[str] | None = None,
                   school_columns: Sequence[str] | None = None) -> Path:
    """Write a scenario folder (CONTRACT.md) and return it.

    Parameters
    ----------
    folder : Path
        Created if missing.
    schools, applicants, priorities : rows, CSV text or bytes
        The tables; ``priorities`` is written only when given.
    policy_file : mapping or str, optional
        Written to ``policy.yaml`` (a mapping is dumped as YAML); the scenario's
        ``policy`` then defaults to ``policy.yaml``.
    policy : str, optional
        The ``policy`` setting (default ``shanxi-2025``, or ``policy.yaml``).
    mechanism : str or None
        The ``mechanism`` setting; None leaves the key out.
    settings : mapping, optional
        Extra or replacing keys of ``scenario.yaml``.
    settings_text : str, optional
        Raw ``scenario.yaml`` text, used instead of everything above.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if settings_text is None:
        data: dict[str, Any] = {"name": name, "seed": seed}
        data["policy"] = policy or ("policy.yaml" if policy_file is not None else "shanxi-2025")
        if mechanism is not None:
            data["mechanism"] = mechanism
        data.update(settings or {})
        settings_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (folder / "scenario.yaml").write_text(settings_text, encoding="utf-8")
    write_table(folder / "schools.csv", schools, school_columns)
    write_table(folder / "applicants.csv", applicants, applicant_columns)
    if priorities is not None:
        write_table(folder / "priorities.csv", priorities, ["school_id", "applicant_id", "rank"]
                    if not isinstance(priorities, str | bytes) else None)
    if policy_file is not None:
        text = policy_file if isinstance(policy_file, str) else yaml.safe_dump(
            dict(policy_file), sort_keys=False, allow_unicode=True)
        (folder / "policy.yaml").write_text(text, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- a valid ladder case


def ladder_schools() -> list[dict[str, Any]]:
    """Three primary schools of county T (rows 2-4 of ``schools.csv``)."""
    return [
        {"school_id": "A", "name": "城关小学", "county": "T", "stage": "primary",
         "kind": "public", "capacity": 2, "classes": 1, "zones": "Z1", "lat": 37.80,
         "lon": 112.50, "resource_room": "true"},
        {"school_id": "B", "name": "东关小学", "county": "T", "stage": "primary",
         "kind": "public", "capacity": 2, "classes": 1, "zones": "Z2;Z3", "lat": 37.80,
         "lon": 112.52, "resource_room": "false"},
        {"school_id": "C", "name": "西关小学", "county": "T", "stage": "primary",
         "kind": "public", "capacity": 1, "classes": 1, "zones": "Z3", "lat": 37.80,
         "lon": 112.54, "resource_room": "no"},
    ]


def ladder_applicants() -> list[dict[str, Any]]:
    """Four applicants of county T (rows 2-5 of ``applicants.csv``), all valid."""
    return [
        {"applicant_id": "p1", "county": "T", "birth_date": "2019-03-01", "hukou_zone": "Z1",
         "hukou_city": "true", "property_zone": "Z1", "residence_zone": "Z1",
         "residence_permit_months": 0, "hukou_since": "2012-05-01", "categories": "",
         "sibling_school": "", "preferences": ""},
        {"applicant_id": "p2", "county": "T", "birth_date": "2019-04-01", "hukou_zone": "",
         "hukou_city": "false", "property_zone": "", "residence_zone": "Z1",
         "residence_permit_months": 24, "hukou_since": "", "categories": "military",
         "sibling_school": "A", "preferences": ""},
        {"applicant_id": "p3", "county": "T", "birth_date": "2019-05-01", "hukou_zone": "Z3",
         "hukou_city": "", "property_zone": "Z3", "residence_zone": "Z3",
         "residence_permit_months": 0, "hukou_since": "2015-01-01", "categories": "",
         "sibling_school": "", "preferences": "C;B"},
        {"applicant_id": "p4", "county": "T", "birth_date": "2019-06-01", "hukou_zone": "Z2",
         "hukou_city": "", "property_zone": "", "residence_zone": "Z2",
         "residence_permit_months": 0, "hukou_since": "", "categories": "left_behind",
         "sibling_school": "", "preferences": ""},
    ]


def write_ladder(folder: Path, schools: Sequence[Row] | str | bytes | None = None,
                 applicants: Sequence[Row] | str | bytes | None = None, **options: Any) -> Path:
    """A valid ``shanxi-2025`` scenario (or a corrupted copy of it, via the arguments)."""
    return write_scenario(folder, schools=ladder_schools() if schools is None else schools,
                          applicants=ladder_applicants() if applicants is None else applicants,
                          **options)


def copy_tiny(folder: Path) -> Path:
    """A copy of the bundled ``scenarios/tiny`` folder."""
    shutil.copytree(TINY, folder)
    return folder


# --------------------------------------------------------------------------- explicit policy


def write_explicit(folder: Path, preferences: Mapping[str, Sequence[str]],
                   priorities: Mapping[str, Sequence[str]], capacities: Mapping[str, int], *,
                   seed: int = 1, mechanism: str = "deferred-acceptance",
                   applicant_order: Iterable[str] | None = None,
                   school_order: Iterable[str] | None = None,
                   priority_ranks: Mapping[str, Sequence[int]] | None = None,
                   shuffle_priorities: Sequence[int] | None = None) -> Path:
    """Write an ``explicit``-policy scenario from preference and priority lists.

    Parameters
    ----------
    preferences : mapping applicant id -> ranked school ids
        The complete list of acceptable schools (may be empty).
    priorities : mapping school id -> applicant ids, best first
        Written to ``priorities.csv`` with ranks 1, 2, ...; applicants a school
        does not list come after the listed ones, in lottery order.
    capacities : mapping school id -> seats
    applicant_order, school_order : optional
        Row order of ``applicants.csv`` / ``schools.csv`` (default: mapping order).
    priority_ranks : mapping school id -> ranks, optional
        Rank values to write instead of 1, 2, ... (same length as the list).
    shuffle_priorities : sequence of int, optional
        A permutation of the ``priorities.csv`` data rows.
    """
    applicant_ids = list(applicant_order or preferences)
    school_ids = list(school_order or capacities)
    schools = [{"school_id": s, "capacity": capacities[s]} for s in school_ids]
    applicants = [{"applicant_id": a, "preferences": ";".join(preferences[a])}
                  for a in applicant_ids]
    rows = []
    for school, listed in priorities.items():
        ranks = (priority_ranks or {}).get(school) or range(1, len(listed) + 1)
        rows.extend({"school_id": school, "applicant_id": a, "rank": r}
                    for a, r in zip(listed, ranks, strict=True))
    if shuffle_priorities is not None:
        rows = [rows[i] for i in shuffle_priorities]
    return write_scenario(folder, schools=schools, applicants=applicants, priorities=rows,
                          policy="explicit", mechanism=mechanism, seed=seed,
                          name="explicit-test", school_columns=["school_id", "capacity"],
                          applicant_columns=["applicant_id", "preferences"])


def assignment_map(result: Any) -> dict[str, str]:
    """``applicant_id -> school_id`` ('' = not placed) of a pipeline result."""
    table = result.assignments
    return dict(zip(table["applicant_id"].astype(str), table["school_id"].astype(str),
                    strict=True))


# --------------------------------------------------------------------------- running the CLI


@dataclass(frozen=True)
class CliOutcome:
    """Exit code and output of one CLI run."""

    exit_code: int
    stdout: str
    stderr: str

    def problem_lines(self) -> list[str]:
        """The ``file:row:column: message`` lines of stderr."""
        return [line for line in self.stderr.splitlines() if _looks_like_problem(line)]


def _looks_like_problem(line: str) -> bool:
    parts = line.split(":", 3)
    return len(parts) == 4 and parts[3].startswith(" ") and (parts[1] == "" or
                                                              parts[1].isdigit())


def run_cli(*args: str | Path) -> CliOutcome:
    """Run the CLI in-process with typer's ``CliRunner`` (stderr kept separate)."""
    from typer.testing import CliRunner

    from allocator.interfaces.cli import app

    result = CliRunner().invoke(app, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliOutcome(result.exit_code, result.stdout, result.stderr)


def allocator_command() -> list[str]:
    """The ``allocator`` console script of this interpreter, or an equivalent ``python -c`` call.

    Not the first ``allocator`` on ``PATH``: that may be another installation's (a stale
    pyenv shim made the console-script tests fail when the venv was not activated).
    """
    script = Path(sys.executable).parent / "allocator"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from allocator.interfaces.cli import main; main()"]


def run_cli_subprocess(*args: str | Path, cwd: Path | None = None, timeout: float = 60,
                       env: Mapping[str, str] | None = None) -> CliOutcome:
    """Run the ``allocator`` command as a separate process (``env`` adds variables)."""
    environment = {**os.environ, **(env or {})}
    completed = subprocess.run([*allocator_command(), *(str(arg) for arg in args)],
                               capture_output=True, text=True, encoding="utf-8", cwd=cwd,
                               timeout=timeout, check=False, env=environment)
    return CliOutcome(completed.returncode, completed.stdout, completed.stderr)


# --------------------------------------------------------------------------- folders


def snapshot(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file below ``folder``."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def leftovers(parent: Path, out_name: str) -> list[str]:
    """Hidden staging or retired folders a run may have left next to ``out_name``."""
    return sorted(path.name for path in parent.iterdir()
                  if path.name.startswith(f".{out_name}."))
