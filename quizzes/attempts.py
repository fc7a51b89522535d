"""Taking a quiz: start or resume an attempt, answer one question at a time, finish.

Each write is one transaction that locks the attempt row, so a double click, a resubmitted
form or two tabs cannot answer the same question twice or finish an attempt twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes import kinds, review
from quizzes.models import Answer, Attempt, Card, Question, Quiz, Revision


class AttemptError(Exception):
    """A request that does not fit the attempt's state; carries a message for the student."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


class AttemptClosed(AttemptError):
    status = 409


ATTEMPT_FINISHED = _("This attempt is finished: its answers can no longer change.")
NOT_CURRENT = _("This is not the question to answer now.")
STALE_REVISION = _("This form does not match the question shown. Reload the page and answer again.")
NOT_ALL_ANSWERED = _("Answer every question before finishing.")
EMPTY_QUIZ = _("This quiz has no questions yet.")


def attempt_start(*, student, quiz: Quiz) -> Attempt:
    """Resume the student's open attempt at this quiz, or start a new one."""
    with transaction.atomic():
        open_attempt = (
            Attempt.objects.select_for_update()
            .filter(student=student, quiz=quiz, finished_at__isnull=True)
            .order_by("-started_at")
            .first()
        )
        if open_attempt is not None:
            return open_attempt
        question_ids = list(
            quiz.items.filter(question__active=True)
            .exclude(question__kind__in=kinds.UNGRADED_KINDS)
            .order_by("position")
            .values_list("question_id", flat=True)
        )
        if not question_ids:
            raise AttemptError(EMPTY_QUIZ)
        return Attempt.objects.create(
            student=student, quiz=quiz, question_ids=question_ids, seed=secrets.randbelow(2**31)
        )


def answered_count(attempt: Attempt) -> int:
    return attempt.answers.count()


@dataclass(frozen=True)
class QuestionView:
    """What the question page shows: the question at a position, and its answer if any."""

    attempt: Attempt
    position: int  # 0-based
    question: Question
    revision: Revision
    answer: Answer | None
    answered: int

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def is_last(self) -> bool:
        return self.position + 1 >= self.attempt.total

    @property
    def progress_percent(self) -> int:
        return round(100 * self.answered / self.attempt.total) if self.attempt.total else 0

    @property
    def seed(self) -> str:
        return f"{self.attempt.seed}-{self.question.pk}"


def question_view(attempt: Attempt, position: int) -> QuestionView | None:
    """The question at `position` (0-based), or None when out of range. Three queries: the
    attempt's answered questions, the question, and its answer when there is one."""
    if not 0 <= position < attempt.total:
        return None
    question_id = attempt.question_ids[position]
    answered = dict(attempt.answers.values_list("question_id", "pk"))
    question = Question.objects.select_related("section", "current_revision").get(pk=question_id)
    answer = None
    if question_id in answered:
        answer = Answer.objects.select_related("revision").get(pk=answered[question_id])
    return QuestionView(
        attempt=attempt,
        position=position,
        question=question,
        revision=answer.revision if answer else question.current_revision,
        answer=answer,
        answered=len(answered),
    )


def answer_submit(
    *, attempt: Attempt, position: int, revision_id: str | int | None, form: Mapping[str, Sequence[str]]
) -> Answer:
    """Grade and save the answer to the question at `position`. Idempotent for a double submit."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished_at is not None:
            raise AttemptClosed(ATTEMPT_FINISHED)
        if not 0 <= position < locked.total:
            raise AttemptError(NOT_CURRENT)
        question_id = locked.question_ids[position]
        existing = Answer.objects.filter(attempt=locked, question_id=question_id).first()
        if existing is not None:
            return existing  # the same form posted twice: the first answer stands
        if position != locked.answers.count():
            raise AttemptError(NOT_CURRENT)
        try:
            revision = Revision.objects.select_related("question").get(
                pk=int(revision_id or 0), question_id=question_id
            )
        except (Revision.DoesNotExist, ValueError, TypeError):
            raise AttemptError(STALE_REVISION) from None
        kind = kinds.get(revision.question.kind)
        response = kind.parse_response(revision.spec, form)
        verdict = kind.grade(spec=revision.spec, response=response)
        return Answer.objects.create(
            attempt=locked,
            question_id=question_id,
            revision=revision,
            position=position,
            response=response,
            correct=verdict.correct,
            score=verdict.score,
            feedback=list(verdict.feedback),
        )


def attempt_finish(*, attempt: Attempt) -> Attempt:
    """Close the attempt and store its score. Finishing twice returns the same result."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.finished_at is not None:
            return locked
        totals = locked.answers.aggregate(n=Count("pk"), points=Sum("score"))
        if totals["n"] < locked.total:
            raise AttemptError(NOT_ALL_ANSWERED)
        locked.score = round((totals["points"] or 0.0) / locked.total, 4)
        locked.finished_at = timezone.now()
        locked.save(update_fields=["score", "finished_at"])
        missed = Question.objects.filter(answers__attempt=locked, answers__correct=False)
        review.cards_add(student=locked.student, questions=review.reviewable(missed), source=Card.Source.MISSED)
        return locked


def section_scores(attempt: Attempt) -> list[dict]:
    """Score per course section for one attempt, aggregated in the database."""
    return list(
        attempt.answers.values(
            slug=F("question__section__slug"),
            title=F("question__section__title"),
            section_position=F("question__section__position"),
        )
        .annotate(
            questions=Count("pk"),
            correct=Count("pk", filter=Q(correct=True)),
            score=Cast(Sum("score"), FloatField()) / Cast(Count("pk"), FloatField()),
        )
        .order_by("section_position")
    )

