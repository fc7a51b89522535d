"""CSV downloads that open correctly in French Excel and in LibreOffice.

UTF-8 with a byte-order mark (Excel otherwise guesses a legacy code page and breaks accents);
comma by default, `;` on request (`?sep=semicolon`), which French Excel expects.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpRequest, HttpResponse

BOM = "\ufeff"


def separator(request: HttpRequest) -> str:
    return ";" if request.GET.get("sep") in {"semicolon", ";"} else ","


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def csv_response(
    request: HttpRequest, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response, delimiter=separator(request), lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else _cell(value) for value in row])
    return response


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + text if text[:1] in {"=", "+", "-", "@"} and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
