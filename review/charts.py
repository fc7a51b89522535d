"""Small server-rendered SVG charts, readable without JavaScript and without colour.

Each bar carries its value as text and the chart has a title and a description, so a screen
reader or a monochrome print loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    bars: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 180, unit: str = ""
) -> SafeString:
    """A vertical bar chart: one (label, value) per bar, the value printed above each bar."""
    count = max(1, len(bars))
    top, bottom, left = 22, 26, 4
    plot_height = height - top - bottom
    slot = (width - left) / count
    bar_width = max(4.0, slot * 0.7)
    peak = max((value for _, value in bars), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title>',
        f"<desc>{escape(', '.join(f'{label}: {value:g}{unit}' for label, value in bars))}</desc>",
    ]
    for index, (label, value) in enumerate(bars):
        bar_height = plot_height * value / peak
        x = left + index * slot + (slot - bar_width) / 2
        y = top + plot_height - bar_height
        centre = x + bar_width / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{bar_height:.1f}" rx="2"/>'
            f'<text class="value" x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle">{value:g}</text>'
            f'<text class="label" x="{centre:.1f}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text part above is escaped
