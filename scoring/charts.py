"""Charts drawn on the server as SVG, for the PDF bulletins (WeasyPrint runs no JavaScript, so the
ECharts of the pages cannot appear there). Plain SVG markup, every label escaped."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOURS = ("#2f6fb0", "#a9c4e2")
FONT = 'font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"'


def grade_bars_svg(*, grades: list[dict], labels: tuple[str, str]) -> SafeString:
    """Halls per grade, this month beside last month: ``grades`` as from the bulletin's content."""
    width, height, left, bottom, top = 420, 180, 30, 24, 20
    peak = max([g["count"] for g in grades] + [g["previous"] or 0 for g in grades] + [1])
    slot = (width - left) / len(grades)
    bar = slot / 3
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="11">']
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#666"/>')
    for i, g in enumerate(grades):
        x0 = left + i * slot + bar / 2
        for j, value in enumerate((g["count"], g["previous"])):
            if value is None:
                continue
            h = (height - bottom - top) * value / peak
            x = x0 + j * bar
            y = height - bottom - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{BAR_COLOURS[j]}"/>')
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{x0 + bar:.1f}" y="{height - 8}" text-anchor="middle">{escape(g["grade"])}</text>')
    for j, label in enumerate(labels):
        x = left + 10 + j * 90
        parts.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{BAR_COLOURS[j]}"/>')
        parts.append(f'<text x="{x + 14}" y="11">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built above from escaped labels and numbers


def _heat_colour(value: Decimal | None, peak: Decimal) -> str:
    """White for no loss to deep red for the largest loss in the map; grey where nothing was checked."""
    if value is None:
        return "#eeeeee"
    share = float(value / peak) if peak else 0.0
    green_blue = int(255 - 200 * share)
    return f"rgb(255,{green_blue},{green_blue})"


def heatmap_svg(*, heatmap: dict) -> SafeString:
    """The heat map of points lost: one row per level-2 indicator, one column per part of the scope."""
    columns, rows = heatmap["columns"], heatmap["rows"]
    if not columns or not rows:
        return mark_safe("")
    label_width, cell_w, cell_h, head = 110, max(28, min(60, 560 // len(columns))), 18, 90
    width = label_width + cell_w * len(columns)
    height = head + cell_h * len(rows)
    values = [v for row in rows for v in row["cells"] if v is not None]
    peak = max(values, default=Decimal(0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="9">']
    for j, name in enumerate(columns):
        x = label_width + j * cell_w + cell_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{head - 4}" transform="rotate(-45 {x:.1f} {head - 4})">{escape(name[:10])}</text>'
        )
    for i, row in enumerate(rows):
        y = head + i * cell_h
        parts.append(f'<text x="2" y="{y + 12}">{escape(row["name"][:12])}</text>')
        for j, value in enumerate(row["cells"]):
            x = label_width + j * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{_heat_colour(value, peak)}" '
                'stroke="#fff"/>'
            )
            if value is not None:
                parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + 12}" text-anchor="middle">{value:.0f}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built above from escaped labels and numbers


def trend_svg(*, trend: dict) -> SafeString:
    """The composite over the archive's months as a line (gaps where a month has no score)."""
    months, values = trend.get("months", []), trend.get("composite", [])
    if not any(v is not None for v in values):
        return mark_safe("")
    width, height, left, bottom, top = 520, 160, 34, 30, 12
    low = min(v for v in values if v is not None)
    floor = max(0.0, (int(low) // 10) * 10 - 10)
    span = 110 - floor if max(v for v in values if v is not None) > 100 else 100 - floor
    step = (width - left - 10) / max(1, len(months) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + (height - bottom - top) * (1 - (v - floor) / span)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" {FONT} font-size="9">']
    for tick in range(int(floor), int(floor + span) + 1, 10):
        _x, y = xy(0, tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{tick}</text>')
    segment: list[str] = []
    for i, (month, value) in enumerate(zip(months, values, strict=True)):
        x, _y = xy(i, floor)
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">{escape(month[2:])}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR_COLOURS[0]}"/>')
            segment = []
            continue
        x, y = xy(i, value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{BAR_COLOURS[0]}"/>')
    if len(segment) > 1:
        parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR_COLOURS[0]}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built above from escaped labels and numbers
