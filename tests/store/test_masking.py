"""Masked national ID numbers cannot be rebuilt from anything the store holds."""

from __future__ import annotations

import csv
import hashlib
import hmac
import re

import pytest
from sqlalchemy import select, update
from store_support import TINY, all_text, copy_scenario

from allocator.store import models
from allocator.store.database import open_engine, upgrade
from allocator.store.personal import (
    MASKING_KEY_VARIABLE,
    is_masked_national_id,
    mask_national_id,
)
from allocator.store.scenario_io import import_scenario

REGION = "140702"  # 榆次区: the county's region code, known to anyone who knows the county
SEQUENCES = range(1000)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def national_id(birth_date: str, sequence: int) -> str:
    first17 = REGION + birth_date.replace("-", "") + f"{sequence:03d}"
    return first17 + check_character(first17)


def legacy_mask(number: str) -> str:
    """The former masked form: region and last 4 kept, birth date starred."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def roster_with_ids(folder) -> dict[str, str]:
    """Add a ``national_id`` column consistent with each child's ``birth_date``."""
    path = folder / "applicants.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0].append("national_id")
    birth = rows[0].index("birth_date")
    numbers = {}
    for index, row in enumerate(rows[1:]):
        numbers[row[0]] = national_id(row[birth], 100 + 37 * index)
        row.append(numbers[row[0]])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return numbers


def stored_applicants(engine) -> list:
    with engine.connect() as connection:
        return list(connection.execute(select(models.applicants)).all())


def rebuild(masked: str, birth_date: str, regions: set[str], keys: set[bytes]) -> set[str]:
    """Every number consistent with the masked form and the stored facts.

    Enumerates region x stored birth date x sequence (check character computed):
    a candidate fits when it shows the masked form's visible characters, or when a
    hash keyed with anything stored (or unkeyed) gives the masked form.
    """
    found = set()
    for region in regions:
        for sequence in SEQUENCES:
            first17 = region + birth_date.replace("-", "") + f"{sequence:03d}"
            candidate = first17 + check_character(first17)
            if _fits(candidate, masked, keys):
                found.add(candidate)
    return found


def _fits(candidate: str, masked: str, keys: set[bytes]) -> bool:
    if masked.startswith("idh:"):
        digests = [hashlib.sha256(candidate.encode()).hexdigest()]
        digests += [hmac.new(key, candidate.encode(), hashlib.sha256).hexdigest()
                    for key in keys]
        return any(masked[4:] == digest[:len(masked) - 4] for digest in digests)
    return len(candidate) == len(masked) and all(
        shown in ("*", real) for shown, real in zip(masked, candidate, strict=True))


def rebuilt_count(engine, numbers: dict[str, str]) -> int:
    """How many applicants' full numbers the stored data pins down exactly."""
    stored = all_text(engine)
    regions = set(re.findall(r"(?<!\d)\d{6}(?!\d)", stored)) | {REGION}
    keys = {token.encode() for token in set(stored.split()) if len(token) < 64} | {b""}
    rebuilt = 0
    for row in stored_applicants(engine):
        number = numbers[row.applicant_id]
        # Enumerating 1,000s of candidates under each of 100s of stored strings is slow;
        # a key that does not reproduce the true number's hash can match a candidate only
        # by a 96-bit collision, so only keys that do are tried (none, unless one is stored).
        usable = {key for key in keys if _fits(number, row.national_id_masked, {key})}
        candidates = rebuild(row.national_id_masked, row.birth_date, regions, usable)
        rebuilt += candidates == {number}
    return rebuilt


@pytest.mark.parametrize("key", [None, "portal-secret-kept-outside-the-store"])
def test_no_masked_id_can_be_rebuilt_from_the_store(engine, tmp_path, monkeypatch, key):
    folder = copy_scenario(TINY, tmp_path / "portal")
    numbers = roster_with_ids(folder)
    if key is None:
        monkeypatch.delenv(MASKING_KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(MASKING_KEY_VARIABLE, key)
    import_scenario(engine, folder)
    masked = [row.national_id_masked for row in stored_applicants(engine)]
    assert len(masked) == len(numbers) and all(masked)
    assert all(is_masked_national_id(value) for value in masked)
    assert rebuilt_count(engine, numbers) == 0
    if key is not None:  # the portal, holding the key, can still look a child up
        assert mask_national_id(numbers["a1"], key.encode()) in masked


def test_the_attack_rebuilds_every_number_under_the_former_masking(engine, tmp_path):
    folder = copy_scenario(TINY, tmp_path / "portal")
    numbers = roster_with_ids(folder)
    import_scenario(engine, folder)
    _store_legacy_masks(engine, numbers)
    assert rebuilt_count(engine, numbers) == len(numbers)  # the test has teeth


def _store_legacy_masks(engine, numbers: dict[str, str]) -> None:
    with engine.begin() as connection:
        for applicant_id, number in numbers.items():
            connection.execute(update(models.applicants).where(
                models.applicants.c.applicant_id == applicant_id).values(
                national_id_masked=legacy_mask(number)))


def test_the_migration_re_masks_stored_numbers(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    folder = copy_scenario(TINY, tmp_path / "portal")
    numbers = roster_with_ids(folder)
    import_scenario(engine, folder)
    _store_legacy_masks(engine, numbers)
    with engine.begin() as connection:  # a keyed hash stays as it is
        connection.execute(update(models.applicants).where(
            models.applicants.c.applicant_id == "a1").values(
            national_id_masked=mask_national_id(numbers["a1"], b"k")))
    assert rebuilt_count(engine, numbers) == len(numbers) - 1
    upgrade(engine)
    assert rebuilt_count(engine, numbers) == 0
    masked = {row.applicant_id: row.national_id_masked for row in stored_applicants(engine)}
    assert masked["a1"] == mask_national_id(numbers["a1"], b"k")
    assert masked["a2"] == "*" * 18
    engine.dispose()


def test_masking_is_idempotent():
    key = b"k"
    number = "14070220190301123X"
    for form in (mask_national_id(number, key), mask_national_id(number), "1407**********123X"):
        again = mask_national_id(form, key)
        assert again == mask_national_id(again, key) and number[6:14] not in again
    assert mask_national_id(number, key) == mask_national_id(" " + number.lower() + " ", key)
