"""The range of dates a person may type: 1 January 2000 to 31 December 2100.

A datetime widget accepts `0001-01-01T00:00`; in Paris that is 23:50:39 on 31 December of year 0
in UTC, which PostgreSQL stores as a BC timestamp that Python cannot read back (every page
showing the row, and `backup`, then failed) and SQLite refuses with OverflowError. Every date or
datetime typed in a form, in the admin or set on a model is checked against this range first:
the validators below go on the model fields (so the admin and `full_clean` apply them) and on
the plain forms' fields.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")
RANGE_HELP = _("Between %(earliest)s and %(latest)s.")


def _bounds() -> dict[str, str]:
    return {
        "earliest": formats.date_format(EARLIEST, "SHORT_DATE_FORMAT"),
        "latest": formats.date_format(LATEST, "SHORT_DATE_FORMAT"),
    }


def range_help() -> str:
    """The help text that says the range, in the active language and format."""
    return str(RANGE_HELP % _bounds())


#: `range_help()` said when it is shown, in the language then active: a form field's help_text.
RANGE_HELP_TEXT = lazy(range_help, str)()


def in_range(value: dt.date | dt.datetime) -> bool:
    """Whether a typed date (or datetime, read in its own or the current time zone) is in range."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value) and dt.MINYEAR < value.year < dt.MAXYEAR:  # converting cannot overflow
            value = timezone.localtime(value)
        value = value.date()
    return EARLIEST <= value <= LATEST


def validate_typed_date(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date or datetime outside EARLIEST..LATEST, saying the range."""
    if value is not None and not in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range", params=_bounds())
