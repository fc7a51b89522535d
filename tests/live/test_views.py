"""The pages: starting a session (trainers only), the projector (its trainer only, a reload ends
nothing), and the phone without JavaScript: join with the PIN, answer with a plain form, a page
that refreshes itself."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from live import sessions
from live.models import LiveAnswer, LiveSession
from tests.live.conftest import right_form, time_up

pytestmark = pytest.mark.django_db


def test_a_trainer_starts_a_session_and_lands_on_its_projector(trainer_client, live_quiz):
    response = trainer_client.post(reverse("live:session-start"), {"quiz": live_quiz.slug, "seconds": "20"})
    session = LiveSession.objects.get()
    assert response.status_code == 302 and response.url == reverse("live:screen", args=[session.pk])
    assert session.trainer.username == "trainer"
    assert {q.seconds for q in session.questions.all()} == {20}
    page = trainer_client.get(response.url)
    assert page.status_code == 200
    assert session.pin in page.text and "<noscript>" in page.text
    assert reverse("live:qr", args=[session.pk]) in page.text


def test_a_student_cannot_start_a_session(student_client, live_quiz):
    response = student_client.post(reverse("live:session-start"), {"quiz": live_quiz.slug})
    assert response.status_code == 403
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize("name", ["screen", "qr"])
def test_the_projector_is_its_trainers_only(client, live_session, student, user_factory, name):
    url = reverse(f"live:{name}", args=[live_session.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(student)
    assert client.get(url).status_code == 404
    client.force_login(user_factory(groups=("trainers",)))
    assert client.get(url).status_code == 404


def test_the_qr_code_is_an_svg_of_the_join_link(trainer_client, live_session):
    response = trainer_client.get(reverse("live:qr", args=[live_session.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')  # an image on its own


def test_only_the_sessions_trainer_posts_its_controls(client, live_session, user_factory, trainer_client):
    url = reverse("live:control", args=[live_session.pk])
    client.force_login(user_factory(groups=("trainers",)))
    assert client.post(url, {"action": "next"}).status_code == 404
    assert LiveSession.objects.get().phase == LiveSession.Phase.LOBBY
    assert trainer_client.post(url, {"action": "next"}).status_code == 302
    assert LiveSession.objects.get().phase == LiveSession.Phase.OPEN


def test_reloading_the_projector_ends_nothing(trainer_client, live_session):
    sessions.question_next(session=live_session)
    for _reload in range(2):
        assert trainer_client.get(reverse("live:screen", args=[live_session.pk])).status_code == 200
    assert LiveSession.objects.get().phase == LiveSession.Phase.OPEN


def test_a_guest_joins_with_the_pin_and_a_nickname_without_javascript(client, live_session):
    typed = client.post(reverse("live:join"), {"pin": live_session.pin.lower()}, follow=True)
    assert typed.status_code == 200 and 'name="nickname"' in typed.text
    joined = client.post(reverse("live:join-pin", args=[live_session.pin]), {"nickname": "Ada"})
    assert joined.status_code == 302 and joined.url == reverse("live:play", args=[live_session.pin])
    page = client.get(joined.url)
    assert page.status_code == 200 and "Ada" in page.text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text


def test_a_wrong_pin_says_so(client, live_session):
    response = client.post(reverse("live:join"), {"pin": "ZZZZZZ"})
    assert response.status_code == 400 and str(escape(str(sessions.NO_SUCH_SESSION))) in response.text


def test_a_signed_in_student_joins_as_themself(student_client, live_session):
    response = student_client.post(reverse("live:join-pin", args=[live_session.pin]))
    assert response.status_code == 302
    assert live_session.players.get().user.username == "student"


def test_a_phone_without_javascript_answers_with_a_form_and_is_told_when_late(client, live_session):
    client.post(reverse("live:join-pin", args=[live_session.pin]), {"nickname": "Ada"})
    live = sessions.question_next(session=live_session)
    page = client.get(reverse("live:play", args=[live.pin]))
    # While the question is open, the page refreshes when its time is up, not before.
    assert '<meta http-equiv="refresh" content="31">' in page.text or 'content="30"' in page.text
    assert f'name="question" value="{live.current_id}"' in page.text
    answered = client.post(
        reverse("live:answer", args=[live.pin]),
        {"question": live.current_id, **right_form(live)},
        follow=True,
    )
    assert "live-waiting" in answered.text
    assert LiveAnswer.objects.get().correct
    # The next question, answered too late.
    sessions.question_reveal(session=live)
    live = sessions.question_next(session=live)
    time_up(live)
    late = client.post(
        reverse("live:answer", args=[live.pin]),
        {"question": live.current_id, **right_form(live)},
        follow=True,
    )
    assert str(escape(str(sessions.TOO_LATE))) in late.text
    assert LiveAnswer.objects.count() == 1


def test_the_play_page_sends_a_visitor_who_has_not_joined_to_the_join_page(client, live_session):
    response = client.get(reverse("live:play", args=[live_session.pin]))
    assert response.status_code == 302 and response.url == reverse("live:join-pin", args=[live_session.pin])


def test_an_ended_sessions_results_open_again_later(trainer_client, live_session, student):
    sessions.player_join(session=live_session, user=student)
    live = sessions.question_next(session=live_session)
    sessions.question_reveal(session=live)
    sessions.session_end(session=live)
    listing = trainer_client.get(reverse("live:session-list"))
    assert reverse("live:screen", args=[live.pk]) in listing.text
    results = trainer_client.get(reverse("live:screen", args=[live.pk]))
    assert results.status_code == 200 and "student" in results.text and "alpha-single-1" in results.text


def test_the_phone_page_reads_a_constant_number_of_queries(
    client, live_session, django_assert_max_num_queries
):
    client.post(reverse("live:join-pin", args=[live_session.pin]), {"nickname": "Ada"})
    for n in range(20):
        sessions.player_join(session=live_session, nickname=f"p{n}")
    live = sessions.question_next(session=live_session)
    # session (browser), player, session+question, total, player refresh, own answer, messages
    with django_assert_max_num_queries(10):
        assert client.get(reverse("live:play", args=[live.pin])).status_code == 200


def test_another_client_cannot_answer_for_a_guest(live_session):
    Client().post(reverse("live:join-pin", args=[live_session.pin]), {"nickname": "Ada"})
    live = sessions.question_next(session=live_session)
    stranger = Client()
    response = stranger.post(reverse("live:answer", args=[live.pin]), {"question": live.current_id})
    assert response.status_code == 302 and response.url == reverse("live:join-pin", args=[live.pin])
    assert not LiveAnswer.objects.exists()
