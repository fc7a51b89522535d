"""Fixtures for live sessions: a three-question quiz (single, true/false, short), a session of it
run by the trainer, and players."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from live import sessions
from live.models import LiveSession
from quizzes.models import Question, Quiz, QuizItem


@pytest.fixture(autouse=True)
def _fresh_process_memory():
    """The consumers' per-process memory (shared pages and boards by session pk and version,
    count reads by question pk) trusts that a pk is never used again, as in PostgreSQL; the test
    database hands the same pks out again after each test's flush."""
    from live import broadcast, consumers

    broadcast._open_pages.entries.clear()
    broadcast._boards.entries.clear()
    consumers._counts.__init__()
    yield


@pytest.fixture
def live_quiz(loaded_banks) -> Quiz:
    quiz = Quiz.objects.create(
        slug="live-demo", title="Quiz en direct", kind=Quiz.Kind.ASSESSMENT, position=99
    )
    for position, uid in enumerate(["alpha-single-1", "alpha-truefalse-1", "beta-short-1"]):
        QuizItem.objects.create(quiz=quiz, question=Question.objects.get(uid=uid), position=position)
    return quiz


@pytest.fixture
def live_session(trainer, live_quiz) -> LiveSession:
    return sessions.session_start(trainer=trainer, quiz=live_quiz)


def right_form(session: LiveSession) -> dict[str, list[str]]:
    """The right answer to the session's open question, as a posted form."""
    session.refresh_from_db()
    question = session.current
    spec = question.revision.spec
    kind = question.question.kind
    if kind == "single":
        return {"choice": [next(c["key"] for c in spec["choices"] if c["correct"])]}
    if kind == "truefalse":
        return {"answer": ["true" if spec["answer"] else "false"]}
    if kind == "short":
        return {"text": [spec["answers"][0]]}
    raise AssertionError(kind)


def wrong_form(session: LiveSession) -> dict[str, list[str]]:
    session.refresh_from_db()
    question = session.current
    spec = question.revision.spec
    kind = question.question.kind
    if kind == "single":
        return {"choice": [next(c["key"] for c in spec["choices"] if not c["correct"])]}
    if kind == "truefalse":
        return {"answer": ["false" if spec["answer"] else "true"]}
    return {"text": ["pas-ça"]}


def time_up(session: LiveSession) -> None:
    """Move the open question's end into the past, as the server's clock would (no sleeping)."""
    session.refresh_from_db()
    question = session.current
    question.opened_at -= timedelta(seconds=question.seconds + 1)
    question.closes_at = timezone.now() - timedelta(milliseconds=1)
    question.save(update_fields=["opened_at", "closes_at"])
