"""The WebSockets of a live session: one per phone, one per projector.

Each socket, when told that the session changed (or when it connects, reconnects included), reads
the state from the database and sends its screen's HTML, rendered by the page's own template. The
phone sends its answers here; the projector its trainer's buttons. Every write goes through
`live.sessions`, which checks the session's state and the server's clock.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import close_old_connections
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import translation

from . import screens, sessions
from .broadcast import changed_event, count_event
from .models import LiveAnswer, LiveSession, Player

FORBIDDEN = 4403  # the close code when the socket is not for this visitor


def _form(raw) -> dict[str, list[str]]:
    """A posted form as the kinds read it (name -> list of strings), from the JSON the page's
    script sends; anything else is dropped."""
    if not isinstance(raw, dict):
        return {}
    form: dict[str, list[str]] = {}
    for name, values in list(raw.items())[:50]:
        if not isinstance(name, str):
            continue
        values = values if isinstance(values, list) else [values]
        form[name] = [str(v)[:20000] for v in values[:50] if isinstance(v, (str, int, float))]
    return form


# (session pk, version, language) -> the two pages of an open question; a version is never
# reused, so an entry never goes stale. A few entries per process.
_OPEN_PAGES: OrderedDict[tuple, dict | None] = OrderedDict()
_OPEN_PAGES_SIZE = 16
_open_pages_lock = threading.Lock()


def in_thread_pool(function):
    """`database_sync_to_async` in the thread pool rather than the one thread Channels shares:
    each phone's reads and its answer are independent (the database serialises what must be, a
    unique constraint counts an answer once), and with hundreds of phones per process a single
    thread queued them all behind each other's round trips to the database."""

    @functools.wraps(function)
    def housekept(*args, **kwargs):
        # Channels' database_sync_to_async means to close obsolete connections around the call,
        # but off the shared thread it did not (seen on PostgreSQL: connections left open in
        # the pool's threads, past CONN_MAX_AGE), so it is done here, in the worker thread.
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(housekept, thread_sensitive=False)


def _epoch_ms_now() -> int:
    return int(time.time() * 1000)


def _shared_open(session_pk: int, version: int, language: str) -> dict | None:
    """The payloads of an open, running question at `version` for a phone that has not answered
    ("asking") and one that has ("answered"); None when the session is elsewhere or has moved on
    (then each phone is rendered in full)."""
    key = (session_pk, version, language)
    with _open_pages_lock:
        if key in _OPEN_PAGES:
            return _OPEN_PAGES[key]
    session = LiveSession.objects.filter(pk=session_pk).first()
    pages = None
    if (
        session
        and session.version == version
        and session.phase == LiveSession.Phase.OPEN
        and not session.paused
    ):
        with translation.override(language):
            context = screens.phone_context(session, None)
            pages = {}
            for name, mine in (("asking", None), ("answered", True)):
                html = render_to_string(PlayConsumer.template, {**context, "mine": mine, "error": ""})
                pages[name] = {
                    "version": version,
                    "phase": session.phase,
                    "paused": False,
                    "closes_at": context["stage"].closes_at_ms,
                    "html": html,
                }
    with _open_pages_lock:
        _OPEN_PAGES[key] = pages
        while len(_OPEN_PAGES) > _OPEN_PAGES_SIZE:
            _OPEN_PAGES.popitem(last=False)
    return pages


class _LiveConsumer(AsyncJsonWebsocketConsumer):
    template = ""

    async def send_state(self, error: str = "", version: int | None = None) -> None:
        payload = await in_thread_pool(self._render_state)(error, version)
        await self.send_json(payload)

    def _render_state(self, error: str, version: int | None) -> dict:
        return self._render(error)

    def _context(self, session: LiveSession) -> dict:
        raise NotImplementedError

    def _render(self, error: str) -> dict:
        session = LiveSession.objects.get(pk=self.session_pk)
        with translation.override(self.language):
            context = self._context(session)
            context["error"] = error
            html = render_to_string(self.template, context)
        shared = context["stage"]
        return {
            "version": shared.session.version,
            "phase": shared.session.phase,
            "paused": shared.session.paused,
            "closes_at": shared.closes_at_ms,
            "remaining": shared.remaining,
            "now": context["server_now_ms"],
            "html": html,
        }

    @property
    def language(self) -> str:
        cookies = self.scope.get("cookies") or {}
        return cookies.get("django_language") or translation.get_language() or "fr"

    async def live_changed(self, event: dict) -> None:
        await self.send_state(version=event.get("version"))

    async def regroup(self) -> None:
        """Join the session's groups again: the page's heartbeat asks for it, so that a socket
        still open when Redis restarted (and forgot the groups) hears the broadcasts again."""
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)


class PlayConsumer(_LiveConsumer):
    """A player's phone."""

    template = "live/play.html#stage"

    async def connect(self) -> None:
        self.session_pk = self.scope["url_route"]["kwargs"]["pk"]
        found = await in_thread_pool(self._find)()
        if found is None:
            await self.close(code=FORBIDDEN)
            return
        self.session, self.player = found
        self.groups_joined = [self.session.group]
        await self.channel_layer.group_add(self.session.group, self.channel_name)
        await self.accept()
        await self.send_state()

    def _find(self):
        session = LiveSession.objects.filter(pk=self.session_pk).first()
        if session is None:
            return None
        player = sessions.player_for(
            session=session, user=self.scope.get("user"), browser_session=self.scope.get("session")
        )
        return None if player is None else (session, player)

    def _context(self, session: LiveSession) -> dict:
        return screens.phone_context(session, self.player)

    def _render_state(self, error: str, version: int | None) -> dict:
        """While a question is open, every phone that has not answered shows the same page, and
        every phone that has the same "answer received": each process renders each of them once
        per version of the session (`_shared_open`), and a phone costs one query, its own answer.
        Anything else (an error, a reveal, a removed player, a reconnect) is rendered in full."""
        if error or version is None:
            return self._render(error)
        answered = (
            Player.objects.filter(pk=self.player.pk, removed=False)
            .annotate(
                answered=Exists(
                    LiveAnswer.objects.filter(
                        player=OuterRef("pk"), session_question__session_id=self.session_pk
                    ).filter(session_question=OuterRef("session__current"))
                )
            )
            .values_list("answered", flat=True)
            .first()
        )
        if answered is None:  # removed
            return self._render(error)
        shared = _shared_open(self.session_pk, version, self.language)
        if shared is None:
            return self._render(error)
        payload = dict(shared["answered" if answered else "asking"])
        payload["now"] = _epoch_ms_now()
        payload["remaining"] = max((payload["closes_at"] - payload["now"]) / 1000, 0.0)
        return payload

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("action") == "ping":
            await self.regroup()
            return
        if not isinstance(content, dict) or content.get("action") != "answer":
            await self.send_state()
            return
        try:
            question_id = int(content.get("question"))
        except (TypeError, ValueError):
            question_id = 0
        try:
            recorded, answered, version = await in_thread_pool(self._answer)(
                question_id, _form(content.get("form"))
            )
        except sessions.LiveError as error:
            await self.send_state(error=str(error.message))
            return
        if recorded.created:
            await self.channel_layer.group_send(self.session.screen_group, count_event(answered))
        await self.send_state(version=version)

    def _answer(self, question_id: int, form: dict):
        self.player.refresh_from_db(fields=["removed"])
        recorded = sessions.answer_record(player=self.player, session_question_id=question_id, form=form)
        count = sessions.answered_count(question_id) if recorded.created else 0
        version = LiveSession.objects.filter(pk=self.session_pk).values_list("version", flat=True).first()
        return recorded, count, version


class ScreenConsumer(_LiveConsumer):
    """The projector: only the session's trainer may open it and drive the session from it."""

    template = "live/screen.html#stage"

    async def connect(self) -> None:
        self.session_pk = self.scope["url_route"]["kwargs"]["pk"]
        session = await database_sync_to_async(LiveSession.objects.filter(pk=self.session_pk).first)()
        if session is None or not sessions.may_drive(self.scope.get("user"), session):
            await self.close(code=FORBIDDEN)
            return
        self.session = session
        self.groups_joined = [session.group, session.screen_group]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_state()

    def _context(self, session: LiveSession) -> dict:
        return screens.screen_context(session)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        action = str(content.get("action", ""))
        if action == "ping":
            await self.regroup()
            return
        try:
            session = await database_sync_to_async(sessions.session_control)(
                session=self.session,
                action=action,
                seconds=content.get("seconds"),
                player_id=content.get("player"),
            )
        except sessions.LiveError as error:
            await self.send_state(error=str(error.message))
            return
        # Everyone looks again: the phones for a new phase, a removed player for their notice. The
        # projector joins its groups again first, so that it hears its own change even if the
        # layer lost them (a Redis restart) since its last heartbeat.
        await self.regroup()
        await self.channel_layer.group_send(session.group, changed_event(session))

    async def live_count(self, event: dict) -> None:
        await self.send_json({"answered": event["answered"]})
