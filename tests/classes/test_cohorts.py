"""Classes: create, join with a code (at signup or later), roster, assignments, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from classes.models import Assignment, Cohort, Enrolment
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


def test_a_trainer_creates_a_class_and_gets_a_join_code(trainer_client, trainer, course):
    response = trainer_client.post(
        reverse("trainer:cohort-create"),
        {"name": "Promo novembre", "starts_on": "2026-11-23", "ends_on": "2026-11-27"},
    )
    cohort = Cohort.objects.get()
    assert response.status_code == 302 and response.url == cohort.get_absolute_url()
    assert list(cohort.trainers.all()) == [trainer]
    assert len(cohort.join_code) == 8 and not set(cohort.join_code) & set("01OIL")
    page = trainer_client.get(response.url).content.decode()
    assert cohort.join_code in page and reverse("join-code", args=[cohort.join_code]) in page


def test_a_class_cannot_end_before_it_starts(trainer_client, course):
    response = trainer_client.post(
        reverse("trainer:cohort-create"), {"name": "X", "starts_on": "2026-11-27", "ends_on": "2026-11-23"}
    )
    assert response.status_code == 400 and not Cohort.objects.exists()


def test_a_student_joins_at_signup_with_the_code(client, trainer, cohort_factory):
    cohort = cohort_factory(trainer=trainer)
    response = client.post(
        reverse("signup"),
        {
            "username": "lea",
            "password1": "un-long-mot-de-passe-42",
            "password2": "un-long-mot-de-passe-42",
            "join_code": cohort.join_code.lower(),
        },
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(cohort=cohort, student__username="lea").exists()


def test_signup_with_a_wrong_code_creates_nobody(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "lea",
            "password1": "un-long-mot-de-passe-42",
            "password2": "un-long-mot-de-passe-42",
            "join_code": "NOPE1234",
        },
    )
    assert response.status_code == 400 and not User.objects.exists()


def test_a_student_joins_later_by_code_or_link(student_client, student, trainer, cohort_factory, client):
    cohort = cohort_factory(trainer=trainer)
    assert student_client.get(reverse("join-code", args=[cohort.join_code])).status_code == 200
    response = student_client.post(reverse("join"), {"code": f" {cohort.join_code} "})
    assert response.status_code == 302
    assert (
        student_client.post(reverse("join"), {"code": cohort.join_code}).status_code == 302
    )  # twice: harmless
    assert Enrolment.objects.filter(cohort=cohort, student=student).count() == 1
    assert student_client.post(reverse("join"), {"code": "ZZZZZZZZ"}).status_code == 400
    client.logout()
    anonymous = client.get(reverse("join-code", args=[cohort.join_code]))
    assert anonymous.url == f"{reverse('signup')}?code={cohort.join_code}"


def test_the_trainer_removes_a_student(trainer_client, trainer, student, cohort_factory):
    cohort = cohort_factory(trainer=trainer, students=[student])
    response = trainer_client.post(reverse("trainer:student-remove", args=[cohort.pk, student.pk]))
    assert response.status_code == 302 and not cohort.enrolments.exists()
    assert (
        trainer_client.post(reverse("trainer:student-remove", args=[cohort.pk, student.pk])).status_code
        == 404
    )


def test_assigned_work_shows_on_the_students_home_with_its_deadline(
    trainer_client, trainer, student, student_client, cohort_factory, loaded_banks
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    quiz = Quiz.objects.get(slug="alpha")
    now = timezone.now()
    response = trainer_client.post(
        reverse("trainer:assignment-add", args=[cohort.pk]),
        {
            "quiz": quiz.pk,
            "opens_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "due_at": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(cohort=cohort, quiz=quiz).exists()
    html = student_client.get(reverse("home")).content.decode()
    assert "Assigné par votre formateur" in html and "à faire" in html


def test_an_assignment_due_before_it_opens_is_refused(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer)
    response = trainer_client.post(
        reverse("trainer:assignment-add", args=[cohort.pk]),
        {
            "quiz": Quiz.objects.get(slug="alpha").pk,
            "opens_at": "2026-11-27T10:00",
            "due_at": "2026-11-27T09:00",
        },
    )
    assert response.status_code == 400 and not Assignment.objects.exists()


def test_a_class_can_have_several_trainers(trainer_client, trainer, user_factory, cohort_factory, client):
    cohort = cohort_factory(trainer=trainer)
    colleague = user_factory(username="colleague", groups=("trainers",))
    user_factory(username="not-a-trainer")
    url = reverse("trainer:trainer-add", args=[cohort.pk])
    trainer_client.post(url, {"username": "not-a-trainer"})
    assert list(cohort.trainers.all()) == [trainer]
    assert trainer_client.post(url, {"username": "colleague"}).status_code == 302
    assert set(cohort.trainers.all()) == {trainer, colleague}
    client.force_login(colleague)
    assert client.get(reverse("trainer:report-overview", args=[cohort.pk])).status_code == 200


def test_releasing_an_answer_key_reads_the_assignment_and_its_quiz_at_once(
    trainer_client, trainer, cohort_factory, loaded_banks, django_assert_num_queries
):
    cohort, other = cohort_factory(trainer=trainer), cohort_factory(trainer=trainer)
    now = timezone.now()
    quiz = Quiz.objects.get(slug="alpha")
    assignment = Assignment.objects.create(
        cohort=cohort, quiz=quiz, opens_at=now, due_at=now + dt.timedelta(days=1)
    )
    url = reverse("trainer:assignment-answer-key", args=[cohort.pk, assignment.pk])
    # session, user, the trainer's group, the cohort, the assignment with its quiz, the update
    with django_assert_num_queries(6):
        response = trainer_client.post(url, {"released": "1"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.answer_key_released
    assert quiz.title in str(next(iter(get_messages(response.wsgi_request))))
    elsewhere = reverse("trainer:assignment-answer-key", args=[other.pk, assignment.pk])
    assert trainer_client.post(elsewhere, {"released": "0"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.answer_key_released
