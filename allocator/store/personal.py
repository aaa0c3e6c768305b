"""Personal data a portal may send (names, national ID numbers): masked or dropped.

Applicants are identified by application numbers. A roster may still carry a
child's name or national ID number; the scenario loader ignores such columns,
and the store keeps only a masked form (``王**``, ``140702********1234``) for
the portal's own look-ups. Masking is idempotent, so a masked export imported
again stays the same. Nothing here logs a value.
"""

from __future__ import annotations

from allocator.model.schema import PERSONAL_COLUMNS

NAME_COLUMNS: frozenset[str] = frozenset({"name", "applicant_name"})
NATIONAL_ID_COLUMNS: frozenset[str] = frozenset(PERSONAL_COLUMNS) - NAME_COLUMNS
#: Store column holding the masked value of each personal column.
MASKED_COLUMN: dict[str, str] = {
    **{column: "name_masked" for column in NAME_COLUMNS},
    **{column: "national_id_masked" for column in NATIONAL_ID_COLUMNS},
}


def is_personal(column: str) -> bool:
    """Whether a roster column holds a name or a national ID number."""
    return column.strip().lower() in MASKED_COLUMN


def mask_name(name: str) -> str:
    """Keep the first character (the family name), star the rest: ``王小明`` -> ``王**``."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_national_id(number: str) -> str:
    """Keep the 6-digit region code and the last 4 characters, star the birth date.

    ``140702201901011234`` -> ``140702********1234``; anything shorter than 11
    characters is starred entirely.
    """
    number = number.strip()
    if len(number) < 11:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask(column: str, value: str) -> str:
    """Masked form of ``value`` from the personal column ``column``."""
    if column.strip().lower() in NAME_COLUMNS:
        return mask_name(value)
    return mask_national_id(value)
