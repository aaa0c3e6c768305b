"""Schemas of the run folder's files, as data.

The input tables are described in :mod:`allocator.model.schema`; this module does
the same for what a run writes, so the data reference of the documentation is
generated from it and a test fails when a run writes a column or a key described
nowhere. A column name may hold one placeholder in angle brackets (``admitted_<tier>``):
one column per tier name of the run's policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allocator.model.schema import ColumnKind
from allocator.model.vocabulary import LANGUAGES, column_label

#: Placed-by codes of ``reason_code`` (and ``route`` in the disclosure).
REASON_CODES: tuple[str, ...] = (
    "catchment", "choice", "overflow", "older_sibling", "resource_room", "feeder_school",
    "private_round", "sweep", "sibling_group", "unplaced",
    "excluded:under_age", "excluded:special_school", "excluded:home_teaching",
)
STATUSES: tuple[str, ...] = ("placed", "unplaced", "excluded", "declined")
SOURCES: tuple[str, ...] = ("stated_choice", "catchment", "overflow", "older_sibling",
                            "resource_room", "feeder_school")
LEDGER_ROUNDS: tuple[str, ...] = ("certified", "local", "migrant", "other", "overflow",
                                  "sweep")
PLACEHOLDER = re.compile(r"<([a-z_]+)>")


@dataclass(frozen=True)
class OutputColumn:
    """One column of a run-folder table, or one top-level key of a JSON file."""

    name: str
    kind: ColumnKind
    name_zh: str
    description: str
    choices: tuple[str, ...] = ()

    def matches(self, header: str, values: dict[str, tuple[str, ...]] | None = None) -> bool:
        """Whether ``header`` is this column.

        A placeholder matches one of ``values[placeholder]`` when given (e.g. the
        tier names of the run's policy), else any identifier.
        """
        if "<" not in self.name:
            return header == self.name
        values = values or {}

        def alternatives(match: re.Match[str]) -> str:
            known = values.get(match.group(1))
            return "(?:" + "|".join(map(re.escape, known)) + ")" if known else "[A-Za-z0-9_]+"

        return re.fullmatch(PLACEHOLDER.sub(alternatives, self.name), header) is not None


@dataclass(frozen=True)
class OutputFile:
    """A file of the run folder: its name, meaning and (for tables) its columns."""

    name: str
    name_zh: str
    description: str
    columns: tuple[OutputColumn, ...] = ()
    contract: bool = False
    localised: bool = False  # headers are the columns' labels in the run's language

    def column_for(self, header: str, values: dict[str, tuple[str, ...]] | None = None
                   ) -> OutputColumn | None:
        """The documented column ``header`` is (explicit names before placeholders).

        In a localised file (a public notice) ``header`` is the column's label in
        Chinese or English (:func:`allocator.model.vocabulary.column_label`); a
        placeholder part (a tier's label) then matches any text.
        """
        if self.localised:
            return next((column for column in self.columns
                         if _is_label_of(header, column.name)), None)
        exact = [column for column in self.columns if column.name == header]
        if exact:
            return exact[0]
        return next((column for column in self.columns if column.matches(header, values)),
                    None)


def _is_label_of(header: str, name: str) -> bool:
    """Whether ``header`` is the Chinese or English label of column ``name``."""
    for lang in LANGUAGES:
        if "<" not in name:
            if header == column_label(name, lang):
                return True
            continue
        label = column_label(PLACEHOLDER.sub("\x00", name), lang)
        if re.fullmatch(".+".join(map(re.escape, label.split("\x00"))), header):
            return True
    return False


def _column(name: str, kind: ColumnKind, name_zh: str, description: str,
            choices: tuple[str, ...] = ()) -> OutputColumn:
    return OutputColumn(name, kind, name_zh, description, choices)


ASSIGNMENTS = OutputFile("assignments.csv", "录取结果", contract=True, description=(
    "one row per applicant, in input order: where the child is placed and why"), columns=(
    _column("applicant_id", "id", "报名号", "application number, as in applicants.csv"),
    _column("school_id", "id", "录取学校", "school placed at; empty when not placed"),
    _column("status", "choice", "状态", "placed; unplaced (no seat); excluded (not placed by "
            "the engine, kept in the ledger: under age, special school, home teaching); "
            "declined (later rounds: gave up its seat or application)", STATUSES),
    _column("tier", "integer", "录取顺位", "published priority tier under which the child "
            "was placed (0 = best); empty when not placed or placed by the sweep"),
    _column("choice_rank", "integer", "志愿序号", "1-based position of the school in the "
            "child's effective list; empty when placed by the sweep or not placed"),
    _column("distance_km", "number", "距离（公里）", "great-circle distance home to school, "
            "3 decimals; empty without positions"),
    _column("lottery", "number", "随机号", "published lottery number in [0, 1), 10 decimals; "
            "lower is better; shared by a sibling group"),
    _column("reason", "text", "说明", "a sentence a parent can read: route, tier, cut-off of "
            "the first choice, refusals"),
    _column("county", "text", "区县", "county of application"),
    _column("stage", "choice", "学段", "primary or junior", ("primary", "junior")),
    _column("tier_name", "text", "顺位名称", "name of the tier in the policy (e.g. "
            "hukou_and_home); empty when not placed"),
    _column("source", "choice", "来源", "why the school was on the child's list", SOURCES),
    _column("reason_code", "choice", "结果代码", "machine code of the outcome", REASON_CODES),
    _column("lottery_draw", "text", "随机数原值", "the exact 64-bit draw, 16 hex digits "
            "(BLAKE2b keyed by the seed)"),
    _column("previous_school_id", "id", "上轮学校", "later rounds only: the school held "
            "after the previous round; empty if none"),
    _column("response", "choice", "答复", "later rounds only: the response taken into "
            "account (given in responses.csv or the policy's default)",
            ("accept", "wait", "decline")),
    _column("moved", "boolean", "是否调整", "later rounds only: true when the school "
            "changed"),
    _column("late", "boolean", "是否补报", "later rounds only: true for a late applicant "
            "(not in the previous run); ranked after on-time applicants of its tier unless "
            "rounds.late_applicants is with_on_time"),
))

MOVES = OutputFile("moves.csv", "递补调整", contract=True, description=(
    "later rounds only: one row per applicant whose school changed"), columns=(
    _column("applicant_id", "id", "报名号", "application number"),
    _column("from_school_id", "id", "原学校", "school held before; empty = newly placed"),
    _column("to_school_id", "id", "新学校", "school placed at in this round"),
    _column("chain", "text", "调整链", "the vacancy chain: the freed or added seat that "
            "started it"),
    _column("step", "integer", "步骤", "position of the move in its chain"),
))

_CUTOFFS = (
    _column("cutoff_tier", "integer", "录取最低顺位", "published tier of the last child "
            "admitted; empty unless the school turned children away"),
    _column("cutoff_lottery", "number", "最低录取随机号", "lottery number of that child "
            "(10 decimals); empty unless the school turned children away"),
    _column("cutoff_tier_name", "text", "最低顺位名称", "policy name of the cut-off tier"),
)
_SCHOOL_FACTS = (
    _column("name", "text", "学校名称", "display name from schools.csv"),
    _column("county", "text", "区县", "county of the school"),
    _column("stage", "choice", "学段", "primary or junior", ("primary", "junior")),
    _column("kind", "choice", "办学性质", "public or private", ("public", "private")),
)

SCHOOLS = OutputFile("schools.csv", "学校录取情况", contract=True, description=(
    "one row per school, in input order: plan, admissions, surplus and cut-off"), columns=(
    _column("school_id", "id", "学校代码", "school id, as in schools.csv"),
    _column("capacity", "integer", "招生计划", "seats in the intake grade, after any "
            "certified-group raise up to the class ceiling"),
    _column("assigned", "integer", "录取人数", "children placed at the school"),
    _column("surplus", "integer", "剩余学位", "capacity - assigned"),
    _column("oversubscribed", "boolean", "是否超额", "true when the school turned at least "
            "one applicant away"),
    *_CUTOFFS, *_SCHOOL_FACTS,
    _column("first_choice_demand", "integer", "第一志愿人数", "children whose effective list "
            "starts with this school"),
    _column("rejected_applicants", "integer", "未录取申请人数", "children who had the school "
            "above the school they got (turned away)"),
    _column("admitted_by_sweep", "integer", "统筹录取人数", "children placed by the "
            "county-wide sweep (统筹)"),
    _column("admitted_private_lottery", "integer", "民办摇号录取人数", "children admitted in "
            "the private-school lottery round (公民同招)"),
    _column("admitted_<tier>", "integer", "各顺位录取人数", "one column per tier of the "
            "policy: children admitted by the mechanism at that tier"),
))

SUMMARY = OutputFile("summary.json", "结果摘要", contract=True, description=(
    "counts, metrics and the result of every verification check"), columns=(
    _column("scenario", "text", "方案名称", "scenario name from scenario.yaml"),
    _column("seed", "integer", "随机种子", "lottery seed used"),
    _column("policy", "text", "招生政策", "policy name"),
    _column("mechanism", "text", "录取机制", "mechanism name"),
    _column("counts", "text", "人数统计", "applicants, placed, unplaced, excluded, placed by "
            "source and by tier, first choice, schools oversubscribed and full, capacity, "
            "surplus seats, distance mean / median / p95 / max"),
    _column("mechanism_statistics", "text", "机制统计", "rounds, proposals, private-round "
            "placements, children swept (depends on the mechanism)"),
    _column("guarantee", "text", "应入尽入", "guaranteed children, placed, unplaced, shortfall "
            "by area and the seats that would close it"),
    _column("plan_adjustments", "list", "计划调整", "every capacity raise (certified groups up "
            "to the class ceiling): school, seats, why"),
    _column("siblings", "text", "同胞入学", "sibling groups placed together, blocking pairs "
            "and groups involved, older-sibling requests honoured"),
    _column("verification", "text", "校验", "passed, and every check: name, required, "
            "passed, details"),
    _column("round", "text", "轮次", "later rounds only: previous run, lottery order, seats "
            "freed and added, moves, newly placed, declined, longest chain"),
    _column("warnings", "list", "输入提示", "input columns read but not used (unknown "
            "columns): file, row, column and message"),
))

MANIFEST = OutputFile("manifest.json", "运行清单", contract=True, description=(
    "what produced the run: engine, seed, policy, mechanism, hashes of every input, "
    "timings"), columns=(
    _column("engine", "text", "引擎", "engine name"),
    _column("engine_version", "text", "引擎版本", "package version"),
    _column("engine_source_sha256", "text", "引擎源码哈希", "SHA-256 over the engine's own "
            "source files"),
    _column("scenario", "text", "方案名称", "scenario name"),
    _column("scenario_folder", "text", "方案目录", "scenario folder as given"),
    _column("scenario_folder_relative", "text", "方案目录（相对）", "the scenario folder "
            "relative to the run folder, so a moved run folder stays explainable"),
    _column("seed", "integer", "随机种子", "lottery seed used"),
    _column("policy", "text", "招生政策", "policy name"),
    _column("policy_sha256", "text", "政策哈希", "SHA-256 of the policy in force"),
    _column("mechanism", "text", "录取机制", "mechanism name"),
    _column("lottery_algorithm", "text", "摇号算法", "how draws are made (BLAKE2b keyed by "
            "the seed over the applicant or group id)"),
    _column("lottery_draws_sha256", "text", "摇号结果哈希", "SHA-256 of the ordered draws"),
    _column("inputs", "text", "输入文件", "file name -> SHA-256 of every input file"),
    _column("python", "text", "Python 版本", "Python version"),
    _column("numpy", "text", "numpy 版本", "numpy version"),
    _column("pandas", "text", "pandas 版本", "pandas version"),
    _column("timings_seconds", "text", "耗时（秒）", "seconds per step (load, compile, solve, "
            "verify, write)"),
    _column("what_if", "text", "假设方案", "what-if runs only: scenario file and SHA-256, "
            "base input hashes, overrides, warm re-solve, every change as key: old -> new"),
    _column("round", "text", "轮次", "later rounds only: previous run and lottery order"),
    _column("input_encodings", "text", "输入编码", "how each input table was read: utf-8, "
            "utf-8-sig, gb18030, xlsx or parquet"),
    _column("outputs", "text", "输出文件", "file name -> SHA-256 of every file of the run "
            "folder but the manifest (a later round checks them)"),
    _column("previous_runs", "list", "此前各轮", "later rounds only: the chain of previous "
            "runs, each with its path and the SHA-256 of its assignments"),
))

DISCLOSURE = OutputFile("disclosure.csv", "招生信息公开", description=(
    "for publication (招生信息公开), one row per school: plan, catchment, conditions, "
    "admitted by tier, cut-offs, redirections"), columns=(
    _column("school_id", "id", "学校代码", "school id"),
    *_SCHOOL_FACTS,
    _column("plan", "integer", "招生计划", "seats in the intake grade"),
    _column("catchment_zones", "list", "划片范围", "zones the school serves"),
    _column("conditions", "text", "录取条件", "the policy's ladder in order, as published"),
    _column("admitted", "integer", "录取人数", "children placed at the school"),
    _column("surplus", "integer", "剩余学位", "seats left"),
    *_CUTOFFS,
    _column("redirected_away", "integer", "调剂出人数", "children of this catchment placed "
            "elsewhere"),
    _column("redirected_in", "integer", "调剂入人数", "children from other catchments placed "
            "here"),
    _column("admitted_sweep", "integer", "统筹录取人数", "children placed by the county-wide "
            "sweep"),
    _column("admitted_by_sweep", "integer", "统筹录取人数", "children placed by the "
            "county-wide sweep"),
    _column("admitted_private_lottery", "integer", "民办摇号录取人数", "children admitted in "
            "the private-school lottery"),
    _column("admitted_<tier>", "integer", "各顺位录取人数", "one column per tier that "
            "admitted someone: children placed at that tier"),
))

DISCLOSURE_ADMITTED = OutputFile("disclosure_admitted.csv", "录取名单公示", description=(
    "for publication: admitted application numbers per school (never names or ID numbers; "
    "an id that looks like a national ID number is masked)"), columns=(
    _column("school_id", "id", "学校代码", "school id"),
    _column("application_number", "id", "报名号", "application number"),
    _column("tier", "integer", "录取顺位", "published tier"),
    _column("route", "choice", "录取途径", "reason_code of the placement", REASON_CODES),
    _column("status", "choice", "状态", "placed or unplaced (excluded children are only "
            "counted, in disclosure_counts.csv)", ("placed", "unplaced")),
    _column("tier_name", "text", "顺位名称", "name or label of the published tier"),
    _column("lottery", "number", "随机号", "published lottery number"),
    _column("appeal_id", "id", "申诉编号", "the appeal that changed the placement, if any "
            "(store publications)"),
))

DISCLOSURE_COUNTS = OutputFile("disclosure_counts.csv", "录取人数公示", description=(
    "for publication: per county and stage, children placed, left unplaced and excluded "
    "(excluded children appear only in these counts)"), columns=(
    _column("county", "text", "区县", "county"),
    _column("stage", "choice", "学段", "primary or junior", ("primary", "junior")),
    _column("applicants", "integer", "报名人数", "applicants"),
    _column("placed", "integer", "录取人数", "children placed"),
    _column("unplaced", "integer", "未录取人数", "children left without a seat"),
    _column("excluded", "integer", "不参与分配人数", "children not placed by the engine "
            "(under age, special school, home teaching)"),
))


def _notice_columns(machine: OutputFile, omitted: tuple[str, ...],
                    extra: tuple[OutputColumn, ...] = ()) -> tuple[OutputColumn, ...]:
    """The columns of a public notice: its machine file's, less ``omitted``, plus ``extra``."""
    kept = tuple(column for column in machine.columns if column.name not in omitted)
    return (*kept[:1], *extra, *kept[1:])


NOTICE_SCHOOLS = OutputFile("public_notice_schools.csv", "招生信息公示（学校）", localised=True,
                            description=(
    "public notice of disclosure.csv in the run's language (headers as column labels, "
    "stages, kinds and tiers in words, numbers with thousands separators; no tier number); "
    "UTF-8 with a byte-order mark for Excel"),
    columns=_notice_columns(DISCLOSURE, ("cutoff_tier",)))
NOTICE_ADMITTED = OutputFile("public_notice_admitted.csv", "录取名单公示", localised=True,
                             description=(
    "public notice of disclosure_admitted.csv in the run's language: school code and name, "
    "application number (masked when it looks like a national ID number), status, tier and "
    "route in words, lottery number; UTF-8 with a byte-order mark"),
    columns=_notice_columns(DISCLOSURE_ADMITTED, ("tier",), (
        _column("name", "text", "学校名称", "the school's display name"),)))
NOTICE_COUNTS = OutputFile("public_notice_counts.csv", "录取人数公示", localised=True,
                           description=(
    "public notice of disclosure_counts.csv in the run's language; UTF-8 with a byte-order "
    "mark"), columns=_notice_columns(DISCLOSURE_COUNTS, ()))

_LEDGER_ROUNDS = tuple(
    column for round_name in LEDGER_ROUNDS for column in (
        _column(f"taken_{round_name}", "integer", "本轮占用学位",
                f"seats taken in the {round_name} round"),
        _column(f"surplus_after_{round_name}", "integer", "本轮后剩余学位",
                f"seats left after the {round_name} round")))

LEDGER = OutputFile("ledger.csv", "学位台账", description=(
    "seat ledger by round (certified, local, migrant, other, overflow, sweep): plan = seats "
    "taken by the rounds + surplus"), columns=(
    _column("school_id", "id", "学校代码", "school id"),
    *_SCHOOL_FACTS,
    _column("plan", "integer", "招生计划", "seats in the intake grade"),
    *_LEDGER_ROUNDS,
    _column("surplus", "integer", "剩余学位", "seats left after every round"),
))

SURPLUS_PLAN = OutputFile("surplus_plan.csv", "余额调配方案", description=(
    "surplus redistribution (余额调配): per home catchment school, which school took its "
    "children and how far they travel"), columns=(
    _column("county", "text", "区县", "county"),
    _column("stage", "choice", "学段", "primary or junior", ("primary", "junior")),
    _column("from_school_id", "id", "原片区学校", "the children's catchment school"),
    _column("to_school_id", "id", "调剂学校", "school that took them"),
    _column("route", "choice", "途径", "overflow or sweep", ("overflow", "sweep")),
    _column("children", "integer", "人数", "children moved"),
    _column("distance_mean_km", "number", "平均距离（公里）", "mean distance home to school"),
    _column("distance_max_km", "number", "最远距离（公里）", "longest distance"),
))

METRICS = OutputFile("metrics.csv", "指标", description=(
    "named metrics as a tidy table, grouped by county, school, zone and category"), columns=(
    _column("by", "choice", "分组方式", "grouping", ("county", "school", "zone", "category")),
    _column("group", "text", "分组", "the group's id"),
    _column("metric", "text", "指标", "placement_rate, own_catchment_rate, "
            "migrant_public_share, guaranteed_ledger_closed, twins_together, distance "
            "statistics (*_km), class_size_compliance"),
    _column("numerator", "number", "分子", "count in the numerator; empty for distances"),
    _column("denominator", "number", "分母", "count in the denominator; empty for distances"),
    _column("value", "number", "值", "a share in [0, 1], or kilometres for *_km metrics"),
))

#: The marker every output folder carries (run, comparison, sweep, export): what the
#: engine wrote there, so ``--out`` replaces only a folder the engine owns.
OUTPUT_MARKER = OutputFile(".allocator-output.json", "输出目录标记", description=(
    "marks a folder the engine wrote and lists its files; --out replaces only an absent, "
    "empty or marked folder holding nothing else"), columns=(
    _column("engine", "text", "引擎", "allocator"),
    _column("engine_version", "text", "引擎版本", "package version"),
    _column("kind", "text", "目录类型", "run, comparison, sweep, scenario export, ..."),
    _column("entries", "list", "文件清单", "the files written with the marker"),
))

REPORT_HTML = OutputFile("report.html", "规划报告", description=(
    "one self-contained page for planners (Chinese by default, --lang en): headline "
    "figures, metrics, plots, seat ledger, surplus plan, cost of fairness, class "
    "recommendations, seat warnings"))
REPORT_XLSX = OutputFile("report.xlsx", "规划报告（工作簿）", description=(
    "the report's tables as a workbook, one sheet each"))

#: Every file a run folder may hold, contract files first.
RUN_FOLDER: tuple[OutputFile, ...] = (
    ASSIGNMENTS, SCHOOLS, SUMMARY, MANIFEST, MOVES, DISCLOSURE, DISCLOSURE_ADMITTED,
    DISCLOSURE_COUNTS, NOTICE_SCHOOLS, NOTICE_ADMITTED, NOTICE_COUNTS, LEDGER, SURPLUS_PLAN,
    METRICS, REPORT_HTML, REPORT_XLSX, OUTPUT_MARKER,
)


def output_file(name: str, folder: tuple[OutputFile, ...] = RUN_FOLDER) -> OutputFile:
    """The documented file called ``name`` of ``folder`` (the run folder by default).

    Raises
    ------
    KeyError
        If no file of that name is documented.
    """
    for described in folder:
        if described.name == name:
            return described
    raise KeyError(name)


def undocumented(name: str, headers: list[str] | tuple[str, ...],
                 values: dict[str, tuple[str, ...]] | None = None,
                 folder: tuple[OutputFile, ...] = RUN_FOLDER) -> list[str]:
    """The headers (columns or top-level keys) of file ``name`` that no column describes.

    Parameters
    ----------
    name
        File name in the folder, e.g. ``"schools.csv"``.
    headers
        Its column names (CSV) or top-level keys (JSON).
    values
        Allowed values of each placeholder, e.g. ``{"tier": tier_names}``; without
        it a placeholder matches any identifier.
    folder
        The documented files of that kind of folder: :data:`RUN_FOLDER`, or the
        comparison and sweep folders of :mod:`allocator.model.study_outputs`.

    Returns
    -------
    list of str
        Headers without a description, in the order given.
    """
    described = output_file(name, folder)
    return [header for header in headers if described.column_for(header, values) is None]
