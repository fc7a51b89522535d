"""Matching: pair each item on the left with one on the right. Partial credit per pair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from course.markdown import render_inline
from quizzes.kinds import (
    MANY,
    NOTHING,
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

NAME = "matching"
LABEL = _("Matching")
TEMPLATE = "quizzes/kinds/matching.html"
FIELDS = frozenset({"pairs", "distractors"})
FIELD_PREFIX = "match-"


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value).strip()


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    pairs_raw = raw.get("pairs")
    if not isinstance(pairs_raw, list) or len(pairs_raw) < 2:
        raise SpecError([("pairs", gettext("pairs must be a list of at least 2 {left, right} items"))])
    pairs: list[dict] = []
    lefts: set[str] = set()
    rights: set[str] = set()
    for index, item in enumerate(pairs_raw, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                (
                    "pairs",
                    gettext("pair %(number)s must be a mapping with left and right") % {"number": index},
                )
            )
            continue
        left, right = _text(item.get("left")), _text(item.get("right"))
        if not left or not right:
            problems.append(
                (
                    "pairs",
                    gettext("pair %(number)s needs both a left and a right partner") % {"number": index},
                )
            )
            continue
        if left in lefts:
            problems.append(
                (
                    "pairs",
                    gettext("pair %(number)s repeats the left item %(item)s")
                    % {"number": index, "item": repr(left)},
                )
            )
        if right in rights:
            problems.append(
                (
                    "pairs",
                    gettext("pair %(number)s repeats the right item %(item)s")
                    % {"number": index, "item": repr(right)},
                )
            )
        lefts.add(left)
        rights.add(right)
        pairs.append(
            {
                "key": item_key(uid, left, "left"),
                "left": left,
                "left_html": render_inline(left),
                "right_key": item_key(uid, right, "right"),
                "right": right,
                "right_html": render_inline(right),
            }
        )
    distractors_raw = raw.get("distractors") or []
    if not isinstance(distractors_raw, list):
        problems.append(("distractors", gettext("distractors must be a list")))
        distractors_raw = []
    distractors = []
    for value in distractors_raw:
        text = _text(value)
        if not text or text in rights:
            problems.append(
                (
                    "distractors",
                    gettext("distractor %(value)s is empty or is also a right item") % {"value": repr(value)},
                )
            )
            continue
        distractors.append({"key": item_key(uid, text, "right"), "text": text, "html": render_inline(text)})
    if problems:
        raise SpecError(problems)
    return {"pairs": pairs, "distractors": distractors}


def to_raw(spec: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {"pairs": [{"left": p["left"], "right": p["right"]} for p in spec["pairs"]]}
    if spec["distractors"]:
        out["distractors"] = [d["text"] for d in spec["distractors"]]
    return out


def _options(spec: Mapping[str, Any]) -> list[dict]:
    return [{"key": p["right_key"], "html": p["right_html"], "text": p["right"]} for p in spec["pairs"]] + [
        {"key": d["key"], "html": d["html"], "text": d["text"]} for d in spec["distractors"]
    ]


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    option_keys = {o["key"] for o in _options(spec)}
    answer: dict[str, str] = {}
    for pair in spec["pairs"]:
        value = single_value(form, FIELD_PREFIX + pair["key"])
        if value not in option_keys:
            raise InvalidResponse(TAMPERED_RESPONSE)
        answer[pair["key"]] = value
    return {"pairs": answer}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    given = response.get("pairs") or {}
    right = sum(1 for p in spec["pairs"] if given.get(p["key"]) == p["right_key"])
    total = len(spec["pairs"])
    return Verdict(correct=right == total, score=round(right / total, 4))


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {
        "rows": [
            {"field": FIELD_PREFIX + p["key"], "html": p["left_html"]} for p in shuffled(spec["pairs"], seed)
        ],
        "options": shuffled(_options(spec), f"{seed}-options"),
    }


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    given = response.get("pairs") or {}
    names = {o["key"]: o["html"] for o in _options(spec)}
    return {
        "pairs": [
            {
                "left": p["left_html"],
                "right": p["right_html"],
                "given": names.get(given.get(p["key"]), ""),
                "ok": given.get(p["key"]) == p["right_key"],
            }
            for p in spec["pairs"]
        ]
    }


def _given_pairs(spec: Mapping[str, Any], response: Any) -> list[tuple[dict, dict | None]]:
    """Each pair of the spec with the option the student gave its left item (None: none given)."""
    given = response_field(response, "pairs", Mapping)
    options = {o["key"]: o for o in _options(spec)}
    lefts = {p["key"] for p in spec["pairs"]}
    if not set(given) <= lefts or not all(value in options for value in given.values()):
        raise UnreadableResponse("pairs")
    return [(p, options.get(given.get(p["key"]))) for p in spec["pairs"]]


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """Each left item with the right item the student gave it (``{"pairs": [{"left_html",
    "given_html", "ok"}]}``), in the bank's order."""
    return {
        "pairs": [
            {
                "left_html": pair["left_html"],
                "given_html": option["html"] if option else "",
                "ok": option is not None and option["key"] == pair["right_key"],
            }
            for pair, option in _given_pairs(spec, response)
        ]
    }


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return MANY.join(
        f"{pair['left']} -> {option['text'] if option else NOTHING}"
        for pair, option in _given_pairs(spec, response)
    )
