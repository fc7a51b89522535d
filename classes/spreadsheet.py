"""CSV downloads in two dialects: a plain one for programs, and one that French Excel opens right.

Both are UTF-8 with a byte-order mark (Excel otherwise guesses a legacy code page and breaks
accents), and their headers are in the reader's language.

- plain (`?format=csv`): comma separator, dot decimals, ISO 8601 dates in local time, to the
  second;
- French Excel (`?format=csv&dialect=excel-fr`; the older `sep=semicolon` asks for it too):
  `;` separator, decimal commas, dates as `dd/mm/yyyy hh:mm` in local time, and its own file
  name (`…-excel-fr.csv`) so the two downloads never overwrite each other. French Excel reads a
  dot decimal or an ISO timestamp as text; this dialect gives it numbers and dates.

Views hand over raw values (numbers, booleans, dates, `None`); the dialect formats them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

BOM = "\ufeff"
#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str
    datetime_format: str | None  # None: ISO 8601 to the second
    date_format: str | None
    suffix: str  # added to the file name before ".csv"


PLAIN = Dialect(name="plain", delimiter=",", decimal=".", datetime_format=None, date_format=None, suffix="")
EXCEL_FR = Dialect(
    name="excel-fr",
    delimiter=";",
    decimal=",",
    datetime_format="%d/%m/%Y %H:%M",
    date_format="%d/%m/%Y",
    suffix="-excel-fr",
)


def dialect_for(request: HttpRequest) -> Dialect:
    if request.GET.get("dialect") == EXCEL_FR.name or request.GET.get("sep") in {"semicolon", ";"}:
        return EXCEL_FR
    return PLAIN


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def file_name(base: str, dialect: Dialect) -> str:
    """`overview-3.csv` -> `overview-3-excel-fr.csv` in the French Excel dialect."""
    stem = base.removesuffix(".csv")
    return f"{stem}{dialect.suffix}.csv"


def csv_response(
    request: HttpRequest, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    dialect = dialect_for(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(filename, dialect)}"'
    response.write(BOM)
    writer = csv.writer(response, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([_text(str(title)) for title in header])
    for row in rows:
        writer.writerow([cell(value, dialect) for value in row])
    return response


def cell(value, dialect: Dialect = PLAIN) -> str:
    """One value as the dialect writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text.replace(".", dialect.decimal)
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if dialect.datetime_format is None:
            return local.replace(microsecond=0).isoformat()
        return local.strftime(dialect.datetime_format)
    if isinstance(value, dt.date):
        return value.isoformat() if dialect.date_format is None else value.strftime(dialect.date_format)
    return _text(str(value))


def _text(text: str) -> str:
    # A text starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + text if text[:1] in FORMULA_STARTS and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
