"""The bar charts' geometry: labels never collide, values print only when they fit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from review.charts import DAY_STEPS, LABEL_GAP, bar_chart, bar_geometry, day_chart, label_step, text_width


def day_bars(count: int, value=3) -> list[tuple[str, float]]:
    first = dt.date(2026, 11, 8)
    return [((first + dt.timedelta(days=i)).strftime("%d/%m"), value) for i in range(count)]


def labelled_centres(chart) -> list[float]:
    return [bar.centre for bar in chart.bars if bar.labelled]


@pytest.mark.parametrize("count", [1, 2, 7, 14, 30, 31, 60, 90, 365])
@pytest.mark.parametrize("width", [320, 640, 1200])
def test_printed_labels_are_at_least_a_label_width_apart(count, width):
    bars = day_bars(count)
    chart = bar_geometry(bars, title="t", width=width, label_steps=DAY_STEPS)
    centres = labelled_centres(chart)
    widest = max(text_width(label) for label, _v in bars)
    assert centres, "at least one label is printed"
    assert all(b - a >= widest + LABEL_GAP for a, b in zip(centres, centres[1:], strict=False))
    # and every printed label stays inside the chart
    assert centres[0] - widest / 2 >= 0 and centres[-1] + widest / 2 <= width


def test_a_30_day_chart_is_labelled_weekly_from_its_last_day():
    chart = bar_geometry(day_bars(30), title="t", label_steps=DAY_STEPS)
    assert chart.step == 7
    assert [i for i, bar in enumerate(chart.bars) if bar.labelled] == [1, 8, 15, 22, 29]


def test_a_14_day_chart_labels_every_day_when_there_is_room():
    chart = bar_geometry(day_bars(14), title="t", label_steps=DAY_STEPS)
    assert chart.step == 1 and all(bar.labelled for bar in chart.bars)


def test_label_step_takes_the_smallest_step_that_fits():
    # 5-character labels need 5 * 11 * 0.62 + 8 = 42.1 px
    assert label_step(labels=["07/12"], slot=43) == 1
    assert label_step(labels=["07/12"], slot=42) == 2
    assert label_step(labels=["07/12"], slot=20, steps=DAY_STEPS) == 7
    assert label_step(labels=["07/12"] * 3, slot=1, steps=(1, 2)) == 3  # none fits: one label


def test_values_are_printed_only_when_every_one_fits_its_slot():
    assert bar_geometry(day_bars(30, value=9), title="t").show_values
    assert not bar_geometry(day_bars(30, value=12345), title="t").show_values
    assert bar_geometry(day_bars(7, value=12345), title="t").show_values


def test_every_bar_has_a_tooltip_with_its_full_label_and_value():
    chart = bar_geometry([("a", 2), ("b", 0.5)], title="t", long_labels=["alpha", "beta"], unit=" %")
    assert [bar.tooltip for bar in chart.bars] == ["alpha : 2 %", "beta : 0,5 %"]


def test_bars_stand_on_the_baseline_and_the_tallest_reaches_the_peak_line():
    chart = bar_geometry([("a", 1), ("b", 4), ("c", 0)], title="t")
    assert [round(bar.y + bar.height, 1) for bar in chart.bars] == [chart.baseline_y] * 3
    assert chart.bars[1].y == chart.peak_y and chart.bars[2].height == 0
    assert chart.peak == 4


def test_an_empty_chart_lays_out_nothing():
    chart = bar_geometry([], title="t")
    assert chart.bars == [] and chart.peak == 0


def test_the_chart_prints_no_zeros_and_says_when_there_is_nothing():
    html = str(bar_chart([("a", 0), ("b", 3)], title="t"))
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', html) == ["3"]
    assert "Rien sur cette période." not in html
    assert "Rien sur cette période." in str(bar_chart([("a", 0), ("b", 0)], title="t"))


def test_the_table_gives_every_value_and_the_svg_points_to_it():
    days = [(dt.date(2026, 12, 7), 2), (dt.date(2026, 12, 8), 0)]
    html = str(day_chart(days, title="t", value_heading="v"))
    table_id = re.search(r'aria-describedby="([^"]+)"', html).group(1)
    assert f'<table class="table" id="{table_id}">' in html
    assert re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', html) == [
        ("lundi 7 décembre", "2"),
        ("mardi 8 décembre", "0"),
    ]
    assert "<title>lundi 7 décembre : 2</title>" in html
