"""Database tables of the portal store (SQLAlchemy 2, SQLite or PostgreSQL).

The scenario tables hold the same columns as the scenario folder (CONTRACT.md),
generated from :mod:`allocator.model.schema` so that the folder and the database
never drift apart. Cells are kept as the text the folder holds, so a scenario
exported back to a folder reads exactly as the one imported. Runs keep a copy of
the input files they used (for the notary's re-run), their assignments, the
ordered lottery draws, the run folder's other files, and the audit trail.

No table has a column for a name or a national ID number; a portal that sends
them gets them masked (``name_masked``, ``national_id_masked``) or dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: Naming convention so that migrations name constraints the same on every backend.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ID_LENGTH = 100


def inserted_id(result) -> int:
    """Primary key of the row an ``INSERT`` just wrote."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has a primary key
        raise RuntimeError("the insert returned no primary key")
    return int(key[0])


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (every timestamp of the store)."""
    return datetime.now(UTC)


#: Columns of the scenario tables as of the latest migration. A contract column
#: added later is kept in ``extra_cells`` (JSON) until a migration gives it its own.
SCHOOL_CELLS: tuple[str, ...] = (
    "school_id", "name", "county", "stage", "kind", "capacity", "classes", "zones", "lat",
    "lon", "resource_room", "nine_year", "group", "feeds_into")
APPLICANT_CELLS: tuple[str, ...] = (
    "applicant_id", "county", "stage", "birth_date", "hukou_zone", "hukou_city",
    "property_zone", "residence_zone", "residence_permit_months", "social_insurance_months",
    "hukou_since", "property_since", "lat", "lon", "categories", "disability_plan",
    "sibling_group", "sibling_school", "preferences", "feeder_school")
PRIORITY_CELLS: tuple[str, ...] = ("school_id", "applicant_id", "rank")
ASSIGNMENT_CELLS: tuple[str, ...] = (
    "applicant_id", "school_id", "status", "tier", "choice_rank", "distance_km", "lottery",
    "reason", "county", "stage", "tier_name", "source", "reason_code", "lottery_draw")


def _cell_columns(names: tuple[str, ...], key: str | None) -> list[Column]:
    """One text column per cell (the key as a bounded string), then ``extra_cells``."""
    columns = [Column(name, String(ID_LENGTH) if name == key else Text, nullable=False,
                      default="") for name in names]
    columns.append(Column("extra_cells", Text, nullable=False, default="{}",
                          doc="JSON of contract columns that have no column yet"))
    return columns


scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("settings_yaml", Text, nullable=False, doc="scenario.yaml as stored"),
    Column("policy_file", String(200), nullable=True, doc="file name of an own policy"),
    Column("policy_text", Text, nullable=True, doc="text of the own policy YAML"),
    Column("applicant_columns", Text, nullable=False, doc="header of applicants, ';'-joined"),
    Column("school_columns", Text, nullable=False, doc="header of schools, ';'-joined"),
    Column("imported_at", DateTime(timezone=True), nullable=False, default=utc_now),
)

schools = Table(
    "schools", metadata,
    Column("scenario_id", ForeignKey("scenarios.id"), primary_key=True),
    Column("position", Integer, primary_key=True, doc="row order in schools.csv"),
    *_cell_columns(SCHOOL_CELLS, "school_id"),
    UniqueConstraint("scenario_id", "school_id"),
)

applicants = Table(
    "applicants", metadata,
    Column("scenario_id", ForeignKey("scenarios.id"), primary_key=True),
    Column("position", Integer, primary_key=True, doc="row order in applicants.csv"),
    *_cell_columns(APPLICANT_CELLS, "applicant_id"),
    Column("verified", Boolean, nullable=False, default=True,
           doc="facts verified by the agencies; only verified applicants are allocated"),
    Column("name_masked", Text, nullable=False, default="", doc="masked name, if sent"),
    Column("national_id_masked", Text, nullable=False, default="",
           doc="masked national ID number, if sent"),
    UniqueConstraint("scenario_id", "applicant_id"),
    Index("ix_applicants_scenario_county", "scenario_id", "county"),
)

priorities = Table(
    "priorities", metadata,
    Column("scenario_id", ForeignKey("scenarios.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    *_cell_columns(PRIORITY_CELLS, None),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("job_key", String(ID_LENGTH), nullable=False, unique=True),
    Column("scenario_id", ForeignKey("scenarios.id"), nullable=False),
    Column("county", String(ID_LENGTH), nullable=False, default="", doc="'' = every county"),
    Column("input_sha256", String(64), nullable=False, doc="fingerprint for idempotency"),
    Column("roster_sha256", String(64), nullable=False, doc="SHA-256 of applicants.csv used"),
    Column("policy_sha256", String(64), nullable=False),
    Column("assignments_sha256", String(64), nullable=False),
    Column("assignment_columns", Text, nullable=False, doc="header of assignments.csv"),
    Column("seed", String(40), nullable=False, doc="lottery seed (decimal text)"),
    Column("policy", String(200), nullable=False),
    Column("mechanism", String(100), nullable=False),
    Column("engine_version", String(40), nullable=False),
    Column("lottery_algorithm", String(40), nullable=False),
    Column("applicants", Integer, nullable=False),
    Column("placed", Integer, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
)

run_inputs = Table(
    "run_inputs", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True),
    Column("file_name", String(200), primary_key=True),
    Column("content", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
)

run_files = Table(
    "run_files", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True),
    Column("file_name", String(200), primary_key=True),
    Column("content", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
)

assignments = Table(
    "assignments", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True),
    Column("position", Integer, primary_key=True, doc="row order in assignments.csv"),
    *_cell_columns(ASSIGNMENT_CELLS, "applicant_id"),
    UniqueConstraint("run_id", "applicant_id"),
)

lottery_draws = Table(
    "lottery_draws", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True),
    Column("lottery_order", Integer, primary_key=True, doc="1 = best draw"),
    Column("applicant_id", String(ID_LENGTH), nullable=False),
    Column("subject", Text, nullable=False, doc="message drawn: group:<g> or applicant:<id>"),
    Column("draw", String(16), nullable=False, doc="64-bit draw, hex"),
    Column("lottery", String(20), nullable=False, doc="published number draw / 2**64"),
)

appeals = Table(
    "appeals", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("runs.id"), nullable=False),
    Column("applicant_id", String(ID_LENGTH), nullable=False),
    Column("field", String(100), nullable=False, doc="corrected applicants.csv column"),
    Column("old_value", Text, nullable=False),
    Column("new_value", Text, nullable=False),
    Column("old_school_id", String(ID_LENGTH), nullable=False),
    Column("new_school_id", String(ID_LENGTH), nullable=False),
    Column("old_tier", String(100), nullable=False),
    Column("new_tier", String(100), nullable=False),
    Column("decision", String(40), nullable=False, doc="placed | unchanged"),
    Column("explanation", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
    Index("ix_appeals_run_applicant", "run_id", "applicant_id"),
)

plan_adjustments = Table(
    "plan_adjustments", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("runs.id"), nullable=False),
    Column("appeal_id", ForeignKey("appeals.id"), nullable=False),
    Column("school_id", String(ID_LENGTH), nullable=False),
    Column("capacity_change", Integer, nullable=False, doc="+1, or 0 when a seat was free"),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("runs.id"), nullable=True),
    Column("kind", String(60), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("details", Text, nullable=False, default="{}", doc="JSON; never personal data"),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
)

run_responses = Table(
    "run_responses", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True,
           doc="the completed run the families answered"),
    Column("content", Text, nullable=False,
           doc="responses.csv as stored: applicant_id and response only"),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
)

run_rounds = Table(
    "run_rounds", metadata,
    Column("run_id", ForeignKey("runs.id"), primary_key=True, doc="a later round's run"),
    Column("previous_run_id", ForeignKey("runs.id"), nullable=False,
           doc="the run it follows (--after)"),
    Column("round_number", Integer, nullable=False, doc="2 after a first round, and so on"),
    Column("lottery", String(20), nullable=False, doc="same | reversed"),
    Column("responses_sha256", String(64), nullable=False, default="",
           doc="SHA-256 of the responses used ('' = none stored)"),
    Index("ix_run_rounds_previous_run_id", "previous_run_id"),
)

#: Tables in an order that respects foreign keys (for dumps and deletes).
TABLES: tuple[Table, ...] = (scenarios, schools, applicants, priorities, runs, run_inputs,
                             run_files, assignments, lottery_draws, appeals, plan_adjustments,
                             audit_events, run_responses, run_rounds)
