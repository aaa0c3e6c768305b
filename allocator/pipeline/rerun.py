"""Re-running a recorded run from its manifest, refusing if the inputs changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from allocator.pipeline.csv_text import frame_text
from allocator.pipeline.relocate import locate_inputs
from allocator.pipeline.run import RunResult, run_scenario

if TYPE_CHECKING:
    from allocator.pipeline.after import LaterRoundResult


def rerun_recorded(run_dir: str | Path, scenario: str | Path | None = None) -> RunResult:
    """Run again the scenario a run folder was made from, with its seed and mechanism.

    Parameters
    ----------
    run_dir : str or Path
        A run folder (``allocator run``, ``allocator scenarios``, ``allocator
        province`` or ``allocator db export-run``), wherever it now is.
    scenario : str or Path, optional
        A scenario folder to try first (its files are used only if every
        SHA-256 recorded in the manifest matches).

    Raises
    ------
    ValueError
        When the run folder has no manifest, when no folder holds the recorded
        inputs unchanged (see :func:`allocator.pipeline.relocate.locate_inputs`),
        or when the re-run does not reproduce the run folder's ``assignments.csv``
        (a changed engine, or a run this re-run cannot reproduce, such as a later round).
    """
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise ValueError(f"{manifest_path} not found: is this a run folder?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    folder = locate_inputs(run_dir, manifest, None if scenario is None else Path(scenario))
    if "round" in manifest:  # a later round: re-run it after its previous run
        from allocator.pipeline.after import run_after

        result: RunResult | LaterRoundResult = run_after(
            folder, manifest["round"]["after"], manifest["round"]["lottery"],
            seed=manifest["seed"], mechanism=manifest["mechanism"])
    else:
        result = run_scenario(folder, seed=manifest["seed"], mechanism=manifest["mechanism"])
    written = run_dir / "assignments.csv"
    if written.is_file() and written.read_bytes() != frame_text(
            result.assignments).encode("utf-8"):
        raise ValueError(f"re-running the recorded inputs does not reproduce {written} "
                         "(another engine version, or inputs that are not this run's): "
                         "the story would not be this run's")
    return result
