"""What the student reviews ([R11]): flashcards and graded questions, or only one of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from quizzes import kinds
from quizzes.models import Question
from review import cards
from review.models import Card, ReviewSettings
from tests.review.helpers import MONDAY, rate

pytestmark = pytest.mark.django_db
BOTH, FLASHCARDS, GRADED = (
    ReviewSettings.ReviewKinds.BOTH,
    ReviewSettings.ReviewKinds.FLASHCARDS,
    ReviewSettings.ReviewKinds.GRADED,
)
#: Which cards each setting reviews, by their question's kind.
REVIEWED = {
    BOTH: lambda kind: True,
    FLASHCARDS: lambda kind: not kinds.is_graded(kind),
    GRADED: kinds.is_graded,
}


@pytest.fixture
def mixed(loaded_banks, flashcards, student) -> dict[str, int]:
    """The student's cards: the six graded questions of the test banks (missed in a quiz, so first
    in the new queue) and three flashcards. Returns how many cards each setting reviews."""
    graded = cards.reviewable(Question.objects.all())
    cards.cards_add(student=student, questions=graded, now=MONDAY, source=Card.Source.MISSED)
    cards.cards_add(student=student, questions=flashcards(3), now=MONDAY)
    graded = Card.objects.exclude(question__kind__in=kinds.UNGRADED_KINDS).count()
    assert graded == 6 and Card.objects.count() == 9
    return {BOTH: 9, FLASHCARDS: 3, GRADED: 6}


def set_kinds(student, review_kinds: str) -> None:
    ReviewSettings.objects.update_or_create(student=student, defaults={"review_kinds": review_kinds})


def test_the_default_reviews_both():
    assert ReviewSettings().review_kinds == BOTH


@pytest.mark.parametrize("review_kinds", [BOTH, FLASHCARDS, GRADED])
def test_each_setting_shows_and_counts_only_its_cards(mixed, student, review_kinds):
    set_kinds(student, review_kinds)
    expected, reviewed = mixed[review_kinds], REVIEWED[review_kinds]
    # new cards: counted and shown
    queue = cards.next_card(student=student, now=MONDAY)
    assert (queue.due_left, queue.new_left) == (0, expected)
    shown, now = [], MONDAY
    while (queue := cards.next_card(student=student, now=now)).card is not None:
        assert queue.new_left == expected - len(shown)
        shown.append(queue.card.question.kind)
        rate(student, queue.card, 4, now)  # Easy: due again in days
        now += dt.timedelta(minutes=1)
    assert len(shown) == expected and all(reviewed(kind) for kind in shown)
    # none left: when the next card of these kinds is due, though another kind's comes sooner
    Card.objects.filter(last_review__isnull=True).update(last_review=MONDAY, state=Card.State.REVIEW)
    mine = [c for c in Card.objects.select_related("question") if reviewed(c.question.kind)]
    others = [c for c in Card.objects.select_related("question") if not reviewed(c.question.kind)]
    soonest = MONDAY + dt.timedelta(days=2)
    Card.objects.filter(pk__in=[c.pk for c in others]).update(due=soonest)
    Card.objects.filter(pk__in=[c.pk for c in mine]).update(due=soonest + dt.timedelta(days=1))
    done = cards.next_card(student=student, now=now)
    assert (done.card, done.due_left, done.new_left) == (None, 0, 0)
    assert done.next_due == soonest + dt.timedelta(days=1)
    # due cards: counted and shown, the other kinds' ones (due sooner) left out
    later = soonest + dt.timedelta(days=1, hours=1)
    queue = cards.next_card(student=student, now=later)
    assert queue.due_left == expected and queue.new_left == 0
    assert reviewed(queue.card.question.kind)


def test_changing_the_setting_changes_the_next_card(mixed, student):
    assert kinds.is_graded(cards.next_card(student=student, now=MONDAY).card.question.kind)  # missed first
    set_kinds(student, FLASHCARDS)
    flashcard = cards.next_card(student=student, now=MONDAY).card
    assert not kinds.is_graded(flashcard.question.kind)
    rate(student, flashcard, 1, MONDAY)  # Again: due again in a minute, before any new card
    later = MONDAY + dt.timedelta(minutes=5)
    assert cards.next_card(student=student, now=later).card.pk == flashcard.pk
    set_kinds(student, GRADED)
    queue = cards.next_card(student=student, now=later)
    assert kinds.is_graded(queue.card.question.kind) and (queue.due_left, queue.new_left) == (0, 6)
    set_kinds(student, BOTH)
    queue = cards.next_card(student=student, now=later)
    assert queue.card.pk == flashcard.pk and (queue.due_left, queue.new_left) == (1, 8)


def test_the_settings_page_saves_the_kinds_reviewed(student_client, mixed, student):
    url = reverse("review:settings")
    page = student_client.get(url)
    html = page.content.decode()
    assert html.count('type="radio" name="review_kinds"') == 3
    assert 'value="both"' in html and "checked" in html
    form = {
        "review_kinds": "flashcards",
        "desired_retention": "0.9",
        "new_per_day": "20",
        "max_reviews_per_day": "200",
        "time_zone": "Europe/Paris",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "maximum_interval": "36500",
    }
    assert student_client.post(url, form | {"review_kinds": "everything"}).status_code == 400
    assert not ReviewSettings.objects.filter(student=student).exists()  # a refused post writes nothing
    assert student_client.post(url, form).status_code == 302
    assert ReviewSettings.objects.get(student=student).review_kinds == FLASHCARDS
    session = student_client.get(reverse("review:session"))
    assert not kinds.is_graded(session.context["card"].question.kind)
    assert session.context["queue"].new_left == 3


@pytest.mark.parametrize("review_kinds", [FLASHCARDS, GRADED])
def test_the_setting_adds_no_query(
    review_kinds, student_client, student, flashcards, django_assert_num_queries
):
    """The queue page takes the queries of test_the_review_steps_take_a_constant_number_of_queries
    (test_cards.py) whatever the setting: 7 with a card to show; 7 too once none is left (no card
    read, but when the next is due)."""
    cards.cards_add(student=student, questions=flashcards(3))
    ReviewSettings.objects.create(student=student, review_kinds=review_kinds)
    url = reverse("review:session")
    student_client.get(url)  # the first visit starts a review session
    with django_assert_num_queries(7):
        page = student_client.get(url)
    assert (page.context.get("card") is not None) == (review_kinds == FLASHCARDS)
    # none left of the kinds reviewed: the page says some are left out, and where to change it
    assert ('id="review-kinds-hint"' in page.content.decode()) == (review_kinds == GRADED)
