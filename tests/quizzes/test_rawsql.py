"""The hand-written statements (quizzes/rawsql.py) build the same instances the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model
from django.utils import timezone

from course.models import Section
from quizzes import attempts, rawsql, review
from quizzes.models import Attempt, Card, Question, Quiz, ReviewSettings
from tests.quizzes.helpers import answer_form

pytestmark = pytest.mark.django_db


def values(instance: Model) -> dict:
    """Every column's value as the instance gives it (deferred ones are loaded on access)."""
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def assert_same(raw: Model, orm: Model) -> None:
    assert type(raw) is type(orm) and raw.pk == orm.pk
    assert values(raw) == values(orm)


def taken(student, answered: int = 2) -> Attempt:
    quiz = Quiz.objects.filter(items__isnull=False).order_by("position").first()
    attempt = attempts.attempt_start(student=student, quiz=quiz)
    for position in range(answered):
        question = Question.objects.select_related("current_revision").get(pk=attempt.question_ids[position])
        form = answer_form(question.current_revision)
        attempts.answer_submit(student=student, attempt_id=attempt.pk, position=position, revision_id=form.pop("revision"),
                               form={name: value if isinstance(value, list) else [str(value)] for name, value in form.items()})
    return attempt


def test_own_attempt_is_the_orms_with_quiz_and_section(loaded_banks, student, other_student):
    attempt = taken(student)
    raw = attempts.own_attempt(student, attempt.pk)
    orm = Attempt.objects.select_related("quiz__section").get(pk=attempt.pk)
    assert_same(raw, orm)
    assert_same(raw.quiz, orm.quiz)
    assert_same(raw.quiz.section, orm.quiz.section)
    assert isinstance(raw.question_ids, list) and isinstance(raw.started_at, dt.datetime)
    assert timezone.is_aware(raw.started_at)
    assert attempts.own_attempt(other_student, attempt.pk) is None


def test_the_question_read_is_the_orms(loaded_banks, student):
    attempt = taken(student, answered=1)
    for position, answered in ((0, True), (1, False)):
        view = attempts.question_view(attempt, position)
        question = Question.objects.select_related("section", "current_revision").get(pk=attempt.question_ids[position])
        assert_same(view.question, question)
        assert_same(view.question.section, question.section)
        assert_same(view.revision, question.current_revision)
        if answered:
            assert_same(view.answer, attempt.answers.get(question=question))
        else:
            assert view.answer is None
        assert view.answered == 1


def test_cards_and_settings_are_the_orms(loaded_banks, student, other_student):
    now = timezone.now()
    review.cards_add(student=student, questions=review.reviewable(Question.objects.all()), now=now)
    queue = review.next_card(student=student, now=now)
    orm = Card.objects.select_related("question__section", "question__current_revision").get(pk=queue.card.pk)
    for raw in (queue.card, review.own_card(student, queue.card.pk)):
        assert_same(raw, orm)
        assert_same(raw.question, orm.question)
        assert_same(raw.question.section, orm.question.section)
        assert_same(raw.question.current_revision, orm.question.current_revision)
    assert review.own_card(other_student, queue.card.pk) is None
    assert_same(review.settings_for(student), ReviewSettings.objects.get(student=student))


def test_a_rated_cards_new_state_reads_back_as_the_orm_saved_it(loaded_banks, student):
    now = timezone.now()
    review.cards_add(student=student, questions=review.reviewable(Question.objects.all()), now=now)
    card = review.next_card(student=student, now=now).card
    token = review.card_token(card, shown_at=now - dt.timedelta(seconds=5))
    recorded = review.review_record(student=student, card_id=card.pk, rating=3, token=token, now=now)
    assert_same(recorded.card, Card.objects.get(pk=card.pk))
    assert recorded.card.last_review == now and recorded.card.version == card.version + 1


def test_param_and_converted_round_trip_through_the_database(student):
    moment = timezone.now().replace(microsecond=123456)
    assert rawsql.converted(Card, "due", rawsql.param(Card, "due", moment)) == moment
    assert rawsql.converted(Section, "central", rawsql.param(Section, "central", True)) is True
