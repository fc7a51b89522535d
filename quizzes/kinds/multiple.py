"""Multiple choice: one or more right choices; partial credit, wrong picks cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.kinds import (
    EMPTY_RESPONSE,
    MANY,
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    Verdict,
    response_field,
)
from quizzes.kinds._choices import build_choices, choices_to_raw, chosen, present_choices

NAME = "multiple"
LABEL = _("Multiple choice")
TEMPLATE = "quizzes/kinds/multiple.html"
FIELDS = frozenset({"choices"})


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    choices = build_choices(raw, uid=uid, problems=problems)
    if choices and not any(c["correct"] for c in choices):
        problems.append(("choices", gettext("a multiple-choice question needs at least one correct choice")))
    if problems:
        raise SpecError(problems)
    return {"choices": choices}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return choices_to_raw(spec)


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    keys = [value.strip() for value in form.get("choices") or [] if value.strip()]
    if not keys:
        raise InvalidResponse(EMPTY_RESPONSE)
    known = [c["key"] for c in spec["choices"]]
    if len(set(keys)) != len(keys) or not set(keys) <= set(known):
        raise InvalidResponse(TAMPERED_RESPONSE)
    return {"choices": [key for key in known if key in keys]}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    picked = set(response.get("choices") or [])
    right = {c["key"] for c in spec["choices"] if c["correct"]}
    hits = len(picked & right)
    misses = len(picked - right)
    score = max(0.0, (hits - misses) / len(right))
    feedback = tuple(c["feedback_html"] for c in spec["choices"] if c["key"] in picked and c["feedback_html"])
    return Verdict(correct=picked == right, score=round(score, 4), feedback=feedback)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return present_choices(spec, seed=seed)


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    return {"right_keys": [c["key"] for c in spec["choices"] if c["correct"]]}


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The ticked choices' HTML, each marked right or wrong (``{"choices": [{"html", "correct"}]}``)."""
    picked = chosen(spec, response_field(response, "choices", list))
    return {"choices": [{"html": c["html"], "correct": c["correct"]} for c in picked]}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return MANY.join(c["text"] for c in chosen(spec, response_field(response, "choices", list)))
