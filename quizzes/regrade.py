"""Regrading, as Moodle does: a question's past answers graded again against its current key.

An answer is graded against the revision it was shown (README, "Content lives in revisions"),
so correcting a key changes nobody's score by itself. When an editor regrades the question,
every past answer is graded again by its kind with the current revision's spec, exactly as a new
answer would be, and pointed at that revision; each finished attempt it belongs to gets its
score worked out again as `attempts.attempt_finish` works it out. A dry run reports what would
change first; the write keeps what it replaced in `AnswerRegrade` rows, in the same transaction.
Regrading twice changes nothing the second time: an answer already graded against the current
revision, with the verdict its grader gives, is left alone.

The comparison is pure (`regrade_plan` over `PastAnswer` values); `answers_regrade` reads the
answers, calls it, and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from quizzes import kinds
from quizzes.attempts import attempt_score
from quizzes.kinds import Verdict
from quizzes.models import Answer, AnswerRegrade, Attempt, Question

#: What a grader may raise on a stored response that the current spec no longer fits (a list
#: where a mapping was, a key of a choice since removed, an unhashable pick...).
UNFIT_RESPONSE_ERRORS = (AttributeError, KeyError, IndexError, TypeError, ValueError, ArithmeticError)


def grade_stored(*, kind: str, spec: Mapping[str, Any], response: Any) -> Verdict:
    """The kind's verdict on a stored response, against `spec`. A response that does not fit the
    spec any more (a choice that no longer exists, a shape the kind does not read) is wrong:
    score 0, never an error."""
    if not isinstance(response, Mapping):
        return Verdict(correct=False, score=0.0)
    try:
        return kinds.get(kind).grade(spec=spec, response=response)
    except UNFIT_RESPONSE_ERRORS:  # kinds.InvalidResponse is a ValueError
        return Verdict(correct=False, score=0.0)


@dataclass(frozen=True)
class PastAnswer:
    """An answer as it stands before the regrade, in plain values."""

    pk: int
    attempt_id: int
    student_id: int
    student: str  # as the dry run names them
    started_at: datetime
    finished: bool  # whether its attempt is finished (and so has a score)
    revision_id: int
    revision_number: int
    response: Any
    score: float
    correct: bool
    feedback: list[str]
    attempt_total: int  # questions in its attempt
    attempt_score: float | None  # None while the attempt is open
    other_points: float  # the scores of the attempt's other answers, summed


@dataclass(frozen=True)
class AnswerChange:
    """One answer the regrade changes: as it was, its new verdict, and its attempt's new score."""

    before: PastAnswer
    verdict: Verdict
    attempt_score: float | None  # after the regrade; None while the attempt is open

    @property
    def rescored(self) -> bool:
        """Whether its score or its verdict changes (not only its revision or feedback)."""
        return (self.verdict.score, self.verdict.correct) != (self.before.score, self.before.correct)

    @property
    def attempt_rescored(self) -> bool:
        return self.before.finished and self.attempt_score != self.before.attempt_score


@dataclass(frozen=True)
class StudentChanges:
    """The answers of one student that the regrade rescores, attempt by attempt."""

    student: str
    changes: tuple[AnswerChange, ...]


@dataclass(frozen=True)
class RegradeReport:
    """What a regrade of one question changes (a dry run) or changed (`applied`)."""

    uid: str
    revision_number: int | None  # the current revision, graded against; None: nothing to grade with
    answers: int  # the question's answers, changed or not
    changes: tuple[AnswerChange, ...]  # every answer that changes in any way, by student
    applied: bool = False

    @property
    def rescored(self) -> tuple[AnswerChange, ...]:
        """The answers whose score or verdict changes."""
        return tuple(change for change in self.changes if change.rescored)

    @property
    def refreshed(self) -> int:
        """The answers that only move to the current revision (or get its feedback), same score."""
        return len(self.changes) - len(self.rescored)

    @property
    def attempts_rescored(self) -> int:
        """The finished attempts whose score changes."""
        return sum(1 for change in self.changes if change.attempt_rescored)

    @property
    def by_student(self) -> list[StudentChanges]:
        """The rescored answers, and those whose attempt's score changes, grouped by student."""
        groups: dict[int, list[AnswerChange]] = {}
        for change in self.changes:
            if change.rescored or change.attempt_rescored:
                groups.setdefault(change.before.student_id, []).append(change)
        return [StudentChanges(changes[0].before.student, tuple(changes)) for changes in groups.values()]


def regrade_plan(
    *, kind: str, spec: Mapping[str, Any], revision_id: int, answers: Iterable[PastAnswer]
) -> tuple[AnswerChange, ...]:
    """The answers that grading against `spec` (that of revision `revision_id`) changes, in the
    order given: those whose score, verdict or feedback differ from the kind's verdict now, or
    that were graded against another revision. A finished attempt's new score is its other
    answers' scores plus the new one, over its questions, as `attempt_finish` computes it."""
    changes = []
    for answer in answers:
        verdict = grade_stored(kind=kind, spec=spec, response=answer.response)
        same = (
            answer.revision_id == revision_id
            and (answer.score, answer.correct) == (verdict.score, verdict.correct)
            and list(answer.feedback) == list(verdict.feedback)
        )
        if same:
            continue
        new_attempt_score = (
            attempt_score(points=answer.other_points + verdict.score, total=answer.attempt_total)
            if answer.finished
            else None
        )
        changes.append(AnswerChange(before=answer, verdict=verdict, attempt_score=new_attempt_score))
    return tuple(changes)


def _past(answer: Answer) -> PastAnswer:
    attempt = answer.attempt
    return PastAnswer(
        pk=answer.pk,
        attempt_id=attempt.pk,
        student_id=attempt.student_id,
        student=attempt.student.get_full_name() or attempt.student.get_username(),
        started_at=attempt.started_at,
        finished=attempt.finished_at is not None,
        revision_id=answer.revision_id,
        revision_number=answer.revision_number,
        response=answer.response,
        score=answer.score,
        correct=answer.correct,
        feedback=list(answer.feedback or []),
        attempt_total=attempt.total,
        attempt_score=attempt.score,
        other_points=answer.other_points,
    )


def _plan(question: Question) -> tuple[RegradeReport, dict[int, Answer]]:
    """The report of a regrade of `question` (read with its current revision), and the answers it
    changes by pk. One query: the answers (`Answer.objects.for_regrade`)."""
    revision = question.current_revision
    if revision is None or not kinds.is_graded(question.kind):
        # Nothing to grade against, or a kind that grades nothing (a flashcard): leave it be.
        return RegradeReport(uid=question.uid, revision_number=None, answers=0, changes=()), {}
    answers = list(Answer.objects.for_regrade(question))
    changes = regrade_plan(
        kind=question.kind, spec=revision.spec, revision_id=revision.pk, answers=map(_past, answers)
    )
    report = RegradeReport(
        uid=question.uid, revision_number=revision.number, answers=len(answers), changes=changes
    )
    changed = {change.before.pk for change in changes}
    return report, {answer.pk: answer for answer in answers if answer.pk in changed}


def answers_regrade(*, question: Question, user, dry_run: bool) -> RegradeReport:
    """Grade every past answer to `question` again against its current revision.

    With `dry_run`, only report what would change (two queries: the question, its answers).
    Otherwise, in one transaction: lock the question (two regrades run one after the other) and
    the attempts that answered it (as `answer_submit` and `attempt_finish` do, so that no
    attempt is finished with a score the regrade is about to change), then update each changed
    answer's score, verdict and feedback and point it at the current revision, keep what it
    replaced in an `AnswerRegrade` row (by `user`), and store each finished attempt's new score.
    Returns the report, `applied` when something was written; regrading again changes nothing.
    """
    rows = Question.objects.select_related("current_revision")
    if dry_run:
        return _plan(rows.get(pk=question.pk))[0]
    with transaction.atomic():
        locked = rows.select_for_update(of=("self",)).get(pk=question.pk)
        # Evaluated for the locks alone (SQLite has none: its write transactions run one at a time).
        list(
            Attempt.objects.select_for_update()
            .filter(pk__in=Answer.objects.filter(question=locked).values("attempt_id"))
            .values_list("pk", flat=True)
        )
        report, answers = _plan(locked)
        if not report.changes:
            return report
        now = timezone.now()
        revision = locked.current_revision
        by = user if user is not None and user.is_authenticated else None
        history, attempts = [], []
        for change in report.changes:
            answer, before = answers[change.before.pk], change.before
            answer.score, answer.correct = change.verdict.score, change.verdict.correct
            answer.feedback, answer.revision = list(change.verdict.feedback), revision
            if change.attempt_rescored:
                answer.attempt.score = change.attempt_score
                attempts.append(answer.attempt)
            history.append(
                AnswerRegrade(
                    answer=answer,
                    old_revision_id=before.revision_id,
                    new_revision=revision,
                    old_score=before.score,
                    new_score=change.verdict.score,
                    old_correct=before.correct,
                    new_correct=change.verdict.correct,
                    old_feedback=before.feedback,
                    old_attempt_score=before.attempt_score,
                    new_attempt_score=change.attempt_score,
                    regraded_at=now,
                    regraded_by=by,
                )
            )
        # The response is unchanged, so `picked` (kept by a pre_save signal) needs no update.
        Answer.objects.bulk_update(answers.values(), ["score", "correct", "feedback", "revision"])
        Attempt.objects.bulk_update(attempts, ["score"])
        AnswerRegrade.objects.bulk_create(history)
    return replace(report, applied=True)
