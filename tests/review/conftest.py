"""Fixtures of the review tests: no fuzz unless a test asks for it, and a bank of many
flashcards, for counts that must not grow with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quizzes.banks import bank_load
from quizzes.models import Question


@pytest.fixture(autouse=True)
def _no_fuzz(settings):
    """Ratings schedule without fuzz, so that tests can work out the due dates (a test that
    checks the fuzz sets `settings.REVIEW_FUZZ = True`)."""
    settings.REVIEW_FUZZ = False


@pytest.fixture
def flashcards(sections, tmp_path) -> Callable[[int], list[Question]]:
    """A callable loading a bank of `count` flashcards in section alpha: the questions, in order."""

    def load(count: int) -> list[Question]:
        lines = ["section: alpha", "questions:"]
        for n in range(1, count + 1):
            lines += [
                f"  - uid: alpha-flashcard-{n}",
                "    kind: flashcard",
                f'    prompt: "Carte {n} ?"',
                f'    answer: "Réponse {n}"',
                '    explanation: "Voir les notes."',
            ]
        path = tmp_path / "alpha.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        bank_load([path])
        return list(Question.objects.filter(uid__startswith="alpha-flashcard-").order_by("pk"))

    return load
