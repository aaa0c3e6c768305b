"""Relocatable run folders: finding a run's inputs again, by path or by hash.

A run folder records the SHA-256 of every input in ``manifest.json``. To tell a
child's story again (``allocator explain``), the inputs are looked for, in this
order, and the first place where every recorded hash matches is used:

1. a scenario folder the user names (``allocator explain --scenario DIR``);
2. ``inputs/`` inside the run folder: the exact input files, copied there by
   ``allocator scenarios`` (a what-if's derived scenario lives in a temporary
   folder) and ``allocator db export-run`` (the store keeps a run's inputs);
3. ``scenario_folder_relative`` of the manifest, taken from the run folder (a
   run folder moved together with its scenario);
4. ``scenario_folder``, the absolute path at run time (a run folder moved alone).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from allocator.pipeline.load import LoadedScenario
from allocator.pipeline.run import RunResult, sha256_file

#: Folder of a run folder holding copies of its input files.
INPUTS_FOLDER = "inputs"


def portable(result: RunResult, out_dir: str | Path) -> RunResult:
    """``result`` with the scenario folder also recorded relative to ``out_dir``.

    Parameters
    ----------
    result : RunResult
        A run about to be written to ``out_dir``.
    out_dir : str or Path
        The run folder.

    Returns
    -------
    RunResult
        The same run; its manifest gains ``scenario_folder_relative`` (POSIX).
    """
    manifest = with_relative_folder(result.manifest, out_dir)
    return replace(result, manifest=manifest)


def with_relative_folder(manifest: dict[str, Any], out_dir: str | Path) -> dict[str, Any]:
    """A copy of ``manifest`` with ``scenario_folder_relative`` to ``out_dir`` added."""
    folder = manifest.get("scenario_folder")
    if not folder:
        return dict(manifest)
    try:
        relative = os.path.relpath(Path(folder).resolve(), Path(out_dir).resolve())
    except ValueError:  # another drive on Windows: no relative path exists
        return dict(manifest)
    return {**manifest, "scenario_folder_relative": Path(relative).as_posix()}


def input_files(loaded: LoadedScenario) -> list[Path]:
    """The files a run read (tables, settings and a policy file of the scenario's own)."""
    files = list(loaded.scenario.input_files)
    if loaded.policy_path is not None:
        files.append(loaded.policy_path)
    return files


def inputs_writer(loaded: LoadedScenario):
    """Extra writer for ``write_run``: copy the run's inputs into ``inputs/``.

    Used where the scenario folder does not outlive the run (what-if scenarios).
    """
    files = input_files(loaded)

    def write(result: RunResult, staging: Path) -> None:
        target = staging / INPUTS_FOLDER
        target.mkdir()
        for path in files:
            shutil.copyfile(path, target / path.name)

    return write


def mismatched_inputs(folder: Path, recorded: dict[str, str]) -> list[str]:
    """Names of recorded inputs missing from ``folder`` or with another SHA-256."""
    return sorted(name for name, digest in recorded.items()
                  if not (folder / name).is_file() or sha256_file(folder / name) != digest)


def candidate_folders(run_dir: Path, manifest: dict[str, Any],
                      scenario: Path | None = None) -> list[Path]:
    """Where a run's inputs may be, in the order they are tried (see the module)."""
    candidates = [] if scenario is None else [Path(scenario)]
    candidates.append(run_dir / INPUTS_FOLDER)
    if manifest.get("scenario_folder_relative"):
        candidates.append(run_dir / manifest["scenario_folder_relative"])
    if manifest.get("scenario_folder"):
        candidates.append(Path(manifest["scenario_folder"]))
    return candidates


def locate_inputs(run_dir: Path, manifest: dict[str, Any],
                  scenario: Path | None = None) -> Path:
    """The first candidate folder holding every recorded input unchanged.

    Raises
    ------
    ValueError
        When no candidate matches; the message names the inputs that changed
        in the first folder that exists, and every place tried.
    """
    recorded = manifest.get("inputs", {})
    tried: list[tuple[Path, list[str] | None]] = []
    for folder in candidate_folders(run_dir, manifest, scenario):
        if not folder.is_dir():
            tried.append((folder, None))
            continue
        changed = mismatched_inputs(folder, recorded)
        if not changed:
            return folder
        tried.append((folder, changed))
    present = [(folder, changed) for folder, changed in tried if changed is not None]
    places = "; ".join(str(folder) for folder, _ in tried)
    if present:
        folder, changed = present[0]
        raise ValueError(f"inputs changed since the run ({', '.join(changed)}) in {folder}; "
                         f"re-run 'allocator run' first, or name the scenario folder with "
                         f"--scenario (tried: {places})")
    raise ValueError(f"the inputs of this run were not found (tried: {places}); name the "
                     "scenario folder with --scenario")
