"""The session's rules, without sockets: joining, answering once, the server's clock, scoring,
and what ending records (attempts marked live, missed questions in the review)."""

from __future__ import annotations

import pytest

from live import sessions
from live.models import LiveAnswer, LiveSession, Player
from quizzes.attempts import attempt_start
from quizzes.models import Answer, Attempt
from review.models import Card
from tests.live.conftest import right_form, time_up, wrong_form

pytestmark = pytest.mark.django_db


def test_a_session_starts_in_its_lobby_with_the_quizs_questions_and_a_pin(live_session):
    assert live_session.phase == LiveSession.Phase.LOBBY
    assert len(live_session.pin) == 6
    assert [q.question.uid for q in live_session.questions.order_by("position")] == [
        "alpha-single-1",
        "alpha-truefalse-1",
        "beta-short-1",
    ]
    assert {q.seconds for q in live_session.questions.all()} == {30}


def test_a_quiz_without_playable_questions_cannot_go_live(trainer, course):
    from quizzes.models import Quiz

    empty = Quiz.objects.create(slug="vide", title="Vide", kind=Quiz.Kind.ASSESSMENT)
    with pytest.raises(sessions.LiveError) as raised:
        sessions.session_start(trainer=trainer, quiz=empty)
    assert raised.value.message == sessions.EMPTY_QUIZ
    assert not LiveSession.objects.exists()


def test_a_signed_in_user_joins_as_themself_once(live_session, student):
    first = sessions.player_join(session=live_session, user=student)
    again = sessions.player_join(session=live_session, user=student)
    assert first == again
    assert first.nickname == "student"
    assert live_session.players.count() == 1


def test_guests_need_a_nickname_nobody_else_has(live_session):
    sessions.player_join(session=live_session, nickname="  Ada  ")
    with pytest.raises(sessions.LiveError) as taken:
        sessions.player_join(session=live_session, nickname="Ada")
    assert taken.value.message == sessions.NICKNAME_TAKEN
    with pytest.raises(sessions.LiveError) as empty:
        sessions.player_join(session=live_session, nickname="   ")
    assert empty.value.message == sessions.NICKNAME_EMPTY
    with pytest.raises(sessions.LiveError):
        sessions.player_join(session=live_session, nickname="x" * 25)
    assert list(live_session.players.values_list("nickname", flat=True)) == ["Ada"]


def test_a_removed_player_cannot_answer_or_join_again(live_session, student):
    player = sessions.player_join(session=live_session, user=student)
    sessions.session_control(session=live_session, action="remove", player_id=player.pk)
    sessions.question_next(session=live_session)
    with pytest.raises(sessions.LiveError):
        sessions.answer_record(
            player=Player.objects.get(pk=player.pk), session_question_id=live_session.current_id, form={}
        )
    with pytest.raises(sessions.LiveError) as again:
        sessions.player_join(session=live_session, user=student)
    assert again.value.message == sessions.REMOVED


def test_an_answer_counts_once(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    first = sessions.answer_record(
        player=player, session_question_id=live_session.current_id, form=right_form(live_session)
    )
    second = sessions.answer_record(
        player=player, session_question_id=live_session.current_id, form=wrong_form(live_session)
    )
    assert first.created and not second.created
    assert second.answer == first.answer and second.answer.correct
    assert LiveAnswer.objects.count() == 1


def test_an_answer_is_kept_in_two_statements_and_brings_back_the_sessions_version(
    live_session, django_assert_max_num_queries
):
    ada = sessions.player_join(session=live_session, nickname="Ada")
    bob = sessions.player_join(session=live_session, nickname="Bob")
    live_session = sessions.question_next(session=live_session)
    form = right_form(live_session)
    sessions.answer_record(player=ada, session_question_id=live_session.current_id, form=form)
    # The phone's hot path: the player's removal with the session and its open question in one
    # query, then the answer kept (a savepoint around it). The count is the caller's, after the
    # commit.
    with django_assert_max_num_queries(4):
        recorded = sessions.answer_record(player=bob, session_question_id=live_session.current_id, form=form)
    assert recorded.created and recorded.version == live_session.version
    assert sessions.answered_count(live_session.current_id) == 2
    again = sessions.answer_record(player=bob, session_question_id=live_session.current_id, form=form)
    assert not again.created and again.answer == recorded.answer


def test_a_second_tap_refused_on_its_own_still_brings_back_the_first_answer(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    question_id = live_session.current_id
    first = sessions.answer_record(
        player=player, session_question_id=question_id, form=right_form(live_session)
    )
    unreadable = sessions.answer_record(player=player, session_question_id=question_id, form={})
    time_up(live_session)
    late = sessions.answer_record(
        player=player, session_question_id=question_id, form=wrong_form(live_session)
    )
    assert not unreadable.created and not late.created
    assert unreadable.answer == late.answer == first.answer and late.answer.correct
    # Without a first answer, the same taps are refused.
    other = sessions.player_join(session=live_session, nickname="Bob")
    with pytest.raises(sessions.Late):
        sessions.answer_record(player=other, session_question_id=question_id, form=right_form(live_session))


def test_a_removed_players_answer_is_refused_even_from_a_stale_player(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    stale = Player.objects.get(pk=player.pk)  # what a phone's socket holds since it connected
    sessions.player_remove(session=live_session, player_id=player.pk)
    form = right_form(live_session)
    with pytest.raises(sessions.LiveError) as refused:
        sessions.answer_record(player=stale, session_question_id=live_session.current_id, form=form)
    assert refused.value.message == sessions.REMOVED
    assert not LiveAnswer.objects.exists()


def test_a_late_answer_is_refused_by_the_servers_clock(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    time_up(live_session)
    with pytest.raises(sessions.Late) as late:
        sessions.answer_record(
            player=player, session_question_id=live_session.current_id, form=right_form(live_session)
        )
    assert late.value.message == sessions.TOO_LATE
    assert not LiveAnswer.objects.exists()


def test_an_answer_to_another_question_than_the_open_one_is_refused(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    other = live_session.questions.exclude(pk=live_session.current_id).first()
    with pytest.raises(sessions.LiveError):
        sessions.answer_record(player=player, session_question_id=other.pk, form={"text": ["svc"]})
    assert not LiveAnswer.objects.exists()


def test_no_answer_while_paused_and_the_clock_resumes_with_the_time_left(live_session):
    player = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    paused = sessions.session_pause(session=live_session)
    assert 29 <= paused.paused_remaining <= 30
    with pytest.raises(sessions.LiveError) as refused:
        sessions.answer_record(
            player=player, session_question_id=live_session.current_id, form=right_form(live_session)
        )
    assert refused.value.message == sessions.PAUSED
    resumed = sessions.session_resume(session=live_session)
    assert resumed.paused_remaining is None
    assert sessions.answer_record(
        player=player, session_question_id=live_session.current_id, form=right_form(live_session)
    ).created


@pytest.mark.parametrize(
    ("score", "elapsed", "points"),
    [(1.0, 0, 1000), (1.0, 30, 500), (1.0, 15, 750), (0.5, 0, 500), (0.0, 0, 0)],
)
def test_faster_right_answers_score_more(score, elapsed, points):
    assert sessions.speed_points(score=score, seconds=30, elapsed=elapsed) == points


def test_points_come_at_the_reveal_with_a_streak_bonus(live_session):
    ada = sessions.player_join(session=live_session, nickname="Ada")
    bob = sessions.player_join(session=live_session, nickname="Bob")
    for _question in range(2):
        live_session = sessions.question_next(session=live_session)
        sessions.answer_record(
            player=ada, session_question_id=live_session.current_id, form=right_form(live_session)
        )
        sessions.answer_record(
            player=bob, session_question_id=live_session.current_id, form=wrong_form(live_session)
        )
        assert Player.objects.get(pk=ada.pk).points == sum(
            a.points
            for a in LiveAnswer.objects.filter(player=ada, session_question__revealed_at__isnull=False)
        )
        live_session = sessions.question_reveal(session=live_session)
    ada.refresh_from_db()
    bob.refresh_from_db()
    answers = list(LiveAnswer.objects.filter(player=ada).order_by("session_question__position"))
    assert answers[1].points - sessions.STREAK_BONUS == sessions.speed_points(
        score=1.0, seconds=30, elapsed=answers[1].elapsed_ms / 1000
    )
    assert ada.points == sum(a.points for a in answers) and ada.streak == 2
    assert bob.points == 0 and bob.streak == 0


def test_revealing_twice_scores_once(live_session):
    ada = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    sessions.answer_record(
        player=ada, session_question_id=live_session.current_id, form=right_form(live_session)
    )
    sessions.question_reveal(session=live_session)
    once = Player.objects.get(pk=ada.pk).points
    sessions.question_reveal(session=live_session)
    assert Player.objects.get(pk=ada.pk).points == once > 0


def test_skip_drops_the_question_and_its_answers(live_session):
    ada = sessions.player_join(session=live_session, nickname="Ada")
    live_session = sessions.question_next(session=live_session)
    first = live_session.current_id
    sessions.answer_record(player=ada, session_question_id=first, form=right_form(live_session))
    live_session = sessions.question_skip(session=live_session)
    assert live_session.phase == LiveSession.Phase.OPEN and live_session.current_id != first
    assert not LiveAnswer.objects.filter(session_question_id=first).exists()


def test_after_the_last_question_next_shows_the_podium(live_session):
    for _question in range(3):
        live_session = sessions.question_next(session=live_session)
        live_session = sessions.question_reveal(session=live_session)
    assert sessions.question_next(session=live_session).phase == LiveSession.Phase.PODIUM


def test_controls_out_of_turn_are_refused(live_session):
    with pytest.raises(sessions.LiveError):
        sessions.session_control(session=live_session, action="reveal")
    with pytest.raises(sessions.LiveError):
        sessions.session_control(session=live_session, action="pause")
    with pytest.raises(sessions.LiveError):
        sessions.session_control(session=live_session, action="explode")


def test_ending_makes_each_signed_in_players_answers_a_live_attempt_and_reviews_the_missed(
    live_session, student, other_student
):
    me = sessions.player_join(session=live_session, user=student)
    other = sessions.player_join(session=live_session, user=other_student)
    guest = sessions.player_join(session=live_session, nickname="Invité")
    # Question 1: student right, other wrong. Question 2: student right, other silent.
    # Question 3 never opened: left out of the attempts.
    live_session = sessions.question_next(session=live_session)
    for player, form in ((me, right_form), (other, wrong_form), (guest, right_form)):
        sessions.answer_record(
            player=player, session_question_id=live_session.current_id, form=form(live_session)
        )
    live_session = sessions.question_reveal(session=live_session)
    live_session = sessions.question_next(session=live_session)
    sessions.answer_record(
        player=me, session_question_id=live_session.current_id, form=right_form(live_session)
    )
    live_session = sessions.question_reveal(session=live_session)
    ended = sessions.session_end(session=live_session)
    assert ended.phase == LiveSession.Phase.ENDED

    mine = Attempt.objects.get(student=student)
    assert mine.live and mine.finished_at and mine.score == 1.0
    assert mine.quiz == live_session.quiz and len(mine.question_ids) == 2
    theirs = Attempt.objects.get(student=other_student)
    assert theirs.score == 0.0
    assert list(theirs.answers.order_by("position").values_list("correct", flat=True)) == [False, False]
    assert Attempt.objects.count() == 2  # the guest has no account: no attempt
    # The review's own receiver (quizzes.signals.attempt_finished) made the cards of the missed ones.
    assert set(Card.objects.filter(student=other_student).values_list("question__uid", flat=True)) == {
        "alpha-single-1",
        "alpha-truefalse-1",
    }
    assert not Card.objects.filter(student=student).exists()
    # Ending again records nothing more.
    sessions.session_end(session=ended)
    assert Attempt.objects.count() == 2 and Answer.objects.count() == 4


def test_a_student_with_the_quiz_open_on_their_own_still_gets_the_live_attempt(live_session, student):
    """One open attempt per student and quiz is a constraint; the live attempt, opened and
    finished at the session's end, stands beside the one the student left open."""
    own = attempt_start(student=student, quiz=live_session.quiz)
    me = sessions.player_join(session=live_session, user=student)
    live_session = sessions.question_next(session=live_session)
    sessions.answer_record(
        player=me, session_question_id=live_session.current_id, form=right_form(live_session)
    )
    sessions.session_end(session=sessions.question_reveal(session=live_session))

    live = Attempt.objects.get(student=student, live=True)
    assert live.finished_at is not None and live.score == 1.0
    own.refresh_from_db()
    assert own.finished_at is None  # untouched, and still the one the quiz page resumes
    assert attempt_start(student=student, quiz=live_session.quiz) == own
