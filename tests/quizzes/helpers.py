"""Taking a quiz through the test client: start it, name a question's page, build a right (or
wrong) form post for any question, as a student's browser would; or through the services, with a
choice question's key set as a test needs it."""

from __future__ import annotations

from django.urls import reverse

from quizzes import kinds
from quizzes.attempts import answer_submit, attempt_finish, attempt_start
from quizzes.models import Attempt, Question, Quiz, Revision
from quizzes.revisions import revision_apply


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


def choice_key(spec: dict, text: str) -> str:
    return next(c["key"] for c in spec["choices"] if c["text"] == text)


def service_form(revision: Revision, *, right: bool = True) -> dict[str, list[str]]:
    """`answer_form` as `answer_submit` reads a post: every value a list of strings."""
    return {
        name: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for name, value in answer_form(revision, right=right).items()
    }


def set_key(question: Question, right: str) -> Revision:
    """Make the choice `right` the only right one of a choice question, in a new revision."""
    current = question.current_revision
    choices = [{**choice, "correct": choice["text"] == right} for choice in current.spec["choices"]]
    revision = revision_apply(
        question=question,
        prompt=current.prompt,
        explanation=current.explanation,
        spec={**current.spec, "choices": choices},
    )
    assert revision is not None
    return revision


def take_quiz(student, slug: str, *, pick: str, others_right: bool, finish: bool = True) -> Attempt:
    """Take the quiz `slug` through the services: the single-choice questions answered with the
    choice `pick` (by text), the others right or wrong; finished unless told otherwise."""
    attempt = attempt_start(student=student, quiz=Quiz.objects.get(slug=slug))
    for position, question_id in enumerate(attempt.question_ids):
        revision = Question.objects.select_related("current_revision").get(pk=question_id).current_revision
        if revision.question.kind == "single":
            form = {"choice": [choice_key(revision.spec, pick)]}
        else:
            form = service_form(revision, right=others_right)
        answer_submit(
            student=student, attempt_id=attempt.pk, position=position, revision_id=revision.pk, form=form
        )
    return attempt_finish(attempt=attempt) if finish else attempt
