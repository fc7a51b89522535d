"""Single choice: exactly one right choice among several."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.kinds import (
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    Verdict,
    response_field,
    single_value,
)
from quizzes.kinds._choices import build_choices, choices_to_raw, chosen, present_choices

NAME = "single"
LABEL = _("Single choice")
TEMPLATE = "quizzes/kinds/single.html"
FIELDS = frozenset({"choices"})


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    choices = build_choices(raw, uid=uid, problems=problems)
    if choices and sum(c["correct"] for c in choices) != 1:
        problems.append(("choices", gettext("a single-choice question needs exactly one correct choice")))
    if problems:
        raise SpecError(problems)
    return {"choices": choices}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return choices_to_raw(spec)


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    key = single_value(form, "choice")
    if key not in {c["key"] for c in spec["choices"]}:
        raise InvalidResponse(TAMPERED_RESPONSE)
    return {"choice": key}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    picked = next((c for c in spec["choices"] if c["key"] == response.get("choice")), None)
    if picked is None:
        return Verdict(correct=False, score=0.0)
    feedback = (picked["feedback_html"],) if picked["feedback_html"] else ()
    return Verdict(correct=picked["correct"], score=1.0 if picked["correct"] else 0.0, feedback=feedback)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return present_choices(spec, seed=seed)


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    """The right choice's key, for the feedback template to mark it beside the student's pick."""
    return {"right_keys": [c["key"] for c in spec["choices"] if c["correct"]]}


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The picked choice's HTML (``{"choice": {"html", "correct"}}``)."""
    (choice,) = chosen(spec, [response_field(response, "choice", str)])
    return {"choice": {"html": choice["html"], "correct": choice["correct"]}}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    (choice,) = chosen(spec, [response_field(response, "choice", str)])
    return choice["text"]
