"""Server-side SVG charts for the census: no JavaScript, printable, readable in any browser."""

import math
from html import escape

from flask_babel import gettext as _
from markupsafe import Markup

from webapp.departures.census import Census
from webapp.departures.models import FLOW_LABELS, FlowCategory

COLORS = {
    FlowCategory.CROSS_PROVINCE.value: "#c8102e",
    FlowCategory.IN_PROVINCE.value: "#e76f51",
    FlowCategory.IN_PREFECTURE.value: "#f4a261",
    FlowCategory.IN_COUNTY.value: "#2a9d8f",
    "unknown": "#9ca3af",
}


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> str:
    large = 1 if end - start > math.pi else 0
    x1, y1 = cx + r * math.sin(start), cy - r * math.cos(start)
    x2, y2 = cx + r * math.sin(end), cy - r * math.cos(end)
    return f"M{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f}"


def category_pie(census: Census) -> Markup:
    """A donut of the flow categories, unknown whereabouts included."""
    slices = [(k, FLOW_LABELS[FlowCategory(k)], v) for k, v in census.categories.items()]
    slices.append(("unknown", _("去向不明"), census.unknown))
    total = sum(v for *_, v in slices)
    title, empty, mobile = _("流动去向构成"), _("暂无流动党员"), _("流动党员")
    parts = [f'<svg viewBox="0 0 360 200" role="img" aria-label="{title}" class="chart">']
    if total == 0:
        parts.append(f'<text x="180" y="100" text-anchor="middle" fill="#6b7280">{empty}</text>')
    angle = 0.0
    for key, _label, value in slices:
        if not value:
            continue
        sweep = 2 * math.pi * value / total
        end = angle + min(sweep, 2 * math.pi - 1e-4)
        parts.append(
            f'<path d="{_arc(100, 100, 70, angle, end)}" fill="none" '
            f'stroke="{COLORS[key]}" stroke-width="34"/>'
        )
        angle += sweep
    if total:
        parts.append(
            f'<text x="100" y="96" text-anchor="middle" font-size="22" font-weight="700">{total}</text>'
            f'<text x="100" y="118" text-anchor="middle" font-size="12" fill="#6b7280">{mobile}</text>'
        )
    for i, (key, label, value) in enumerate(slices):
        y = 34 + i * 30
        share = census.share(value)
        parts.append(
            f'<rect x="200" y="{y - 11}" width="14" height="14" rx="3" fill="{COLORS[key]}"/>'
            f'<text x="220" y="{y}" font-size="13">{escape(label)} {value}（{share}%）</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def destination_bars(census: Census) -> Markup:
    """Horizontal bars of the top destinations (prefectures)."""
    rows = census.destinations
    height = max(60, 28 * len(rows) + 10)
    title, empty = _("主要流向"), _("暂无去向数据")
    parts = [f'<svg viewBox="0 0 360 {height}" role="img" aria-label="{title}" class="chart">']
    if not rows:
        parts.append(f'<text x="180" y="34" text-anchor="middle" fill="#6b7280">{empty}</text>')
    top = max((c for _, c in rows), default=1)
    for i, (name, count) in enumerate(rows):
        y = 8 + i * 28
        width = 190 * count / top
        parts.append(
            f'<text x="118" y="{y + 15}" text-anchor="end" font-size="12">{escape(name[-9:])}</text>'
            f'<rect x="124" y="{y + 2}" width="{width:.1f}" height="18" rx="3" fill="#c8102e" opacity=".85"/>'
            f'<text x="{128 + width:.1f}" y="{y + 15}" font-size="12">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
