"""Taking a quiz: start or resume an attempt, answer one question at a time, finish.

Each write is one transaction that locks the attempt row, so a double click, a resubmitted
form or two tabs cannot answer the same question twice or finish an attempt twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.inputs import strict_id
from quizzes import kinds
from quizzes.models import Answer, Attempt, Question, Quiz, Revision
from quizzes.signals import attempt_finished


class AttemptError(Exception):
    """A request that does not fit the attempt's state; carries a message for the student."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


class AttemptClosed(AttemptError):
    status = 409


class NoSuchQuestion(AttemptError):
    """The attempt has no question at that position."""

    status = 404


class StaleRevision(AttemptError):
    """The form was shown with a revision of the question that is no longer the current one: the
    answer is not taken, the question is shown again as it reads now (422, as for a response
    that cannot be graded: htmx swaps it in place)."""

    status = 422


ATTEMPT_FINISHED = _("This attempt is finished: its answers can no longer change.")
NOT_CURRENT = _("This is not the question to answer now.")
STALE_REVISION = _(
    "This question was corrected after it was shown to you. Here it is as it reads now: please answer "
    "it again."
)
FOREIGN_REVISION = _("This form does not match the question shown. Reload the page and answer again.")
NOT_ALL_ANSWERED = _("Answer every question before finishing.")
EMPTY_QUIZ = _("This quiz has no questions yet.")


def attempt_start(*, student, quiz: Quiz, now: datetime | None = None, seed: int | None = None) -> Attempt:
    """Resume the student's open attempt at this quiz, or start a new one, started at `now`
    (default: the current time) with the shuffling `seed` (default: a random one).

    One open attempt per student and quiz is a constraint of the table: of two requests that
    both find none and insert (a double click, two tabs), the second insert fails, and the
    attempt the first one made is returned."""
    open_attempts = Attempt.objects.filter(student=student, quiz=quiz, finished_at__isnull=True, live=False)
    with transaction.atomic():
        open_attempt = open_attempts.select_for_update().order_by("-started_at").first()
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
        try:
            with transaction.atomic():  # a savepoint: the failed insert leaves the rest usable
                return Attempt.objects.create(
                    student=student,
                    quiz=quiz,
                    question_ids=question_ids,
                    seed=secrets.randbelow(2**31) if seed is None else seed,
                    started_at=now or timezone.now(),
                )
        except IntegrityError:
            pass
    # Read after the other transaction committed (on PostgreSQL, the failed insert waited for it).
    return open_attempts.order_by("-started_at").get()


@dataclass
class QuizFigures:
    """A student's figures on one quiz, as the home and the quiz page show them."""

    best_score: float | None = None
    last_score: float | None = None  # of the attempt finished last
    first_finished: datetime | None = None
    last_finished: datetime | None = None
    attempt_count: int = 0  # finished attempts
    open_attempt: int | None = None  # the pk of the unfinished attempt started last


def quiz_figures(
    attempts: Iterable[tuple[int, int, float | None, datetime, datetime | None]],
) -> dict[int, QuizFigures]:
    """Fold a student's attempts, given as (quiz id, pk, score, started_at, finished_at), into
    their figures on each quiz. Of two attempts finished at the same time, the last score is that
    of the one started first (then of the smaller pk); the open attempt is the unfinished one
    started last (then the larger pk)."""
    figures: dict[int, QuizFigures] = {}
    last: dict[int, tuple] = {}  # the ordering key of the attempt whose score is the last one
    opened: dict[int, tuple] = {}
    for quiz_id, pk, score, started_at, finished_at in attempts:
        quiz = figures.setdefault(quiz_id, QuizFigures())
        if finished_at is None:
            if quiz_id not in opened or (started_at, pk) > opened[quiz_id]:
                quiz.open_attempt, opened[quiz_id] = pk, (started_at, pk)
            continue
        quiz.attempt_count += 1
        if score is not None and (quiz.best_score is None or score > quiz.best_score):
            quiz.best_score = score
        if quiz.first_finished is None or finished_at < quiz.first_finished:
            quiz.first_finished = finished_at
        key = (finished_at, -started_at.timestamp(), -pk)
        if quiz_id not in last or key > last[quiz_id]:
            quiz.last_score, quiz.last_finished, last[quiz_id] = score, finished_at, key
    return figures


def student_quizzes(student, *, slug: str | None = None) -> tuple[list[Quiz], dict[int, QuizFigures]]:
    """The quizzes the student can take (or the one of `slug`), in order, each with
    `question_count` and the student's `QuizFigures` as attributes; and the figures on every quiz
    the student has attempted, by quiz id (those without questions too). Two queries: the
    quizzes, and the student's attempts (tens, at most hundreds), folded by `quiz_figures`.
    """
    quizzes = Quiz.objects.listed()
    own = Attempt.objects.filter(student=student)
    if slug is not None:
        quizzes, own = quizzes.filter(slug=slug), own.filter(quiz__slug=slug)
    figures = quiz_figures(own.order_by().values_list("quiz_id", "pk", "score", "started_at", "finished_at"))
    listed = list(quizzes)
    for quiz in listed:
        for name, value in asdict(figures.get(quiz.pk, QuizFigures())).items():
            setattr(quiz, name, value)
    return listed, figures


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


def _question_read(attempt: Attempt, position: int) -> tuple[Question, Answer | None]:
    """The question at `position` as its page shows it (`Question.objects.for_question_page`),
    and its answer in this attempt with the revision it was given, if any. Two queries."""
    question = Question.objects.for_question_page(attempt).get(pk=attempt.question_ids[position])
    answer = attempt.answers.select_related("revision").filter(question=question).first()
    return question, answer


def question_view(attempt: Attempt, position: int) -> QuestionView | None:
    """The question at `position` (0-based), or None when out of range: with its section, its
    answer in this attempt if any, the revision shown (the answer's, else the current one) and
    how many of the attempt's questions are answered. Two queries."""
    if not 0 <= position < attempt.total:
        return None
    question, answer = _question_read(attempt, position)
    revision = answer.revision if answer is not None else question.current_revision
    return QuestionView(attempt, position, question, revision, answer, question.answered)


def answer_submit(
    *,
    student,
    attempt_id: int,
    position: int,
    revision_id: str | int | None,
    form: Mapping[str, Sequence[str]],
    now: datetime | None = None,
) -> QuestionView:
    """Grade and save the answer to the question at `position`, answered at `now` (default: the
    current time). Idempotent for a double submit.

    The student's attempt `attempt_id` is read here, locked to the end of the transaction
    (`Attempt.DoesNotExist` when it is not theirs; SQLite has no row locks, but its write
    transactions run one at a time). The answer is graded against the question's current
    revision only, which the form must have been shown with (`revision_id`): a form shown
    before the question was corrected raises `StaleRevision`, and one naming no revision of the
    question `AttemptError`; nothing is saved. Returns the question with its answer, the first
    one for a double submit. Four queries for a new answer: the attempt, the question as
    `question_view` reads it (two), the insert; a stale form costs one more to tell it from a
    tampered one.
    """
    with transaction.atomic():
        locked = Attempt.objects.visible_to(student).select_for_update().get(pk=attempt_id)
        if not 0 <= position < locked.total:
            raise NoSuchQuestion(NOT_CURRENT)
        if locked.finished_at is not None:
            raise AttemptClosed(ATTEMPT_FINISHED)
        # Read after the lock, in statements of their own: the answer of a request that held the
        # lock before is there.
        question, answer = _question_read(locked, position)
        if answer is not None:  # the same form posted twice: the first answer stands
            return QuestionView(locked, position, question, answer.revision, answer, question.answered)
        if position != question.answered:
            raise AttemptError(NOT_CURRENT)
        revision = _revision_current(question, _pk(revision_id))
        kind = kinds.get(question.kind)
        response = kind.parse_response(revision.spec, form)
        verdict = kind.grade(spec=revision.spec, response=response)
        answer = Answer.objects.create(
            attempt=locked,
            question=question,
            revision=revision,
            position=position,
            response=response,
            correct=verdict.correct,
            score=verdict.score,
            feedback=list(verdict.feedback),
            answered_at=now or timezone.now(),
        )
    return QuestionView(locked, position, question, revision, answer, question.answered + 1)


def _revision_current(question: Question, revision_id: int) -> Revision:
    """The question's current revision, read with the question already, when the form answered
    was shown with it (`revision_id`). An earlier revision of the question raises
    `StaleRevision`: grading against a key since corrected would store a verdict the editor has
    withdrawn. Any other id (none, another question's) raises `AttemptError`."""
    if revision_id and revision_id == question.current_revision_id:
        return question.current_revision
    if revision_id and question.revisions.filter(pk=revision_id).exists():
        raise StaleRevision(STALE_REVISION)
    raise AttemptError(FOREIGN_REVISION)


def _pk(value: str | int | None) -> int:
    """A posted id as a number; 0, which names no row, when it is not one."""
    return strict_id(value) or 0


def attempt_score(*, points: float | None, total: int) -> float:
    """An attempt's score: the sum of its answers' scores over its number of questions, 0..1,
    rounded to 4 places. Used when it is finished and when a regrade changes one of its answers."""
    return round((points or 0.0) / total, 4)


def attempt_finish(*, attempt: Attempt | QuerySet[Attempt], now: datetime | None = None) -> Attempt:
    """Close the attempt at `now` (default: the current time) and store its score. Finishing
    twice returns the same result.

    `attempt` is the attempt or a query that selects it, read here with its student, locked
    (`Attempt.DoesNotExist` when the query selects nothing), as by `answer_submit`.
    """
    rows = attempt if isinstance(attempt, QuerySet) else Attempt.objects.filter(pk=attempt.pk)
    with transaction.atomic():
        locked = rows.select_related("student").select_for_update(of=("self",)).get()
        if locked.finished_at is not None:
            return locked
        totals = locked.answers.aggregate(n=Count("pk"), points=Sum("score"))
        if totals["n"] < locked.total:
            raise AttemptError(NOT_ALL_ANSWERED)
        locked.score = attempt_score(points=totals["points"], total=locked.total)
        locked.finished_at = now or timezone.now()
        locked.save(update_fields=["score", "finished_at"])
        # In the same transaction: the review app turns the missed questions into cards.
        attempt_finished.send(sender=Attempt, attempt=locked)
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
