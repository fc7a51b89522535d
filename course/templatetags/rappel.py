"""Small display filters shared by the templates: values formatted for people, nothing that
builds markup (the templates do that)."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pct(value) -> str:
    """A fraction 0..1 as a whole percentage: 0.834 -> '83 %'; None -> '—'."""
    if value is None or value == "":
        return "—"
    return f"{round(float(value) * 100)} %"


@register.filter
def minutes(value: dt.timedelta | None) -> str:
    if not value:
        return "—"
    total = round(value.total_seconds() / 60)
    return f"{total} min" if total < 60 else f"{total // 60} h {total % 60:02d}"
