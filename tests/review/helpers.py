"""What the review tests share: a Monday morning in Paris, every question added as cards, and
rating a card as the review form does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from quizzes.models import Question
from review import cards
from review.models import Card

PARIS = ZoneInfo("Europe/Paris")
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)


def add_all(student, now=MONDAY, source=Card.Source.ADDED) -> int:
    return cards.cards_add(
        student=student, questions=cards.reviewable(Question.objects.all()), now=now, source=source
    )


def rate(student, card: Card | int, rating: int, now: dt.datetime) -> cards.Recorded:
    """Rate a card with the form the review page showed it with 12 s before `now` (given an id,
    the card is read first, at its current version)."""
    if isinstance(card, int):
        card = Card.objects.get(pk=card)
    token = cards.card_token(card, shown_at=now - dt.timedelta(seconds=12))
    return cards.review_record(student=student, card_id=card.pk, rating=rating, token=token, now=now)
