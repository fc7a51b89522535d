"""The sockets, through Channels' own WebsocketCommunicator and the in-memory channel layer:
joining, answering once, late answers, a reconnect getting the state, and the trainer's
controls open to the session's trainer only."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from live import sessions
from live.broadcast import count_event
from live.consumers import FORBIDDEN
from live.models import LiveAnswer, LiveSession
from live.routing import websocket_urlpatterns
from tests.live.conftest import right_form, time_up

pytestmark = pytest.mark.django_db(transaction=True)


class Visitor:
    """ASGI middleware standing in for the session and auth middleware: the scope's user and
    browser session are given."""

    def __init__(self, app, *, user=None, browser_session=None) -> None:
        self.app, self.user, self.browser_session = app, user, browser_session

    async def __call__(self, scope, receive, send):
        scope = {**scope, "user": self.user or AnonymousUser(), "session": self.browser_session or {}}
        return await self.app(scope, receive, send)


def communicator(path: str, *, user=None, browser_session=None) -> WebsocketCommunicator:
    app = Visitor(URLRouter(websocket_urlpatterns), user=user, browser_session=browser_session)
    return WebsocketCommunicator(app, path)


async def connected(path: str, **visitor) -> tuple[WebsocketCommunicator, dict]:
    """A socket connected to `path` for this visitor, and the state it is sent first."""
    socket = communicator(path, **visitor)
    assert (await socket.connect(timeout=10))[0]
    return socket, await socket.receive_json_from(timeout=10)


def play_path(session: LiveSession) -> str:
    return f"/ws/live/{session.pk}/play/"


def screen_path(session: LiveSession) -> str:
    return f"/ws/live/{session.pk}/screen/"


def guest(session: LiveSession, nickname: str) -> tuple:
    player = sessions.player_join(session=session, nickname=nickname)
    return player, {sessions.GUEST_KEY: {str(session.pk): player.pk}}


def run(scenario):
    return async_to_sync(scenario)()


def test_a_player_who_joined_gets_the_state_on_connecting(live_session):
    _player, browser = guest(live_session, "Ada")

    async def scenario():
        phone = communicator(play_path(live_session), browser_session=browser)
        connected, _code = await phone.connect(timeout=10)
        assert connected
        state = await phone.receive_json_from(timeout=10)
        assert state["phase"] == "lobby" and "Ada" in state["html"]
        await phone.disconnect()

    run(scenario)


def test_a_visitor_who_has_not_joined_is_turned_away(live_session):
    async def scenario():
        phone = communicator(play_path(live_session))
        connected, code = await phone.connect(timeout=10)
        assert not connected and code == FORBIDDEN

    run(scenario)


def test_an_answer_counts_once_and_the_projector_sees_the_count(live_session, trainer):
    player, browser = guest(live_session, "Ada")
    sessions.question_next(session=live_session)
    form = right_form(live_session)
    question_id = LiveSession.objects.get(pk=live_session.pk).current_id

    async def scenario():
        screen, _state = await connected(screen_path(live_session), user=trainer)  # its state
        phone = communicator(play_path(live_session), browser_session=browser)
        assert (await phone.connect(timeout=10))[0]
        assert (await phone.receive_json_from(timeout=10))["phase"] == "open"
        await phone.send_json_to({"action": "answer", "question": question_id, "form": form})
        after = await phone.receive_json_from(timeout=10)
        assert "Answer received" in after["html"] or "Réponse reçue" in after["html"]
        assert await screen.receive_json_from(timeout=10) == {"question": question_id, "answered": 1}
        # A double tap: the first answer stands, nothing more counted on the projector.
        await phone.send_json_to({"action": "answer", "question": question_id, "form": {"choice": ["autre"]}})
        await phone.receive_json_from(timeout=10)
        assert await screen.receive_nothing()
        await phone.disconnect()
        await screen.disconnect()

    run(scenario)
    (answer,) = LiveAnswer.objects.filter(player=player)
    assert answer.correct


def test_a_late_answer_is_refused_with_a_message(live_session):
    _player, browser = guest(live_session, "Ada")
    sessions.question_next(session=live_session)
    form = right_form(live_session)
    time_up(live_session)
    question_id = LiveSession.objects.get(pk=live_session.pk).current_id

    async def scenario():
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        await phone.send_json_to({"action": "answer", "question": question_id, "form": form})
        refused = await phone.receive_json_from(timeout=10)
        assert 'role="alert"' in refused["html"]
        await phone.disconnect()

    run(scenario)
    assert not LiveAnswer.objects.exists()


def test_a_phone_that_reconnects_gets_the_current_question_and_its_own_answer(live_session):
    player, browser = guest(live_session, "Ada")

    async def scenario():
        phone = communicator(play_path(live_session), browser_session=browser)
        assert (await phone.connect(timeout=10))[0]
        assert (await phone.receive_json_from(timeout=10))["phase"] == "lobby"
        await phone.disconnect()

    run(scenario)
    # While it was away: the question opened and its answer arrived by a plain form post.
    live = sessions.question_next(session=live_session)
    sessions.answer_record(player=player, session_question_id=live.current_id, form=right_form(live))

    async def back():
        phone = communicator(play_path(live_session), browser_session=browser)
        assert (await phone.connect(timeout=10))[0]
        state = await phone.receive_json_from(timeout=10)
        assert state["phase"] == "open" and state["version"] == live.version
        assert state["closes_at"] is not None and state["remaining"] > 0
        assert "live-waiting" in state["html"]  # not asked again
        await phone.disconnect()

    run(back)


def test_the_trainers_buttons_drive_every_screen(live_session, trainer):
    _player, browser = guest(live_session, "Ada")

    async def scenario():
        screen, _state = await connected(screen_path(live_session), user=trainer)
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        await screen.send_json_to({"action": "next", "seconds": "45"})
        assert (await phone.receive_json_from(timeout=10))["phase"] == "open"
        opened = await screen.receive_json_from(timeout=10)
        assert opened["phase"] == "open" and 40 < opened["remaining"] <= 45
        await screen.send_json_to({"action": "reveal"})
        assert (await phone.receive_json_from(timeout=10))["phase"] == "reveal"
        await phone.disconnect()
        await screen.disconnect()

    run(scenario)
    assert LiveSession.objects.get(pk=live_session.pk).current.seconds == 45


@pytest.mark.parametrize("who", ["anonymous", "student", "other_trainer"])
def test_only_the_sessions_trainer_opens_its_projector_socket(live_session, who, student, user_factory):
    user = {"anonymous": None, "student": student, "other_trainer": user_factory(groups=("trainers",))}[who]

    async def scenario():
        screen = communicator(screen_path(live_session), user=user)
        connected, code = await screen.connect(timeout=10)
        assert not connected and code == FORBIDDEN

    run(scenario)


def test_a_player_cannot_drive_the_session_from_their_phone(live_session):
    _player, browser = guest(live_session, "Ada")

    async def scenario():
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        await phone.send_json_to({"action": "next"})
        await phone.receive_json_from(timeout=10)
        await phone.disconnect()

    run(scenario)
    assert LiveSession.objects.get(pk=live_session.pk).phase == LiveSession.Phase.LOBBY


def test_a_removed_player_is_told_and_can_no_longer_answer(live_session, trainer):
    player, browser = guest(live_session, "Ada")

    async def scenario():
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        screen, _state = await connected(screen_path(live_session), user=trainer)
        await screen.send_json_to({"action": "remove", "player": player.pk})
        told = await phone.receive_json_from(timeout=10)
        assert 'role="alert"' in told["html"]
        await phone.disconnect()
        await screen.disconnect()

    run(scenario)
    player.refresh_from_db()
    assert player.removed


def test_a_heartbeat_joins_the_groups_again_after_the_channel_layer_forgot_them(live_session, trainer):
    _player, browser = guest(live_session, "Ada")

    async def scenario():
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        layer.groups.clear()  # what a Redis restart does to the group memberships
        await layer.group_send(live_session.group, {"type": "live.changed", "version": 0})
        assert await phone.receive_nothing()
        await phone.send_json_to({"action": "ping"})
        assert await phone.receive_nothing()  # a ping gets no answer
        await layer.group_send(live_session.group, {"type": "live.changed", "version": 0})
        assert (await phone.receive_json_from(timeout=10))["phase"] == "lobby"
        await phone.disconnect()

    run(scenario)


def test_the_page_shared_by_every_phone_of_an_open_question_is_the_one_each_would_get(live_session):
    from django.template.loader import render_to_string

    from live import screens
    from live.broadcast import open_pages as _shared_open
    from live.consumers import PlayConsumer

    player, _browser = guest(live_session, "Ada")
    live = sessions.question_next(session=live_session)
    pages = _shared_open(live.pk, live.version, "fr")
    own = render_to_string(PlayConsumer.template, {**screens.phone_context(live, player), "error": ""})
    assert pages["asking"]["html"] == own
    sessions.answer_record(player=player, session_question_id=live.current_id, form=right_form(live))
    own = render_to_string(PlayConsumer.template, {**screens.phone_context(live, player), "error": ""})
    assert pages["answered"]["html"] == own
    # Once the session has moved on, that version has no shared page: each phone is rendered in full.
    sessions.question_reveal(session=live)
    assert _shared_open(live.pk, live.version + 1, "fr") is None


def test_the_projector_hears_its_own_change_even_after_the_layer_forgot_its_groups(live_session, trainer):
    async def scenario():
        from channels.layers import get_channel_layer

        screen, _state = await connected(screen_path(live_session), user=trainer)
        get_channel_layer().groups.clear()  # a Redis restart
        await screen.send_json_to({"action": "next"})
        assert (await screen.receive_json_from(timeout=10))["phase"] == "open"
        await screen.disconnect()

    run(scenario)


def test_the_projector_never_shows_fewer_answers_than_it_has_shown_for_a_question(live_session, trainer):
    live = sessions.question_next(session=live_session)
    question = live.current_id

    async def scenario():
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        screen = communicator(screen_path(live_session), user=trainer)
        assert (await screen.connect(timeout=10))[0]
        assert (await screen.receive_json_from(timeout=10))["phase"] == "open"
        # Counts from two processes and many threads, out of order.
        for answered in (3, 2, 1, 5, 4):
            await layer.group_send(live_session.screen_group, count_event(question, answered))
        assert await screen.receive_json_from(timeout=10) == {"question": question, "answered": 3}
        assert await screen.receive_json_from(timeout=10) == {"question": question, "answered": 5}
        assert await screen.receive_nothing()
        # The reveal's full render is the database's count (none here), whatever came before.
        await screen.send_json_to({"action": "reveal"})
        revealed = await screen.receive_json_from(timeout=10)
        assert revealed["phase"] == "reveal" and "0 / 0" in revealed["html"]
        await screen.disconnect()

    run(scenario)


def test_opening_a_question_sends_its_page_in_the_message_and_each_phone_sends_it_as_it_is(
    live_session, trainer
):
    _player, browser = guest(live_session, "Ada")

    async def scenario():
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        listener = await layer.new_channel()
        await layer.group_add(live_session.group, listener)
        screen, _state = await connected(screen_path(live_session), user=trainer)
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        await screen.send_json_to({"action": "next"})
        event = await layer.receive(listener)
        session = await database_sync_to_async(LiveSession.objects.get)(pk=live_session.pk)
        assert event["question"] == session.current_id and event["version"] == session.version
        assert set(event["asking"]) == {"fr", "en"}
        assert f'name="question" value="{session.current_id}"' in event["asking"]["fr"]["html"]
        shown = await phone.receive_json_from(timeout=10)
        assert shown["html"] == event["asking"]["fr"]["html"] and shown["phase"] == "open"
        assert 0 < shown["remaining"] <= 30
        # The phone sends what the message brings, without reading the database: a page that is
        # not the database's reaches the screen as it is.
        marker = {**event["asking"]["fr"], "html": "from the message"}
        message = {"type": "live.changed", "version": session.version + 1, "question": 10**6}
        await layer.group_send(live_session.group, {**message, "asking": {"fr": marker}})
        assert "from the message" in (await phone.receive_json_from(timeout=10))["html"]
        await phone.disconnect()
        await screen.disconnect()

    run(scenario)


def test_a_removed_player_does_not_get_the_next_question(live_session, trainer):
    player, browser = guest(live_session, "Ada")

    async def scenario():
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        screen, _state = await connected(screen_path(live_session), user=trainer)
        await screen.send_json_to({"action": "remove", "player": player.pk})
        assert 'role="alert"' in (await phone.receive_json_from(timeout=10))["html"]
        await screen.receive_json_from(timeout=10)
        await screen.send_json_to({"action": "next"})
        told = await phone.receive_json_from(timeout=10)
        assert 'name="question"' not in told["html"] and 'role="alert"' in told["html"]
        await phone.disconnect()
        await screen.disconnect()

    run(scenario)


def test_answers_from_several_phones_are_each_counted_once_and_the_last_count_is_the_databases(
    live_session, trainer
):
    guests = [guest(live_session, name) for name in ("Ada", "Bob", "Cy")]
    sessions.question_next(session=live_session)
    form = right_form(live_session)
    question_id = LiveSession.objects.get(pk=live_session.pk).current_id

    async def scenario():
        screen, _state = await connected(screen_path(live_session), user=trainer)
        phones = []
        for _player, browser in guests:
            phone = communicator(play_path(live_session), browser_session=browser)
            assert (await phone.connect(timeout=10))[0]
            assert (await phone.receive_json_from(timeout=10))["phase"] == "open"
            phones.append(phone)
        # One after the other (the test database takes one writer at a time), each tapping twice.
        for phone in phones:
            for _tap in range(2):
                await phone.send_json_to({"action": "answer", "question": question_id, "form": form})
            for _tap in range(2):
                assert "live-waiting" in (await phone.receive_json_from(timeout=10))["html"]
        counts = []
        while not counts or counts[-1] < 3:
            message = await screen.receive_json_from(timeout=10)
            assert message["question"] == question_id
            counts.append(message["answered"])
        assert counts == sorted(set(counts)) and counts[-1] == 3
        assert await screen.receive_nothing(timeout=0.3)
        for phone in phones:
            await phone.disconnect()
        await screen.disconnect()

    run(scenario)
    assert LiveAnswer.objects.filter(session_question_id=question_id).count() == 3


def test_a_phone_that_answered_and_reconnects_gets_its_answer_not_the_question(live_session):
    _player, browser = guest(live_session, "Ada")
    sessions.question_next(session=live_session)
    form = right_form(live_session)
    question_id = LiveSession.objects.get(pk=live_session.pk).current_id

    async def scenario():
        phone, _state = await connected(play_path(live_session), browser_session=browser)
        await phone.send_json_to({"action": "answer", "question": question_id, "form": form})
        assert "live-waiting" in (await phone.receive_json_from(timeout=10))["html"]
        await phone.disconnect()
        again = communicator(play_path(live_session), browser_session=browser)
        assert (await again.connect(timeout=10))[0]
        state = await again.receive_json_from(timeout=10)
        assert state["phase"] == "open" and "live-waiting" in state["html"]
        assert 'name="question"' not in state["html"]
        await again.disconnect()

    run(scenario)
