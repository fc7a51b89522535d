"""A backup restored gives back the same data and the same reports, and a bad file changes nothing."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from classes import reports
from classes.models import Assignment, Cohort
from quizzes.models import Answer, Attempt, Question, Quiz
from review import cards as review
from review.models import Card, Review, ReviewDay
from tests.classes.test_trainer_reports import finished_attempt

pytestmark = pytest.mark.django_db


def report_snapshot(cohort, quiz, now):
    overview = reports.overview(cohort, now=now)
    _students, _sections, heat = reports.heatmap(cohort, at=now)
    test, items = reports.item_analysis(cohort, quiz, which="all")
    return (
        sorted((k, vars(v)) for k, v in overview.cells.items()),
        sorted((k, vars(v)) for k, v in heat.items()),
        test,
        [(i.question.uid, i.stats, i.choices) for i in items],
    )


def test_backup_then_restore_gives_identical_reports(
    loaded_banks, trainer, user_factory, cohort_factory, tmp_path
):
    now = timezone.now()
    ann, bob = user_factory(username="ann"), user_factory(username="bob")
    cohort = cohort_factory(trainer=trainer, students=[ann, bob])
    alpha = Quiz.objects.get(slug="alpha")
    Assignment.objects.create(cohort=cohort, quiz=alpha, opens_at=now - dt.timedelta(days=2), due_at=now)
    finished_attempt(ann, alpha, scores=[1, 0, 1], finished=now - dt.timedelta(hours=3))
    finished_attempt(bob, alpha, scores=[0, 0, 1], finished=now - dt.timedelta(hours=2))
    review.cards_add(student=ann, questions=Question.objects.all())
    card = Card.objects.filter(student=ann).first()
    review.review_record(
        student=ann, card_id=card.pk, rating=4, token=review.card_token(card, shown_at=now), now=now
    )
    before = report_snapshot(cohort, alpha, now + dt.timedelta(days=1))
    counts = [m.objects.count() for m in (Attempt, Answer, Card, Review, Question, Cohort)]
    days = list(ReviewDay.objects.values_list("student__username", "day", "reviews", "new_cards"))
    assert days  # ann's rating

    path = tmp_path / "rappel.json.gz"
    call_command("backup", str(path))
    Attempt.objects.all().delete()
    Card.objects.all().delete()
    cohort.enrolments.all().delete()
    ReviewDay.objects.update(reviews=99)  # a rollup out of step with the log: restore sums it again
    call_command("restore", str(path), "--yes")

    cohort = Cohort.objects.get(pk=cohort.pk)
    assert [m.objects.count() for m in (Attempt, Answer, Card, Review, Question, Cohort)] == counts
    assert list(ReviewDay.objects.values_list("student__username", "day", "reviews", "new_cards")) == days
    after = report_snapshot(cohort, Quiz.objects.get(slug="alpha"), now + dt.timedelta(days=1))
    for part_before, part_after in zip(before, after, strict=True):
        assert part_after == part_before
    # New rows still get fresh ids after a restore (sequences were reset).
    assert user_factory(username="carol").pk > bob.pk


def test_a_broken_backup_changes_nothing(loaded_banks, tmp_path):
    path = tmp_path / "broken.json.gz"
    with gzip.open(path, "wt") as stream:
        stream.write('[{"model": "quizzes.question", "pk": 1, "fields": {"uid": ')
    before = Question.objects.count()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(path), "--yes")
    assert Question.objects.count() == before
