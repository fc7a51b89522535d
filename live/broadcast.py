"""Telling the connected screens that a session changed.

When a question opens (or resumes), the message carries the page that every phone which has not
answered it shows, rendered once by the process that made the change, in each of the site's
languages: a phone sends it as it is, without reading the database. Any other change carries
only the new version, and each screen reads the database again (the state's one home). Either
way a lost message costs a stale screen until the next one, never a wrong record.

A count message carries the question it counts: counts reach the projector out of order (they
come from many threads and two processes), so the projector keeps the highest per question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from . import screens, sessions
from .models import LiveSession

PHONE_TEMPLATE = "live/play.html#stage"


class _Memo:
    """What this process read or rendered for a version of a session, kept for the next screens
    that ask: a version is never reused, so an entry never goes stale. A few entries per process;
    threads asking for the same key at once wait for the one that builds it."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, object] = OrderedDict()
        self.building: dict[tuple, threading.Lock] = {}
        self.lock = threading.Lock()

    def cached(self, key: tuple) -> tuple[bool, object]:
        """(found, value), from memory only: no query."""
        with self.lock:
            if key in self.entries:
                return True, self.entries[key]
        return False, None

    def get(self, key: tuple, build):
        """The value of `key`, built once by `build()` -> (value, keep): kept only if `keep`."""
        with self.lock:
            if key in self.entries:
                return self.entries[key]
            building = self.building.setdefault(key, threading.Lock())
        with building:
            found, value = self.cached(key)
            if found:
                return value
            value, keep = build()
            with self.lock:
                if keep:
                    self.entries[key] = value
                    while len(self.entries) > self.size:
                        self.entries.popitem(last=False)
                self.building.pop(key, None)
            return value


_open_pages = _Memo()  # (session pk, version, language) -> the pages of an open question, or None
_boards = _Memo()  # (session pk, version) -> every player's standing (screens.Board)


def open_pages_cached(session_pk: int, version: int, language: str) -> tuple[bool, dict | None]:
    """(found, pages) from this process's memory only: no query."""
    return _open_pages.cached((session_pk, version, language))


def open_pages(session_pk: int, version: int, language: str) -> dict | None:
    """The payloads of the open, running question at `version` for a phone that has not answered
    ("asking") and one that has ("answered"), with the question's pk ("question"); None when the
    session is elsewhere or has moved on (then each phone is rendered in full)."""

    def build():
        session = LiveSession.objects.filter(pk=session_pk).first()
        if not (
            session
            and session.version == version
            and session.phase == LiveSession.Phase.OPEN
            and not session.paused
            and session.current_id
        ):
            return None, True
        with translation.override(language):
            context = screens.phone_context(session, None)
            pages = {"question": session.current_id}
            for name, mine in (("asking", None), ("answered", True)):
                html = render_to_string(PHONE_TEMPLATE, {**context, "mine": mine, "error": ""})
                pages[name] = {
                    "version": version,
                    "phase": session.phase,
                    "paused": False,
                    "closes_at": context["stage"].closes_at_ms,
                    "html": html,
                }
        return pages, True

    return _open_pages.get((session_pk, version, language), build)


def board(session_pk: int, version: int) -> screens.Board | None:
    """Every player's standing at `version`, read once per process for all its phones; None when
    the session has moved on (the message of the newer version follows)."""

    def build():
        shared = screens.stage(LiveSession(pk=session_pk))
        if shared.session.version != version:
            return None, False
        return screens.Board(shared), True

    return _boards.get((session_pk, version), build)


def changed_event(session: LiveSession, *, pages: bool = False) -> dict:
    """The message of a change. With `pages` (synchronous code: it may read and render), an open
    question's message carries its "asking" page in each language, and the question's pk."""
    event = {"type": "live.changed", "version": session.version}
    if pages and session.phase == LiveSession.Phase.OPEN and not session.paused:
        asking = {}
        question = None
        for language, _name in settings.LANGUAGES:
            shared = open_pages(session.pk, session.version, language)
            if shared is not None:
                asking[language] = shared["asking"]
                question = shared["question"]
        if asking:
            event["question"] = question
            event["asking"] = asking
    return event


def count_event(question_id: int, answered: int) -> dict:
    return {"type": "live.count", "question": question_id, "answered": answered}


def changed(session: LiveSession) -> None:
    """From synchronous code (a view): every screen and phone of the session looks again."""
    async_to_sync(get_channel_layer().group_send)(session.group, changed_event(session, pages=True))


def screens_changed(session: LiveSession) -> None:
    """Only the trainer's screens look again (a player joined or left)."""
    async_to_sync(get_channel_layer().group_send)(session.screen_group, changed_event(session))


def counted(session: LiveSession, question_id: int) -> None:
    """From synchronous code, after an answer was kept: the projectors get the question's count,
    read now (after the answer's commit)."""
    answered = sessions.answered_count(question_id)
    async_to_sync(get_channel_layer().group_send)(session.screen_group, count_event(question_id, answered))
