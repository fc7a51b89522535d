"""Small server-rendered SVG charts, readable without JavaScript and without colour.

The geometry (where each bar goes, how tall it is, which labels fit) is worked out here as plain
data by a pure function; the markup is templates/review/bar_chart.html. The chart has a title,
a scale (a baseline and a line at the peak, labelled), each bar a tooltip (`<title>`) with its
label and value, and under the chart a table of every value, so a screen reader, a keyboard user
or a monochrome print loses nothing.

Labels never collide: a label's width is estimated from its length (`LABEL_CHAR_WIDTH` per
character, generous for the sans-serif digits we print), and only every `step`-th bar is labelled,
the step being the smallest of `label_steps` that leaves at least a label's width and a gap
between two labelled bars. Day charts pass steps of 1, 7, 14… so a 30-day chart is labelled
weekly, counted back from its last day (today stays labelled). Values are printed above the
bars only when every one fits in its slot; otherwise the tooltips and the table give them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

TOP, BOTTOM, LEFT, RIGHT = 22, 26, 30, 4  # room for values above, labels below, the scale left
VALUE_GAP, LABEL_BASELINE = 5, 8  # the value's distance above its bar; the labels' above the bottom
LABEL_FONT, VALUE_FONT = 11, 12  # px, as in static/css/app.css (.chart .label, .chart text)
CHAR_WIDTH = 0.62  # an estimate of a character's advance, in ems (digits and "/" are narrower)
LABEL_GAP = 8  # the least space between two labels
DAY_STEPS = (1, 7, 14, 28, 56, 91, 182, 364)
DEFAULT_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500)


def text_width(text: str, *, font: float = LABEL_FONT) -> float:
    """An upper estimate of a text's width in px at this font size."""
    return len(text) * font * CHAR_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    long_label: str  # the label in full (a day's date with its weekday), for tooltip and table
    tooltip: str
    x: float  # left edge
    y: float  # top edge
    width: float
    height: float
    centre: float  # where the value and the label are centred
    value_y: float  # the value's baseline, just above the bar
    labelled: bool  # whether its label is printed under the axis


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    width: int
    height: int
    label_y: int  # the labels' baseline
    baseline_y: float
    peak_y: float
    peak: float
    plot_left: float
    plot_right: float
    step: int  # every step-th bar is labelled
    show_values: bool
    bars: list[Bar]


def label_step(*, labels: Sequence[str], slot: float, steps: Sequence[int] = DEFAULT_STEPS) -> int:
    """The smallest step in `steps` such that labels `step` slots apart do not touch."""
    widest = max((text_width(label) for label in labels), default=0)
    needed = (widest + LABEL_GAP) / slot if slot > 0 else math.inf
    for step in steps:
        if step >= needed:
            return step
    return max(len(labels), 1)


def bar_geometry(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 180,
    unit: str = "",
    long_labels: Sequence[str] | None = None,
    label_steps: Sequence[int] = DEFAULT_STEPS,
) -> BarChart:
    """Lay out a vertical bar chart in a `width` x `height` box: one (label, value) per bar, the
    tallest bar filling the plot's height. Coordinates are rounded to a tenth of a unit."""
    count = max(1, len(bars))
    plot_height = height - TOP - BOTTOM
    labels = [label for label, _value in bars]
    widest = max((text_width(label) for label in labels), default=0)
    # The last bar (today) is always labelled: leave room for half its label on the right.
    plot_left, plot_right = LEFT, width - max(RIGHT, math.ceil(widest / 2))
    slot = (plot_right - plot_left) / count
    bar_width = max(2.0, slot * 0.7)
    peak = max((value for _label, value in bars), default=0)
    scale = peak or 1
    step = label_step(labels=labels, slot=slot, steps=label_steps)
    values = [_value_text(value) for _label, value in bars]
    show_values = all(text_width(text, font=VALUE_FONT) <= slot - 1 for text in values)
    last = len(bars) - 1
    laid_out = []
    for index, (label, value) in enumerate(bars):
        bar_height = plot_height * value / scale
        x = plot_left + index * slot + (slot - bar_width) / 2
        y = TOP + plot_height - bar_height
        long_label = long_labels[index] if long_labels else label
        tooltip = _("%(label)s: %(value)s") % {"label": long_label, "value": values[index] + unit}
        laid_out.append(
            Bar(
                label=label,
                value=value,
                long_label=long_label,
                tooltip=tooltip,
                x=round(x, 1),
                y=round(y, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                centre=round(x + bar_width / 2, 1),
                value_y=round(y - VALUE_GAP, 1),
                labelled=(last - index) % step == 0,
            )
        )
    return BarChart(
        title=title,
        unit=unit,
        width=width,
        height=height,
        label_y=height - LABEL_BASELINE,
        baseline_y=TOP + plot_height,
        peak_y=TOP,
        peak=peak,
        plot_left=plot_left,
        plot_right=plot_right,
        step=step,
        show_values=show_values,
        bars=laid_out,
    )


def _value_text(value: float) -> str:
    return number_format(round(value, 1), decimal_pos=None) if isinstance(value, float) else str(value)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 180,
    unit: str = "",
    long_labels: Sequence[str] | None = None,
    label_steps: Sequence[int] = DEFAULT_STEPS,
    label_heading: str = "",
    value_heading: str = "",
) -> SafeString:
    """A vertical bar chart as SVG, with a table of its values for screen readers."""
    chart = bar_geometry(
        bars,
        title=title,
        width=width,
        height=height,
        unit=unit,
        long_labels=long_labels,
        label_steps=label_steps,
    )
    return render_to_string(
        "review/bar_chart.html",
        {"chart": chart, "label_heading": label_heading, "value_heading": value_heading},
    )


def day_chart(
    days: Sequence[tuple[object, float]], *, title: str, value_heading: str, unit: str = ""
) -> SafeString:
    """A bar per day (date, value), labelled dd/mm every week, each tooltip the full date."""
    return bar_chart(
        [(day.strftime("%d/%m"), value) for day, value in days],
        title=title,
        unit=unit,
        long_labels=[date_format(day, "l j F") for day, _value in days],
        label_steps=DAY_STEPS,
        label_heading=_("Day"),
        value_heading=value_heading,
    )
