"""Schemas of the scenario tables, as data.

Each column is described once (name, kind, whether it is required, meaning);
the validator, the documentation and the synthetic generator's tests all read
these definitions. ``required="spatial"`` marks the columns CONTRACT.md flags
with ``*``: required by every policy except ``explicit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["id", "text", "integer", "number", "boolean", "date", "list", "choice"]
Requirement = Literal["always", "spatial", "optional"]

CATEGORY_TAGS: tuple[str, ...] = (
    "martyr", "military", "police_hero", "fire_rescue", "special_care", "talent",
    "disabled", "left_behind", "unsupported", "orphan", "low_income",
)
STAGES: tuple[str, ...] = ("primary", "junior")
SCHOOL_KINDS: tuple[str, ...] = ("public", "private")
DISABILITY_PLANS: tuple[str, ...] = ("mainstream", "special_school", "home_teaching")
TRUE_WORDS = frozenset({"true", "1", "yes", "是", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "否", "n", "f"})

#: Column names that would let admission depend on tests, income or parents'
#: jobs, which the policy forbids (POLICY.md, "Who is placed where").
FORBIDDEN_NAME_PARTS: tuple[str, ...] = (
    "score", "exam", "test", "grade_point", "interview", "income", "salary",
    "wealth", "occupation", "job", "employer", "certificate",
    "考试", "成绩", "收入", "职业", "面试",
)


@dataclass(frozen=True)
class Column:
    """One column of a scenario table."""

    name: str
    kind: ColumnKind
    required: Requirement
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TableSchema:
    """A scenario table: its base file name and its columns."""

    name: str
    columns: tuple[Column, ...]
    key: str | None

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """All column names in contract order."""
        return tuple(column.name for column in self.columns)


SCHOOLS = TableSchema("schools", key="school_id", columns=(
    Column("school_id", "id", "always", "unique school id"),
    Column("name", "text", "optional", "display name (Chinese allowed)"),
    Column("county", "text", "spatial", "county-level unit (县/区); placement never crosses it"),
    Column("stage", "choice", "optional", "primary (grade 1, default) or junior (grade 7)",
           choices=STAGES),
    Column("kind", "choice", "optional", "public (default) or private", choices=SCHOOL_KINDS),
    Column("capacity", "integer", "always", "seats in the intake grade (招生计划)", minimum=0),
    Column("classes", "integer", "optional", "number of intake classes", minimum=0),
    Column("zones", "list", "spatial", "catchment zone ids this school serves"),
    Column("lat", "number", "optional", "latitude, WGS84", minimum=-90, maximum=90),
    Column("lon", "number", "optional", "longitude, WGS84", minimum=-180, maximum=180),
    Column("resource_room", "boolean", "optional", "has a resource room (资源教室)"),
    Column("nine_year", "boolean", "optional", "nine-year through school (九年一贯制)"),
    Column("group", "text", "optional", "school group (教育集团); overflow prefers it"),
    Column("feeds_into", "list", "optional",
           "primary schools: junior school ids this school feeds (对口直升); a nine-year "
           "school's primary row names its own junior row"),
))

APPLICANTS = TableSchema("applicants", key="applicant_id", columns=(
    Column("applicant_id", "id", "always", "application number (never a national ID number)"),
    Column("county", "text", "spatial", "county of application"),
    Column("stage", "choice", "optional", "primary (default) or junior", choices=STAGES),
    Column("birth_date", "date", "optional", "ISO date of birth"),
    Column("hukou_zone", "text", "optional", "catchment zone of the 户籍 address"),
    Column("hukou_city", "boolean", "optional", "hukou in the same prefecture-level city"),
    Column("property_zone", "text", "optional", "zone of a home owned by a parent (房产)"),
    Column("residence_zone", "text", "optional", "zone where the child actually lives"),
    Column("residence_permit_months", "integer", "optional",
           "months a local residence permit (居住证) has been held", minimum=0),
    Column("social_insurance_months", "integer", "optional",
           "months of continuous local social insurance (社保)", minimum=0),
    Column("hukou_since", "date", "optional", "date the hukou was registered"),
    Column("property_since", "date", "optional", "date the home was acquired"),
    Column("lat", "number", "optional", "home latitude, WGS84", minimum=-90, maximum=90),
    Column("lon", "number", "optional", "home longitude, WGS84", minimum=-180, maximum=180),
    Column("categories", "list", "optional", "special-group tags", choices=CATEGORY_TAGS),
    Column("disability_plan", "choice", "optional", "plan for a disabled child",
           choices=DISABILITY_PLANS),
    Column("sibling_group", "text", "optional", "same value = siblings applying together"),
    Column("sibling_school", "text", "optional", "school of an older sibling (长幼随学)"),
    Column("preferences", "list", "optional", "ranked school ids"),
    Column("feeder_school", "text", "optional", "junior stage: primary school graduated from"),
))

PRIORITIES = TableSchema("priorities", key=None, columns=(
    Column("school_id", "id", "always", "the school"),
    Column("applicant_id", "id", "always", "an applicant"),
    Column("rank", "integer", "always", "1 = highest priority at that school", minimum=1),
))

#: Answers of placed families after the results are published (later rounds).
RESPONSE_WORDS: tuple[str, ...] = ("accept", "wait", "decline")

RESPONSES = TableSchema("responses", key="applicant_id", columns=(
    Column("applicant_id", "id", "always", "application number of a previous-run applicant"),
    Column("response", "choice", "always",
           "accept (keep the seat), wait (keep it and wait for a higher choice) or decline "
           "(give up the seat or the application)", choices=RESPONSE_WORDS),
))

#: Columns a portal may send that must never be written to any output.
PERSONAL_COLUMNS: tuple[str, ...] = ("name", "applicant_name", "national_id", "id_number")
