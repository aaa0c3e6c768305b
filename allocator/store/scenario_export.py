"""Writing a stored scenario back out as the files of a scenario folder.

Two views: the whole scenario as imported (``for_job=False``: every applicant,
the portal's ``verified`` flag, names and ID numbers only in masked form), and
the roster a job allocates (``for_job=True``: verified applicants of one county,
contract columns only). Rows come out in their stored order and the text is
deterministic, so the SHA-256 of a job's ``applicants.csv`` identifies its roster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, Row, Table, select

from allocator.store import models
from allocator.store.personal import MASKED_COLUMN, is_personal
from allocator.store.scenario_io import VERIFIED_COLUMN, ScenarioFiles, csv_text


class UnknownScenario(LookupError):
    """No stored scenario matches the request."""


def find_scenario(connection: Connection, name: str | None) -> Row:
    """The stored scenario called ``name``, or the only one when ``name`` is None."""
    query = select(models.scenarios).order_by(models.scenarios.c.id)
    if name is not None:
        query = query.where(models.scenarios.c.name == name)
    found = connection.execute(query).all()
    if name is None and len(found) > 1:
        names = ", ".join(row.name for row in found)
        raise UnknownScenario(f"the store holds several scenarios ({names}); choose one "
                              "with --scenario")
    if not found:
        raise UnknownScenario(f"no scenario named '{name}' in the store" if name else
                              "the store holds no scenario; import one with "
                              "`allocator db import`")
    return found[0]


def scenario_files(connection: Connection, scenario: Row, county: str | None = None,
                   for_job: bool = True) -> ScenarioFiles:
    """The files of the stored ``scenario`` (see the module docstring for the two views).

    Parameters
    ----------
    connection : Connection
        An open connection (inside the caller's transaction, so the view is consistent).
    scenario : Row
        A row of the ``scenarios`` table.
    county : str, optional
        Keep only this county's schools and applicants.
    for_job : bool
        The job's roster (True) or the whole scenario with masked personal columns.
    """
    school_rows = _rows(connection, models.schools, scenario.id, county)
    applicant_rows = [row for row in _rows(connection, models.applicants, scenario.id, county)
                      if row.verified or not for_job]
    files = {"scenario.yaml": scenario.settings_yaml}
    if scenario.policy_file:
        files[scenario.policy_file] = scenario.policy_text
    school_columns = scenario.school_columns.split(";")
    files["schools.csv"] = csv_text(school_columns, (row_cells(row, school_columns)
                                                     for row in school_rows))
    applicant_columns = [column for column in scenario.applicant_columns.split(";")
                         if not for_job or not (is_personal(column)
                                                or column == VERIFIED_COLUMN)]
    files["applicants.csv"] = csv_text(applicant_columns, (row_cells(row, applicant_columns)
                                                           for row in applicant_rows))
    priority_rows = _rows(connection, models.priorities, scenario.id, None)
    if priority_rows:
        files["priorities.csv"] = _priorities(priority_rows, school_rows, applicant_rows,
                                              filtered=for_job or county is not None)
    return ScenarioFiles(files)


def _rows(connection: Connection, table: Table, scenario_id: int, county: str | None) -> list:
    query = select(table).where(table.c.scenario_id == scenario_id).order_by(table.c.position)
    if county is not None and "county" in table.c:
        query = query.where(table.c.county == county)
    return list(connection.execute(query).all())


def row_cells(row: Row, columns: Sequence[str]) -> list[str]:
    """Cell texts of a stored row in ``columns`` order (masked values for personal columns)."""
    mapping = row._mapping
    extra = json.loads(mapping["extra_cells"])
    values = []
    for column in columns:
        if column == VERIFIED_COLUMN:
            values.append("true" if mapping["verified"] else "false")
        elif column in mapping:
            values.append(mapping[column])
        elif is_personal(column) and "name_masked" in mapping:
            values.append(mapping[MASKED_COLUMN[column.strip().lower()]])
        else:
            values.append(extra.get(column, ""))
    return values


def _priorities(rows: list, school_rows: list, applicant_rows: list, filtered: bool) -> str:
    schools = {row.school_id for row in school_rows}
    applicants = {row.applicant_id for row in applicant_rows}
    kept = [row for row in rows if not filtered or (
        row.school_id in schools and row.applicant_id in applicants)]
    columns = ["school_id", "applicant_id", "rank"]
    return csv_text(columns, (row_cells(row, columns) for row in kept))
