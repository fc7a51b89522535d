"""The WebSockets of a live session: one per phone, one per projector.

Each socket, when told that the session changed (or when it connects, reconnects included), reads
the state from the database and sends its screen's HTML, rendered by the page's own template;
a phone told that a question opened sends the page the message brings (see `PlayConsumer`). The
phone sends its answers here; the projector its trainer's buttons. Every write goes through
`live.sessions`, which checks the session's state and the server's clock.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import translation

from . import broadcast, screens, sessions
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


HOUSEKEEPING_EVERY = 1.0  # seconds, per worker thread
_worker = threading.local()


def _housekeeping_due() -> bool:
    now = time.monotonic()
    if now - getattr(_worker, "housekept_at", float("-inf")) < HOUSEKEEPING_EVERY:
        return False
    _worker.housekept_at = now
    return True


def in_thread_pool(function):
    """Channels' `database_sync_to_async`, but in the thread pool rather than the one thread
    Channels shares, and with its own connection housekeeping.

    The pool: each phone's reads and its answer are independent (the database serialises what
    must be, a unique constraint counts an answer once), and with hundreds of phones per process
    a single thread queued them all behind each other's round trips to the database.

    The housekeeping: Channels closes old connections before and after each call, like a request.
    A socket's message is not a request, though: with CONN_HEALTH_CHECKS, each of hundreds of
    messages a second then paid an extra query (the check runs at the first query after each
    housekeeping). Here a worker thread does it at most once a second with persistent
    connections, and at once after a database error; without them (CONN_MAX_AGE 0) the
    connection is closed after each call, as after a request (seen on PostgreSQL: connections
    otherwise left open in the pool's threads)."""

    @functools.wraps(function)
    def housekept(*args, **kwargs):
        if _housekeeping_due():
            close_old_connections()
        try:
            return function(*args, **kwargs)
        except DatabaseError:
            close_old_connections()  # a broken connection is replaced before the next message
            raise
        finally:
            if not connection.settings_dict["CONN_MAX_AGE"]:
                close_old_connections()

    return sync_to_async(housekept, thread_sensitive=False)


def _epoch_ms_now() -> int:
    return int(time.time() * 1000)


def _stamped(shared: dict) -> dict:
    """A shared page with this moment's server clock and time left."""
    payload = dict(shared)
    payload["now"] = _epoch_ms_now()
    payload["remaining"] = max((payload["closes_at"] - payload["now"]) / 1000, 0.0)
    return payload


COUNT_EVERY = 0.1  # seconds: at most one count read and message per question per process this often


class _Counts:
    """The projector's count of answers, from this process: an answer kept here notes its
    question, and the count is read from the database at most once every COUNT_EVERY seconds per
    question, always after the commit of every answer noted before the read starts, then sent.
    During the answer burst a read per answer queued hundreds of queries (and messages) behind
    each other; coalesced, a count costs a query for many answers. Every count message goes
    through the channel layer to the process holding the projector, whose Redis receive loop
    takes one message per round trip: at 25 ms, three sessions' counts (240 messages a second)
    outran it in bench/live.py, so a count may wait up to 0.1 s to leave."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.due: set[tuple[str, int]] = set()  # a read is scheduled and has not started
        self.read_at: dict[tuple[str, int], float] = {}
        self.tasks: set[asyncio.Task] = set()  # held, or the loop may drop them before they run

    def note(self, layer, group: str, question: int) -> None:
        """An answer to `question` was committed: a count read (not yet started) will see it."""
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a process has one event loop; tests start one per scenario
            self.__init__()
            self.loop = loop
        key = (group, question)
        if key in self.due:
            return  # the read already due starts after this commit: it counts this answer
        self.due.add(key)
        wait = self.read_at.get(key, float("-inf")) + COUNT_EVERY - time.monotonic()
        task = loop.create_task(self._send(layer, key, max(wait, 0.0)))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, layer, key: tuple[str, int], wait: float) -> None:
        if wait:
            await asyncio.sleep(wait)
        self.due.discard(key)  # answers noted from now on wait for the next read
        now = time.monotonic()
        self.read_at[key] = now
        if len(self.read_at) > 256:  # forget the questions of a minute ago
            for old in [k for k, at in self.read_at.items() if now - at > 60 and k not in self.due]:
                del self.read_at[old]
        group, question = key
        answered = await in_thread_pool(sessions.answered_count)(question)
        # Reads end out of order (threads, two processes): the projector keeps the highest.
        await layer.group_send(group, count_event(question, answered))


_counts = _Counts()


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
        with translation.override(self.language):
            return self._payload(self._context(self.session), error)  # the screens read the session

    def _payload(self, context: dict, error: str) -> dict:
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
    """A player's phone.

    It remembers the questions it has shown (asked or answered) and whether its player was
    removed (each full render reads it again): when a question opens, the message brings the page
    every phone that has not answered shows, and a phone that has never seen that question and
    whose player is in the game sends it as it is, without touching the database. Any other phone
    (a removed player, a question it has seen, a language the message lacks) reads the database.
    """

    template = broadcast.PHONE_TEMPLATE

    async def connect(self) -> None:
        self.session_pk = self.scope["url_route"]["kwargs"]["pk"]
        self.seen_questions: set[int] = set()
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

    def _context(self, session: LiveSession, board: screens.Board | None = None) -> dict:
        context = screens.phone_context(session, self.player, board=board)  # refreshes the player
        if context["stage"].question is not None:
            self.seen_questions.add(context["stage"].question.pk)
        return context

    async def live_changed(self, event: dict) -> None:
        asking = (event.get("asking") or {}).get(self.language)
        question = event.get("question")
        fresh = question is not None and question not in self.seen_questions
        if asking and fresh and not self.player.removed:
            # A question this phone has never shown: it cannot have answered it yet.
            self.seen_questions.add(question)
            await self.send_json(_stamped(asking))
            return
        await self.send_state(version=event.get("version"))

    def _render_state(self, error: str, version: int | None) -> dict:
        """A phone told of a change. While a question is open, every phone that has not answered
        shows the same page, and every phone that has the same "answer received": each process
        renders each of them once per version of the session (`broadcast.open_pages`), and a
        phone costs one query, its own answer. At any other point (a reveal, a pause, the podium)
        each phone renders its own page from its process's board of everyone's standing
        (`broadcast.board`), without a query of its own. An error, a removed player or a
        (re)connect reads the player's own standing."""
        if error or version is None:
            return self._render(error)
        shared = broadcast.open_pages(self.session_pk, version, self.language)
        if shared is None:
            board = broadcast.board(self.session_pk, version)
            if board is None:  # the session moved on: the next message brings its version
                return self._render(error)
            with translation.override(self.language):
                return self._payload(self._context(self.session, board=board), error)
        answered = (
            Player.objects.filter(pk=self.player.pk, removed=False)
            .annotate(
                answered=Exists(
                    LiveAnswer.objects.filter(
                        player=OuterRef("pk"), session_question=OuterRef("session__current")
                    )
                )
            )
            .values_list("answered", flat=True)
            .first()
        )
        if answered is None:  # removed
            return self._render(error)
        self.seen_questions.add(shared["question"])
        return _stamped(shared["answered" if answered else "asking"])

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
            recorded = await in_thread_pool(sessions.answer_record)(
                player=self.player, session_question_id=question_id, form=_form(content.get("form"))
            )
        except sessions.LiveError as error:
            await self.send_state(error=str(error.message))
            return
        question_id = recorded.answer.session_question_id
        self.seen_questions.add(question_id)
        # "Answer received" from this process's shared pages (rendered once per version).
        found, shared = broadcast.open_pages_cached(self.session_pk, recorded.version, self.language)
        if not found:
            render = in_thread_pool(broadcast.open_pages)
            shared = await render(self.session_pk, recorded.version, self.language)
        if shared is not None and shared["question"] == question_id:
            await self.send_json(_stamped(shared["answered"]))
        else:
            await self.send_state()
        if recorded.created:
            _counts.note(self.channel_layer, self.session.screen_group, question_id)


class ScreenConsumer(_LiveConsumer):
    """The projector: only the session's trainer may open it and drive the session from it.

    Count messages reach it out of order (many threads, two processes): for each question it
    never shows fewer answers than it has shown, and a full render (which reads the database)
    sets the count again."""

    template = "live/screen.html#stage"

    async def connect(self) -> None:
        self.session_pk = self.scope["url_route"]["kwargs"]["pk"]
        self.counts_shown: dict[int, int] = {}
        driven = LiveSession.objects.run_by(self.scope.get("user") or AnonymousUser())
        session = await database_sync_to_async(driven.filter(pk=self.session_pk).first)()
        if session is None:
            await self.close(code=FORBIDDEN)
            return
        self.session = session
        self.groups_joined = [session.group, session.screen_group]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_state()

    def _context(self, session: LiveSession) -> dict:
        context = screens.screen_context(session)
        question = context["stage"].question
        if question is not None and "answered" in context:
            self.counts_shown[question.pk] = context["answered"]  # the database's word
        return context

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        action = str(content.get("action", ""))
        if action == "ping":
            await self.regroup()
            return
        try:
            event = await database_sync_to_async(self._control)(
                action=action, seconds=content.get("seconds"), player_id=content.get("player")
            )
        except sessions.LiveError as error:
            await self.send_state(error=str(error.message))
            return
        # Everyone looks again: the phones for a new phase, a removed player for their notice. The
        # projector joins its groups again first, so that it hears its own change even if the
        # layer lost them (a Redis restart) since its last heartbeat.
        await self.regroup()
        await self.channel_layer.group_send(self.session.group, event)

    def _control(self, **kwargs) -> dict:
        """The trainer's button, then its message, with the page of a question it opened (this
        process renders it once for every phone of the session)."""
        session = sessions.session_control(session=self.session, **kwargs)
        return changed_event(session, pages=True)

    async def live_count(self, event: dict) -> None:
        question, answered = event.get("question"), event["answered"]
        if answered <= self.counts_shown.get(question, -1):
            return  # an older count that arrived late
        self.counts_shown[question] = answered
        await self.send_json({"question": question, "answered": answered})
