"""Public notices (招生录取公示): the disclosure files in the run's language, for posting.

The machine files ``disclosure.csv``, ``disclosure_admitted.csv`` and
``disclosure_counts.csv`` keep their stable column names and codes (the store's
and the service's ``/disclosure`` are byte-identical to them). A bureau posts
something else: headers in words, routes and statuses in words, numbers with
thousands separators. :func:`public_notice` builds that from a machine
publication, passing it through the same gate
(:func:`allocator.reports.publication.publish`) first, so a notice holds only
allow-listed columns, no exclusion reason and no spreadsheet formula; only
words are changed after the gate, never what is shown.

Files (:data:`NOTICE_FILES`), UTF-8 with a byte-order mark so that Excel opens
them with the Chinese characters intact:

- ``public_notice_schools.csv``: per school its plan, catchment, conditions,
  children admitted by tier, cut-off and redirections;
- ``public_notice_admitted.csv``: per school, the application numbers admitted
  (masked when one looks like a national ID number), with the tier, the route
  in words and the lottery number; then the children left without a seat;
- ``public_notice_counts.csv``: per county and stage, how many applied, were
  placed, left unplaced or not placed by the engine (counts only).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from allocator.model.vocabulary import localise
from allocator.pipeline.cell_safety import neutralise_frame
from allocator.pipeline.csv_text import frame_text

from .publication import publish

#: Machine publication -> file name of its public notice.
NOTICE_FILES: dict[str, str] = {
    "disclosure": "public_notice_schools.csv",
    "disclosure_admitted": "public_notice_admitted.csv",
    "disclosure_counts": "public_notice_counts.csv",
}
#: Columns of a machine publication a notice leaves out: tier numbers (the notice
#: names the tier in words) and, in the list, the school code (it shows the name).
OMITTED: dict[str, tuple[str, ...]] = {
    "disclosure": ("cutoff_tier",),
    "disclosure_admitted": ("tier",),
    "disclosure_counts": (),
}
#: The byte-order mark Excel needs to read a CSV file as UTF-8.
BYTE_ORDER_MARK = "\ufeff"


def public_notice(name: str, published: pd.DataFrame, lang: str,
                  tiers: Mapping[str, str] | None = None,
                  school_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The public notice of one machine publication, in ``lang``.

    Parameters
    ----------
    name : str
        ``disclosure``, ``disclosure_admitted`` or ``disclosure_counts``.
    published : pandas.DataFrame
        That publication as the run folder writes it (codes, stable columns).
    lang : str
        ``zh`` or ``en``.
    tiers : mapping, optional
        Tier name -> its label in ``lang`` (the policy's labels).
    school_names : mapping, optional
        School id -> display name; the list of admitted children shows the name
        next to the school's code.

    Returns
    -------
    pandas.DataFrame
        Localised headers and values, numbers formatted as text.
    """
    table = publish(name, published)
    table = table.drop(columns=[c for c in OMITTED[name] if c in table.columns])
    if name == "disclosure_admitted":
        names = school_names or {}
        position = table.columns.get_loc("school_id") + 1
        table.insert(position, "name", [names.get(str(school), "") for school in
                                        table["school_id"].tolist()])
        table = table[["school_id", "name", *[c for c in table.columns
                                              if c not in ("school_id", "name")]]]
    return neutralise_frame(localise(table, lang, tiers))


def notice_text(notice: pd.DataFrame) -> str:
    """CSV text of a notice: a byte-order mark, then UTF-8 text with ``\\n`` line ends."""
    return BYTE_ORDER_MARK + frame_text(notice)


def notice_texts(published: Mapping[str, pd.DataFrame], lang: str,
                 tiers: Mapping[str, str] | None = None,
                 school_names: Mapping[str, str] | None = None) -> dict[str, str]:
    """File name -> CSV text of the public notice of each publication in ``published``.

    Parameters
    ----------
    published : mapping
        Publication name (a key of :data:`NOTICE_FILES`) -> its machine table.
    lang, tiers, school_names
        As in :func:`public_notice`.
    """
    return {NOTICE_FILES[name]: notice_text(public_notice(name, frame, lang, tiers,
                                                          school_names))
            for name, frame in published.items()}


def write_notices(tables: Mapping[str, pd.DataFrame], folder: Path, lang: str,
                  tiers: Mapping[str, str] | None = None) -> None:
    """Write the three public notices of a run's publications into ``folder``.

    Parameters
    ----------
    tables : mapping
        The report's tables: ``disclosure``, ``admitted`` and ``counts`` (the
        machine publications, as written to the run folder).
    folder : pathlib.Path
        The run folder being written.
    lang, tiers
        As in :func:`public_notice`.
    """
    schools = tables["disclosure"]
    names = dict(zip(schools["school_id"].astype(str), schools["name"].fillna("").astype(str),
                     strict=True))
    published = {"disclosure": schools, "disclosure_admitted": tables["admitted"],
                 "disclosure_counts": tables["counts"]}
    for file_name, text in notice_texts(published, lang, tiers, names).items():
        (folder / file_name).write_bytes(text.encode("utf-8"))


def policy_tier_labels(policy, lang: str) -> dict[str, str]:
    """Tier name -> the policy's label in ``lang`` (the name where it gives none).

    Parameters
    ----------
    policy : allocator.policy.config.Policy
        The run's policy.
    lang : str
        ``zh`` or ``en``.
    """
    return {tier.name: (tier.label_zh if lang == "zh" else tier.label_en) or tier.name
            for tier in policy.tiers}
