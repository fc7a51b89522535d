"""Small server-rendered SVG charts, readable without JavaScript and without colour.

The geometry (where each bar goes, how tall it is) is worked out here as plain data by a pure
function; the markup is templates/review/bar_chart.html. Each bar carries its value as text and
the chart has a title and a description, so a screen reader or a monochrome print loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

TOP, BOTTOM, LEFT = 22, 26, 4  # room for the values above the bars and the labels below them
VALUE_GAP, LABEL_BASELINE = 5, 8  # the value's distance above its bar; the labels' above the bottom


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float  # left edge
    y: float  # top edge
    width: float
    height: float
    centre: float  # where the value and the label are centred
    value_y: float  # the value's baseline, just above the bar


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    width: int
    height: int
    label_y: int  # the labels' baseline
    bars: list[Bar]


def bar_geometry(
    bars: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 180, unit: str = ""
) -> BarChart:
    """Lay out a vertical bar chart in a `width` x `height` box: one (label, value) per bar, the
    tallest bar filling the plot's height. Coordinates are rounded to a tenth of a unit."""
    count = max(1, len(bars))
    plot_height = height - TOP - BOTTOM
    slot = (width - LEFT) / count
    bar_width = max(4.0, slot * 0.7)
    peak = max((value for _, value in bars), default=0) or 1
    laid_out = []
    for index, (label, value) in enumerate(bars):
        bar_height = plot_height * value / peak
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = TOP + plot_height - bar_height
        laid_out.append(
            Bar(
                label=label,
                value=value,
                x=round(x, 1),
                y=round(y, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                centre=round(x + bar_width / 2, 1),
                value_y=round(y - VALUE_GAP, 1),
            )
        )
    return BarChart(
        title=title, unit=unit, width=width, height=height, label_y=height - LABEL_BASELINE, bars=laid_out
    )


def bar_chart(
    bars: Sequence[tuple[str, float]], *, title: str, width: int = 640, height: int = 180, unit: str = ""
) -> SafeString:
    """A vertical bar chart as SVG: one (label, value) per bar, the value printed above each bar."""
    chart = bar_geometry(bars, title=title, width=width, height=height, unit=unit)
    return render_to_string("review/bar_chart.html", {"chart": chart})
