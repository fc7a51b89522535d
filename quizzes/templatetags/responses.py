"""`{% answer_response answer %}`: a stored answer shown as the student gave it, by its kind's
template (`quizzes.kinds.response_view`). Reads the answer's question (its kind) and revision
(its spec): select or prefetch them with the answers."""

from __future__ import annotations

from typing import Any

from django import template

from quizzes import kinds

register = template.Library()


@register.inclusion_tag("quizzes/responses/response.html")
def answer_response(answer: Any) -> dict:
    return {
        "shown": kinds.response_view(
            kind=answer.question.kind, spec=answer.revision.spec, response=answer.response
        )
    }
