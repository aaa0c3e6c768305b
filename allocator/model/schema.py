"""Schemas of the scenario tables, as data.

Each column is described once (name, kind, whether it is required, meaning);
the validator, the documentation and the synthetic generator's tests all read
these definitions. ``required="spatial"`` marks the columns CONTRACT.md flags
with ``*``: required by every policy except ``explicit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["id", "text", "integer", "number", "boolean", "date", "list", "choice"]
Requirement = Literal["always", "spatial", "optional"]

CATEGORY_TAGS: tuple[str, ...] = (
    "martyr", "military", "police_hero", "fire_rescue", "special_care", "talent",
    "disabled", "left_behind", "unsupported", "orphan", "low_income",
)
STAGES: tuple[str, ...] = ("primary", "junior")
SCHOOL_KINDS: tuple[str, ...] = ("public", "private")
DISABILITY_PLANS: tuple[str, ...] = ("mainstream", "special_school", "home_teaching")
TRUE_WORDS = frozenset({"true", "1", "yes", "是", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "否", "n", "f"})

#: Column names that would let admission depend on tests, income or parents'
#: jobs, which the policy forbids (POLICY.md, "Who is placed where").
FORBIDDEN_NAME_PARTS: tuple[str, ...] = (
    "score", "exam", "test", "grade_point", "interview", "income", "salary",
    "wealth", "occupation", "job", "employer", "certificate",
    "考试", "成绩", "收入", "职业", "面试",
)


@dataclass(frozen=True)
class Column:
    """One column of a scenario table.

    Attributes
    ----------
    name : str
        The header, exactly (English, as in CONTRACT.md).
    kind : str
        How cells are read (``integer``, ``date``, ``list``, ...).
    required : str
        ``always``, ``spatial`` (every policy but ``explicit``) or ``optional``.
    description : str
        Meaning in English (also :attr:`description_en`).
    choices : tuple of str
        Allowed values of a ``choice`` column, or tags of a ``list`` column.
    minimum, maximum : float, optional
        Bounds of a number.
    description_zh : str
        Meaning in Chinese, for templates and the data reference.
    aliases_zh : tuple of str
        Chinese headers users write for this column (the first is the template's
        label). A table with such a header is refused with "did you mean".
    """

    name: str
    kind: ColumnKind
    required: Requirement
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description_zh: str = ""
    aliases_zh: tuple[str, ...] = ()

    @property
    def description_en(self) -> str:
        """Meaning in English (the same text as :attr:`description`)."""
        return self.description


@dataclass(frozen=True)
class TableSchema:
    """A scenario table: its base file name and its columns."""

    name: str
    columns: tuple[Column, ...]
    key: str | None

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """All column names in contract order."""
        return tuple(column.name for column in self.columns)


SCHOOLS = TableSchema("schools", key="school_id", columns=(
    Column("school_id", "id", "always", "unique school id",
           description_zh="学校唯一编号", aliases_zh=("学校编号", "学校代码")),
    Column("name", "text", "optional", "display name (Chinese allowed)",
           description_zh="学校名称（显示用）", aliases_zh=("学校名称",)),
    Column("county", "text", "spatial", "county-level unit (县/区); placement never crosses it",
           description_zh="所属县（区），不跨县（区）招生", aliases_zh=("县区", "区县")),
    Column("stage", "choice", "optional", "primary (grade 1, default) or junior (grade 7)",
           choices=STAGES, description_zh="学段：primary 小学一年级（默认）或 junior 初中七年级",
           aliases_zh=("学段",)),
    Column("kind", "choice", "optional", "public (default) or private", choices=SCHOOL_KINDS,
           description_zh="办学性质：public 公办（默认）或 private 民办", aliases_zh=("办学性质",)),
    Column("capacity", "integer", "always", "seats in the intake grade (招生计划)", minimum=0,
           description_zh="起始年级招生计划（学位数），不小于 0",
           aliases_zh=("招生计划", "学位数")),
    Column("classes", "integer", "optional", "number of intake classes", minimum=0,
           description_zh="起始年级计划班数", aliases_zh=("班级数", "班数")),
    Column("zones", "list", "spatial", "catchment zone ids this school serves",
           description_zh="服务的学区（划片）编号，多个用 ; 分隔", aliases_zh=("学区", "划片")),
    Column("lat", "number", "optional", "latitude, WGS84", minimum=-90, maximum=90,
           description_zh="纬度（WGS84）", aliases_zh=("纬度",)),
    Column("lon", "number", "optional", "longitude, WGS84", minimum=-180, maximum=180,
           description_zh="经度（WGS84）", aliases_zh=("经度",)),
    Column("resource_room", "boolean", "optional", "has a resource room (资源教室)",
           description_zh="是否设有资源教室", aliases_zh=("资源教室",)),
    Column("nine_year", "boolean", "optional", "nine-year through school (九年一贯制)",
           description_zh="是否九年一贯制学校", aliases_zh=("九年一贯制",)),
    Column("group", "text", "optional", "school group (教育集团); overflow prefers it",
           description_zh="所属教育集团；统筹调剂时优先同集团", aliases_zh=("教育集团",)),
    Column("feeds_into", "list", "optional",
           "primary schools: junior school ids this school feeds (对口直升); a nine-year "
           "school's primary row names its own junior row",
           description_zh="小学：对口直升的初中学校编号，多个用 ; 分隔", aliases_zh=("对口初中",)),
))

APPLICANTS = TableSchema("applicants", key="applicant_id", columns=(
    Column("applicant_id", "id", "always", "application number (never a national ID number)",
           description_zh="报名号（不得使用身份证号）", aliases_zh=("报名号", "报名编号")),
    Column("county", "text", "spatial", "county of application",
           description_zh="报名所在县（区）", aliases_zh=("县区", "区县")),
    Column("stage", "choice", "optional", "primary (default) or junior", choices=STAGES,
           description_zh="学段：primary 小学（默认）或 junior 初中", aliases_zh=("学段",)),
    Column("birth_date", "date", "optional", "ISO date of birth",
           description_zh="出生日期（YYYY-MM-DD）", aliases_zh=("出生日期",)),
    Column("hukou_zone", "text", "optional", "catchment zone of the 户籍 address",
           description_zh="户籍地址所在学区；空 = 户籍不在本县（区）", aliases_zh=("户籍学区",)),
    Column("hukou_city", "boolean", "optional", "hukou in the same prefecture-level city",
           description_zh="户籍是否在本市（默认否）", aliases_zh=("户籍在本市",)),
    Column("property_zone", "text", "optional", "zone of a home owned by a parent (房产)",
           description_zh="父母房产所在学区；空 = 本县（区）无房产", aliases_zh=("房产学区",)),
    Column("residence_zone", "text", "optional", "zone where the child actually lives",
           description_zh="实际居住地（随迁子女为居住证地址）所在学区", aliases_zh=("居住学区",)),
    Column("residence_permit_months", "integer", "optional",
           "months a local residence permit (居住证) has been held", minimum=0,
           description_zh="持有本地居住证的月数；0 = 无", aliases_zh=("居住证月数",)),
    Column("social_insurance_months", "integer", "optional",
           "months of continuous local social insurance (社保)", minimum=0,
           description_zh="本地连续缴纳社保的月数", aliases_zh=("社保月数",)),
    Column("hukou_since", "date", "optional", "date the hukou was registered",
           description_zh="户籍迁入日期（YYYY-MM-DD）", aliases_zh=("户籍迁入日期",)),
    Column("property_since", "date", "optional", "date the home was acquired",
           description_zh="房产取得日期（YYYY-MM-DD）", aliases_zh=("房产取得日期",)),
    Column("lat", "number", "optional", "home latitude, WGS84", minimum=-90, maximum=90,
           description_zh="家庭住址纬度（WGS84）", aliases_zh=("纬度",)),
    Column("lon", "number", "optional", "home longitude, WGS84", minimum=-180, maximum=180,
           description_zh="家庭住址经度（WGS84）", aliases_zh=("经度",)),
    Column("categories", "list", "optional", "special-group tags", choices=CATEGORY_TAGS,
           description_zh="特殊群体标签，多个用 ; 分隔", aliases_zh=("特殊群体",)),
    Column("disability_plan", "choice", "optional", "plan for a disabled child",
           choices=DISABILITY_PLANS,
           description_zh="残疾儿童安置方式：mainstream 随班就读、special_school 特殊教育学校、"
                          "home_teaching 送教上门", aliases_zh=("安置方式",)),
    Column("sibling_group", "text", "optional", "same value = siblings applying together",
           description_zh="同年报名的多胞胎/兄弟姐妹组，相同值 = 一起安排",
           aliases_zh=("多胞胎组",)),
    Column("sibling_school", "text", "optional", "school of an older sibling (长幼随学)",
           description_zh="长幼随学：哥哥姐姐所在学校编号", aliases_zh=("长幼随学学校",)),
    Column("preferences", "list", "optional", "ranked school ids",
           description_zh="志愿学校编号，按顺序，多个用 ; 分隔", aliases_zh=("志愿", "志愿学校")),
    Column("feeder_school", "text", "optional", "junior stage: primary school graduated from",
           description_zh="初中：毕业小学的学校编号（对口直升）", aliases_zh=("毕业小学",)),
))

PRIORITIES = TableSchema("priorities", key=None, columns=(
    Column("school_id", "id", "always", "the school",
           description_zh="学校编号", aliases_zh=("学校编号",)),
    Column("applicant_id", "id", "always", "an applicant",
           description_zh="报名号", aliases_zh=("报名号",)),
    Column("rank", "integer", "always", "1 = highest priority at that school", minimum=1,
           description_zh="该校的优先顺位，1 = 最优先", aliases_zh=("顺位",)),
))

#: Answers of placed families after the results are published (later rounds).
RESPONSE_WORDS: tuple[str, ...] = ("accept", "wait", "decline")

RESPONSES = TableSchema("responses", key="applicant_id", columns=(
    Column("applicant_id", "id", "always", "application number of a previous-run applicant"),
    Column("response", "choice", "always",
           "accept (keep the seat), wait (keep it and wait for a higher choice) or decline "
           "(give up the seat or the application)", choices=RESPONSE_WORDS),
))

ZONES = TableSchema("zones", key=None, columns=(
    Column("zone_id", "id", "always",
           "catchment zone (community, 社区/小区) id, as in schools.csv",
           description_zh="片区（社区、小区）编号，与 schools.csv 一致"),
    Column("county", "text", "optional",
           "county of the zone; needed only when a zone id is used in two counties",
           description_zh="所属县（区）；同一编号用于两个县时必填"),
    Column("name", "text", "optional", "display name (Chinese allowed)",
           description_zh="名称"),
    Column("lat", "number", "optional", "latitude of the community, WGS84; empty = mean of "
           "its homes", minimum=-90, maximum=90,
           description_zh="纬度；空 = 住户位置的平均"),
    Column("lon", "number", "optional", "longitude of the community, WGS84", minimum=-180,
           maximum=180,
           description_zh="经度"),
    Column("neighbours", "list", "optional",
           "zone ids sharing a boundary (symmetric); an empty column everywhere = derived "
           "by Delaunay triangulation, cut at the policy's zoning.neighbour_distance_km",
           description_zh="相邻片区编号，用 ; 分隔（须对称）"),
))

#: Columns a portal may send that must never be written to any output.
PERSONAL_COLUMNS: tuple[str, ...] = ("name", "applicant_name", "national_id", "id_number")
#: Columns the portal's store adds to a roster (README, "Portal batch job"): read by the
#: store, not by the scenario loader.
PORTAL_COLUMNS: tuple[str, ...] = ("verified",)
#: Columns a table may carry that the loader accepts and ignores (compared in lower case).
IGNORED_COLUMNS: frozenset[str] = frozenset(PERSONAL_COLUMNS + PORTAL_COLUMNS)
