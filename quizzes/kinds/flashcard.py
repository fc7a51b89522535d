"""Flashcard: a front (the prompt) and a back; the student recalls, reveals and rates.

Not auto-graded, so flashcards live in review only: quizzes leave them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from course.markdown import render
from quizzes.kinds import NOTHING, InvalidResponse, SpecError, Verdict

NAME = "flashcard"
LABEL = _("Flashcard")
TEMPLATE = "quizzes/kinds/flashcard.html"
FIELDS = frozenset({"answer"})
GRADED = False

NOT_GRADED = _("A flashcard is not graded: reveal the answer and rate yourself.")


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise SpecError([("answer", gettext("a flashcard needs the text of its back in answer"))])
    return {"answer": answer.strip(), "answer_html": render(answer.strip())}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return {"answer": spec["answer"]}


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    raise InvalidResponse(NOT_GRADED)


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    raise InvalidResponse(NOT_GRADED)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {}


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    return {"answer_html": spec["answer_html"]}


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """Nothing: a flashcard is rated in review, never answered in a quiz."""
    return {}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return NOTHING
