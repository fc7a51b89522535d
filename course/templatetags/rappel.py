"""Small display filters shared by the report templates, and a tag for forms in lists."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaulttags import CsrfTokenNode

register = template.Library()


@register.simple_tag(takes_context=True)
def csrf_input(context) -> str:
    """The hidden input `{% csrf_token %}` renders, made once for the forms of a long list:
    `{% csrf_input as csrf %}` before the loop, `{{ csrf }}` in each form."""
    return CsrfTokenNode().render(context)


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
