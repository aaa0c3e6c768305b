"""Writing a run folder atomically: complete and new, or the old one untouched."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from allocator.pipeline.csv_text import write_frame
from allocator.pipeline.output_folder import (
    VerificationFailed,
    check_output_folder,
    mark_output_folder,
    remove_stale_staging,
)
from allocator.pipeline.run import RunResult, sha256_file

RUN_FILES = ("assignments.csv", "schools.csv", "summary.json", "manifest.json")

#: Writes more files (reports, ledgers) into the staging folder of a run.
ExtraWriter = Callable[[RunResult, Path], None]


def write_run(result: RunResult, out_dir: str | Path,
              extra_writers: Sequence[ExtraWriter] = (),
              inputs: Iterable[str | Path] = ()) -> Path:
    """Write the run folder of CONTRACT.md to ``out_dir`` atomically.

    Files are written to a hidden sibling folder, which then replaces
    ``out_dir`` by rename. If anything fails, ``out_dir`` is left as it was
    (absent, or holding the previous run). Each of ``extra_writers`` is called
    with the result and the staging folder, so its files are part of the same
    atomic replacement. ``inputs`` are further folders or files the run read
    (a later round's previous run folder): ``out_dir`` may not be or contain one.

    Raises
    ------
    VerificationFailed
        When a required verification check failed (no folder is written).
    OutputFolderRefused
        When ``out_dir`` holds files the engine did not write, or is or
        contains the scenario folder.
    """
    if not result.verified:
        raise VerificationFailed([check.to_dict() for check in result.checks
                                  if check.required and not check.passed])
    inputs = [result.loaded.scenario.folder, *result.loaded.scenario.input_files, *inputs]
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

    return write_folder_atomically(fill, out_dir, kind="run", inputs=inputs)


def output_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file written so far (a later round checks them, CONTRACT.md)."""
    return {path.relative_to(folder).as_posix(): sha256_file(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != "manifest.json"}


def write_folder_atomically(fill: Callable[[Path], None], out_dir: str | Path,
                            kind: str = "run", inputs: Iterable[str | Path] = ()) -> Path:
    """Fill a hidden sibling folder with ``fill(folder)``, then swap it in as ``out_dir``.

    ``out_dir`` must be absent, empty, or a folder the engine wrote (see
    :mod:`allocator.pipeline.output_folder`); it may not be or contain one of
    ``inputs``. The folder is marked as the engine's own (``kind`` says what it
    holds). If ``fill`` or the swap fails, ``out_dir`` is left as it was
    (absent or holding its previous content) and the hidden folder is removed;
    hidden folders left by killed earlier writers are removed first.

    Raises
    ------
    OutputFolderRefused
        Before anything is written, when ``out_dir`` may not be replaced.
    """
    inputs = list(inputs)
    out = check_output_folder(out_dir, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    staging.mkdir()
    try:
        fill(staging)
        mark_output_folder(staging, kind)
        check_output_folder(out, inputs)  # again: the folder may have changed meanwhile
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
    """Put ``staging`` in place of ``out``; ``out`` is never missing in between.

    On Linux both folders are exchanged in one atomic ``renameat2`` call; else
    (or when the call is refused) the old folder is renamed aside first.
    """
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous content
        return
    retired = out.parent / f".{out.name}.old-{os.getpid()}-{time.monotonic_ns()}"
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE) == 0
