"""Taking a quiz: start or resume an attempt, answer one question at a time, finish.

Each write is one transaction that locks the attempt row, so a double click, a resubmitted
form or two tabs cannot answer the same question twice or finish an attempt twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.models import Section
from quizzes import kinds, rawsql
from quizzes.signals import attempt_finished
from quizzes.models import Answer, Attempt, Question, Quiz, QuizItem, Revision


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


# The quizzes with their section (but its notes), their item count and the student's figures on
# each, a row per quiz: `_quizzes_read`, for the home and the quiz page. The figures are worked
# out by the database from the attempt index (student, quiz, finished_at), not folded here: a
# student may have hundreds of attempts. Of attempts finished at the same time, the last score is
# that of the one started first; the open attempt is the one started last.
_QUIZ = rawsql.Columns(Quiz, "z")
_QUIZ_SECTION = rawsql.Columns(Section, "s")
_ATTEMPTS = f"{rawsql.table(Attempt)} AS t WHERE t.student_id = %(student)s AND t.quiz_id = z.id"
_QUIZZES_SQL = f"""SELECT {_QUIZ.sql}, {_QUIZ_SECTION.sql},
    (SELECT COUNT(*) FROM {rawsql.table(QuizItem)} AS i WHERE i.quiz_id = z.id),
    r.best_score, r.attempt_count, r.first_finished, r.last_finished,
    (SELECT t.score FROM {_ATTEMPTS} AND t.finished_at IS NOT NULL
        ORDER BY t.finished_at DESC, t.started_at, t.id LIMIT 1),
    (SELECT t.id FROM {_ATTEMPTS} AND t.finished_at IS NULL ORDER BY t.started_at DESC, t.id DESC LIMIT 1)
FROM {rawsql.table(Quiz)} AS z
LEFT JOIN {rawsql.table(Section)} AS s ON s.id = z.section_id
LEFT JOIN (
    SELECT t.quiz_id, MAX(CASE WHEN t.finished_at IS NOT NULL THEN t.score END) AS best_score,
        COUNT(t.finished_at) AS attempt_count, MIN(t.finished_at) AS first_finished,
        MAX(t.finished_at) AS last_finished
    FROM {rawsql.table(Attempt)} AS t WHERE t.student_id = %(student)s GROUP BY t.quiz_id
) AS r ON r.quiz_id = z.id
{{where}}ORDER BY z.position, z.slug"""
_QUIZZES_ALL_SQL = _QUIZZES_SQL.format(where="")
_QUIZZES_ONE_SQL = _QUIZZES_SQL.format(where="WHERE z.slug = %(slug)s\n")


def _quizzes_read(student, *, slug: str | None = None) -> tuple[dict[int, Quiz], dict[int, datetime | None]]:
    """The quizzes in order (or the one of `slug`) with their section, `question_count` (None for
    an empty quiz) and the student's figures on each, for the templates: `best_score`,
    `last_score`, `last_finished`, `attempt_count` (finished attempts) and `open_attempt` (the pk
    of the unfinished attempt started last); and when the student first finished each. One
    query."""
    with connection.cursor() as cursor:
        if slug is None:
            cursor.execute(_QUIZZES_ALL_SQL, {"student": student.pk})
        else:
            cursor.execute(_QUIZZES_ONE_SQL, {"student": student.pk, "slug": slug})
        rows = cursor.fetchall()
    quizzes: dict[int, Quiz] = {}
    first_finished: dict[int, datetime | None] = {}
    width = len(_QUIZ) + len(_QUIZ_SECTION)
    for row in rows:
        quiz, section = rawsql.instances(row, _QUIZ, _QUIZ_SECTION)
        rawsql.relate(quiz, "section", section)
        count, quiz.best_score, finished, first, last, quiz.last_score, quiz.open_attempt = row[width:]
        quiz.question_count, quiz.attempt_count = count or None, finished or 0
        quiz.last_finished = None if last is None else rawsql.converted(Attempt, "finished_at", last)
        first_finished[quiz.pk] = None if first is None else rawsql.converted(Attempt, "finished_at", first)
        quizzes[quiz.pk] = quiz
    return quizzes, first_finished


def student_quiz(student, slug: str) -> Quiz | None:
    """One non-empty quiz with the student's figures (the quiz page): one query, that of the
    home (`_quizzes_read`)."""
    quizzes, _first_finished = _quizzes_read(student, slug=slug)
    return next((quiz for quiz in quizzes.values() if quiz.question_count), None)


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


# --- hand-written SQL (see quizzes/rawsql.py for why) -------------------------------------------

# The question page leaves out what it does not show (`rawsql.UNSHOWN`).
_QUESTION = rawsql.Columns(Question, "q")
_SECTION = rawsql.Columns(Section, "s")
_REVISION = rawsql.Columns(Revision, "r")
_ANSWER = rawsql.Columns(Answer, "a")
# The revision shown is the answer's, else the one asked for if it is the question's, by default
# (none asked for) the current one.
_QUESTION_SQL = f"""SELECT {_QUESTION.sql}, {_SECTION.sql}, {_REVISION.sql}, {_ANSWER.sql},
    (SELECT COUNT(*) FROM {rawsql.table(Answer)} AS n WHERE n.attempt_id = %(attempt)s)
FROM {rawsql.table(Question)} AS q
JOIN {rawsql.table(Section)} AS s ON s.id = q.section_id
LEFT JOIN {rawsql.table(Answer)} AS a ON a.attempt_id = %(attempt)s AND a.question_id = q.id
LEFT JOIN {rawsql.table(Revision)} AS r
    ON r.question_id = q.id AND r.id = COALESCE(a.revision_id, %(revision)s, q.current_revision_id)
WHERE q.id = %(question)s"""


def _question_read(
    attempt: Attempt, position: int, *, revision_id: int | None = None
) -> tuple[Question, Revision | None, Answer | None, int]:
    """The question at `position` with its section, the revision shown (None when the one asked
    for is not the question's), its answer in this attempt and how many questions are answered."""
    params = {"attempt": attempt.pk, "question": attempt.question_ids[position], "revision": revision_id}
    with connection.cursor() as cursor:
        cursor.execute(_QUESTION_SQL, params)
        row = cursor.fetchone()
    if row is None:
        raise Question.DoesNotExist(f"No question {params['question']}.")
    question, section, revision, answer = rawsql.instances(row, _QUESTION, _SECTION, _REVISION, _ANSWER)
    rawsql.relate(question, "section", section)
    if answer is not None:
        rawsql.relate(answer, "revision", revision)
    return question, revision, answer, row[-1]


# One of the student's attempts (`Attempt.objects.visible_to`: only their own),
# with its quiz and the quiz's section, which the question page's heading names.
_ATTEMPT = rawsql.Columns(Attempt, "t")
_OWN_ATTEMPT = "t.id = %(attempt)s AND t.student_id = %(student)s"
_OWN_ATTEMPT_SQL = f"""SELECT {_ATTEMPT.sql}, {_QUIZ.sql}, {_QUIZ_SECTION.sql}
FROM {rawsql.table(Attempt)} AS t
JOIN {rawsql.table(Quiz)} AS z ON z.id = t.quiz_id
LEFT JOIN {rawsql.table(Section)} AS s ON s.id = z.section_id
WHERE {_OWN_ATTEMPT}"""


def own_attempt(student, pk: int) -> Attempt | None:
    """The student's attempt `pk` with its quiz and section; None if it is not theirs."""
    with connection.cursor() as cursor:
        cursor.execute(_OWN_ATTEMPT_SQL, {"attempt": pk, "student": student.pk})
        row = cursor.fetchone()
    if row is None:
        return None
    attempt, quiz, section = rawsql.instances(row, _ATTEMPT, _QUIZ, _QUIZ_SECTION)
    rawsql.relate(quiz, "section", section)
    rawsql.relate(attempt, "quiz", quiz)
    return attempt


def question_view(attempt: Attempt, position: int) -> QuestionView | None:
    """The question at `position` (0-based), or None when out of range. One query (`_QUESTION_SQL`):
    the question with its section, its answer in this attempt if any, the revision shown (the
    answer's, else the current one) and how many of the attempt's questions are answered."""
    if not 0 <= position < attempt.total:
        return None
    question, revision, answer, answered = _question_read(attempt, position)
    return QuestionView(attempt, position, question, revision, answer, answered)


# The student's attempt, locked to the end of the transaction on backends with row locks
# (SQLite has none: its write transactions, begun IMMEDIATE, run one at a time).
_LOCK_ATTEMPT_SQL = f"SELECT {_ATTEMPT.sql} FROM {rawsql.table(Attempt)} AS t WHERE {_OWN_ATTEMPT}"


def answer_submit(
    *,
    student,
    attempt_id: int,
    position: int,
    revision_id: str | int | None,
    form: Mapping[str, Sequence[str]],
) -> QuestionView:
    """Grade and save the answer to the question at `position`. Idempotent for a double submit.

    The student's attempt `attempt_id` is read here, locked (`Attempt.DoesNotExist` when it is
    not theirs). Returns the question with its answer, the first one for a double submit. Three
    queries for a new answer: the attempt, the question as `question_view` reads it (with the
    posted revision), the insert.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_ATTEMPT_SQL + lock, {"attempt": attempt_id, "student": student.pk})
            row = cursor.fetchone()
        if row is None:
            raise Attempt.DoesNotExist(f"No attempt {attempt_id} of this student.")
        locked = _ATTEMPT.instance(row)
        if not 0 <= position < locked.total:
            raise NoSuchQuestion(NOT_CURRENT)
        if locked.finished_at is not None:
            raise AttemptClosed(ATTEMPT_FINISHED)
        # Read after the lock, in a statement of its own: the answer of a request that held the
        # lock before is there.
        question, revision, answer, answered = _question_read(
            locked, position, revision_id=_pk(revision_id)
        )
        if answer is not None:  # the same form posted twice: the first answer stands
            return QuestionView(locked, position, question, revision, answer, answered)
        if position != answered:
            raise AttemptError(NOT_CURRENT)
        if revision is None:
            raise AttemptError(STALE_REVISION)
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
        )
    return QuestionView(locked, position, question, revision, answer, answered + 1)


def _pk(value: str | int | None) -> int:
    """A posted id as a number; 0, which names no row, when it is not one."""
    try:
        pk = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return pk if 0 < pk < 2**63 else 0


def attempt_finish(*, attempt: Attempt | QuerySet[Attempt]) -> Attempt:
    """Close the attempt and store its score. Finishing twice returns the same result.

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
        locked.score = round((totals["points"] or 0.0) / locked.total, 4)
        locked.finished_at = timezone.now()
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

