"""Question kinds: one module per kind, each with pure functions and no database access.

Every kind module provides:

- ``NAME`` and ``LABEL``; ``TEMPLATE``, the template that shows its form and feedback;
- ``build_spec(raw, *, uid) -> dict``: validate the bank fields of a question of this kind and
  return the normalised spec stored in a revision (raises ``SpecError``);
- ``to_raw(spec) -> dict``: the bank fields again, for export (``build_spec(to_raw(s))`` == ``s``);
- ``parse_response(spec, form) -> response``: turn posted form data (a mapping of field name to
  list of strings) into a JSON-able response (raises ``InvalidResponse``);
- ``grade(*, spec, response) -> Verdict``;
- ``present(spec, *, seed) -> dict``: what the template needs to ask the question, with choice
  order shuffled by ``seed`` (stable for one attempt);
- ``reveal(spec, response) -> dict``: what the feedback template needs to show the right
  answer beside the student's own;
- ``response_view(spec, response) -> dict``: a stored response as the student gave it (the
  choices' texts, the pairs, the order, the YAML...), plain data for the kind's template
  ``quizzes/responses/<kind>.html``; its only HTML comes from the spec (already sanitised) or
  from ``course.markdown``; raises ``UnreadableResponse`` (or a lookup or type error) when the
  response does not fit the spec;
- ``response_text(spec, response) -> str``: the same in plain text, for a CSV cell.

Pages call ``response_view`` and ``response_text`` of this module, which never raise.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Verdict:
    correct: bool
    score: float
    feedback: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside 0..1")


class SpecError(ValueError):
    """The bank fields of a question are wrong. ``problems`` are (field name, message) pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = list(problems)


class InvalidResponse(ValueError):
    """A posted response that cannot be graded (empty, tampered, malformed)."""


class UnreadableResponse(ValueError):
    """A stored response that does not fit its revision's spec (tampered, or an older format)."""


EMPTY_RESPONSE = _("Please give an answer before submitting.")
TAMPERED_RESPONSE = _("This answer does not belong to this question.")
UNREADABLE = _("(answer not readable)")
NOTHING = "—"  # an empty blank or an unpaired item, in the text forms
MANY = " | "  # between several parts of one answer, in the text forms


def item_key(uid: str, text: str, salt: str = "") -> str:
    """A short stable key for a choice or an item, unique across questions."""
    return hashlib.sha1(f"{uid}\0{salt}\0{text}".encode()).hexdigest()[:10]


def shuffled(items: Sequence[Any], seed: int | str) -> list[Any]:
    out = list(items)
    random.Random(str(seed)).shuffle(out)
    return out


def single_value(form: Mapping[str, Sequence[str]], name: str) -> str:
    """The one value of a form field, stripped; raise InvalidResponse when missing or repeated."""
    values = form.get(name) or []
    if len(values) > 1:
        raise InvalidResponse(TAMPERED_RESPONSE)
    value = values[0].strip() if values else ""
    if not value:
        raise InvalidResponse(EMPTY_RESPONSE)
    return value


def require_text(raw: Mapping[str, Any], key: str, problems: list[tuple[str, str]]) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append((key, gettext("missing %(field)s") % {"field": key}))
        return ""
    if isinstance(value, (dict, list)):
        problems.append((key, gettext("%(field)s must be text") % {"field": key}))
        return ""
    return str(value).strip()


def response_field(response: Any, name: str, expected: type | tuple[type, ...]) -> Any:
    """One field of a stored response, of the expected type; ``UnreadableResponse`` otherwise."""
    if not isinstance(response, Mapping) or not isinstance(response.get(name), expected):
        raise UnreadableResponse(name)
    return response[name]


def picked_choices(response: Any) -> Any:
    """What a response of a choice kind picked, as `Answer.picked` stores it: its "choice" (a
    single-choice key) or else its "choices" (a multiple-choice list of keys); None for the
    responses of the other kinds."""
    if not isinstance(response, Mapping):
        return None
    if response.get("choice") is not None:
        return response["choice"]
    return response.get("choices")


def picked_json(response: Any) -> str | None:
    """`picked_choices` as the JSON text `Answer.picked` stores (equal picks, equal texts, which
    the database groups faster than JSON values); None when nothing was picked."""
    picked = picked_choices(response)
    return None if picked is None else json.dumps(picked)


def _registry() -> dict[str, ModuleType]:
    from quizzes.kinds import (
        cloze,
        command,
        flashcard,
        matching,
        multiple,
        ordering,
        short,
        single,
        truefalse,
        yamldoc,
    )

    modules = [single, multiple, truefalse, short, matching, ordering, flashcard, yamldoc, cloze, command]
    return {module.NAME: module for module in modules}


REGISTRY: dict[str, ModuleType] = _registry()
CHOICES = [(name, module.LABEL) for name, module in REGISTRY.items()]


def get(name: str) -> ModuleType:
    return REGISTRY[name]


def is_graded(name: str) -> bool:
    """Whether a kind grades a response (a flashcard does not: the student rates themself)."""
    return getattr(REGISTRY[name], "GRADED", True)


UNGRADED_KINDS = [name for name, module in REGISTRY.items() if not getattr(module, "GRADED", True)]


# Errors that a response not fitting its spec may raise in a kind's renderer: the pages show
# `UNREADABLE` instead of failing.
_UNREADABLE_ERRORS = (UnreadableResponse, LookupError, TypeError, ValueError, AttributeError)
RESPONSE_TEMPLATE = "quizzes/responses/%s.html"
UNREADABLE_TEMPLATE = "quizzes/responses/unreadable.html"


def response_view(*, kind: str, spec: Any, response: Any) -> dict:
    """What a stored response showed, for its template: the kind's ``response_view`` data with
    ``template`` naming ``quizzes/responses/<kind>.html``; for a response that cannot be read
    (unknown kind, tampered, older format), ``quizzes/responses/unreadable.html``. Never raises."""
    module = REGISTRY.get(kind)
    if module is not None:
        try:
            return {**module.response_view(spec, response), "template": RESPONSE_TEMPLATE % kind}
        except _UNREADABLE_ERRORS:
            pass
    return {"template": UNREADABLE_TEMPLATE}


def response_text(*, kind: str, spec: Any, response: Any) -> str:
    """A stored response in plain text (a CSV cell); ``UNREADABLE`` when it cannot be read."""
    module = REGISTRY.get(kind)
    if module is not None:
        try:
            return str(module.response_text(spec, response))
        except _UNREADABLE_ERRORS:
            pass
    return str(UNREADABLE)
