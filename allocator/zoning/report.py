"""``report.html`` of a zoning folder: a map per county and stage, figures and tables.

The map is inline SVG (no network, no script): communities as dots sized by their
children and coloured by their proposed school (grey: multi-school), a black ring on each
moved community, neighbour pairs as faint lines and schools as squares.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from allocator.model.geometry import local_km
from allocator.zoning.design import InstancePlans, ZoningResult

LABELS = {
    "zh": {"title": "划片方案", "figures": "方案对比", "moved": "调整的社区",
           "demand": "各校片区需求与招生计划", "checks": "保证检查", "map": "地图"},
    "en": {"title": "Catchment proposal", "figures": "Plans compared",
           "moved": "Moved communities", "demand": "Catchment demand against plan",
           "checks": "Guarantees", "map": "Map"},
}
SIZE = 640
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd")


def report_page(result: ZoningResult, summary: dict, lang: str = "zh") -> str:
    """The whole page as text."""
    labels = LABELS.get(lang, LABELS["en"])
    from allocator.zoning.outputs import demand_table, moved_table

    figures = pd.DataFrame(summary["projected"]).T
    for name, engine in summary["engine"].items():
        for key in ("placed", "outside_catchment", "distance_km_mean"):
            figures.loc[name, f"engine_{key}"] = engine[key]
    checks = pd.DataFrame(summary["verification"]["checks"])
    parts = [f"<h1>{html.escape(labels['title'])}: {html.escape(summary['scenario'])}</h1>",
             f"<h2>{labels['figures']}</h2>", figures.to_html(),
             f"<h2>{labels['checks']}</h2>", checks.to_html(index=False),
             f"<h2>{labels['map']}</h2>"]
    parts.extend(_map(result, plans) for plans in result.plans)
    parts += [f"<h2>{labels['moved']}</h2>", moved_table(result).to_html(index=False),
              f"<h2>{labels['demand']}</h2>", demand_table(result).to_html(index=False)]
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}")
    return (f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<title>{labels['title']}</title><style>{style}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _map(result: ZoningResult, plans: InstancePlans) -> str:
    instance, communities = plans.instance, result.communities
    members = instance.communities
    schools = result.loaded.scenario.schools
    school_lat = schools["lat"].to_numpy(dtype=float)[instance.school_positions]
    school_lon = schools["lon"].to_numpy(dtype=float)[instance.school_positions]
    lat = np.r_[communities.lat[members], np.nan_to_num(school_lat, nan=communities.lat[
        members].mean())]
    lon = np.r_[communities.lon[members], np.nan_to_num(school_lon, nan=communities.lon[
        members].mean())]
    xy = local_km(lat, lon)
    low, span = xy.min(axis=0), max(float(np.ptp(xy, axis=0).max()), 1e-6)

    def point(x: float, y: float) -> tuple[float, float]:
        return (20 + (x - low[0]) / span * (SIZE - 40),
                SIZE - 20 - (y - low[1]) / span * (SIZE - 40))

    screen = [point(x, y) for x, y in xy]
    out = [f'<h3>{html.escape(instance.county)} · {html.escape(instance.stage)}</h3>',
           f'<svg data-testid="zoning-map" width="{SIZE}" height="{SIZE}" '
           f'viewBox="0 0 {SIZE} {SIZE}" xmlns="http://www.w3.org/2000/svg">']
    for a, b in instance.edges:
        (x1, y1), (x2, y2) = screen[a], screen[b]
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   'stroke="#ddd"/>')
    scale = 4.0 / max(np.sqrt(max(int(instance.children.max(initial=0)), 1)), 1.0)
    for community, school in enumerate(plans.proposed):
        colour = "#888" if school < 0 else PALETTE[int(school) % len(PALETTE)]
        moved = school >= 0 and instance.current[community] >= 0 and (
            school != instance.current[community])
        x, y = screen[community]
        radius = 2.5 + scale * np.sqrt(instance.children[community])
        title = (f"{plans.zone_ids[community]}: {instance.children[community]} · "
                 + ("multi" if school < 0 else str(instance.school_ids[school])))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" '
                   f'stroke="{"#000" if moved else "none"}" stroke-width="2" '
                   f'data-zone-id="{html.escape(str(plans.zone_ids[community]))}">'
                   f'<title>{html.escape(title)}</title></circle>')
    for school in range(instance.school_count):
        x, y = screen[instance.community_count + school]
        out.append(f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                   f'fill="{PALETTE[school % len(PALETTE)]}" stroke="#000" '
                   f'data-school-id="{html.escape(str(instance.school_ids[school]))}">'
                   f'<title>{html.escape(str(instance.school_ids[school]))}</title></rect>')
    out.append("</svg>")
    return "\n".join(out)
