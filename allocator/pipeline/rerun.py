"""Re-running a recorded run from its manifest, refusing if the inputs changed."""

from __future__ import annotations

import json
from pathlib import Path

from allocator.pipeline.run import RunResult, run_scenario, sha256_file


def rerun_recorded(run_dir: str | Path) -> RunResult:
    """Run again the scenario a run folder was made from, with its seed and mechanism.

    Raises ``ValueError`` when the run folder has no manifest, or when an
    input file's SHA-256 no longer matches the one recorded (the story would
    then not be the story of that run).
    """
    manifest_path = Path(run_dir) / "manifest.json"
    if not manifest_path.is_file():
        raise ValueError(f"{manifest_path} not found: is this a run folder?")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    folder = Path(manifest["scenario_folder"])
    changed = [name for name, digest in manifest["inputs"].items()
               if not (folder / name).is_file() or sha256_file(folder / name) != digest]
    if changed:
        raise ValueError(f"inputs changed since the run ({', '.join(sorted(changed))}) in "
                         f"{folder}; re-run 'allocator run' first")
    if "round" in manifest:  # a later round: re-run it after its previous run
        from allocator.pipeline.after import run_after

        return run_after(folder, manifest["round"]["after"], manifest["round"]["lottery"],
                         seed=manifest["seed"], mechanism=manifest["mechanism"])
    return run_scenario(folder, seed=manifest["seed"], mechanism=manifest["mechanism"])
