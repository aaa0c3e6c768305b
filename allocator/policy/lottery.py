"""The public lottery: one number per applicant (or twin group), keyed by id.

Algorithm (version ``blake2b-64/1``), for a notary to re-run:

1. ``key`` = the seed written in decimal ASCII (``str(seed).encode()``).
2. ``message`` = ``b"group:" + sibling_group`` for an applicant in a sibling group,
   else ``b"applicant:" + applicant_id`` (UTF-8).
3. ``draw`` = BLAKE2b(message, key=key, digest_size=8) read as a big-endian
   unsigned 64-bit integer.
4. The published lottery number is ``draw / 2**64`` in [0, 1); lower is better.

A draw depends only on (seed, id): adding, removing or reordering other
applicants never changes it, so a what-if reaches only what it should.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

LOTTERY_ALGORITHM = "blake2b-64/1"


def lottery_draws(applicant_ids: pd.Series, sibling_groups: pd.Series, seed: int) -> np.ndarray:
    """Unsigned 64-bit draw per applicant; twins in one group share theirs."""
    key = str(seed).encode("ascii")
    grouped = sibling_groups.to_numpy(dtype=object) != ""
    messages = np.where(grouped, "group:" + sibling_groups.astype(str),
                        "applicant:" + applicant_ids.astype(str))
    # the keyed state is set up once and copied for each message (a third faster than
    # keying every hash); the digests are read as big-endian integers in one go
    keyed = hashlib.blake2b(key=key, digest_size=8)

    def digest(message: str) -> bytes:
        state = keyed.copy()
        state.update(message.encode("utf-8"))
        return state.digest()

    digests = b"".join(map(digest, messages))
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64)


def lottery_numbers(draws: np.ndarray) -> np.ndarray:
    """Published lottery numbers in [0, 1) for the draws."""
    return draws.astype(np.float64) / float(2**64)


def lottery_text(draws: np.ndarray) -> np.ndarray:
    """Lottery numbers as written: ``draw / 2**64`` rounded to 10 decimals.

    The last value below 1 is kept as 0.9999999999 (never 1.0000000000); the
    exact value is the hexadecimal draw (:func:`draw_text`).
    """
    if draws.size == 0:  # numpy's zfill cannot size an empty array
        return np.empty(0, dtype=object)
    digits = np.rint(lottery_numbers(draws) * 1e10).astype(np.int64)
    digits = np.minimum(digits, 9_999_999_999)
    return np.char.add("0.", np.char.zfill(digits.astype(str), 10)).astype(object)


def draw_text(draws: np.ndarray) -> np.ndarray:
    """Each draw as 16 lower-case hexadecimal digits (the exact value, for audit)."""
    text = draws.astype(">u8").tobytes().hex().encode("ascii")
    return np.frombuffer(text, dtype="S16").astype(str).astype(object)
