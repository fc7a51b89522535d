"""Dates people type stay within 2000-01-01 .. 2100-12-31, so one date cannot break a class.

The datetime widget accepts 0001-01-01T00:00. In Paris that is a UTC instant in year 0:
PostgreSQL stored it as a BC timestamp that Python cannot read back (the class's home pages,
the trainer's pages, the admin and `backup` then failed), SQLite raised OverflowError (500).
"""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, connection
from django.urls import reverse
from django.utils import formats, timezone, translation

from classes.models import Assignment, Cohort
from course import dates
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db

OUT_OF_RANGE_TYPED = ["0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00", "9999-12-31T23:59"]


def out_of_range_message() -> str:
    with translation.override("fr"):
        bounds = {
            "earliest": formats.date_format(dates.EARLIEST, "SHORT_DATE_FORMAT"),
            "latest": formats.date_format(dates.LATEST, "SHORT_DATE_FORMAT"),
        }
        return str(dates.OUT_OF_RANGE % bounds)


@pytest.mark.parametrize("typed", OUT_OF_RANGE_TYPED)
@pytest.mark.parametrize("field", ["opens_at", "due_at"])
def test_an_assignment_date_out_of_range_is_refused_and_the_class_still_works(
    trainer_client, trainer, student, student_client, cohort_factory, loaded_banks, field, typed
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    data = {
        "quiz": Quiz.objects.get(slug="alpha").pk,
        "opens_at": "2026-11-27T09:00",
        "due_at": "2026-11-27T18:00",
    }
    if field == "opens_at" and typed > data["due_at"]:
        data["due_at"] = "9999-12-31T23:59"
    response = trainer_client.post(reverse("trainer:assignment-add", args=[cohort.pk]), data | {field: typed})
    assert response.status_code == 400
    assert out_of_range_message() in response.content.decode()
    assert not Assignment.objects.exists()
    assert student_client.get(reverse("home")).status_code == 200
    assert trainer_client.get(cohort.get_absolute_url()).status_code == 200


def test_the_assignment_form_says_the_range(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer)
    html = trainer_client.get(cohort.get_absolute_url()).content.decode()
    with translation.override("fr"):
        assert dates.range_help() in html
    assert "01/01/2000" in html and "31/12/2100" in html


def test_the_edges_of_the_range_are_accepted(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer)
    data = {
        "quiz": Quiz.objects.get(slug="alpha").pk,
        "opens_at": "2000-01-01T00:00",
        "due_at": "2100-12-31T23:59",
    }
    assert trainer_client.post(reverse("trainer:assignment-add", args=[cohort.pk]), data).status_code == 302
    assert Assignment.objects.get().opens_at == dt.datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("starts_on", "ends_on"), [("0001-01-01", "2026-11-27"), ("2026-11-23", "2101-01-01")]
)
def test_a_class_with_dates_out_of_range_is_refused(trainer_client, course, starts_on, ends_on):
    response = trainer_client.post(
        reverse("trainer:cohort-create"), {"name": "X", "starts_on": starts_on, "ends_on": ends_on}
    )
    assert response.status_code == 400 and not Cohort.objects.exists()
    assert out_of_range_message() in response.content.decode()


def test_the_models_refuse_dates_out_of_range(trainer, cohort_factory, loaded_banks):
    """full_clean (the admin's ModelForms, any code that validates) applies the same range."""
    cohort = cohort_factory(trainer=trainer)
    paris = ZoneInfo("Europe/Paris")
    assignment = Assignment(
        cohort=cohort,
        quiz=Quiz.objects.get(slug="alpha"),
        opens_at=dt.datetime(1, 1, 1, tzinfo=paris),
        due_at=dt.datetime(2026, 11, 27, tzinfo=paris),
    )
    with pytest.raises(ValidationError) as error:
        assignment.full_clean()
    assert set(error.value.message_dict) == {"opens_at"}
    cohort.starts_on = dt.date(1, 1, 1)
    with pytest.raises(ValidationError) as error:
        cohort.full_clean()
    assert set(error.value.message_dict) == {"starts_on"}


def test_the_admin_refuses_an_assignment_date_out_of_range(
    client, user_factory, trainer, cohort_factory, loaded_banks
):
    admin = user_factory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    cohort = cohort_factory(trainer=trainer)
    response = client.post(
        reverse("admin:classes_assignment_add"),
        {
            "cohort": cohort.pk,
            "quiz": Quiz.objects.get(slug="alpha").pk,
            "opens_at_0": "01/01/0001",
            "opens_at_1": "00:00",
            "due_at_0": "27/11/2026",
            "due_at_1": "18:00",
        },
    )
    assert response.status_code == 200
    assert out_of_range_message() in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a BC timestamp exists only in PostgreSQL")
def test_the_migration_repairs_a_class_broken_by_a_bc_timestamp(
    trainer, student, student_client, cohort_factory, loaded_banks, tmp_path
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    now = timezone.now()
    assignment = Assignment.objects.create(
        cohort=cohort, quiz=Quiz.objects.get(slug="alpha"), opens_at=now, due_at=now + dt.timedelta(days=1)
    )
    # As the form stored it before the bound: year 1 in Paris is year 0 (1 BC) in UTC.
    Assignment.objects.filter(pk=assignment.pk).update(
        opens_at=dt.datetime(1, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))
    )
    with pytest.raises(DataError):  # what made every page of the class fail
        Assignment.objects.get(pk=assignment.pk)
    backup = tmp_path / "rappel.jsonl.gz"
    with pytest.raises(DataError):  # and the backup: which now leaves no file behind
        call_command("backup", str(backup))
    assert list(tmp_path.iterdir()) == []
    migration = importlib.import_module("classes.migrations.0003_date_bounds_and_key_release")
    migration.bring_dates_into_range(apps, None)
    assert Assignment.objects.get(pk=assignment.pk).opens_at == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert student_client.get(reverse("home")).status_code == 200
    call_command("backup", str(backup))
    assert backup.exists()


def test_the_user_admin_refuses_a_date_joined_out_of_range(client, user_factory, student):
    admin = user_factory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = reverse("admin:auth_user_change", args=[student.pk])
    data = {
        "username": student.username,
        "date_joined_0": "01/01/0001",
        "date_joined_1": "00:00",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert out_of_range_message() in response.content.decode()
    student.refresh_from_db()
    assert student.date_joined.year > 2000
