"""Short answer: a typed word or command, compared with several accepted spellings.

Comparison ignores case, accents, surrounding spaces and repeated inner spaces. Other
variants (plural, hyphen, space) must be listed in the bank: the bank linter asks for them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.kinds import InvalidResponse, SpecError, Verdict, response_field, single_value

NAME = "short"
LABEL = _("Short answer")
TEMPLATE = "quizzes/kinds/short.html"
FIELDS = frozenset({"answers"})
MAX_LENGTH = 300

TOO_LONG = _("This answer is too long.")


def normalise(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of an answer."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    answers = raw.get("answers")
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, list) or not answers:
        raise SpecError([("answers", gettext("answers must be a non-empty list of accepted answers"))])
    cleaned: list[str] = []
    for value in answers:
        if isinstance(value, (dict, list)) or value is None or not str(value).strip():
            raise SpecError([("answers", gettext("each accepted answer must be non-empty text"))])
        text = str(value).strip()
        if text not in cleaned:
            cleaned.append(text)
    return {"answers": cleaned}


def to_raw(spec: Mapping[str, Any]) -> dict:
    return {"answers": list(spec["answers"])}


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    text = single_value(form, "text")
    if len(text) > MAX_LENGTH:
        raise InvalidResponse(TOO_LONG)
    return {"text": text}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    given = normalise(str(response.get("text", "")))
    correct = bool(given) and any(given == normalise(answer) for answer in spec["answers"])
    return Verdict(correct=correct, score=1.0 if correct else 0.0)


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {"max_length": MAX_LENGTH}


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    return {"answers": spec["answers"]}


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The typed text (``{"text"}``), for the template to escape."""
    return {"text": response_field(response, "text", str)}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return response_field(response, "text", str)
