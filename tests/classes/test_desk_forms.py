"""The trainer's forms: assignment defaults in local time, removing a student after a
confirmation, and the two CSV dialects."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from classes.forms import AssignmentForm, assignment_defaults
from classes.spreadsheet import EXCEL_FR, PLAIN, cell, csv_response, file_name
from quizzes.models import Quiz

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


# --- assignment defaults ------------------------------------------------------------------------


def test_an_assignment_opens_now_and_is_due_in_seven_days_at_six_pm_local_time(settings):
    now = dt.datetime(2026, 12, 7, 22, 47, 31, 123456, tzinfo=dt.UTC)  # 23:47 in Paris
    with timezone.override(PARIS):
        defaults = assignment_defaults(now)
    assert defaults["opens_at"] == dt.datetime(2026, 12, 7, 23, 47, tzinfo=PARIS)
    assert defaults["due_at"] == dt.datetime(2026, 12, 14, 18, 0, tzinfo=PARIS)
    assert defaults["due_at"].utcoffset() == dt.timedelta(hours=1)


def test_the_due_time_keeps_six_pm_across_a_change_to_summer_time():
    now = dt.datetime(2027, 3, 25, 9, 0, tzinfo=dt.UTC)  # Paris moves to summer time on 28 March
    with timezone.override(PARIS):
        due = assignment_defaults(now)["due_at"]
    assert due.astimezone(PARIS).hour == 18 and due.utcoffset() == dt.timedelta(hours=2)


def test_the_other_time_zone_of_a_setting_gives_its_own_local_defaults():
    now = dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC)
    montreal = zoneinfo.ZoneInfo("America/Montreal")
    with timezone.override(montreal):
        defaults = assignment_defaults(now)
    assert defaults["opens_at"].astimezone(montreal).hour == 17
    assert defaults["due_at"].astimezone(montreal).replace(tzinfo=None) == dt.datetime(2026, 12, 14, 18, 0)


def test_the_unbound_form_shows_the_defaults_in_its_datetime_inputs(db):
    now = dt.datetime(2026, 12, 7, 8, 5, tzinfo=dt.UTC)
    with timezone.override(PARIS):
        html = str(AssignmentForm(quizzes=Quiz.objects.none(), now=now))
    assert 'type="datetime-local"' in html
    assert 'value="2026-12-07T09:05"' in html and 'value="2026-12-14T18:00"' in html


def test_the_cohort_page_prefills_the_assignment_form(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer)
    html = trainer_client.get(reverse("trainer:cohort-detail", args=[cohort.pk])).content.decode()
    due = (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%d")
    assert f'value="{due}T18:00"' in html
    assert "Les heures sont celles du fuseau Europe/Paris." in html


# --- removing a student -------------------------------------------------------------------------


def test_removing_a_student_asks_first_and_the_confirmation_posts(
    trainer_client, trainer, student, cohort_factory
):
    cohort = cohort_factory(trainer=trainer, students=[student])
    url = reverse("trainer:student-remove", args=[cohort.pk, student.pk])
    detail = trainer_client.get(reverse("trainer:cohort-detail", args=[cohort.pk])).content.decode()
    assert f'href="{url}"' in detail  # the class page links to the confirmation, it removes nothing
    page = trainer_client.get(url)
    assert page.status_code == 200 and cohort.enrolments.exists()  # a GET changes nothing
    html = page.content.decode()
    assert "Retirer student de cette classe ?" in html
    assert f'<form method="post" action="{url}"' in html and "csrfmiddlewaretoken" in html
    assert trainer_client.post(url).status_code == 302 and not cohort.enrolments.exists()


def test_another_trainer_cannot_see_the_confirmation(client, user_factory, trainer, student, cohort_factory):
    cohort = cohort_factory(trainer=trainer, students=[student])
    client.force_login(user_factory(username="someone", groups=("trainers",)))
    assert client.get(reverse("trainer:student-remove", args=[cohort.pk, student.pk])).status_code == 404


# --- CSV dialects -------------------------------------------------------------------------------


def test_french_excel_cells_have_decimal_commas_and_short_local_dates():
    moment = dt.datetime(2026, 12, 7, 22, 47, 31, 123456, tzinfo=dt.UTC)
    with timezone.override(PARIS):
        assert cell(moment, EXCEL_FR) == "07/12/2026 23:47"
        assert cell(moment, PLAIN) == "2026-12-07T23:47:31+01:00"  # no microseconds
    assert cell(33.3333, EXCEL_FR) == "33,3333" and cell(33.3333, PLAIN) == "33.3333"
    assert cell(2.0, EXCEL_FR) == "2" and cell(-0.0, EXCEL_FR) == "0"
    assert cell(dt.date(2026, 12, 7), EXCEL_FR) == "07/12/2026"
    assert cell(dt.date(2026, 12, 7), PLAIN) == "2026-12-07"
    assert cell(12, EXCEL_FR) == "12" and cell(None, EXCEL_FR) == ""
    assert cell(True, EXCEL_FR) == "oui" and cell(False, PLAIN) == "non"
    assert cell("=1+1", EXCEL_FR) == "'=1+1" and cell("-5", EXCEL_FR) == "-5"


def test_the_two_dialects_download_under_different_names():
    assert file_name("overview-3.csv", PLAIN) == "overview-3.csv"
    assert file_name("overview-3.csv", EXCEL_FR) == "overview-3-excel-fr.csv"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"format": "csv", "dialect": "excel-fr"}, "\ufeffa;b\r\n1,5;07/12/2026 23:47\r\n"),
        ({"format": "csv", "sep": "semicolon"}, "\ufeffa;b\r\n1,5;07/12/2026 23:47\r\n"),
        ({"format": "csv"}, "\ufeffa,b\r\n1.5,2026-12-07T23:47:31+01:00\r\n"),
    ],
)
def test_csv_response_writes_the_dialect_asked_for(query, expected):
    request = RequestFactory().get("/", query)
    moment = dt.datetime(2026, 12, 7, 22, 47, 31, 5, tzinfo=dt.UTC)
    with timezone.override(PARIS):
        response = csv_response(request, "x.csv", ["a", "b"], [[1.5, moment]])
    assert response.content.decode() == expected


def test_every_report_offers_both_downloads(trainer_client, trainer, cohort_factory, student):
    cohort = cohort_factory(trainer=trainer, students=[student])
    html = trainer_client.get(reverse("trainer:report-overview", args=[cohort.pk])).content.decode()
    assert 'href="?format=csv"' in html and 'href="?format=csv&amp;dialect=excel-fr"' in html


def test_the_prefilled_values_post_back_as_local_times(trainer_client, trainer, cohort_factory, loaded_banks):
    cohort = cohort_factory(trainer=trainer)
    quiz = Quiz.objects.get(slug="alpha")
    response = trainer_client.post(
        reverse("trainer:assignment-add", args=[cohort.pk]),
        {"quiz": quiz.pk, "opens_at": "2026-12-07T09:05", "due_at": "2026-12-14T18:00"},
    )
    assert response.status_code == 302
    assignment = cohort.assignments.get()
    assert assignment.due_at == dt.datetime(2026, 12, 14, 18, 0, tzinfo=PARIS)
    assert assignment.opens_at == dt.datetime(2026, 12, 7, 9, 5, tzinfo=PARIS)
