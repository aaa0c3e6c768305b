"""The JSON the page reads: the current plan against the base, in the chosen language."""

from __future__ import annotations

from typing import Any

from allocator.model.vocabulary import column_label
from allocator.reports.labels import text, words
from allocator.reports.writer import tier_labels
from allocator.workbench import figures
from allocator.workbench.state import Workbench


def state_payload(workbench: Workbench, lang: str) -> dict[str, Any]:
    """Everything the page shows, for ``lang`` (``zh`` or ``en``)."""
    solved = workbench.current
    result, base = solved.result, workbench.engine.base
    current_figures = figures.headline(result.summary)
    base_figures = figures.headline(base.summary)
    schools = figures.school_rows(result, base)
    policy = result.loaded.policy
    counties = sorted({str(county) for county in result.loaded.scenario.schools["county"]})
    return {
        "lang": lang,
        "words": words(lang),
        "tiers": {**{tier.name: (tier.label_zh if lang == "zh" else tier.label_en) or tier.name
                     for tier in result.loaded.policy.ladder()},
                  **tier_labels(result, lang), "sweep": text("sweep", lang)},
        "scenario": {"name": result.summary["scenario"].split(":")[0],
                     "policy": result.summary["policy"],
                     "mechanism": result.summary["mechanism"], "seed": result.summary["seed"],
                     "applicants": current_figures["applicants"]},
        "figures": current_figures,
        "base": base_figures,
        "change": figures.changes(current_figures, base_figures),
        "schools": schools,
        "closed": figures.closed_schools(result, base),
        "zones": zone_servers(schools),
        "edits": [edit_text(edit, lang, schools) for edit in workbench.edits],
        "kept": list(workbench.kept),
        "proposal": proposal_payload(workbench, lang),
        "can_undo": bool(workbench.edits), "can_redo": bool(workbench.undone),
        "solve": {"seconds": round(solved.seconds, 3), "warm": solved.warm},
        "policy": {"counties": counties, "class_size": dict(policy.class_size),
                   "inflow_counties": list(policy.migrants.inflow_counties),
                   "older_sibling": policy.siblings.older_sibling},
    }


def proposal_payload(workbench: Workbench, lang: str) -> dict[str, Any] | None:
    """The loaded zoning proposal: every move with its status, and the table's labels."""
    proposal = workbench.proposal
    if proposal is None:
        return None
    pending = {move.zone for move in workbench.pending_moves()}
    moves = []
    for move in proposal.moves:
        status = ("rejected" if move.zone in workbench.rejected else
                  "pending" if move.zone in pending else "accepted")
        moves.append({"zone": move.zone, "from": list(move.from_schools),
                      "to": list(move.to_schools), "children": move.children,
                      "distance_change_km": move.distance_change_km,
                      "lat": move.lat, "lon": move.lon, "status": status})
    counts = {status: sum(move["status"] == status for move in moves)
              for status in ("pending", "accepted", "rejected")}
    return {"name": proposal.name, "source": proposal.source, "moves": moves,
            "counts": counts,
            "columns": {key: column_label(key, lang) for key in
                        ("zone", "children", "distance_km_change")}}


def zone_servers(schools: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Zone id -> the schools serving it now."""
    servers: dict[str, list[str]] = {}
    for school in schools:
        for zone in school["zones"]:
            servers.setdefault(zone.split("@")[0], []).append(school["school_id"])
    return dict(sorted(servers.items()))


def edit_text(edit: dict[str, Any], lang: str, schools: list[dict[str, Any]]) -> str:
    """One edit in words, for the list of edits."""
    names = {row["school_id"]: f"{row['school_id']} {row['name']}".strip() for row in schools}
    kind = edit["kind"]
    school = names.get(str(edit.get("school", "")), str(edit.get("school", "")))
    template = text(f"edit_{kind}", lang)
    if kind in ("classes", "seats", "plan"):
        return template.format(school=school, n=int(edit[{"classes": "classes", "seats": "seats",
                                                          "plan": "plan"}[kind]]))
    if kind == "zone":
        served = edit.get("serve") or edit.get("split") or []
        return template.format(zone=edit["zone"], schools=", ".join(
            names.get(s, s) for s in served))
    if kind == "new_school":
        return template.format(school=school, n=int(edit["capacity"]))
    if kind == "policy":
        return template.format(key=edit["key"], value=edit["value"])
    return template.format(school=school)
