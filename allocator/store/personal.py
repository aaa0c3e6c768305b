"""Personal data a portal may send (names, national ID numbers): masked or dropped.

Applicants are identified by application numbers. A roster may still carry a
child's name or national ID number; the scenario loader ignores such columns,
and the store keeps only a masked form for the portal's own look-ups:

- a name keeps its first character (the family name): ``王小明`` -> ``王**``;
- a national ID number keeps **nothing** of its digits. An 18-digit number is
  6 digits of region, 8 of birth date, 3 of sequence and a check character; the
  store holds the birth date and the county, so any digits kept would let the
  whole number be rebuilt. With a masking key (environment variable
  ``ALLOCATOR_MASKING_KEY``, held by the portal, never by the store) the number
  becomes a keyed hash, ``idh:`` plus 24 hex digits of HMAC-SHA256, which the
  portal can recompute to look a child up and nobody without the key can
  reverse (the small space of plausible numbers makes an unkeyed hash
  reversible). Without a key the number is starred entirely.

Masking is idempotent, so a masked export imported again stays the same. Nothing
here logs a value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping

from allocator.model.schema import PERSONAL_COLUMNS

NAME_COLUMNS: frozenset[str] = frozenset({"name", "applicant_name"})
NATIONAL_ID_COLUMNS: frozenset[str] = frozenset(PERSONAL_COLUMNS) - NAME_COLUMNS
#: Store column holding the masked value of each personal column.
MASKED_COLUMN: dict[str, str] = {
    **{column: "name_masked" for column in NAME_COLUMNS},
    **{column: "national_id_masked" for column in NATIONAL_ID_COLUMNS},
}
#: Environment variable holding the portal's masking key (never stored).
MASKING_KEY_VARIABLE = "ALLOCATOR_MASKING_KEY"
KEYED_PREFIX = "idh:"
KEYED_HEX_DIGITS = 24
_KEYED_FORM = re.compile(rf"^{KEYED_PREFIX}[0-9a-f]{{{KEYED_HEX_DIGITS}}}$")


def is_personal(column: str) -> bool:
    """Whether a roster column holds a name or a national ID number."""
    return column.strip().lower() in MASKED_COLUMN


def masking_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The portal's masking key from ``ALLOCATOR_MASKING_KEY`` (None when unset or empty)."""
    text = (os.environ if environ is None else environ).get(MASKING_KEY_VARIABLE, "").strip()
    return text.encode("utf-8") if text else None


def mask_name(name: str) -> str:
    """Keep the first character (the family name), star the rest: ``王小明`` -> ``王**``."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def is_masked_national_id(value: str) -> bool:
    """Whether ``value`` is already a masked form (keyed hash, or stars anywhere in it)."""
    return bool(_KEYED_FORM.match(value)) or "*" in value


def mask_national_id(number: str, key: bytes | None = None) -> str:
    """A form of the number that keeps nothing derivable from other stored fields.

    Parameters
    ----------
    number : str
        The national ID number as sent (spaces around it and the case of a final
        ``x`` do not matter).
    key : bytes, optional
        The portal's masking key. With it: ``idh:`` + 24 hex digits of
        HMAC-SHA256(key, number); without: one star per character.

    Returns
    -------
    str
        The masked form; a value that is masked already (an earlier export) is
        returned as it is, or starred if it still shows characters (the former
        ``140702********1234`` form).
    """
    number = number.strip().upper()
    if _KEYED_FORM.match(number.lower()):
        return number.lower()
    if not number or "*" in number or key is None:
        return "*" * len(number)
    digest = hmac.new(key, number.encode("utf-8"), hashlib.sha256).hexdigest()
    return KEYED_PREFIX + digest[:KEYED_HEX_DIGITS]


def mask(column: str, value: str, key: bytes | None = None) -> str:
    """Masked form of ``value`` from the personal column ``column`` (``key``: see above)."""
    if column.strip().lower() in NAME_COLUMNS:
        return mask_name(value)
    return mask_national_id(value, key)
