"""A scenario of the portal's store opened in the workbench.

The store's job view of the scenario (verified applicants, contract columns only,
no name or ID number, optionally one county) is written as a scenario folder in the
workbench's own folder, and the workbench is opened on that folder.
"""

from __future__ import annotations

from pathlib import Path

from allocator.model.problems import InputError, InputProblem


def stored_scenario_folder(url: str, name: str | None, county: str | None,
                           target: Path) -> Path:
    """Write the stored scenario ``name`` (the only one if None) as a folder under ``target``.

    Raises
    ------
    InputError
        If the store holds no such scenario.
    """
    from allocator.store.database import open_store
    from allocator.store.scenario_export import UnknownScenario, find_scenario, scenario_files

    engine = open_store(url)
    try:
        with engine.connect() as connection:
            files = scenario_files(connection, find_scenario(connection, name), county,
                                   for_job=True)
    except UnknownScenario as error:
        raise InputError([InputProblem("store", None, "--scenario", str(error))]) from None
    finally:
        engine.dispose()
    return files.write(target / "stored-scenario")
