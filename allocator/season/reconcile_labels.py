"""Words of the reconciliation's page and workbook, in Chinese (default) and English.

Words the run's reports already have (``placed``, ``county``, ``capacity``, the
footer) come from :mod:`allocator.reports.labels`; these are the new ones. CSV
files keep the English column names and status codes of the data contract; the
page and the workbook show these labels.
"""

from __future__ import annotations

from allocator.reports.labels import LANGUAGES
from allocator.reports.labels import text as report_text

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("秋季入学核查报告（查漏补缺）",
              "Autumn reconciliation: placements, enrolment and the roll"),
    "run": ("分配结果", "Run"), "enrolled_file": ("报到名单", "Enrolment list"),
    "roll_file": ("适龄儿童名册", "Roll of school-age children"),
    "headline": ("主要指标", "Headline figures"),
    "by_school": ("各校录取与报到", "Placed and enrolled by school"),
    "by_school_plot": ("各校录取与报到（差异最大的学校）",
                       "Placed and enrolled by school (largest differences)"),
    "roll_gaps": ("名册核查：按区县和片区", "The roll by county and zone"),
    "guaranteed_missing": ("应入尽入：保障对象未入学名单",
                           "Guaranteed groups (应入尽入): children not enrolled"),
    "guaranteed_none": ("名册中所有保障对象均已入学。",
                        "Every child of a guaranteed group on the roll is enrolled."),
    "no_roll": ("未提供适龄儿童名册（--roll），本报告不含名册核查。",
                "No roll was given (--roll): the report holds no roll check."),
    "freed": ("下一轮递补：放弃的学位和报名",
              "For the next round: seats and applications given up"),
    "responses_note": ("responses.csv 可直接用于下一轮递补：未报到、在他校报到及未录取但已报到者"
                       "记为 decline（下表），按录取学校报到者记为 accept。",
                       "responses.csv is ready for the next round: no-shows, children enrolled "
                       "at another school and unplaced applicants who enrolled decline (below); "
                       "children enrolled where placed accept."),
    "guarantee_source": ("保障对象认定依据", "Guaranteed groups read from"),
    "over_plan": ("报到人数超过招生计划的学校", "Schools with more enrolled than planned"),
    "summary": ("汇总", "Summary"), "children": ("儿童", "Children"),
    "responses": ("下一轮回复", "Responses"), "roll_children": ("名册儿童", "Roll children"),
    "rows_limited": ("共 {n} 行，见 children.csv（本表最多 {limit} 行）",
                     "{n} rows: see children.csv (the sheet holds at most {limit})"),
}

#: Column names of the CSV files -> (zh, en) labels for the page and the workbook.
COLUMNS: dict[str, tuple[str, str]] = {
    "school_id": ("学校代码", "School"), "name": ("学校名称", "Name"),
    "county": ("区县", "County"), "zone": ("片区", "Zone"), "stage": ("学段", "Stage"),
    "capacity": ("招生计划", "Plan"), "placed": ("录取", "Placed"),
    "enrolled": ("报到", "Enrolled"), "enrolled_as_placed": ("按录取报到", "Enrolled as placed"),
    "no_shows": ("未报到", "No-shows"),
    "left_for_other_school": ("录取后在他校报到", "Placed here, enrolled elsewhere"),
    "arrived_from_other_school": ("他校录取来此报到", "Placed elsewhere, enrolled here"),
    "enrolled_without_placement": ("无录取报到", "Enrolled without placement"),
    "seats_free": ("剩余学位", "Seats free"),
    "next_round_plan": ("下一轮招生计划", "Plan for the next round"),
    "applicant_id": ("报名号", "Applicant"), "roll_id": ("名册编号", "Roll id"),
    "run_status": ("分配状态", "Run status"), "placed_school_id": ("录取学校", "Placed at"),
    "enrolled_school_id": ("报到学校", "Enrolled at"), "enrolled_on": ("报到日期", "Enrolled on"),
    "status": ("核查状态", "Status"), "response": ("下一轮回复", "Response"),
    "registration": ("登记类型", "Registration"), "birth_year": ("出生年份", "Birth year"),
    "categories": ("类别", "Categories"), "disability_plan": ("残疾儿童安置", "Disability plan"),
    "guaranteed": ("保障对象", "Guaranteed group"), "roll_status": ("名册状态", "Roll status"),
    "children": ("名册人数", "Children on the roll"),
    "no_application": ("未报名", "No application"),
    "applied_not_placed": ("已报名未录取", "Applied, no seat"),
    "placed_not_enrolled": ("已录取未报到", "Placed, not enrolled"),
    "excluded": ("不参与分配（台账）", "Excluded (ledger)"),
    "guaranteed_not_enrolled": ("保障对象未入学", "Guaranteed, not enrolled"),
    "key": ("项目", "Item"), "value": ("数值", "Value"),
}

#: Status codes -> (zh, en) labels.
STATUSES: dict[str, tuple[str, str]] = {
    "enrolled_as_placed": ("按录取学校报到", "enrolled as placed"),
    "enrolled_elsewhere": ("在其他学校报到", "enrolled elsewhere"),
    "no_show": ("未报到", "no-show"),
    "enrolled_unplaced": ("未录取但已报到", "enrolled without placement"),
    "enrolled_without_application": ("未报名但已报到", "enrolled without application"),
    "unplaced": ("未录取", "unplaced"), "excluded": ("不参与分配（台账）", "excluded (ledger)"),
    "declined": ("已放弃", "declined"), "placed": ("已录取", "placed"),
    "enrolled": ("已入学", "enrolled"),
    "placed_not_enrolled": ("已录取未报到", "placed, not enrolled"),
    "applied_not_placed": ("已报名未录取", "applied, no seat"),
    "no_application": ("未报名", "no application"),
    "accept": ("确认", "accept"), "decline": ("放弃", "decline"),
    "hukou": ("户籍", "hukou"), "residence_permit": ("居住证", "residence permit"),
    "mainstream": ("随班就读", "mainstream class"), "special_school": ("特殊教育学校",
                                                                   "special school"),
    "home_teaching": ("送教上门", "home teaching"),
    "primary": ("小学", "primary"), "junior": ("初中", "junior"),
}


def word(key: str, lang: str) -> str:
    """The word for ``key`` in ``lang``: this module's, else the run reports'."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose zh or en")
    if key in _TEXT:
        return _TEXT[key][LANGUAGES.index(lang)]
    return report_text(key, lang)


def column_label(name: str, lang: str) -> str:
    """Label of a CSV column (the name itself when it has none)."""
    return COLUMNS[name][LANGUAGES.index(lang)] if name in COLUMNS else name


def status_label(code: str, lang: str) -> str:
    """Label of a status or response code (the code itself when it has none)."""
    return STATUSES[code][LANGUAGES.index(lang)] if code in STATUSES else code
