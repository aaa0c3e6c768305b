"""Writing a run folder atomically: complete and new, or the old one untouched."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from allocator.pipeline.csv_text import write_frame
from allocator.pipeline.run import RunResult, sha256_file

RUN_FILES = ("assignments.csv", "schools.csv", "summary.json", "manifest.json")

#: Writes more files (reports, ledgers) into the staging folder of a run.
ExtraWriter = Callable[[RunResult, Path], None]


def write_run(result: RunResult, out_dir: str | Path,
              extra_writers: Sequence[ExtraWriter] = ()) -> Path:
    """Write the run folder of CONTRACT.md to ``out_dir`` atomically.

    Files are written to a hidden sibling folder, which then replaces
    ``out_dir`` by rename. If anything fails, ``out_dir`` is left as it was
    (absent, or holding the previous run). Each of ``extra_writers`` is called
    with the result and the staging folder, so its files are part of the same
    atomic replacement.
    """
    def fill(staging: Path) -> None:
        clock = time.perf_counter()
        write_csv(result.assignments, staging / "assignments.csv")
        write_csv(result.schools, staging / "schools.csv")
        write_json(result.summary, staging / "summary.json")
        for writer in extra_writers:
            writer(result, staging)
        manifest = dict(result.manifest)
        timings = dict(manifest.get("timings_seconds", {}))
        timings["write"] = round(time.perf_counter() - clock, 4)
        manifest["timings_seconds"] = timings
        manifest["outputs"] = output_digests(staging)
        write_json(manifest, staging / "manifest.json")

    return write_folder_atomically(fill, out_dir)


def output_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file written so far (a later round checks them, CONTRACT.md)."""
    return {path.relative_to(folder).as_posix(): sha256_file(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != "manifest.json"}


def write_folder_atomically(fill: Callable[[Path], None], out_dir: str | Path) -> Path:
    """Fill a hidden sibling folder with ``fill(folder)``, then rename it to ``out_dir``.

    If ``fill`` or the rename fails, ``out_dir`` is left as it was (absent or
    holding its previous content) and the hidden folder is removed.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    staging.mkdir()
    try:
        fill(staging)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def write_csv(frame, path: Path) -> None:
    """UTF-8 CSV, no index, ``\\n`` line ends: byte-identical for identical frames."""
    write_frame(frame, path)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Indented UTF-8 JSON with Chinese kept readable."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                    encoding="utf-8")


def _replace(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = out.parent / f".{out.name}.old-{os.getpid()}-{time.monotonic_ns()}"
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
