"""Small display filters shared by the report templates, a tag for forms in lists and the
language switcher's buttons."""

from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag(takes_context=True)
def csrf_input(context) -> str:
    """The hidden input `{% csrf_token %}` renders, made once for the forms of a long list:
    `{% csrf_input as csrf %}` before the loop, `{{ csrf }}` in each form."""
    return CsrfTokenNode().render(context)


_LANGUAGE_BUTTON = """
          <button type="submit" name="language" value="{}" class="link{}"
                  lang="{}" {}>{}</button>
        """


@register.simple_tag
def language_buttons() -> str:
    """The language switcher's buttons (base.html's form posting to set_language): one for each
    of LANGUAGES, the current language's marked. Made here, not in a template loop, because
    every page shows them: the loop's nodes took some 0.1 ms a page."""
    current = get_language()
    return mark_safe("\n        " + "".join(  # noqa: S308 - format_html escapes the values
        format_html(_LANGUAGE_BUTTON, code, " current" if code == current else "", code,
                    mark_safe('aria-current="true"') if code == current else "", code.upper())
        for code, _name in settings.LANGUAGES
    ))


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
