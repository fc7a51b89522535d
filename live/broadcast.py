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

from . import screens
from .models import LiveSession

PHONE_TEMPLATE = "live/play.html#stage"

# (session pk, version, language) -> the pages of an open question; a version is never reused,
# so an entry never goes stale. A few entries per process.
_OPEN_PAGES: OrderedDict[tuple, dict | None] = OrderedDict()
_OPEN_PAGES_SIZE = 16
_open_pages_lock = threading.Lock()


def open_pages_cached(session_pk: int, version: int, language: str) -> tuple[bool, dict | None]:
    """(found, pages) from this process's memory only: no query."""
    key = (session_pk, version, language)
    with _open_pages_lock:
        if key in _OPEN_PAGES:
            return True, _OPEN_PAGES[key]
    return False, None


def open_pages(session_pk: int, version: int, language: str) -> dict | None:
    """The payloads of the open, running question at `version` for a phone that has not answered
    ("asking") and one that has ("answered"), with the question's pk ("question"); None when the
    session is elsewhere or has moved on (then each phone is rendered in full)."""
    found, pages = open_pages_cached(session_pk, version, language)
    if found:
        return pages
    session = LiveSession.objects.filter(pk=session_pk).first()
    pages = None
    if (
        session
        and session.version == version
        and session.phase == LiveSession.Phase.OPEN
        and not session.paused
        and session.current_id
    ):
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
    with _open_pages_lock:
        _OPEN_PAGES[(session_pk, version, language)] = pages
        while len(_OPEN_PAGES) > _OPEN_PAGES_SIZE:
            _OPEN_PAGES.popitem(last=False)
    return pages


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


def counted(session: LiveSession, question_id: int, answered: int) -> None:
    async_to_sync(get_channel_layer().group_send)(session.screen_group, count_event(question_id, answered))
