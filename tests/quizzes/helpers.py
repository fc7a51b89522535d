"""Taking a quiz through the test client: start it, name a question's page, build a right (or
wrong) form post for any question, as a student's browser would."""

from __future__ import annotations

from django.urls import reverse

from quizzes import kinds
from quizzes.models import Attempt, Question, Revision


def start(client, slug: str) -> Attempt:
    """Start (or resume) the quiz `slug` as the client's student: the attempt."""
    response = client.post(reverse("quizzes:quiz-start", args=[slug]))
    assert response.status_code == 302
    return Attempt.objects.latest("started_at")


def question_url(attempt: Attempt, number: int) -> str:
    return reverse("quizzes:attempt-question", args=[attempt.pk, number])


def current_revision(attempt: Attempt, number: int) -> Revision:
    return Question.objects.get(pk=attempt.question_ids[number - 1]).current_revision


def answer_form(revision: Revision, *, right: bool = True) -> dict[str, object]:
    spec = revision.spec
    kind = revision.question.kind
    form: dict[str, object] = {"revision": revision.pk}
    if kind == "single":
        choice = next(c for c in spec["choices"] if c["correct"] is right)
        form["choice"] = choice["key"]
    elif kind == "multiple":
        form["choices"] = [c["key"] for c in spec["choices"] if c["correct"] is right] or [
            c["key"] for c in spec["choices"] if not c["correct"]
        ][:1]
    elif kind == "truefalse":
        form["answer"] = "true" if spec["answer"] is right else "false"
    elif kind == "short":
        form["text"] = spec["answers"][0] if right else "zzz-wrong"
    elif kind == "matching":
        rights = [p["right_key"] for p in spec["pairs"]]
        if not right:
            rights = rights[1:] + rights[:1]
        for pair, key in zip(spec["pairs"], rights, strict=True):
            form[kinds.matching.FIELD_PREFIX + pair["key"]] = key
    elif kind == "ordering":
        count = len(spec["items"])
        for index, item in enumerate(spec["items"]):
            position = index + 1 if right else count - index
            form[kinds.ordering.FIELD_PREFIX + item["key"]] = str(position)
    return form
