"""``allocator explain`` for a later round: why a child moved, or why it still waits.

A moved child's family learns which seat opened (given up by a family that
declined, added to the plan, or still free) and the moves before its own in
the vacancy chain; a waiting or unplaced child's family learns its place on
the waiting list of every school it ranks above its outcome: how many
children ahead of it still wait for that school. Other applicants are never
named.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.model.vocabulary import reason_text
from allocator.pipeline.after import LaterRoundResult
from allocator.verify.checks import preferred_arcs

TEXT = {
    "en": {
        "title": "Applicant {id}, round {round}: {status}",
        "previous": "held before this round: {school}; response: {response}",
        "late": "late applicant (applied after the first round)",
        "reason": "reason: {reason}",
        "declined": "gave up its seat or its application: it takes no part in this round",
        "declined_root": "a seat at {school} was given up by a family that declined",
        "added_root": "a seat was added to the plan of {school}",
        "free_root": "a seat of {school} was still free",
        "chain": "how the seat opened: {root}",
        "step": "  move {step}: a child moved from {source} to {target}, freeing its seat",
        "yours": "  move {step} (this child): {source} -> {target}",
        "waiting": "waiting lists of the schools ranked above its outcome:",
        "waiting_row": "  {school}: {ahead} ahead of it on the waiting list ({seats} seats)",
        "no_wait": "waits for no school (accepted its seat, or its first choice)",
        "newly": "newly placed: {school}",
    },
    "zh": {
        "title": "申请号 {id},第{round}轮:{status}",
        "previous": "本轮前所占学位:{school};答复:{response}",
        "late": "补报名(第一轮之后报名)",
        "reason": "说明:{reason}",
        "declined": "已放弃学位或申请,不参与本轮",
        "declined_root": "{school} 有家庭放弃学位,空出一个学位",
        "added_root": "{school} 增加了招生计划",
        "free_root": "{school} 仍有空余学位",
        "chain": "学位来源:{root}",
        "step": "  第{step}步:一名学生由 {source} 转入 {target},空出原学位",
        "yours": "  第{step}步(本人):{source} -> {target}",
        "waiting": "排在其结果之前的各校候补名单:",
        "waiting_row": "  {school}:候补名单中排在前面的有 {ahead} 人(学位 {seats} 个)",
        "no_wait": "无候补学校(已确认学位,或已录取第一志愿)",
        "newly": "新录取:{school}",
    },
}
STATUS = {"en": {"placed": "placed", "unplaced": "not placed", "excluded": "excluded",
                 "declined": "declined"},
          "zh": {"placed": "已录取", "unplaced": "未录取", "excluded": "不参与分配",
                 "declined": "已放弃"}}


def round_story(result: LaterRoundResult, applicant_id: str,
                moves: pd.DataFrame | None = None) -> dict[str, Any]:
    """Facts of one applicant's later round: previous seat, chain or waiting lists.

    Parameters
    ----------
    result : LaterRoundResult
        The later round (re-run from its run folder).
    applicant_id : str
        Application number.
    moves : DataFrame, optional
        ``moves.csv`` of the round (default: the result's own).
    """
    assert result.later is not None
    problem = result.later.problem
    matches = np.flatnonzero(problem.applicant_ids == applicant_id)
    if matches.size == 0:
        raise KeyError(f"no applicant '{applicant_id}' in this run")
    who = int(matches[0])
    row = result.assignments.iloc[who]
    moves = result.moves if moves is None else moves
    return {"applicant_id": applicant_id, "status": row["status"],
            "school_id": row["school_id"], "previous_school_id": row["previous_school_id"],
            "response": row["response"], "moved": row["moved"] == "true",
            "late": row["late"] == "true", "reason": row["reason"],
            "round": result.manifest.get("round", {}).get("number", 2),
            "chain": _chain(moves, applicant_id), "waiting": waiting_places(result, who),
            "tier_labels": {tier.name: {"zh": tier.label_zh or tier.name,
                                        "en": tier.label_en or tier.name}
                            for tier in result.loaded.policy.tiers}}


def _chain(moves: pd.DataFrame | None, applicant_id: str) -> dict[str, Any] | None:
    """The applicant's vacancy chain up to its own move (schools only, no names)."""
    if moves is None or moves.empty:
        return None
    own = moves.loc[moves["applicant_id"] == applicant_id]
    if own.empty:
        return None
    label, step = str(own["chain"].iloc[0]), int(own["step"].iloc[0])
    chain = moves.loc[(moves["chain"] == label) & (moves["step"] <= step)].sort_values("step")
    school, kind = label.split(":")[0], label.split(":")[1]
    return {"school_id": school, "kind": kind, "steps": [
        {"step": int(r.step), "from": r.from_school_id, "to": r.to_school_id,
         "own": r.applicant_id == applicant_id} for r in chain.itertuples()]}


def waiting_places(result: LaterRoundResult, who: int) -> list[dict[str, Any]]:
    """Per school the applicant ranks above its outcome: children ahead of it waiting there.

    A child waits for a school when it ranks that school above its outcome in
    this round; those ahead of it have a better priority key there.
    """
    assert result.later is not None
    problem = result.later.problem
    preferred = preferred_arcs(problem, result.allocation)
    start, stop = problem.arc_start[who], problem.arc_start[who + 1]
    own = [arc for arc in range(start, stop) if preferred[arc]]
    if not own:
        return []
    waiting = np.flatnonzero(preferred)
    school, key = problem.arc_school[waiting], problem.arc_priority[waiting]
    places = []
    for arc in own:
        at = int(problem.arc_school[arc])
        ahead = int(((school == at) & (key < problem.arc_priority[arc])).sum())
        places.append({"school_id": str(problem.school_ids[at]), "ahead": ahead,
                       "seats": int(problem.school_capacity[at])})
    return places


def render_round_story(story: dict[str, Any], lang: str = "zh") -> str:
    """The story as text lines in ``lang`` ('zh' or 'en')."""
    text = TEXT[lang]
    status = STATUS[lang].get(story["status"], story["status"])
    if story["school_id"]:
        status += f" {story['school_id']}"
    lines = [text["title"].format(id=story["applicant_id"], round=story["round"],
                                  status=status)]
    if story["previous_school_id"]:
        lines.append(text["previous"].format(school=story["previous_school_id"],
                                             response=story["response"] or "-"))
    if story["late"]:
        lines.append(text["late"])
    if story["status"] == "declined":
        lines.append(text["declined"])
        return "\n".join(lines)
    labels = {name: label[lang] for name, label in story.get("tier_labels", {}).items()}
    lines.append(text["reason"].format(reason=reason_text(story["reason"], lang, labels)))
    chain = story["chain"]
    if chain is not None:
        root = text.get(f"{chain['kind']}_root", text["free_root"]).format(
            school=chain["school_id"])
        lines.append(text["chain"].format(root=root))
        for step in chain["steps"]:
            template = text["yours"] if step["own"] else text["step"]
            lines.append(template.format(step=step["step"], source=step["from"] or "-",
                                         target=step["to"]))
    if story["status"] != "excluded":
        if story["waiting"]:
            lines.append(text["waiting"])
            lines += [text["waiting_row"].format(school=place["school_id"],
                                                 ahead=place["ahead"], seats=place["seats"])
                      for place in story["waiting"]]
        elif story["school_id"]:
            lines.append(text["no_wait"])
    return "\n".join(lines)
