"""Run folders of the workbench's plans (base, kept plans, current), zipped in its own folder.

Each plan's run folder (``allocator run``'s files and, on request, the reports)
is written under ``downloads/`` of the work folder, zipped there, and the zip is
served; nothing is written anywhere else.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import quote

from allocator.pipeline.run import RunResult
from allocator.pipeline.write import write_run
from allocator.workbench.edits import edit_problem
from allocator.workbench.state import Workbench

#: The folder, inside the work folder, holding the downloaded run folders and zips.
DOWNLOADS = "downloads"


def plans(workbench: Workbench) -> dict[str, RunResult]:
    """Every plan of the page that can be downloaded: ``base``, the kept plans, ``current``."""
    found = {"base": workbench.engine.base}
    found.update({name: solved.result for name, (_, solved) in workbench.kept.items()})
    found["current"] = workbench.current.result
    return found


def zipped_plan(workbench: Workbench, plan: str, reports: bool, lang: str) -> Path:
    """Write ``plan``'s run folder (and reports in ``lang``) and zip it, in the work folder.

    Parameters
    ----------
    workbench : Workbench
        The workbench whose plan is wanted.
    plan : str
        ``base``, ``current`` or the name of a kept plan.
    reports : bool
        Add the reports (``report.html``, ``report.xlsx``, ...) to the run folder.
    lang : str
        Language of the reports (``zh`` or ``en``).

    Returns
    -------
    Path
        The zip file, ``downloads/<n>.zip`` of the work folder (``n`` is the plan's
        position, so no name the planner typed becomes a path).

    Raises
    ------
    InputError
        If no plan has that name.
    """
    from allocator.reports.writer import report_writer

    with workbench.lock:
        known = plans(workbench)
        if plan not in known:
            raise edit_problem(f"no plan named '{plan}'; the page has {', '.join(known)}")
        position = list(known).index(plan)
        folder = workbench.engine.work_folder / DOWNLOADS
        folder.mkdir(exist_ok=True)
        writers = [report_writer(lang)] if reports else []
        written = write_run(known[plan], folder / f"plan-{position}", extra_writers=writers)
        archive_path = folder / f"plan-{position}.zip"
        with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(written.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(written).as_posix())
    return archive_path


def attachment_header(scenario: str, plan: str) -> str:
    """``Content-Disposition`` naming the zip after the scenario and the plan (UTF-8 names too)."""
    name = f"{scenario}-{plan}.zip"
    ascii_name = "".join(char if char.isascii() and (char.isalnum() or char in "-_.")
                         else "_" for char in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
