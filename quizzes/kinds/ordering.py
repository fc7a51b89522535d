"""Ordering: put the items in the right order. Partial credit per item in its place.

Without JavaScript each item gets a position select, so the form works as a plain post.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from course.inputs import strict_int
from course.markdown import render_inline
from quizzes.kinds import (
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    UnreadableResponse,
    Verdict,
    item_key,
    response_field,
    shuffled,
    single_value,
)

NAME = "ordering"
LABEL = _("Ordering")
TEMPLATE = "quizzes/kinds/ordering.html"
FIELDS = frozenset({"items"})
FIELD_PREFIX = "pos-"

NOT_A_PERMUTATION = _("Give each item a different position.")


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    items = raw.get("items")
    if not isinstance(items, list) or len(items) < 2:
        raise SpecError([("items", gettext("items must be a list of at least 2 texts, in the right order"))])
    texts: list[str] = []
    for index, value in enumerate(items, start=1):
        text = "" if value is None or isinstance(value, (dict, list)) else str(value).strip()
        if not text:
            raise SpecError(
                [("items", gettext("item %(number)s must be non-empty text") % {"number": index})]
            )
        if text in texts:
            raise SpecError(
                [
                    (
                        "items",
                        gettext("item %(number)s repeats %(text)s") % {"number": index, "text": repr(text)},
                    )
                ]
            )
        texts.append(text)
    return {"items": [{"key": item_key(uid, t, "item"), "text": t, "html": render_inline(t)} for t in texts]}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return {"items": [item["text"] for item in spec["items"]]}


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    count = len(spec["items"])
    positions: dict[str, int] = {}
    for item in spec["items"]:
        position = strict_int(single_value(form, FIELD_PREFIX + item["key"]), low=1, high=count)
        if position is None:  # "²" and "١" are digits to str.isdigit(), 10**5000 is too long for int()
            raise InvalidResponse(TAMPERED_RESPONSE)
        positions[item["key"]] = position
    if sorted(positions.values()) != list(range(1, count + 1)):
        raise InvalidResponse(NOT_A_PERMUTATION)
    return {"order": sorted(positions, key=positions.__getitem__)}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    order = list(response.get("order") or [])
    right = [item["key"] for item in spec["items"]]
    in_place = sum(1 for given, expected in zip(order, right, strict=False) if given == expected)
    return Verdict(correct=order == right, score=round(in_place / len(right), 4))


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    items = shuffled(spec["items"], seed)
    return {
        "items": [{"field": FIELD_PREFIX + i["key"], "html": i["html"]} for i in items],
        "positions": list(range(1, len(items) + 1)),
    }


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    by_key = {item["key"]: item["html"] for item in spec["items"]}
    given = [by_key.get(key, "") for key in response.get("order") or []]
    return {
        "items": [
            {
                "right": item["html"],
                "given": given[i] if i < len(given) else "",
                "ok": i < len(given) and given[i] == item["html"],
            }
            for i, item in enumerate(spec["items"])
        ]
    }


def _given_order(spec: Mapping[str, Any], response: Any) -> list[dict]:
    """The spec's items in the order the student gave them."""
    order = response_field(response, "order", list)
    by_key = {item["key"]: item for item in spec["items"]}
    if not order or not all(isinstance(key, str) and key in by_key for key in order):
        raise UnreadableResponse("order")
    return [by_key[key] for key in order]


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The items in the student's order, each marked in its place or not (``{"items": [{"html",
    "ok"}]}``)."""
    right = [item["key"] for item in spec["items"]]
    return {
        "items": [
            {"html": item["html"], "ok": index < len(right) and item["key"] == right[index]}
            for index, item in enumerate(_given_order(spec, response))
        ]
    }


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return " -> ".join(item["text"] for item in _given_order(spec, response))
