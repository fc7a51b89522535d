"""Small display filters shared by the report templates, the language switcher's buttons and the
heatmap's cells."""

from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


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


@register.simple_tag
def heat_cells(cells, right_title: str, recall_title: str) -> SafeString:
    """The heatmap's cells of one student, as `<td>`s: share of right answers over predicted
    recall, shaded by level. Built here rather than in a template loop: the dense heatmap has
    about a thousand cells, and rendering each through template nodes was a third of the page."""
    right_title, recall_title = conditional_escape(right_title), conditional_escape(recall_title)
    return mark_safe("".join(
        f'\n      <td class="heat heat-{cell.level}"><span title="{right_title}">{pct(cell.share_correct)}</span>'
        f'<br><span title="{recall_title}">{pct(cell.recall)}</span></td>'
        for cell in cells
    ))


@register.filter
def minutes(value: dt.timedelta | None) -> str:
    if not value:
        return "—"
    total = round(value.total_seconds() / 60)
    return f"{total} min" if total < 60 else f"{total // 60} h {total % 60:02d}"
