"""Column names, category tags and class-size caps of the data contract.

The constants every frame of the generator is built against; re-exported by
:mod:`allocator.synthetic.county` and the package. Imports nothing from the package.
"""

from __future__ import annotations

__all__ = [
    "APPLICANT_COLUMNS",
    "CATEGORY_BIT",
    "CATEGORY_TAGS",
    "CLASS_SIZE_CAP",
    "SCHOOL_COLUMNS",
]

#: Columns of ``schools.csv``, in the order of the data contract.
SCHOOL_COLUMNS: tuple[str, ...] = (
    "school_id",
    "name",
    "county",
    "stage",
    "kind",
    "capacity",
    "classes",
    "zones",
    "lat",
    "lon",
    "resource_room",
    "nine_year",
    "group",
    "feeds_into",
)

#: Columns of ``applicants.csv``, in the order of the data contract.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "county",
    "stage",
    "birth_date",
    "hukou_zone",
    "hukou_city",
    "property_zone",
    "residence_zone",
    "residence_permit_months",
    "social_insurance_months",
    "hukou_since",
    "property_since",
    "lat",
    "lon",
    "categories",
    "disability_plan",
    "sibling_group",
    "sibling_school",
    "preferences",
    "feeder_school",
)

#: Category tags of the contract, in the order they are written inside a cell.
CATEGORY_TAGS: tuple[str, ...] = (
    "martyr",
    "military",
    "police_hero",
    "fire_rescue",
    "special_care",
    "talent",
    "disabled",
    "left_behind",
    "unsupported",
    "orphan",
    "low_income",
)

#: Class-size cap of the intake grade by stage (pupils per class).
CLASS_SIZE_CAP: dict[str, int] = {"primary": 45, "junior": 50}

#: Bit of each category tag in the integer category masks built while drawing applicants.
CATEGORY_BIT = {tag: 1 << i for i, tag in enumerate(CATEGORY_TAGS)}
