"""The full story of one applicant's placement, in Chinese or English."""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.model.vocabulary import reason_text, value_label
from allocator.pipeline.deciding import cutoff_holder, deciding_key
from allocator.pipeline.run import RunResult
from allocator.pipeline.tables import published_tiers, school_outcomes
from allocator.policy.lottery import lottery_numbers
from allocator.problem.compiled import SOURCE_NAMES, TIER_SHIFT
from allocator.solvers.result import PLACED_BY_MECHANISM

TEXT = {
    "en": {
        "title": "Applicant {id}: {status}",
        "placed": "placed at {school} ({name})",
        "lottery": "lottery number {lottery} (draw {draw}, seed {seed})",
        "reason": "reason: {reason}",
        "ties": "inside a tier, ties are broken by: {chain}",
        "list": "effective list (best first):",
        "row": "  {rank}. {school} {name} [{source}] tier {tier} ({tier_name}): {outcome}",
        "admitted": "ADMITTED",
        "refused": "refused: full; last admitted tier {cut_tier} ({cut_name}); yours tier "
                   "{tier}",
        "decided": "     decided by {key}: yours {yours}, last admitted {cutoff} ({better})",

        "refused_group": "refused: the sibling group needed {size} seats together",
        "no_seats": "refused: no seats in the plan",
        "not_reached": "not reached (a better choice admitted)",
        "private": " (private round)",
        "swept": "  -> every school above was full; placed by the county-wide sweep at {school}",
        "excluded": "not placed by the engine: {reason}",
    },
    "zh": {
        "title": "申请号 {id}:{status}",
        "placed": "录取于 {school}({name})",
        "lottery": "摇号号码 {lottery}(抽签值 {draw},种子 {seed})",
        "reason": "说明:{reason}",
        "ties": "同类内依次比较:{chain}",
        "list": "有效志愿顺序(优先者在前):",
        "row": "  {rank}. {school} {name} [{source}] 第{tier}类({tier_name}):{outcome}",
        "admitted": "录取",
        "refused": "未录取:学位已满;最后录取者为第{cut_tier}类({cut_name});本人为第{tier}类",
        "decided": "     决定因素:{key},本人 {yours},最后录取者 {cutoff}({better})",
        "refused_group": "未录取:多胞胎须同校,需同时有 {size} 个学位",
        "no_seats": "未录取:该校招生计划为 0",
        "not_reached": "未参与(已被更优先的志愿录取)",
        "private": "(民办学校摇号)",
        "swept": "  -> 以上学校均已满员,由全县统筹安排至就近有空余学位的 {school}",
        "excluded": "不参与分配:{reason}",
    },
}
#: Names of the deciding keys and of the better direction.
KEYS = {
    "en": {"tier": "the priority tier", "older_sibling": "the older-sibling rule (长幼随学)",
           "school_priority": "the school's priority list (priorities.csv rank)",
           "hukou_since": "hukou registration date", "property_since": "property date",
           "residence_permit_months": "months of residence permit",
           "social_insurance_months": "months of social insurance",
           "lottery": "the lottery number", "applicant_id": "the application number",
           "lower": "lower is better", "earlier": "earlier is better",
           "longer": "longer is better", "first": "an older sibling at the school ranks first"},
    "zh": {"tier": "录取类别", "older_sibling": "长幼随学", "school_priority": "学校排序名单",
           "hukou_since": "户籍登记时间", "property_since": "房产取得时间",
           "residence_permit_months": "居住证月数", "social_insurance_months": "社保缴纳月数",
           "lottery": "摇号号码", "applicant_id": "申请号",
           "lower": "越小越优先", "earlier": "越早越优先", "longer": "越长越优先",
           "first": "有哥哥姐姐在该校就读者优先"},
}
STATUS = {"en": {"placed": "placed", "unplaced": "not placed", "excluded": "excluded"},
          "zh": {"placed": "已录取", "unplaced": "未录取", "excluded": "不参与分配"}}


def applicant_story(result: RunResult, applicant_id: str) -> dict[str, Any]:
    """Facts behind one applicant's outcome: its list, tiers, cut-offs and the outcome."""
    problem, allocation = result.problem, result.allocation
    matches = np.flatnonzero(problem.applicant_ids == applicant_id)
    if matches.size == 0:
        raise KeyError(f"no applicant '{applicant_id}' in this run")
    who = int(matches[0])
    row = result.assignments.iloc[who]
    outcome = school_outcomes(problem, allocation)
    worst = outcome["worst_key"].to_numpy()
    lottery = lottery_numbers(problem.draws)
    start, stop = problem.arc_start[who], problem.arc_start[who + 1]
    held = allocation.assigned_arc[who] if allocation.placed_by[who] == PLACED_BY_MECHANISM else -1
    names = result.loaded.scenario.schools["name"].to_numpy(dtype=object)
    stage_numbers = problem.tier_numbers.get(str(problem.applicant_stage[who]))
    tiers = published_tiers(problem, problem.arc_tier[start:stop].astype(np.int64),
                            np.full(stop - start, problem.applicant_stage[who], dtype=object))
    choices = []
    for offset, arc in enumerate(range(start, stop)):
        school = int(problem.arc_school[arc])
        outcome_code = _outcome(problem, arc, held, worst[school], result, who)
        choices.append({
            "rank": offset + 1, "school_id": str(problem.school_ids[school]),
            "name": str(names[school]), "source": SOURCE_NAMES[problem.arc_source[arc]],
            "private": bool(problem.arc_private[arc]), "tier": int(tiers[offset]),
            "tier_name": problem.tier_names[problem.arc_tier[arc]],
            "outcome": outcome_code,
            "cutoff": _cutoff(problem, worst[school], lottery, stage_numbers),
            "decided_by": _decider(result, who, arc, int(worst[school]), stage_numbers)
            if outcome_code == "refused" else None,
        })
    placed_name = str(names[allocation.assigned_school[who]]) if allocation.assigned_school[
        who] >= 0 else ""
    return {"applicant_id": applicant_id, "status": row["status"], "school_id": row["school_id"],
            "school_name": placed_name, "tie_breaks": list(result.loaded.policy.tie_breaks),
            "reason": row["reason"], "lottery": row["lottery"], "draw": row["lottery_draw"],
            "seed": result.loaded.seed, "swept": row["reason_code"] == "sweep",
            "group_size": int((problem.applicant_group == problem.applicant_group[who]).sum())
            if problem.applicant_group[who] >= 0 else 1, "choices": choices,
            "tier_labels": {tier.name: {"zh": tier.label_zh or tier.name,
                                        "en": tier.label_en or tier.name}
                            for tier in result.loaded.policy.tiers}}


def _decider(result: RunResult, who: int, arc: int, worst_key: int,
             stage_numbers: np.ndarray | None) -> dict[str, Any] | None:
    """The key that put the child behind the school's cut-off (see :mod:`deciding`)."""
    policy = result.loaded.policy
    return deciding_key(result.problem, result.loaded.scenario.applicants,
                        tuple(policy.tie_breaks), policy.kind == "explicit", who,
                        int(result.problem.arc_priority[arc]), worst_key, stage_numbers)


def _outcome(problem, arc, held, worst_key, result, who) -> str:
    if held >= 0 and arc == held:
        return "admitted"
    if held >= 0 and arc > held:
        return "not_reached"
    if problem.school_capacity[problem.arc_school[arc]] == 0:
        return "no_seats"
    if worst_key >= 0 and problem.arc_priority[arc] < worst_key:
        return "refused_group"
    return "refused"


def _cutoff(problem, worst_key, lottery, stage_numbers) -> dict[str, Any] | None:
    if worst_key < 0:
        return None
    tier = int((worst_key >> TIER_SHIFT) & 0xFF)
    number = int(stage_numbers[tier]) if stage_numbers is not None else tier
    holder = cutoff_holder(problem, worst_key)
    return {"tier": number, "tier_name": problem.tier_names[tier],
            "lottery": f"{lottery[holder]:.4f}"}


def render_story(story: dict[str, Any], lang: str = "zh") -> str:
    """The story as text lines in ``lang`` ('zh' or 'en').

    In Chinese every word is Chinese: tier names by the policy's labels, list
    sources, tie-break keys and the reason sentence (:mod:`allocator.model.vocabulary`).
    """
    text = TEXT[lang]
    labels = {name: label[lang] for name, label in story.get("tier_labels", {}).items()}

    def tier_name(name: str) -> str:
        return name if lang == "en" else labels.get(name) or value_label(name, lang)

    status = STATUS[lang][story["status"]]
    if story["school_id"]:
        status += ", " + text["placed"].format(school=story["school_id"],
                                               name=story["school_name"])
    lines = [text["title"].format(id=story["applicant_id"], status=status),
             text["lottery"].format(lottery=story["lottery"], draw=story["draw"],
                                    seed=story["seed"]),
             text["reason"].format(reason=reason_text(story["reason"], lang, labels))]
    if story["status"] == "excluded":
        return "\n".join(lines)
    chain = [key if lang == "en" else KEYS[lang].get(key, key) for key in story["tie_breaks"]]
    lines.append(text["ties"].format(chain=", ".join(chain)))
    lines.append(text["list"])
    own_lottery = story["lottery"][:6]
    for choice in story["choices"]:
        cutoff = choice["cutoff"] or {"tier": "-", "tier_name": "-", "lottery": "-"}
        outcome = text[choice["outcome"]].format(
            cut_tier=cutoff["tier"], cut_name=tier_name(cutoff["tier_name"]),
            cut_lottery=cutoff["lottery"], tier=choice["tier"], lottery=own_lottery,
            size=story["group_size"])
        source = (choice["source"] if lang == "en" else value_label(choice["source"], lang)) + (
            text["private"] if choice["private"] else "")
        lines.append(text["row"].format(rank=choice["rank"], school=choice["school_id"],
                                        name=choice["name"], source=source,
                                        tier=choice["tier"],
                                        tier_name=tier_name(choice["tier_name"]),
                                        outcome=outcome))
        decided = choice.get("decided_by")
        if decided:
            words = KEYS[lang]
            lines.append(text["decided"].format(
                key=words[decided["key"]], yours=decided["yours"], cutoff=decided["cutoff"],
                better=words[decided["better"]]))
    if story["swept"]:
        lines.append(text["swept"].format(school=story["school_id"]))
    return "\n".join(lines)

