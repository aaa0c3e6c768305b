"""Public notices (公示) of a stored run: the run folder's notices, from current placements.

The store keeps a run's contract files, not its reports, so it builds the notice
of admitted children and the notice of counts from the current placements (the
run's rows with decided appeals laid over them, as ``/disclosure``), through the
same gate and the same words as the run folder
(:mod:`allocator.reports.public_notice`): a stored run without appeals gives
the bytes of the run folder's ``public_notice_admitted.csv`` and
``public_notice_counts.csv`` written with the same language.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Connection

from allocator.model.problems import ProblemCollector
from allocator.policy.loader import resolve_policy
from allocator.reports.public_notice import notice_texts, policy_tier_labels
from allocator.reports.publication import admitted_publication, count_publication
from allocator.store import models
from allocator.store.placements import current_placements
from allocator.store.run_records import stored_texts

#: The notices the store can build (the school notice needs the run's reports).
STORED_NOTICES = ("disclosure_admitted", "disclosure_counts")


def stored_tier_labels(connection: Connection, run_id: int, lang: str) -> dict[str, str]:
    """Tier name -> label in ``lang`` of the policy the stored run was allocated with."""
    inputs = stored_texts(connection, models.run_inputs, run_id)
    settings = yaml.safe_load(inputs.get("scenario.yaml", "")) or {}
    with tempfile.TemporaryDirectory(prefix="allocator-notice-") as temporary:
        folder = Path(temporary)
        for name, text in inputs.items():
            if name.endswith((".yaml", ".yml")) and "/" not in name:
                (folder / name).write_text(text, encoding="utf-8")
        policy, _ = resolve_policy(str(settings.get("policy", "")), folder, ProblemCollector())
    return {} if policy is None else policy_tier_labels(policy, lang)


def public_notice_texts(connection: Connection, run_id: int, lang: str) -> dict[str, str]:
    """File name -> text of the stored run's public notices in ``lang``.

    Parameters
    ----------
    connection : sqlalchemy.Connection
        The store.
    run_id : int
        The stored run.
    lang : str
        ``zh`` or ``en``.

    Returns
    -------
    dict
        ``public_notice_admitted.csv`` and ``public_notice_counts.csv``.
    """
    placements = current_placements(connection, run_id)
    schools = list(csv.DictReader(io.StringIO(
        stored_texts(connection, models.run_files, run_id).get("schools.csv", ""))))
    school_ids = [school["school_id"] for school in schools]
    names = {school["school_id"]: school.get("name", "") or "" for school in schools}
    published: dict[str, pd.DataFrame] = {
        "disclosure_admitted": admitted_publication(placements, school_ids),
        "disclosure_counts": count_publication(placements)}
    return notice_texts(published, lang, stored_tier_labels(connection, run_id, lang), names)

