"""The hand-written statements (quizzes/rawsql.py) build the same instances the ORM would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_init
from django.utils import timezone

from course.models import Section
from quizzes import attempts, rawsql
from review import progress, cards as review
from quizzes.models import Attempt, Question, Quiz
from review.models import Card, ReviewSettings
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


# --- the instances a row makes -------------------------------------------------------------


def state(instance) -> dict:
    """The instance's __dict__ and its state's (an empty cache of related objects is made on
    first use: Model.__init__ makes it when it sets a foreign key)."""
    values = dict(vars(instance))
    model_state = {key: value for key, value in vars(values.pop("_state")).items() if value != {}}
    return {**values, "_state": model_state}


def fetch(columns: rawsql.Columns) -> list[tuple]:
    """Every row of the columns' table."""
    alias = columns.sql.split(".", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM {rawsql.table(columns.model)} AS {alias}")
        return cursor.fetchall()


@pytest.mark.parametrize(
    "columns", [attempts._QUIZ, attempts._QUIZ_SECTION, rawsql.Columns(Quiz, "x", leave_out=("title",))]
)
def test_an_instance_is_that_of_from_db(loaded_banks, columns):
    """Its fields (but those left out, deferred), its state; a foreign key still loads its object."""
    rows = fetch(columns)
    assert rows
    for row in rows:
        made = columns.instance(row)
        expected = columns.model.from_db(connection.alias, columns.attnames, list(row))
        assert state(made) == state(expected) and made == expected
        assert made.get_deferred_fields() == expected.get_deferred_fields()
    quiz = rawsql.Columns(Quiz, "x").instance(fetch(rawsql.Columns(Quiz, "x"))[0])
    assert quiz.section == Section.objects.get(pk=quiz.section_id)


def test_every_hand_written_statement_makes_its_instances_without_init():
    for columns in (attempts._QUIZ, attempts._QUIZ_SECTION,  
                    attempts._QUESTION, attempts._REVISION, attempts._ANSWER, attempts._ATTEMPT,
                    review._SETTINGS, review._CARD, review._QUESTION, review._SECTION, review._REVISION,
                    progress._PROGRESS_SECTION):
        assert columns.plain, columns.model


def test_with_a_post_init_receiver_instances_go_through_init(loaded_banks):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Quiz)
    try:
        quiz = attempts._QUIZ.instance(fetch(attempts._QUIZ)[0])
    finally:
        post_init.disconnect(receiver, sender=Quiz)
    assert seen == [quiz]


def test_a_converted_value_is_the_orms(loaded_banks, student):
    attempt = Attempt.objects.create(student=student, quiz=Quiz.objects.get(slug="alpha"), question_ids=[],
                                     seed=1, score=0.5, finished_at="2026-01-02T10:00:00Z")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rawsql.column(Attempt, 'finished_at')} FROM {rawsql.table(Attempt)}")
        (raw,) = cursor.fetchone()
    for _ in range(2):  # the converters are looked up once, then reused
        assert rawsql.converted(Attempt, "finished_at", raw) == Attempt.objects.get(pk=attempt.pk).finished_at


def test_relate_caches_the_related_object_as_the_descriptor_does(loaded_banks):
    row = fetch(attempts._QUIZ)[0]
    section_id = Quiz.objects.get(pk=row[0]).section_id
    section_row = next(r for r in fetch(attempts._QUIZ_SECTION) if r[0] == section_id)
    related, assigned = attempts._QUIZ.instance(row), attempts._QUIZ.instance(row)
    section, other = (attempts._QUIZ_SECTION.instance(section_row) for _ in range(2))
    rawsql.relate(related, "section", section)
    assigned.section = other
    assert state(related) == state(assigned) and related.section is section and section.quiz is related
    assert other.quiz is assigned
    lonely = attempts._QUIZ.instance(row)
    rawsql.relate(lonely, "section", None)
    assert lonely.section is None
