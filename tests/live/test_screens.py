"""What the screens show, read once for everyone: every phone rendered from its process's board
is the page it would get read on its own, whatever the point of the session; a board costs a
few queries whatever the number of players; the projector's count is read once for a burst of
answers."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import translation

from live import broadcast, consumers, screens, sessions
from live.broadcast import count_event
from live.consumers import PlayConsumer
from live.models import LiveSession, Player
from tests.live.conftest import right_form, wrong_form

pytestmark = pytest.mark.django_db(transaction=True)


def phone_html(session: LiveSession, player: Player, board: screens.Board | None) -> str:
    with translation.override("fr"):
        context = screens.phone_context(session, Player.objects.get(pk=player.pk), board=board)
        return render_to_string(PlayConsumer.template, {**context, "error": ""})


def played_room(live_session, student) -> dict[str, Player]:
    """A room after its first question: Ada right, Bob wrong, Cy silent, Dee removed, and the
    signed-in student right; then the second question open, answered by Ada and Bob."""
    room = {
        name: sessions.player_join(session=live_session, nickname=name)
        for name in ("Ada", "Bob", "Cy", "Dee")
    }
    room["student"] = sessions.player_join(session=live_session, user=student)
    live = sessions.question_next(session=live_session)
    for name in ("Ada", "student"):
        sessions.answer_record(player=room[name], session_question_id=live.current_id, form=right_form(live))
    sessions.answer_record(player=room["Bob"], session_question_id=live.current_id, form=wrong_form(live))
    sessions.player_remove(session=live, player_id=room["Dee"].pk)
    live = sessions.question_reveal(session=live)
    live = sessions.question_next(session=live)
    sessions.answer_record(player=room["Ada"], session_question_id=live.current_id, form=right_form(live))
    sessions.answer_record(player=room["Bob"], session_question_id=live.current_id, form=wrong_form(live))
    return room


MOVES = {
    "paused": [sessions.session_pause],
    "reveal": [sessions.question_reveal],
    "podium": [sessions.question_reveal, sessions.session_podium],
    "ended": [sessions.question_reveal, sessions.session_end],
}


@pytest.mark.parametrize("point", MOVES)
def test_every_phone_rendered_from_the_board_is_the_page_it_would_get_on_its_own(
    live_session, student, point
):
    room = played_room(live_session, student)
    for move in MOVES[point]:
        live = move(session=LiveSession.objects.get(pk=live_session.pk))
    board = screens.Board(screens.stage(live))
    pages = {name: phone_html(live, player, board) for name, player in room.items()}
    for name, player in room.items():
        assert pages[name] == phone_html(live, player, None), name
    # The pages differ where the players do: not one page for all (paused: answered, not, removed).
    assert len(set(pages.values())) >= (3 if point == "paused" else 4)
    if point != "paused":
        assert "rang 1 sur 4" in pages["Ada"] or "rank 1 of 4" in pages["Ada"]


def test_a_board_reads_a_whole_room_in_a_few_queries_and_a_phone_renders_from_it_without_any(
    live_session, student, django_assert_max_num_queries
):
    room = played_room(live_session, student)
    for n in range(30):
        sessions.player_join(session=live_session, nickname=f"p{n:02d}")
    live = sessions.session_end(session=LiveSession.objects.get(pk=live_session.pk))
    with django_assert_max_num_queries(
        5
    ):  # the stage's two, the players, the questions played, the right answers
        board = screens.Board(screens.stage(live))
    with django_assert_max_num_queries(0):
        for player in room.values():
            with translation.override("en"):
                screens.phone_context(live, player, board=board)


def test_each_process_reads_a_versions_board_once_and_none_for_a_version_gone_by(live_session):
    sessions.player_join(session=live_session, nickname="Ada")
    live = sessions.question_next(session=live_session)
    live = sessions.question_reveal(session=live)
    board = broadcast.board(live.pk, live.version)
    assert board is not None and board.stage.session.phase == LiveSession.Phase.REVEAL
    assert broadcast.board(live.pk, live.version) is board
    moved_on = sessions.question_next(session=live)
    assert broadcast.board(live.pk, moved_on.version - 1) is board  # a version is never reused
    assert broadcast.board(live.pk, moved_on.version + 1) is None  # not there yet: nothing kept
    assert broadcast.board(live.pk, moved_on.version).stage.session.version == moved_on.version


def test_answers_noted_at_once_cost_one_count_read_and_reach_the_projector_together(
    live_session, monkeypatch
):
    room = [sessions.player_join(session=live_session, nickname=name) for name in ("Ada", "Bob", "Cy")]
    live = sessions.question_next(session=live_session)
    for player in room:
        sessions.answer_record(player=player, session_question_id=live.current_id, form=right_form(live))
    reads = []
    read = sessions.answered_count

    def counting(question_id: int) -> int:
        reads.append(question_id)
        return read(question_id)

    monkeypatch.setattr(sessions, "answered_count", counting)

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.screen_group, channel)
        for _player in room:  # three answers kept at once in this process
            consumers._counts.note(layer, live.screen_group, live.current_id)
        message = await layer.receive(channel)
        # Another answer after the read started: a second read, COUNT_EVERY later.
        consumers._counts.note(layer, live.screen_group, live.current_id)
        return message, await layer.receive(channel)

    message, again = async_to_sync(scenario)()
    expected = count_event(live.current_id, 3)
    assert {k: message[k] for k in expected} == expected
    assert again["answered"] == 3 and reads == [live.current_id, live.current_id]
