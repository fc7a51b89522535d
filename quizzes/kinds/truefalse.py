"""True or false: a statement to judge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.kinds import TAMPERED_RESPONSE, InvalidResponse, SpecError, Verdict, response_field, single_value

NAME = "truefalse"
LABEL = _("True or false")
TEMPLATE = "quizzes/kinds/truefalse.html"
FIELDS = frozenset({"answer"})

_VALUES = {"true": True, "false": False}
TRUE = _("True")
FALSE = _("False")


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    answer = raw.get("answer")
    if not isinstance(answer, bool):
        raise SpecError([("answer", gettext("answer must be true or false"))])
    return {"answer": answer}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return {"answer": spec["answer"]}


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    value = single_value(form, "answer").lower()
    if value not in _VALUES:
        raise InvalidResponse(TAMPERED_RESPONSE)
    return {"answer": _VALUES[value]}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    correct = response.get("answer") is spec["answer"]
    return Verdict(correct=correct, score=1.0 if correct else 0.0)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {}


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    return {"answer": spec["answer"]}


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """``{"answer": True | False}``, for the template to say "True" or "False"."""
    return {"answer": response_field(response, "answer", bool)}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return str(TRUE if response_field(response, "answer", bool) else FALSE)
