"""What the review app does when something happens elsewhere: a finished quiz's missed questions
become cards, missed ones first in the new queue."""

from __future__ import annotations

from django.dispatch import receiver

from quizzes.models import Attempt, Question
from quizzes.signals import attempt_finished
from review import cards
from review.models import Card


@receiver(attempt_finished, sender=Attempt)
def add_missed_cards(sender, attempt: Attempt, **kwargs) -> None:
    missed = Question.objects.filter(answers__attempt=attempt, answers__correct=False)
    cards.cards_add(
        student=attempt.student,
        questions=cards.reviewable(missed),
        source=Card.Source.MISSED,
        now=attempt.finished_at,  # due when the attempt ended: a past one's cards (the demo's) too
    )
