"""Where a province's roster lives: one scenario folder, or partitions by county.

Three layouts are read (docs/national.md shows each):

``single``
    One scenario folder: ``scenario.yaml``, ``schools.csv``, ``applicants.csv`` holding
    every county (the driver reads it whole, as ``allocator run`` does).
``parquet``
    A Parquet dataset in hive layout, ``applicants/county=<id>/*.parquet``, next to
    ``scenario.yaml`` and either one ``schools`` table (``schools.csv``/``.parquet``/``.xlsx``)
    or a ``schools/county=<id>/*.parquet`` dataset.
``folders``
    ``scenario.yaml`` next to one folder per county, named by the county id, each holding
    that county's ``schools`` and ``applicants`` tables (and optionally its own
    ``scenario.yaml``, which must agree with the province's).

Only names and sizes of files are looked at here: no table is read, so the driver of a
partitioned run never holds the roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from allocator.model.problems import ProblemCollector
from allocator.model.readers import TABLE_SUFFIXES, find_table

#: The partition key of the hive layout.
PARTITION_KEY = "county"


@dataclass(frozen=True)
class CountyInput:
    """The input files of one county, relative to the roster's root folder.

    Attributes
    ----------
    county : str
        The county id (the partition value, or the folder's name).
    applicants : tuple of str
        Applicant files (``parquet``), in name order; empty for a county with schools only.
    schools : tuple of str
        School files of a partitioned ``schools`` dataset; empty when the roster has one
        ``schools`` table (``parquet``) or for ``folders``.
    folder : str or None
        The county's scenario folder (``folders`` layout).
    size : int
        Bytes of the county's applicant input (largest counties are started first).
    """

    county: str
    applicants: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    folder: str | None = None
    size: int = 0


@dataclass(frozen=True)
class RosterLayout:
    """A roster's layout and, when partitioned, its counties in county-id order."""

    root: Path
    kind: str
    counties: tuple[CountyInput, ...] = ()
    #: The one ``schools`` table of a ``parquet`` roster (relative), if not partitioned.
    schools_file: str | None = None

    @property
    def partitioned(self) -> bool:
        """Whether every county is read by its own task (``parquet`` or ``folders``)."""
        return self.kind != "single"


def detect_layout(root: str | Path, problems: ProblemCollector) -> RosterLayout:
    """Find the layout of the roster at ``root``; record every layout problem.

    Parameters
    ----------
    root : str or Path
        The folder given to ``allocator province``.
    problems : ProblemCollector
        Receives layout problems, named by the path relative to ``root``.

    Returns
    -------
    RosterLayout
        ``single`` when ``root`` holds an ``applicants`` table (or nothing recognisable:
        the ordinary loader then says what is missing).
    """
    root = Path(root)
    if not root.is_dir() or not (root / "scenario.yaml").is_file():
        return RosterLayout(root, "single")
    if (root / "applicants").is_dir():
        return _parquet_layout(root, problems)
    if find_table(root, "applicants", ProblemCollector()) is not None:
        return RosterLayout(root, "single")
    folders = [entry for entry in sorted(root.iterdir()) if entry.is_dir()
               and not entry.name.startswith((".", "_"))]
    if not folders:
        return RosterLayout(root, "single")
    return _folders_layout(root, folders, problems)


def _parquet_layout(root: Path, problems: ProblemCollector) -> RosterLayout:
    if find_table(root, "applicants", ProblemCollector()) is not None:
        problems.add("applicants", None, None, "the applicants are given twice (a table and "
                                               "a partitioned folder); keep one")
    applicants = _partitions(root, "applicants", problems)
    schools_file = find_table(root, "schools", problems)
    schools: dict[str, tuple[tuple[str, ...], int]] = {}
    if (root / "schools").is_dir():
        if schools_file is not None:
            problems.add("schools", None, None, "the schools are given twice (a table and a "
                                                "partitioned folder); keep one")
        schools = _partitions(root, "schools", problems)
    elif schools_file is None:
        problems.add("schools", None, None, "required: a schools table (schools.csv or "
                                            "schools.parquet) or a schools/county=<id>/ dataset")
    if not applicants:
        problems.add("applicants", None, None,
                     "holds no county partition; expected applicants/county=<id>/*.parquet")
    counties = tuple(
        CountyInput(county, applicants.get(county, ((), 0))[0],
                    schools.get(county, ((), 0))[0], None, applicants.get(county, ((), 0))[1])
        for county in sorted(set(applicants) | set(schools)))
    return RosterLayout(root, "parquet", counties,
                        schools_file.name if schools_file is not None else None)


def _partitions(root: Path, table: str, problems: ProblemCollector
                ) -> dict[str, tuple[tuple[str, ...], int]]:
    """``county -> (parquet files relative to root, their bytes)`` of a hive-partitioned table."""
    found: dict[str, tuple[tuple[str, ...], int]] = {}
    for entry in sorted((root / table).iterdir()):
        where = f"{table}/{entry.name}"
        if entry.name.startswith((".", "_")):  # _SUCCESS, _metadata, hidden files
            continue
        key, equals, value = entry.name.partition("=")
        if not entry.is_dir() or key != PARTITION_KEY or not equals or not value:
            problems.add(where, None, None, f"is not a county partition; expected folders "
                                            f"named {PARTITION_KEY}=<county id> in {table}/")
            continue
        files = []
        for item in sorted(entry.iterdir()):
            if item.name.startswith((".", "_")):
                continue
            if item.suffix != ".parquet" or not item.is_file():
                problems.add(f"{where}/{item.name}", None, None,
                             "a county partition holds only .parquet files")
                continue
            files.append(item)
        if not files:
            problems.add(where, None, None, "the county partition holds no .parquet file")
            continue
        county = unquote(value)
        if county in found:
            problems.add(where, None, None, f"county '{county}' is partitioned twice")
            continue
        found[county] = (tuple(f"{where}/{item.name}" for item in files),
                         sum(item.stat().st_size for item in files))
    return found


def _folders_layout(root: Path, folders: list[Path], problems: ProblemCollector
                    ) -> RosterLayout:
    counties = []
    for folder in folders:
        tables = {base: [folder / f"{base}{suffix}" for suffix in TABLE_SUFFIXES
                         if (folder / f"{base}{suffix}").is_file()]
                  for base in ("schools", "applicants")}
        if not tables["schools"] and not tables["applicants"]:
            problems.add(folder.name, None, None,
                         "is not a county folder: it holds no schools or applicants table "
                         "(a folder per county, named by the county id, holds both)")
            continue
        size = sum(path.stat().st_size for path in tables["applicants"])
        counties.append(CountyInput(folder.name, folder=folder.name, size=size))
    return RosterLayout(root, "folders", tuple(counties))
