"""Schemas of the folders that compare runs and sweep seeds, as data.

``allocator compare ... --out`` and ``allocator sweep ... --out`` write folders of
their own (the run folders they read are described in :mod:`allocator.model.outputs`).
A column ``<run>`` stands for one column per compared run, named after its folder.
"""

from __future__ import annotations

from allocator.model.outputs import OUTPUT_MARKER, OutputColumn, OutputFile

_RUN = OutputColumn("run", "text", "方案", "the compared run (its folder name); the first run "
                    "is the reference and has no rows")
_SCENARIO = OutputColumn("scenario", "text", "方案", "scenario name in the scenario file")
_SEED = OutputColumn("seed", "integer", "随机种子", "lottery seed of the run")

COMPARISON_METRICS = OutputFile("metrics.csv", "指标对比", description=(
    "the headline counts of summary.json, one row per metric, one column per run"), columns=(
    OutputColumn("metric", "text", "指标", "applicants, placed, unplaced, excluded, "
                 "first_choice, capacity, surplus_seats, schools, schools_oversubscribed, "
                 "schools_full"),
    OutputColumn("<run>", "number", "各方案数值", "the metric in that run"),
    OutputColumn("<run>_change", "number", "变化", "that run minus the reference run"),
))

COMPARISON_SCHOOLS = OutputFile("schools.csv", "学校变化", description=(
    "schools whose plan or admissions changed, or that are new or closed, per compared run"),
    columns=(
    _RUN,
    OutputColumn("school_id", "id", "学校代码", "school id"),
    OutputColumn("name", "text", "学校名称", "display name"),
    OutputColumn("status", "choice", "状态", "changed, new (only in the compared run) or "
                 "closed (only in the reference)", ("changed", "new", "closed")),
    *(OutputColumn(f"{measure}_{when}", "integer", f"{label}（{when_zh}）", text)
      for measure, label in (("capacity", "招生计划"), ("assigned", "录取人数"),
                             ("surplus", "剩余学位"))
      for when, when_zh, text in (
          ("before", "对比前", "in the reference run"),
          ("after", "对比后", "in the compared run"),
          ("change", "变化", "after minus before"))),
))

MOVERS = OutputFile("movers.csv", "结果变化的儿童", description=(
    "every applicant whose outcome differs from the reference run, with the school left and "
    "joined and why"), columns=(
    _RUN,
    OutputColumn("applicant_id", "id", "报名号", "application number"),
    OutputColumn("county", "text", "区县", "county of application"),
    *(OutputColumn(f"{column}_{when}", "text", f"{label}（{when_zh}）", f"{text} {where}")
      for column, label, text in (
          ("school_id", "录取学校", "school"), ("tier_name", "顺位名称", "tier name"),
          ("reason_code", "结果代码", "reason code"))
      for when, when_zh, where in (("before", "对比前", "in the reference run"),
                                   ("after", "对比后", "in the compared run"))),
    OutputColumn("why", "text", "变化原因", "plan changed at S; priority tier changed: a -> "
                 "b; new applicant (demand change); late applicant (later round); declined its "
                 "seat (later round); chain: a seat was freed or taken by others' moves"),
    OutputColumn("reason", "text", "说明", "the reason sentence of the compared run"),
))

CATEGORIES = OutputFile("categories.csv", "分类录取人数", description=(
    "children placed per tier and per route, one column per run"), columns=(
    OutputColumn("dimension", "choice", "维度", "tier_name or reason_code",
                 ("tier_name", "reason_code")),
    OutputColumn("category", "text", "类别", "the tier or route ((sweep) for the sweep)"),
    OutputColumn("<run>", "number", "各方案人数", "children placed in that category"),
))

COMPARISON_HTML = OutputFile("comparison.html", "方案对比报告", description=(
    "a self-contained page with the tables above and plots"))

#: Every file ``allocator compare ... --out`` writes.
COMPARISON_FOLDER: tuple[OutputFile, ...] = (
    COMPARISON_METRICS, COMPARISON_SCHOOLS, MOVERS, CATEGORIES, COMPARISON_HTML,
    OUTPUT_MARKER)

SWEEP_RUNS = OutputFile("runs.csv", "各次运行", description=(
    "one row per scenario and seed: headline counts"), columns=(
    _SCENARIO, _SEED,
    *(OutputColumn(name, "integer", zh, text) for name, zh, text in (
        ("applicants", "报名人数", "applicants"), ("placed", "录取人数", "children placed"),
        ("unplaced", "未录取人数", "children without a seat"),
        ("excluded", "不参与分配人数", "children excluded by the policy"),
        ("first_choice", "第一志愿录取人数", "children placed at their first choice"),
        ("surplus_seats", "剩余学位", "seats left"))),
    OutputColumn("distance_km_mean", "number", "平均距离（公里）", "mean home-school distance"),
    OutputColumn("verified", "boolean", "校验通过", "every required verification check "
                 "passed"),
))

SWEEP_SCHOOLS = OutputFile("schools.csv", "各次运行的学校", description=(
    "one row per scenario, seed and school"), columns=(
    _SCENARIO, _SEED,
    OutputColumn("school_id", "id", "学校代码", "school id"),
    OutputColumn("capacity", "integer", "招生计划", "seats in the plan"),
    OutputColumn("assigned", "integer", "录取人数", "children placed"),
))

SWEEP_FAILURES = OutputFile("failures.csv", "失败的运行", description=(
    "one row per task that failed (the others complete)"), columns=(
    _SCENARIO, _SEED,
    OutputColumn("error", "text", "错误", "the error message"),
    OutputColumn("traceback", "text", "调用栈", "where it happened"),
))

CATCHMENT_PROBABILITY = OutputFile("catchment_probability.csv", "片区入学概率", description=(
    "per scenario and child: the share of seeds in which it was placed at a catchment school"),
    columns=(
    _SCENARIO,
    OutputColumn("applicant_id", "id", "报名号", "application number"),
    OutputColumn("at_catchment", "number", "片区学校概率", "share of seeds placed at a "
                 "catchment school"),
    OutputColumn("at_choice_or_catchment", "number", "片区或志愿学校概率", "share of seeds "
                 "placed at a catchment school or a stated choice"),
))

SCHOOL_FILL = OutputFile("school_fill.csv", "学校满额率", description=(
    "per scenario and school: assigned / plan over the seeds"), columns=(
    _SCENARIO,
    OutputColumn("school_id", "id", "学校代码", "school id"),
    OutputColumn("mean", "number", "平均", "mean fill rate"),
    OutputColumn("min", "number", "最低", "lowest fill rate"),
    OutputColumn("max", "number", "最高", "highest fill rate"),
))

SWEEP_APPLICANTS = OutputFile("applicants.parquet", "各次运行的录取结果", description=(
    "one row per scenario, seed and child (applicants.csv when pyarrow is not installed)"),
    columns=(
    _SCENARIO, _SEED,
    OutputColumn("applicant_id", "id", "报名号", "application number"),
    OutputColumn("school_id", "id", "录取学校", "school placed at; empty when not placed"),
    OutputColumn("reason_code", "text", "结果代码", "reason code of the outcome"),
))

SWEEP_APPLICANTS_CSV = OutputFile(
    "applicants.csv", SWEEP_APPLICANTS.name_zh, "the same as applicants.parquet, written "
    "instead of it when pyarrow is not installed", SWEEP_APPLICANTS.columns)

SWEEP_PLOT = OutputFile("sweep.png", "概率分布图", description=(
    "histogram of each child's probability of a catchment school, and fill by school"))

_LOTTERY = OutputColumn("lottery", "choice", "递补轮次序", "the later round's lottery order: "
                       "same (as published) or reversed", ("same", "reversed"))

#: The metrics of a season what-if's later round (``summary.json`` ``round`` block).
SEASON_METRIC_COLUMNS: tuple[OutputColumn, ...] = tuple(
    OutputColumn(name, "integer", zh, text) for name, zh, text in (
        ("seats_freed", "放弃释放的学位", "seats freed by declines"),
        ("declined", "放弃人数", "applicants who declined this round"),
        ("waiting_responses", "确认并候补人数", "seat holders who accepted and wait"),
        ("moves", "递补调整人数", "seat holders moved to a school they rank higher"),
        ("newly_placed", "新录取人数", "children without a seat before who now hold one"),
        ("late_applicants", "补录报名人数", "late applicants"),
        ("late_applicants_placed", "补录录取人数", "late applicants placed"),
        ("still_waiting", "仍在候补人数", "children still waiting for a higher choice"),
        ("unplaced", "未录取人数", "children without a seat after the round"),
        ("idle_seats", "空余学位", "seats left empty after the round"),
        ("chains", "空位链条数", "vacancy chains (moves.csv)"),
        ("longest_chain", "最长链条", "moves in the longest vacancy chain")))

SWEEP_SEASON = OutputFile("season.csv", "招生季模拟", description=(
    "season what-ifs only: one row per scenario, seed and lottery order of the later round"),
    columns=(
    _SCENARIO, _SEED, _LOTTERY, *SEASON_METRIC_COLUMNS,
    OutputColumn("verified", "boolean", "校验通过", "every required check of the later round "
                 "passed"),
))

SWEEP_SEASON_EXPECTED = OutputFile("season_expected.csv", "招生季期望值", description=(
    "season what-ifs only: per scenario, lottery order and metric, the expectation over seeds"),
    columns=(
    _SCENARIO, _LOTTERY,
    OutputColumn("metric", "choice", "指标", "a metric of season.csv",
                 tuple(column.name for column in SEASON_METRIC_COLUMNS)),
    OutputColumn("seeds", "integer", "种子数", "seeds averaged"),
    OutputColumn("mean", "number", "平均", "mean over seeds (the expected value)"),
    OutputColumn("std", "number", "标准差", "standard deviation over seeds"),
    OutputColumn("min", "number", "最低", "lowest over seeds"),
    OutputColumn("max", "number", "最高", "highest over seeds"),
))

SWEEP_SEASON_PLOT = OutputFile("season.png", "招生季模拟图", description=(
    "season what-ifs only: expected moves, newly placed, declined and idle seats, same "
    "against reversed lottery, with the standard deviation over seeds"))

#: Every file ``allocator sweep ... --out`` writes (``applicants.csv`` instead of the
#: Parquet file without pyarrow; the season files only for season what-ifs).
SWEEP_FOLDER: tuple[OutputFile, ...] = (
    SWEEP_RUNS, SWEEP_SCHOOLS, SWEEP_FAILURES, CATCHMENT_PROBABILITY, SCHOOL_FILL,
    SWEEP_APPLICANTS, SWEEP_APPLICANTS_CSV, SWEEP_PLOT, SWEEP_SEASON, SWEEP_SEASON_EXPECTED,
    SWEEP_SEASON_PLOT, OUTPUT_MARKER)
