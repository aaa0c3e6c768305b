"""Output folders are the engine's own: what ``--out`` may replace, and what it may not.

Every folder the engine writes (a run folder, a comparison, a sweep, an
exported scenario, ...) carries a marker file, :data:`MARKER`, that lists the
files written with it. A later command may replace a folder only when it is
absent, empty, or carries the marker and holds nothing the marker does not
list. Anything else (a planner's own folder, the scenario folder itself, the
working folder, a marked folder where somebody added notes) is refused before
any work is done, with a sentence that says why: no option deletes a user's
files. A folder that is, or contains, one of the command's inputs is refused
too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from allocator import __version__

#: The marker file written into every output folder.
MARKER = ".allocator-output.json"
#: Hidden folders the atomic writer leaves only when its process was killed.
STAGING_TAGS = (".tmp-", ".old-")


class OutputFolderRefused(Exception):
    """``--out`` names a folder the engine may not replace.

    Attributes
    ----------
    folder : Path
        The refused folder.
    reason : str
        A sentence saying why, for the terminal.
    """

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(f"{folder}: {reason}")
        self.folder = folder
        self.reason = reason


class VerificationFailed(Exception):
    """A run whose required verification checks failed: nothing is written.

    Attributes
    ----------
    failed : list of dict
        The failed checks as in ``summary.json`` (name, violations, examples, groups).
    """

    def __init__(self, failed: list[dict[str, Any]]) -> None:
        names = ", ".join(check["name"] for check in failed)
        super().__init__(f"verification failed ({names}); nothing was written")
        self.failed = failed


def check_output_folder(out_dir: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output folder that the engine may not replace; return it resolved.

    Parameters
    ----------
    out_dir : str or Path
        The folder a command is about to (re)write.
    inputs : iterable of paths
        The command's input files and folders; ``out_dir`` may not be or contain one.

    Raises
    ------
    OutputFolderRefused
        When ``out_dir`` is a file, is or contains an input, or holds anything
        the engine did not write there.
    """
    out = Path(out_dir).resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == out or out in source.parents:
            what = "is" if source == out else "contains"
            raise OutputFolderRefused(out, f"the output folder {what} the input '{item}'; "
                                           "choose a folder outside the inputs")
    if not out.exists():
        return out
    if not out.is_dir():
        raise OutputFolderRefused(out, "is a file, not a folder; choose a new folder name")
    present = sorted(entry.name for entry in out.iterdir())
    if not present:
        return out
    listed = _marked_files(out)
    if listed is None:
        shown = ", ".join(f"'{name}'" for name in present[:3])
        more = f" and {len(present) - 3} more" if len(present) > 3 else ""
        raise OutputFolderRefused(
            out, f"holds files that allocator did not write ({shown}{more}); it replaces only "
                 "folders it wrote itself: choose a new or empty folder")
    foreign = [name for name in present if name != MARKER and name not in listed]
    if foreign:
        shown = ", ".join(f"'{name}'" for name in foreign[:3])
        raise OutputFolderRefused(
            out, f"was written by allocator but now also holds {shown}, which allocator did not "
                 "write; move them away or choose another folder")
    return out


def mark_output_folder(folder: Path, kind: str) -> None:
    """Write the marker into ``folder`` (a staging folder), listing its entries."""
    entries = sorted(entry.name for entry in folder.iterdir() if entry.name != MARKER)
    marker = {"engine": "allocator", "engine_version": __version__, "kind": kind,
              "entries": entries}
    (folder / MARKER).write_text(json.dumps(marker, indent=2, ensure_ascii=False) + "\n",
                                 encoding="utf-8")


def _marked_files(folder: Path) -> set[str] | None:
    """Entries the marker of ``folder`` lists, or None when there is no valid marker."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("engine") != "allocator":
        return None
    entries = marker.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        return None
    return set(entries)


def remove_stale_staging(out: Path) -> None:
    """Remove hidden staging folders next to ``out`` left by killed processes.

    Only folders named by the atomic writer for ``out`` whose process id is no
    longer alive are removed (a concurrent writer's folder is left alone).
    """
    import shutil

    if not out.parent.is_dir():
        return
    prefix = f".{out.name}"
    for entry in out.parent.iterdir():
        tag = entry.name[len(prefix):len(prefix) + 5]
        if not entry.name.startswith(prefix) or tag not in STAGING_TAGS:
            continue
        pid = entry.name[len(prefix) + 5:].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
