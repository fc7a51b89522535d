"""Small display filters shared by the templates: values formatted for people, nothing that
builds markup (the templates do that)."""

from __future__ import annotations

import datetime as dt
import html

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

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


@register.filter
def excerpt(value: str, length: int = 90) -> str:
    """Stored HTML (a question's prompt) as a line of plain text, cut to `length` characters:
    how lists name a question. Plain text, escaped again by the template like any other."""
    text = " ".join(html.unescape(strip_tags(value or "")).split())
    return Truncator(text).chars(int(length))
