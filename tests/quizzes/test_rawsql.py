"""quizzes.rawsql: the instances a row makes are those the ORM makes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_init

from course.models import Section
from quizzes import attempts, rawsql, review
from quizzes.models import Attempt, Quiz

pytestmark = pytest.mark.django_db


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
    for columns in (attempts._QUIZ, attempts._QUIZ_SECTION, attempts._ASSIGNMENT, attempts._COHORT,
                    attempts._QUESTION, attempts._REVISION, attempts._ANSWER, review._SETTINGS, review._CARD):
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
