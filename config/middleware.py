"""Refusing input no page can use, before any view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from course.inputs import MAX_ID_DIGITS, has_control_characters, refused_text

REFUSED_INPUT = _(
    "What was sent contains a control character or a number far too large. Remove it and try again."
)


def _values(data: QueryDict) -> list[str]:
    return [*data.keys(), *(value for _key, values in data.lists() for value in values)]


class InputGuardMiddleware:
    """A 400 with a clear message for a query or form value carrying a control character (NUL,
    which PostgreSQL refuses in text, escape sequences...; tab and line breaks are text), more
    than 4,000 digits in a row (int() and json refuse them with a ValueError), or a whole value
    that is a number of 19 digits or more (no id or count is that large; SQLite cannot bind it).
    A 404 for a path whose value names an id of more than 18 digits or carries a control
    character: no row has it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        values = _values(request.GET)
        if request.method == "POST":
            values += _values(request.POST)
        if refused_text(values):
            return render(request, "input_refused.html", {"message": REFUSED_INPUT}, status=400)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        for value in [*args, *kwargs.values()]:
            text = str(value)
            if has_control_characters(text) or (
                text.isascii() and text.isdigit() and len(text) > MAX_ID_DIGITS
            ):
                raise Http404("No such page.")
