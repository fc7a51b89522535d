"""A whole live session in real browsers over real WebSockets: the trainer's projector and three
students (a signed-in one, a guest on a phone, a guest on a laptop) play a three-question quiz
(single choice, true/false, short answer) from the lobby to the podium and the review.

pytest-django's live server speaks WSGI only, so this module serves the ASGI application
(`config.asgi`) with uvicorn in a thread of the test process, on the same test database.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from live.models import LiveSession
from quizzes.models import Attempt, Question, Quiz, QuizItem
from review.models import Card
from tests.browser.helpers import shoot, watch
from tests.browser.test_phone import PHONE


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    """The ASGI application (pages, static files through WhiteNoise, WebSockets) on a free
    port; its URL."""
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application, django_application

    static = ASGIStaticFilesHandler(django_application)  # the tests run no collectstatic

    async def app(scope, receive, send):
        handler = static if scope["type"] == "http" else application
        return await handler(scope, receive, send)

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # polling its start, not timing anything
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_quiz(banks) -> Quiz:
    quiz = Quiz.objects.create(
        slug="en-direct", title="Quiz en direct", kind=Quiz.Kind.ASSESSMENT, position=99
    )
    for position, uid in enumerate(["alpha-single-1", "alpha-truefalse-1", "beta-short-1"]):
        QuizItem.objects.create(quiz=quiz, question=Question.objects.get(uid=uid), position=position)
    return quiz


def signed_in(context, user, url: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def tap_right(page, kind_spec: dict) -> None:
    key = next(c["key"] for c in kind_spec["choices"] if c["correct"])
    page.locator(f"button.tap[value='{key}']").click()


def test_a_trainer_and_three_students_play_a_live_session_end_to_end(
    asgi_server, new_context, live_quiz, trainer, student
):
    base = asgi_server
    projector_context = new_context(viewport={"width": 1280, "height": 800})
    signed_in(projector_context, trainer, base)
    projector = projector_context.new_page()
    errors = watch(projector)

    projector.goto(f"{base}/live/trainer/?quiz={live_quiz.slug}")
    projector.get_by_role("button", name="Start live").or_(
        projector.locator("form[action$='start/'] button")
    ).click()
    session = LiveSession.objects.get()
    expect(projector.locator(".live-pin .mono")).to_have_text(session.pin)
    expect(projector.locator("#live-root")).to_have_attribute("data-connected", "yes")

    # Three students join: a signed-in one by the link, a guest on a phone by the PIN, a guest by the link.
    laptop_context = new_context()
    signed_in(laptop_context, student, base)
    laptop = laptop_context.new_page()
    laptop.goto(f"{base}/live/{session.pin}/")
    laptop.locator(".live-join button[type=submit]").click()

    phone = new_context(**PHONE).new_page()
    phone_errors = watch(phone)
    phone.goto(f"{base}/live/")
    phone.locator("#live-pin").fill(session.pin.lower())
    phone.locator(".live-join button[type=submit]").click()
    phone.locator("#live-nickname").fill("Zoé")
    phone.locator(".live-join button[type=submit]").click()

    guest = new_context().new_page()
    guest.goto(f"{base}/live/{session.pin}/")
    guest.locator("#live-nickname").fill("Bob")
    guest.locator(".live-join button[type=submit]").click()

    expect(projector.locator(".live-players li")).to_have_count(3)
    expect(projector.locator(".live-players")).to_contain_text("Zoé")
    for page in (laptop, phone, guest):
        expect(page.locator("#live-root")).to_have_attribute("data-connected", "yes")
    assert projector.locator("img.live-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    shoot(projector, "live-projector-lobby.png")

    # Question 1 (single choice): two right, one wrong; the trainer reveals now.
    projector.locator(".ctl-next button").click()
    for page in (laptop, phone, guest):
        expect(page.locator("button.tap").first).to_be_visible()
    spec = session.questions.get(position=0).revision.spec
    tap_right(laptop, spec)
    shoot(phone, "live-phone-question.png")
    tap_right(phone, spec)
    wrong = next(c["key"] for c in spec["choices"] if not c["correct"])
    guest.locator(f"button.tap[value='{wrong}']").click()
    expect(projector.locator("[data-live-count]")).to_have_text("3")
    projector.locator(".ctl-reveal button").click()
    expect(projector.locator(".live-bars .live-bar")).to_have_count(3)
    expect(projector.locator(".live-ranking li")).to_have_count(3)
    expect(phone.locator(".live-verdict")).to_have_class(lambda_class("is-right"))
    expect(guest.locator(".live-verdict")).to_have_class(lambda_class("is-wrong"))
    shoot(projector, "live-projector-reveal.png")
    shoot(phone, "live-phone-reveal.png")

    # Question 2 (true/false) with 5 seconds: the server's clock ends it; the guest stays silent.
    projector.locator(".ctl-next input[name=seconds]").fill("5")
    projector.locator(".ctl-next button").click()
    answer = "true" if session.questions.get(position=1).revision.spec["answer"] else "false"
    laptop.locator(f"button.tap[value='{answer}']").click()
    phone.locator(f"button.tap[value='{answer}']").click()
    expect(projector.locator(".live-bars")).to_be_visible(timeout=15_000)  # revealed when time is up
    expect(guest.locator(".live-verdict")).to_have_class(lambda_class("is-wrong"))

    # Question 3 (short answer) typed on the phone; the laptop types a wrong one.
    projector.locator(".ctl-next button").click()
    phone.locator("input[name=text]").fill("svc")
    phone.get_by_role("button", name="Send my answer").or_(
        phone.locator(".live-answer button[type=submit]")
    ).click()
    laptop.locator("input[name=text]").fill("pods")
    laptop.locator(".live-answer button[type=submit]").click()
    expect(projector.locator("[data-live-count]")).to_have_text("2")
    projector.locator(".ctl-reveal button").click()
    expect(phone.locator(".live-verdict")).to_have_class(lambda_class("is-right"))

    # The podium, then the missed questions go to everyone's review.
    projector.locator(".ctl-next button").click()
    expect(projector.locator(".live-podium li")).to_have_count(3)
    expect(projector.locator(".live-podium .place-1")).to_contain_text("Zoé")
    shoot(projector, "live-projector-podium.png")
    projector.locator(".ctl-end button").click()
    expect(laptop.locator("#live-stage[data-phase=ended]")).to_be_visible()
    expect(laptop.locator("#live-stage")).to_contain_text("beta-short-1")
    shoot(phone, "live-phone-final.png")

    attempt = Attempt.objects.get(student=student)
    assert attempt.live and attempt.score == pytest.approx(2 / 3, abs=1e-3)
    assert list(Card.objects.filter(student=student).values_list("question__uid", flat=True)) == [
        "beta-short-1"
    ]
    assert errors == [] and phone_errors == []


def lambda_class(name: str):
    import re

    return re.compile(rf"\b{name}\b")
