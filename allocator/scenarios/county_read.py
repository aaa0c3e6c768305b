"""Reading one county of a partitioned roster (worker side), problems named by file and row.

A county's tables are read from its own partition files only. Rows of a problem are
those of the file the row came from (the header is row 1), also when a county's
applicants span several Parquet files or its schools are rows of the roster's one
``schools`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.model.problems import InputError, InputProblem, ProblemCollector
from allocator.model.readers import read_table_text
from allocator.model.scenario import Scenario, ScenarioSettings, load_tables, validate_tables
from allocator.model.yaml_files import read_yaml
from allocator.policy.config import Policy
from allocator.scenarios.roster_layout import CountyInput


@dataclass(frozen=True)
class RowSource:
    """Where the rows of a concatenated frame came from: file and first row, per piece."""

    files: tuple[str, ...]
    #: Position in the frame of each piece's first row.
    starts: tuple[int, ...]
    #: File row of each frame position (when rows were picked from a larger file).
    picked: np.ndarray | None = None

    def locate(self, row: int | None) -> tuple[str, int | None]:
        """(file, file row) of spreadsheet row ``row`` of the frame."""
        if row is None or row < 2 or not self.files:
            return (self.files[0] if self.files else ""), row
        position = row - 2
        if self.picked is not None:
            return self.files[0], int(self.picked[position]) + 2
        piece = int(np.searchsorted(self.starts, position, side="right")) - 1
        return self.files[piece], position - self.starts[piece] + 2


@dataclass(frozen=True)
class CountyTables:
    """A county read and validated: the scenario, or the problems (never both)."""

    scenario: Scenario | None
    problems: tuple[InputProblem, ...]
    warnings: tuple[InputProblem, ...]
    input_files: tuple[str, ...]


def read_county(root: Path, kind: str, county: CountyInput, schools_file: str | None,
                settings: ScenarioSettings, policy: Policy) -> CountyTables:
    """Read and validate one county of a ``parquet`` or ``folders`` roster.

    Parameters
    ----------
    root : Path
        The roster's root folder.
    kind : str
        ``parquet`` or ``folders`` (see :mod:`allocator.scenarios.roster_layout`).
    county : CountyInput
        The county's files.
    schools_file : str, optional
        The roster's one ``schools`` table (``parquet`` layout without a schools dataset).
    settings : ScenarioSettings
        The province's settings.
    policy : Policy
        The province's policy (its zones rule and class-size caps apply).

    Returns
    -------
    CountyTables
        Problems carry the file's path relative to ``root``.
    """
    if kind == "folders":
        return _read_folder(root, county, settings, policy)
    return _read_partitions(root, county, schools_file, settings, policy)


def _read_folder(root: Path, county: CountyInput, settings: ScenarioSettings,
                 policy: Policy) -> CountyTables:
    folder = root / str(county.folder)
    problems = ProblemCollector()
    _check_own_settings(folder, county, settings, problems)
    scenario = load_tables(folder, settings, problems, spatial_required=policy.uses_zones,
                           class_size_caps=dict(policy.class_size))
    if scenario is not None:
        names = {path.stem: path.name for path in scenario.input_files}
        for table in ("schools", "applicants"):
            _check_county_column(getattr(scenario, table), county.county, names[table],
                                 problems)
    prefix = f"{county.folder}/"
    found = [_renamed(p, lambda name: prefix + name) for p in _all_problems(problems)]
    warnings = tuple(_renamed(p, lambda name: prefix + name) for p in problems.warnings)
    if found or scenario is None:
        return CountyTables(None, tuple(found), warnings, ())
    inputs = tuple(str(path.relative_to(root)) for path in scenario.input_files[1:])
    return CountyTables(scenario, (), warnings, inputs)


def _check_own_settings(folder: Path, county: CountyInput, settings: ScenarioSettings,
                        problems: ProblemCollector) -> None:
    """A county folder's own scenario.yaml (optional) must agree with the province's."""
    path = folder / "scenario.yaml"
    if not path.is_file():
        return
    document = read_yaml(path, problems, "scenario.yaml")
    own = document.data if document is not None and isinstance(document.data, dict) else {}
    for key in ("seed", "policy", "mechanism"):
        if key in own and own[key] != getattr(settings, key):
            problems.add("scenario.yaml", None, key,
                         f"'{own[key]}' differs from the province's scenario.yaml "
                         f"('{getattr(settings, key)}'); a province has one {key}")


def _check_county_column(frame: pd.DataFrame, county: str, file: str,
                         problems: ProblemCollector) -> None:
    other = (frame["county"] != county).to_numpy()
    problems.add_rows(file, np.flatnonzero(other) + 2, "county",
                      [f"county '{value}' in the folder of county '{county}'"
                       for value in frame["county"][other]], kind="county of another folder")


def _read_partitions(root: Path, county: CountyInput, schools_file: str | None,
                     settings: ScenarioSettings, policy: Policy) -> CountyTables:
    found: list[InputProblem] = []
    applicants, applicant_rows = _read_pieces(root, county.applicants, found)
    if applicants is not None:
        applicants = _with_county(applicants, county.county, applicant_rows, found)
    if county.schools:
        schools, school_rows = _read_pieces(root, county.schools, found)
        if schools is not None:
            schools = _with_county(schools, county.county, school_rows, found)
    elif schools_file is not None:
        schools, school_rows = _read_schools_of(root, schools_file, county.county, found)
    else:  # no schools table at all is a problem of the layout, reported once by the driver
        schools, school_rows = None, RowSource(("schools",), (0,))
        if (root / "schools").is_dir():
            found.append(InputProblem(f"schools/county={county.county}", None, None,
                                      f"county '{county.county}' has applicants but no "
                                      "schools partition"))
    if applicants is None and not county.applicants:  # a county with schools only
        applicants = _no_applicants(schools)
        applicant_rows = RowSource(("applicants",), (0,))
    problems = ProblemCollector()
    scenario = None
    if schools is not None and applicants is not None and not found:
        scenario = validate_tables(root, settings, {"schools": schools,
                                                    "applicants": applicants},
                                   {"schools": "\0schools", "applicants": "\0applicants"},
                                   problems, inputs=(), encodings={},
                                   spatial_required=policy.uses_zones,
                                   class_size_caps=dict(policy.class_size))
    sources = {"\0schools": school_rows, "\0applicants": applicant_rows}
    found += [_relocated(p, sources) for p in _all_problems(problems)]
    warnings = tuple(_relocated(p, sources) for p in problems.warnings)
    if found or scenario is None:
        return CountyTables(None, tuple(found), warnings, ())
    inputs = county.applicants + county.schools
    return CountyTables(scenario, (), warnings, inputs)


def _read_pieces(root: Path, files: tuple[str, ...], found: list[InputProblem]
                 ) -> tuple[pd.DataFrame | None, RowSource]:
    """Read and concatenate the files of one partition (same columns in each)."""
    frames: list[pd.DataFrame] = []
    starts: list[int] = []
    total = 0
    for file in files:
        collector = ProblemCollector()
        text = read_table_text(root / file, collector)
        found += [_renamed(p, lambda name, file=file: file) for p in _all_problems(collector)]
        if text is None:
            continue
        if frames and list(text.frame.columns) != list(frames[0].columns):
            found.append(InputProblem(file, 1, None, f"the columns differ from those of "
                                                     f"{files[0]}; a partition has one header"))
            continue
        frames.append(text.frame)
        starts.append(total)
        total += len(text.frame)
    source = RowSource(files, tuple(starts))
    if not frames:
        return None, source
    return pd.concat(frames, ignore_index=True), source


def _with_county(frame: pd.DataFrame, county: str, rows: RowSource,
                 found: list[InputProblem]) -> pd.DataFrame:
    """The partition's county as a column; a differing ``county`` cell is a problem."""
    if "county" not in frame.columns:
        return frame.assign(county=county)
    for position in np.flatnonzero((frame["county"] != county).to_numpy())[:50]:
        file, row = rows.locate(int(position) + 2)
        found.append(InputProblem(file, row, "county", f"county '{frame['county'].iloc[position]}'"
                                                       f" in the partition county={county}"))
    return frame


def _read_schools_of(root: Path, file: str, county: str, found: list[InputProblem]
                     ) -> tuple[pd.DataFrame | None, RowSource]:
    """The rows of ``county`` in the roster's one schools table (rows as in that file)."""
    collector = ProblemCollector()
    text = read_table_text(root / file, collector)
    found += [_renamed(p, lambda name: file) for p in _all_problems(collector)]
    if text is None or "county" not in text.frame.columns:
        if text is not None:
            found.append(InputProblem(file, 1, "county", "required column is missing"))
        return None, RowSource((file,), (0,))
    picked = np.flatnonzero((text.frame["county"] == county).to_numpy())
    frame = text.frame.iloc[picked].reset_index(drop=True)
    return frame, RowSource((file,), (0,), picked)


def _no_applicants(schools: pd.DataFrame | None) -> pd.DataFrame:
    return pd.DataFrame({"applicant_id": pd.Series([], dtype=object),
                         "county": pd.Series([], dtype=object)})


def _all_problems(collector: ProblemCollector) -> list[InputProblem]:
    try:
        collector.raise_if_any()
    except InputError as error:
        return error.problems
    return []


def _renamed(problem: InputProblem, rename) -> InputProblem:
    return InputProblem(rename(problem.file), problem.row, problem.column, problem.message)


def _relocated(problem: InputProblem, sources: dict[str, RowSource]) -> InputProblem:
    source = sources.get(problem.file)
    if source is None:
        return problem
    file, row = source.locate(problem.row)
    return InputProblem(file, row, problem.column, problem.message)
