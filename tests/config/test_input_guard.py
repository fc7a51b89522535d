"""Input no page can use is refused before a view reads it: a 400 with a clear message, or a 404
for an id no row can have; nothing is written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override

from config.middleware import REFUSED_INPUT
from course.inputs import strict_id, strict_int
from quizzes.models import Answer
from tests.quizzes.helpers import answer_form, current_revision, question_url, start

pytestmark = pytest.mark.django_db


def refused(response) -> bool:
    with override("fr"):
        return response.status_code == 400 and escape(str(REFUSED_INPUT)) in response.content.decode()


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "x\x7f", "9" * 5000, str(2**63), "-" + "1" * 19])
def test_a_short_answer_with_a_control_character_or_a_huge_number_is_refused(
    student_client, loaded_banks, value
):
    attempt = start(student_client, "beta")
    number = next(
        n for n in range(1, attempt.total + 1) if current_revision(attempt, n).question.kind == "short"
    )
    for earlier in range(1, number):  # questions are answered in order
        student_client.post(question_url(attempt, earlier), answer_form(current_revision(attempt, earlier)))
    before = Answer.objects.count()
    form = {"revision": current_revision(attempt, number).pk, "text": value}
    assert refused(student_client.post(question_url(attempt, number), form))
    assert Answer.objects.count() == before


def test_tabs_and_line_breaks_are_text(student_client, loaded_banks):
    attempt = start(student_client, "beta")
    response = student_client.post(question_url(attempt, 1), {"revision": "x", "text": "a\tb\r\nc"})
    assert response.status_code != 400 or not refused(response)


@pytest.mark.parametrize("username", ["ad\x00min", "admin\x01"])
def test_a_username_with_a_control_character_is_refused(client, username):
    password = "Un-mot-2-passe"
    form = {"username": username, "password1": password, "password2": password}
    signup = client.post(reverse("signup"), form)
    assert refused(signup)
    assert refused(client.post(reverse("login"), {"username": username, "password": "x"}))
    assert not User.objects.exists()


def test_an_id_past_2_63_is_a_404_not_an_overflow(student_client, admin_client):
    huge = str(2**63)
    assert student_client.get(f"/quizzes/attempts/{huge}/").status_code == 404
    assert student_client.get(f"/review/cards/{huge}/reveal/").status_code == 404
    assert admin_client.get(f"/admin/auth/user/{huge}/change/").status_code == 404
    assert admin_client.get(f"/admin/classes/cohort/{'1' * 30}/change/").status_code == 404


def test_a_multiple_choice_of_a_huge_id_is_refused(admin_client):
    response = admin_client.post("/admin/auth/group/add/", {"name": "g", "permissions": [str(2**63)]})
    assert refused(response)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("-3", -3), (5, 5), ("²", None), ("١٢", None), ("1e3", None), ("", None)]
    + [("9" * 19, None), (True, None), (None, None), ("0x10", None)],
)
def test_strict_int_reads_ascii_digits_only(value, expected):
    assert strict_int(value) == expected


def test_strict_id_is_a_positive_bigint():
    assert strict_id("1") == 1
    assert strict_id("0") is strict_id("-1") is strict_id(2**63) is None
    assert strict_id(str(2**63 - 1)) is None  # 19 digits: longer than any id sent
    assert strict_id("999999999999999999") == 10**18 - 1


@pytest.mark.parametrize("quiz", ["²", "١", "9" * 30, "-1", "1e3"])
def test_the_overview_sorted_by_a_quiz_that_is_no_number_is_shown_unsorted(
    trainer_client, trainer, cohort_factory, loaded_banks, quiz
):
    cohort = cohort_factory(trainer=trainer)
    url = reverse("trainer:report-overview", args=[cohort.pk])
    assert trainer_client.get(url, {"sort": "best", "quiz": quiz}).status_code in {200, 400}


def test_an_ordering_position_must_be_ascii_digits_in_range():
    from quizzes.kinds import InvalidResponse, ordering

    spec = {"items": [{"key": "a"}, {"key": "b"}]}
    prefix = ordering.FIELD_PREFIX
    assert ordering.parse_response(spec, {prefix + "a": ["2"], prefix + "b": ["1"]}) == {"order": ["b", "a"]}
    for bad in ("²", "١", "9" * 5000, "0", "3", "-1", " "):
        with pytest.raises(InvalidResponse):
            ordering.parse_response(spec, {prefix + "a": [bad], prefix + "b": ["1"]})


def test_the_refusal_page_knows_who_is_signed_in_and_is_not_framed(student_client, student):
    """The guard runs after the session, the user and the other middlewares: its 400 page shows
    the signed-in header (not "Log in") and gets every response header the site sets."""
    response = student_client.get("/quizzes/", {"q": "a\x00b"})
    assert refused(response)
    page = response.content.decode()
    assert student.get_username() in page and reverse("logout") in page
    assert reverse("login") not in page
    assert response["X-Frame-Options"] == "DENY"
