"""Real concurrent requests on PostgreSQL: a double click counts once, nothing 500s.

SQLite serialises writers on one file and the test database lives in memory, so these tests
need the PostgreSQL run of CI (`DATABASE_URL` set); on SQLite they are skipped with that reason.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Answer, Attempt, Question
from review import cards, progress
from review.models import Card, Review, ReviewDay
from tests.quizzes.helpers import answer_form
from tests.review.test_progress import assert_same, shown, worked_out

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (CI's second run)"
    ),
]
WORKERS = 6


def run_together(make_request) -> list[int]:
    """Fire WORKERS requests at once from separate threads (each with its own connection)."""
    barrier = threading.Barrier(WORKERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            status = make_request()
            with lock:
                statuses.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_same_rating_posted_at_once_is_recorded_once(loaded_banks, student):
    cards.cards_add(student=student, questions=Question.objects.all())
    client = logged_in(student)
    page = client.get(reverse("review:session"))
    card, token = page.context["card"], page.context["token"]
    url = reverse("review:card-rate", args=[card.pk])
    statuses = run_together(
        lambda: client.post(url, {"rating": "3", "token": token}, HTTP_HX_REQUEST="true").status_code
    )
    assert statuses == [200] * WORKERS
    assert Review.objects.filter(card=card).count() == 1
    assert Card.objects.get(pk=card.pk).version == 1


def test_the_days_first_ratings_at_once_are_all_counted_in_the_rollup(loaded_banks, student):
    """Different cards rated at the same moment, none yet today: one ReviewDay row counts them all."""
    cards.cards_add(student=student, questions=Question.objects.all())
    deck = list(Card.objects.filter(student=student).order_by("pk")[:WORKERS])
    assert len(deck) == WORKERS
    forms = iter([(c.pk, cards.card_token(c, shown_at=c.due)) for c in deck])
    lock = threading.Lock()

    def rate_one() -> int:
        with lock:
            card_id, token = next(forms)
        return (
            logged_in(student)
            .post(reverse("review:card-rate", args=[card_id]), {"rating": "3", "token": token})
            .status_code
        )

    assert run_together(rate_one) == [302] * WORKERS
    day = ReviewDay.objects.get(student=student)
    assert (day.reviews, day.new_cards) == (WORKERS, WORKERS) == (Review.objects.count(), WORKERS)


def test_the_same_answer_posted_at_once_is_saved_once(loaded_banks, student):
    client = logged_in(student)
    client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    attempt = Attempt.objects.get()
    question = Question.objects.get(pk=attempt.question_ids[0])
    url = reverse("quizzes:attempt-question", args=[attempt.pk, 1])
    form = answer_form(question.current_revision)
    statuses = run_together(lambda: client.post(url, form, HTTP_HX_REQUEST="true").status_code)
    assert statuses == [200] * WORKERS
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_two_tabs_finishing_the_same_attempt_finish_it_once(loaded_banks, student):
    client = logged_in(student)
    client.post(reverse("quizzes:quiz-start", args=["alpha"]))
    attempt = Attempt.objects.get()
    for number, qid in enumerate(attempt.question_ids, start=1):
        question = Question.objects.get(pk=qid)
        client.post(
            reverse("quizzes:attempt-question", args=[attempt.pk, number]),
            answer_form(question.current_revision),
        )
    url = reverse("quizzes:attempt-finish", args=[attempt.pk])
    statuses = run_together(lambda: client.post(url).status_code)
    assert statuses == [302] * WORKERS
    attempt.refresh_from_db()
    assert attempt.finished_at is not None and attempt.score == 1.0
    assert Card.objects.filter(student=student).count() == 0  # nothing missed, no card added twice


def test_progress_pages_and_ratings_at_once_end_with_the_cards_figures(loaded_banks, student):
    """Half the workers rate cards while the other half open the progress page: no 500, and the
    next page shows what the cards say."""
    cards.cards_add(student=student, questions=Question.objects.all())
    deck = list(Card.objects.filter(student=student).order_by("pk")[: WORKERS // 2])
    forms = iter([(c.pk, cards.card_token(c, shown_at=c.due)) for c in deck])
    jobs = iter(["rate", "page"] * (WORKERS // 2))
    lock = threading.Lock()

    def rate_or_look() -> int:
        with lock:
            job = next(jobs)
            form = next(forms) if job == "rate" else None
        client = logged_in(student)
        if form:
            return client.post(
                reverse("review:card-rate", args=[form[0]]), {"rating": "3", "token": form[1]}
            ).status_code
        return client.get(reverse("review:progress")).status_code

    assert sorted(run_together(rate_or_look)) == [200] * (WORKERS // 2) + [302] * (WORKERS // 2)
    now = timezone.now()
    figures = progress.figures(student=student, now=now, prefs=cards.settings_for(student))
    assert_same(shown(figures), worked_out(student, now))
    assert figures.cards.states["new"] == Card.objects.filter(student=student).count() - WORKERS // 2


def test_twenty_start_posts_at_once_open_one_attempt(loaded_banks, student):
    """The partial unique constraint (one open attempt per student and quiz): each post is sent
    to the same attempt, none fails."""
    url = reverse("quizzes:quiz-start", args=["alpha"])
    count = 20
    barrier = threading.Barrier(count)
    locations: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            client = logged_in(student)
            barrier.wait()
            response = client.post(url)
            with lock:
                locations.append(f"{response.status_code} {response.get('Location', '')}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attempt = Attempt.objects.get(student=student, finished_at__isnull=True)
    assert locations == [f"302 {attempt.get_absolute_url()}"] * count
