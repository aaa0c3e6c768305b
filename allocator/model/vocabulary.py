"""One translation table for what the reports show: column names, values and numbers.

The CSV contract files keep their stable column names; everything a planner
reads (``report.html``, ``report.xlsx``, ``comparison.html``, the terminal
tables) goes through :func:`localise` here, in Chinese (default) or English:

- column names: plain names (:data:`COLUMNS`), and names built from a prefix and a
  priority tier or a ledger round (``placed_hukou_and_home``, ``taken_sweep``),
  whose tier part is the policy's own label;
- values of categorical columns: routes, reason codes, warning levels, stages,
  kinds, statuses, mechanisms, metric names and groupings (:data:`VALUES`);
- numbers (:func:`format_number`): integers with thousands separators, rates as
  percentages, distances with two decimals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

LANGUAGES = ("zh", "en")

#: Plain column names -> (Chinese, English).
COLUMNS: dict[str, tuple[str, str]] = {
    "school_id": ("学校代码", "School"), "name": ("学校名称", "Name"),
    "county": ("区县", "County"), "stage": ("学段", "Stage"), "kind": ("办学性质", "Kind"),
    "plan": ("招生计划", "Plan"), "capacity": ("招生计划", "Plan"),
    "assigned": ("录取人数", "Placed"), "placed": ("已录取", "Placed"),
    "unplaced": ("未录取", "Unplaced"), "surplus": ("余额学位", "Surplus"),
    "oversubscribed": ("超额报名", "Oversubscribed"),
    "cutoff_tier": ("录取截止类别序号", "Cut-off tier"),
    "cutoff_tier_name": ("录取截止类别", "Cut-off tier name"),
    "cutoff_lottery": ("截止抽签号", "Cut-off lottery number"),
    "first_choice_demand": ("第一志愿报名", "First-choice demand"),
    "rejected_applicants": ("未被本校录取", "Turned away"),
    "demand": ("片区需求", "Demand"), "shortfall": ("学位缺口", "Shortfall"),
    "ratio": ("需求与计划之比", "Demand / plan"), "level": ("预警等级", "Warning"),
    "from_school_id": ("片区学校", "Catchment school"),
    "to_school_id": ("录取学校", "Receiving school"), "route": ("录取途径", "Route"),
    "children": ("人数", "Children"),
    "distance_mean_km": ("平均距离（公里）", "Mean distance (km)"),
    "distance_median_km": ("距离中位数（公里）", "Median distance (km)"),
    "distance_max_km": ("最远距离（公里）", "Longest distance (km)"),
    "distance_p90_km": ("90% 距离（公里）", "90th percentile distance (km)"),
    "distance_p95_km": ("95% 距离（公里）", "95th percentile distance (km)"),
    "distance_total_km": ("总距离（公里）", "Total distance (km)"),
    "distance_before_km": ("调整前平均距离（公里）", "Mean distance before (km)"),
    "distance_after_km": ("调整后平均距离（公里）", "Mean distance after (km)"),
    "gain_distance_km": ("距离减少（公里）", "Distance saved (km)"),
    "absorbed_overflow": ("接收调剂人数", "Redirected children taken"),
    "mechanism": ("分配机制", "Mechanism"),
    "outside_catchment": ("片区外录取", "Outside catchment"),
    "justified_envy": ("合理异议对数", "Justified-envy pairs"),
    "envious_children": ("有合理异议的儿童", "Children with justified envy"),
    "step": ("步骤", "Step"), "seats_added": ("增加学位", "Seats added"),
    "plan_before": ("调整前计划", "Plan before"), "plan_after": ("调整后计划", "Plan after"),
    "moved_from_school_id": ("学位来源学校", "Class moved from"),
    "outside_before": ("调整前片区外录取", "Outside catchment before"),
    "outside_after": ("调整后片区外录取", "Outside catchment after"),
    "gain_children": ("回到片区的儿童", "Children back in catchment"),
    "by": ("分组方式", "Grouped by"), "group": ("分组", "Group"), "metric": ("指标", "Metric"),
    "numerator": ("分子", "Numerator"), "denominator": ("分母", "Denominator"),
    "value": ("数值", "Value"), "key": ("项目", "Item"),
    "applicant_id": ("报名号", "Application number"), "status": ("状态", "Status"),
    "tier": ("录取类别序号", "Tier"), "tier_name": ("录取类别", "Tier name"),
    "choice_rank": ("志愿序号", "Choice"), "distance_km": ("距离（公里）", "Distance (km)"),
    "lottery": ("抽签号", "Lottery number"), "reason": ("说明", "Reason"),
    "source": ("名单来源", "List source"), "reason_code": ("录取途径", "Route"),
    "lottery_draw": ("抽签原始值", "Lottery draw (hex)"), "note": ("说明", "Note"),
    "zone": ("片区", "Zone"), "category": ("类别", "Category"),
    # metrics (the county table of report.html has one column per metric)
    "placement_rate": ("录取率", "Placement rate"),
    "own_catchment_rate": ("片区内录取率", "Placed in own catchment"),
    "migrant_public_share": ("随迁子女公办就读比例", "Migrant children in public schools"),
    "guaranteed_ledger_closed": ("应入尽入完成率", "Guaranteed groups placed"),
    "twins_together": ("多胞胎同校率", "Twins placed together"),
    "class_size_compliance": ("班额达标率", "Class-size compliance"),
}

#: Suffixes of composed column names (comparisons) -> (Chinese, English) templates.
SUFFIXES: dict[str, tuple[str, str]] = {
    "_before": ("{}（调整前）", "{} before"), "_after": ("{}（调整后）", "{} after"),
    "_change": ("{}（变化）", "{} change"),
}
COLUMNS.update({
    "run": ("方案", "Scenario"), "why": ("变化原因", "Why"), "dimension": ("维度", "Dimension"),
    "first_choice": ("第一志愿录取", "Placed at first choice"),
    "applicants": ("报名人数", "Applicants"), "excluded_count": ("不参与分配", "Excluded"),
    "swept": ("全县统筹录取", "Placed by the sweep"), "schools": ("学校数", "Schools"),
    "surplus_seats": ("余额学位", "Surplus seats"),
    "schools_oversubscribed": ("超额报名学校", "Schools oversubscribed"),
    "schools_full": ("满额学校", "Schools full"),
    "distance_km_mean": ("平均就学距离（公里）", "Mean distance (km)"),
    "distance_km_p95": ("95% 就学距离（公里）", "95th percentile distance (km)"),
    "distance_km_median": ("就学距离中位数（公里）", "Median distance (km)"),
    "distance_km_max": ("最远就学距离（公里）", "Longest distance (km)"),
    # public notices (公示): the disclosure files' columns
    "application_number": ("报名号", "Application number"), "appeal_id": ("申诉编号", "Appeal"),
    "catchment_zones": ("划片范围", "Catchment zones"), "conditions": ("录取条件", "Conditions"),
    "admitted": ("录取人数", "Admitted"), "excluded": ("不参与分配", "Not placed by the engine"),
    "redirected_away": ("调剂至外校", "Redirected elsewhere"),
    "redirected_in": ("调剂入本校", "Redirected here"),
    # terminal tables (allocator run, scenarios, fairness, ...)
    "scenario": ("方案", "Scenario"), "changes": ("改动项", "Changes"),
    "resolve": ("求解方式", "Re-solve"), "verified": ("校验通过", "Verified"),
    "verification": ("校验", "Verification"), "seconds": ("用时", "Time"),
    "round": ("轮次", "Round"), "measure": ("指标", "Measure"),
    "classes_added": ("增加班级", "Classes added"), "gain": ("收益", "Gain"),
    "item": ("项目", "Item"),
    # later rounds: the round block of summary.json and the seats by school
    "round_item": ("项目", "Item"), "round_value": ("数值", "Value"),
    "number": ("轮次", "Round number"), "previous_run.path": ("上一轮结果目录", "Previous run"),
    "previous_run.assignments_sha256": ("上一轮录取结果校验值（SHA-256）",
                                        "Previous assignments (SHA-256)"),
    "previous_runs": ("此前轮次数", "Earlier rounds"),
    "lottery_order": ("抽签顺序", "Lottery order"),
    "late_applicants_rule": ("补报儿童排序规则", "Late applicants are ranked"),
    "default_response": ("未答复时视为", "No response counts as"),
    "continuing": ("继续参加的儿童", "Continuing children"),
    "responses.accept": ("答复：确认", "Responses: accept"),
    "responses.wait": ("答复：候补", "Responses: wait"),
    "responses.decline": ("答复：放弃", "Responses: decline"),
    "seats_freed": ("放弃释放的学位", "Seats freed by declines"),
    "seats_left_by_moves": ("递补腾出的学位", "Seats left by moves"),
    "seats_cut": ("减少学位", "Seats cut"), "applicants_moved": ("递补调整人数", "Children moved"),
    "newly_placed": ("新录取人数", "Newly placed"), "declined": ("放弃人数", "Declined"),
    "declined_this_round": ("本轮放弃人数", "Declined this round"),
    "still_waiting": ("仍在候补", "Still waiting"),
    "late_applicants": ("补报儿童", "Late applicants"),
    "late_applicants_placed": ("补报儿童录取", "Late applicants placed"),
    "chains": ("空位链数", "Vacancy chains"), "longest_chain": ("最长空位链", "Longest chain"),
    "held_before": ("本轮前已占学位", "Held before"),
    "freed_by_declines": ("放弃释放", "Freed by declines"),
    "left_by_moves": ("递补腾出", "Left by moves"),
    "filled_by_moves": ("递补填入", "Filled by moves"),
    "filled_by_newly_placed": ("新录取填入", "Filled by newly placed"),
    "idle_after": ("本轮后空余", "Idle after"), "waiting_list": ("候补人数", "Waiting list"),
    "length": ("空位链长度", "Chain length"),
    # allocator zoning
    "zoning_plan": ("划片方案", "Plan"),
    "outside_projected": ("片区外（预测）", "Outside catchment (projected)"),
    "outside_engine": ("片区外（分配结果）", "Outside catchment (engine)"),
    "moved_communities": ("调整小区数", "Communities moved"),
    "moved_children": ("涉及儿童", "Children moved"),
})

#: Prefixes of composed column names -> (Chinese, English) templates of the label.
PREFIXES: dict[str, tuple[str, str]] = {
    "demand_": ("需求：{}", "Demand: {}"), "placed_": ("录取：{}", "Placed: {}"),
    "admitted_by_": ("录取：{}", "Placed: {}"), "admitted_": ("录取：{}", "Placed: {}"),
    "taken_": ("占用：{}", "Taken: {}"), "surplus_after_": ("余额（{}后）", "Surplus after {}"),
}

#: Values of categorical columns (routes, rounds, levels, ...) -> (Chinese, English).
VALUES: dict[str, tuple[str, str]] = {
    "certified": ("优抚对象", "certified groups"), "local": ("本地片区", "local catchment"),
    "migrant": ("随迁子女", "migrant children"), "other": ("其他", "other"),
    "overflow": ("调剂", "redirected"), "sweep": ("全县统筹", "county-wide sweep"),
    "choice": ("志愿", "stated choice"), "catchment": ("片区学校", "catchment school"),
    "older_sibling": ("长幼随学", "older sibling's school"),
    "resource_room": ("随班就读资源教室", "resource room"),
    "feeder_school": ("对口直升", "feeder school"), "private_round": ("民办摇号", "private round"),
    "unplaced": ("未录取", "not placed"), "placed": ("已录取", "placed"),
    "excluded": ("不参与分配", "excluded"), "group": ("随兄弟姐妹", "with siblings"),
    "red": ("红色", "red"), "orange": ("橙色", "orange"), "yellow": ("黄色", "yellow"),
    "primary": ("小学", "primary"), "junior": ("初中", "junior"),
    "public": ("公办", "public"), "private": ("民办", "private"),
    "deferred-acceptance": ("延迟接受", "deferred acceptance"),
    "immediate-acceptance": ("志愿优先", "immediate acceptance"),
    "min-cost-flow": ("最小费用流最优", "min-cost flow optimum"),
    "exact-groups": ("多胞胎精确模式", "exact mode for sibling groups"),
    "county": ("区县", "county"), "school": ("学校", "school"), "zone": ("片区", "zone"),
    "category": ("类别", "category"), "none": ("无", "none"),
    "true": ("是", "yes"), "false": ("否", "no"),
    "changed": ("有变化", "changed"), "new": ("新建", "new"), "closed": ("停办", "closed"),
    "private_lottery": ("民办摇号", "private lottery"),
    "stated_choice": ("志愿", "stated choice"), "sibling_group": ("随兄弟姐妹", "with siblings"),
    "martyr": ("烈士子女", "martyrs' children"), "military": ("军人子女", "servicemen's children"),
    "police_hero": ("英模子女", "police heroes' children"),
    "fire_rescue": ("消防救援人员子女", "fire-rescue staff's children"),
    "special_care": ("优抚对象", "special care"), "talent": ("引进人才子女", "talents' children"),
    "disabled": ("残疾儿童", "disabled children"), "left_behind": ("留守儿童", "left-behind"),
    "unsupported": ("事实无人抚养儿童", "without de-facto carers"),
    "orphan": ("孤儿", "orphans"), "low_income": ("困难家庭", "low-income families"),
    "priority_placement": ("优先安排", "placed by priority"), "appeal": ("申诉复核", "appeal"),
    "warm": ("热启动", "warm"), "cold": ("重新求解", "cold"),
    "passed": ("通过", "passed"), "failed": ("未通过", "FAILED"),
    "accept": ("确认", "accept"), "wait": ("候补", "wait"), "decline": ("放弃", "decline"),
    "same": ("与上一轮相同", "same as before"), "reversed": ("逆序", "reversed"),
    "after_on_time": ("排在按时报名的同类别儿童之后", "after on-time children of the same tier"),
    "with_on_time": ("与按时报名儿童同等排序", "with on-time children"),
}
_METRIC_VALUES = {name: label for name, label in COLUMNS.items() if name.endswith(
    ("_rate", "_share", "_closed", "_together", "_compliance"))}

#: Columns whose values are categorical words to translate.
CATEGORICAL = frozenset({"route", "level", "stage", "kind", "status", "mechanism", "by",
                         "metric", "reason_code", "oversubscribed", "group", "cutoff_tier_name",
                         "tier_name", "category", "dimension", "tier_name_before",
                         "tier_name_after", "reason_code_before", "reason_code_after",
                         "resolve", "verified", "verification", "round_item", "round_value",
                         "zoning_plan"})

_RATE = re.compile(r"(_rate|_share|_closed|_together|_compliance)$")


def _index(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose zh or en")
    return LANGUAGES.index(lang)


def column_label(name: str, lang: str, tiers: Mapping[str, str] | None = None) -> str:
    """The label of a column in ``lang``; tier parts use the policy's labels ``tiers``."""
    index, tiers = _index(lang), tiers or {}
    if name in COLUMNS:
        return COLUMNS[name][index]
    for suffix, templates in SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return templates[index].format(column_label(name[:-len(suffix)], lang, tiers))
    for prefix, templates in PREFIXES.items():
        if name.startswith(prefix):
            return templates[index].format(value_label(name[len(prefix):], lang, tiers))
    return name


def value_label(value: str, lang: str, tiers: Mapping[str, str] | None = None) -> str:
    """A categorical value in ``lang`` (tier names by the policy's labels)."""
    if tiers and value in tiers:
        return tiers[value]
    if value in VALUES:
        return VALUES[value][_index(lang)]
    if value in _METRIC_VALUES:
        return _METRIC_VALUES[value][_index(lang)]
    if value in COLUMNS:  # metric names of comparisons are summary counts
        return COLUMNS[value][_index(lang)]
    return value


def format_number(value: object, column: str, lang: str) -> str:
    """A number as a planner reads it: ``12,345``, ``85.9%``, ``1.23``; '' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return value_label(str(value).lower(), lang)
    if not isinstance(value, int | float) and not hasattr(value, "dtype"):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if column == "lottery" or column == "cutoff_lottery":
        return f"{number:.10f}"
    if _RATE.search(column) and 0.0 <= number <= 1.0:
        return f"{number * 100:.1f}%"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def localise(frame: pd.DataFrame, lang: str, tiers: Mapping[str, str] | None = None,
             as_text: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` for reading: labelled columns, translated values, formatted numbers.

    With ``as_text=False`` numbers stay numbers (for typed spreadsheet cells) and
    only column names and categorical values are translated.
    """
    shown = frame.copy()
    if {"metric", "value"} <= set(shown.columns) and as_text:  # long metrics: rate rows
        shown["value"] = [format_number(v, str(m), lang) for m, v in
                          zip(shown["metric"], shown["value"].tolist(), strict=True)]
    for column in shown.columns:
        values = shown[column]
        if column in ("reason", "why") and lang != "en":
            translate = reason_text if column == "reason" else why_text
            # a run has a few hundred distinct sentences for thousands of rows
            texts = {v: translate(str(v), lang, tiers) for v in pd.unique(values) if v == v}
            shown[column] = [texts[v] if v == v else "" for v in values]
        elif column in CATEGORICAL or values.dtype == bool:
            shown[column] = [value_label(str(v).lower() if isinstance(v, bool) else str(v),
                                         lang, tiers) if v is not None and v == v else ""
                             for v in values]
        elif as_text and pd.api.types.is_numeric_dtype(values) and values.dtype != object:
            shown[column] = [format_number(v, str(column), lang) for v in values.tolist()]
    labels = [column_label(str(column), lang, tiers) for column in shown.columns]
    shown.columns = _unique(labels)
    return shown


def _unique(labels: list[str]) -> list[str]:
    """Labels made unique (two columns may share a word): later ones get (2), (3), ..."""
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


#: Sheet names of report.xlsx -> (Chinese, English).
SHEETS: dict[str, tuple[str, str]] = {
    "summary": ("概要", "summary"), "schools": ("学校", "schools"),
    "assignments": ("录取结果", "assignments"), "ledger": ("学位台账", "ledger"),
    "county ledger": ("区县学位台账", "county ledger"),
    "surplus plan": ("余额调配", "surplus plan"), "idle surplus": ("闲置余额", "idle surplus"),
    "warnings": ("学位预警", "warnings"), "metrics": ("指标", "metrics"),
    "fairness": ("公平的代价", "fairness"), "recommendations": ("扩容建议", "recommendations"),
}


#: Titles of the command line's tables -> (Chinese, English); ``{}`` is a number.
TABLE_TITLES: dict[str, tuple[str, str]] = {
    "cost of fairness": ("公平的代价", "cost of fairness"),
    "capacity recommendations": ("扩容建议", "capacity recommendations"),
    "metrics": ("指标", "metrics"),
    "seats by school": ("各校学位（有变化的学校）", "seats by school (schools that changed)"),
    "who moved": ("谁的学校变了，为什么", "who moved, and why"),
    "first movers": ("前 {} 名学校变化的儿童", "first {} movers"),
    "placed by category": ("各类别录取", "placed by category"),
    "mean over seeds": ("各随机种子的平均", "mean over seeds"),
    "season over seeds": ("招生季：各随机种子的期望（递补轮次）",
                          "season: expected over seeds (later round)"),
}


def table_title(key: str, lang: str, *numbers: object) -> str:
    """The title of a command-line table in ``lang`` (``numbers`` fill its ``{}``)."""
    return TABLE_TITLES[key][_index(lang)].format(*numbers)


def sheet_name(name: str, lang: str) -> str:
    """The name of a report.xlsx sheet in ``lang``."""
    return SHEETS[name][_index(lang)] if name in SHEETS else name


#: The engine's reason sentences (allocator/pipeline/reasons.py) and their Chinese, part
#: by part: each English template or suffix is matched in order and replaced. ``{tier}``
#: parts read ``N (tier_name)`` and become ``第N类（label）``.
_TIER = r"(\d+) \((\w+)\)"
_REASON_PARTS: tuple[tuple[str, str], ...] = (
    # later rounds (allocator/pipeline/round_tables.py)
    (r"declined: gave up its seat or its application", "已放弃学位或申请"),
    (r"moved up from (\S+): a seat opened at a school ranked higher; ",
     r"由 \1 递补：更靠前的志愿学校空出学位；"),
    (r"; still waiting: no seat opened at a school ranked higher",
     "；候补中：更靠前的志愿学校暂无空出学位"),
    (rf"admitted at stated choice (\d+) in tier {_TIER}", r"第\1志愿录取（{t2}）"),
    (rf"admitted at a catchment school \(choice (\d+)\) in tier {_TIER}",
     r"片区学校录取（第\1志愿，{t2}）"),
    (r"redirected: the catchment school was full \(cut-off tier (\w+), lottery ([\d.]+)\)",
     r"片区学校已满（录取截止类别：{c1}，截止抽签号 \2）"),
    (r"redirected: the catchment school was full", "片区学校已满"),
    (rf"; admitted at the nearest school with seats \(choice (\d+)\) in tier {_TIER}",
     r"，调剂至就近有空余学位的学校录取（第\1志愿，{t2}）"),
    (rf"admitted at the older sibling's school \(长幼随学\) in tier {_TIER}",
     r"长幼随学，在哥哥姐姐就读学校录取（{t1}）"),
    (rf"admitted at the nearest school with a resource room \(随班就读\) in tier {_TIER}",
     r"随班就读，在就近有资源教室的学校录取（{t1}）"),
    (rf"admitted at the junior school of the feeder primary \(对口直升\) in tier {_TIER}",
     r"对口直升录取（{t1}）"),
    (r"not placed: every school on the effective list was full and no school of the county "
     r"had a free seat left", "未录取：志愿及调剂学校均已满，全县已无空余学位"),
    (r"not placed: no school on the effective list", "未录取：没有可填报的学校"),
    (r"private round \(公民同招\): won the lottery at stated choice (\d+)",
     r"公民同招：民办学校第\1志愿摇号录取"),
    (r"placed by the county-wide sweep \(统筹\) at the nearest school with a free seat: every "
     r"school on the effective list was full",
     "志愿及调剂学校均已满，全县统筹安排至就近有空余学位的学校"),
    (r"placed with its sibling group at the school admitting the group",
     "与同胞兄弟姐妹一同在接收该组的学校录取"),
    (r"; higher choices were full", "；更靠前的志愿已满"),
    (r"; placed under the guarantee \(应入尽入\)", "；按应入尽入保障安排"),
    (r"; guaranteed child \(应入尽入\) left without a seat: reported as a shortfall",
     "；应入尽入对象暂无学位，已列入缺口报告"),
    (r"; siblings applying together are placed together", "；同时报名的兄弟姐妹同校录取"),
    (r"; lost the private-school lottery \(no penalty in the public round\)",
     "；民办学校摇号未中签（公办录取不受影响）"),
    (r"excluded: below the grade-1 minimum age on the cut-off day", "不参与分配：未到入学年龄"),
    (r"excluded: placed at a special school by the expert committee \(kept in the ledger\)",
     "不参与分配：经专家委员会评估安置到特殊教育学校（保留台账）"),
    (r"excluded: taught at home by the expert committee's plan \(kept in the ledger\)",
     "不参与分配：经专家委员会评估送教上门（保留台账）"),
)


def reason_text(reason: str, lang: str, tiers: Mapping[str, str] | None = None) -> str:
    """The engine's reason sentence in ``lang`` (it is written in English).

    Every part the engine writes has a Chinese counterpart; a part not known
    here (a newer engine's sentence) is kept in English rather than lost.
    """
    _index(lang)
    if lang == "en" or not reason:
        return reason
    tiers = tiers or {}

    def tier(number: str, name: str) -> str:
        return f"第{number}类：{tiers.get(name, value_label(name, lang))}"

    text = reason
    for pattern, template in _REASON_PARTS:
        def replace(match: re.Match, template: str = template) -> str:
            groups = match.groups()
            filled = match.expand(template.replace("{t1}", "\x00t1").replace(
                "{t2}", "\x00t2").replace("{c1}", "\x00c1"))
            if "\x00t1" in filled:
                filled = filled.replace("\x00t1", tier(groups[0], groups[1]))
            if "\x00t2" in filled:
                filled = filled.replace("\x00t2", tier(groups[1], groups[2]))
            if "\x00c1" in filled:
                filled = filled.replace("\x00c1", tiers.get(groups[0],
                                                             value_label(groups[0], lang)))
            return filled
        text = re.sub(pattern, replace, text)
    return text


#: Why a child's school changed between two runs (allocator/scenarios/compare.py).
_WHY_PARTS: tuple[tuple[str, str], ...] = (
    (r"plan changed at (\S+)", r"\1 招生计划变化"),
    (r"priority tier changed: (\w+) -> (\w+)", "录取类别变化：{1} → {2}"),
    (r"new applicant \(demand change\)", "新增报名（需求变化）"),
    (r"applicant removed \(demand change\)", "报名减少（需求变化）"),
    (r"late applicant \(later round\)", "补录报名（递补轮次）"),
    (r"declined its seat \(later round\)", "放弃学位（递补轮次）"),
    (r"chain: a seat was freed or taken by others' moves", "连锁变化：他人变动腾出或占用了学位"),
)


def why_text(why: str, lang: str, tiers: Mapping[str, str] | None = None) -> str:
    """Why a child moved between two runs, in ``lang`` (written in English)."""
    _index(lang)
    if lang == "en" or not why:
        return why
    text = why
    for pattern, template in _WHY_PARTS:
        def replace(match: re.Match, template: str = template) -> str:
            groups = [value_label(group, lang, tiers) for group in match.groups()]
            if "{1}" in template:
                return template.replace("{1}", groups[0]).replace("{2}", groups[1])
            return match.expand(template)
        text = re.sub(pattern, replace, text)
    return text
