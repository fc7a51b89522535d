"""Running a live session: every write is one function, one transaction, and returns what the
screens need to know. The database is the record and the clock's owner: a question's opening and
closing times are stored, so any process (or pod) can tell whether an answer is late.

Broadcasting the change to the connected screens is the caller's job (`live.broadcast`), after
the transaction: the channel layer carries no state of record, only "look again" (with, when a
question opens, the page every phone shows, rendered once from the committed state).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes import kinds
from quizzes.attempts import attempt_finish
from quizzes.models import Answer, Attempt, Quiz

from .models import DEFAULT_SECONDS, LiveAnswer, LiveSession, Player, SessionQuestion

MAX_SECONDS = 600
MIN_SECONDS = 5
NICKNAME_LENGTH = 24
# Kahoot's rule: a right answer is worth up to 1000 points, half of it for speed; a streak of
# right answers adds 100 per answer in a row after the first, up to 500.
BASE_POINTS = 1000
STREAK_BONUS = 100
STREAK_CAP = 5

EMPTY_QUIZ = _("This quiz has no question that can be played live.")
NO_SUCH_SESSION = _("No live session has this PIN. Check it on the projector.")
SESSION_ENDED = _("This live session has ended.")
NICKNAME_EMPTY = _("Choose a nickname.")
NICKNAME_TAKEN = _("Someone in the room already has this nickname: choose another one.")
NICKNAME_TOO_LONG = _("A nickname has at most 24 characters.")
REMOVED = _("The trainer removed you from this session.")
TOO_LATE = _("Time is up: this answer came too late and was not counted.")
NOT_OPEN = _("This question is not open for answers.")
PAUSED = _("The trainer has paused the question: wait for it to resume.")
NOT_NOW = _("This cannot be done at this point of the session.")
BAD_SECONDS = _("Give a time between 5 and 600 seconds.")


class LiveError(Exception):
    """A request that does not fit the session's state; carries a message for the person."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class Late(LiveError):
    """An answer after the server's time for the question."""


# --- starting and joining ---------------------------------------------------------------------


def session_start(*, trainer, quiz: Quiz, cohort=None, seconds: int = DEFAULT_SECONDS) -> LiveSession:
    """A new session in its lobby, with the quiz's gradable questions in order, each given
    `seconds` to answer (the trainer may change each one later)."""
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise LiveError(BAD_SECONDS)
    items = list(
        quiz.items.filter(question__active=True, question__current_revision__isnull=False)
        .exclude(question__kind__in=kinds.UNGRADED_KINDS)
        .select_related("question")
        .order_by("position")
    )
    if not items:
        raise LiveError(EMPTY_QUIZ)
    for _try in range(5):  # a PIN already taken: draw again
        try:
            with transaction.atomic():
                session = LiveSession.objects.create(trainer=trainer, quiz=quiz, cohort=cohort)
                SessionQuestion.objects.bulk_create(
                    SessionQuestion(
                        session=session,
                        question=item.question,
                        revision_id=item.question.current_revision_id,
                        position=position,
                        seconds=seconds,
                    )
                    for position, item in enumerate(items)
                )
                return session
        except IntegrityError:
            continue
    raise LiveError(NOT_NOW)


def clean_nickname(raw: str) -> str:
    nickname = " ".join((raw or "").split())
    if not nickname:
        raise LiveError(NICKNAME_EMPTY)
    if len(nickname) > NICKNAME_LENGTH:
        raise LiveError(NICKNAME_TOO_LONG)
    return nickname


def player_join(*, session: LiveSession, user=None, nickname: str = "") -> Player:
    """The player `user` already is in the session, or a new one. A signed-in user plays as
    themself (their username, made unique); a guest gives a nickname nobody in the room has."""
    if session.phase == LiveSession.Phase.ENDED:
        raise LiveError(SESSION_ENDED)
    if user is not None and user.is_authenticated:
        existing = session.players.filter(user=user).first()
        if existing is not None:
            if existing.removed:
                raise LiveError(REMOVED)
            return existing
        base = user.get_username()[:NICKNAME_LENGTH]
        for suffix in range(50):
            name = base if not suffix else f"{base[: NICKNAME_LENGTH - 3]}-{suffix + 1}"
            try:
                with transaction.atomic():
                    return Player.objects.create(session=session, user=user, nickname=name)
            except IntegrityError:
                existing = session.players.filter(user=user).first()
                if existing is not None:  # the same user joined twice at once
                    return existing
        raise LiveError(NICKNAME_TAKEN)
    name = clean_nickname(nickname)
    try:
        with transaction.atomic():
            return Player.objects.create(session=session, nickname=name)
    except IntegrityError:
        raise LiveError(NICKNAME_TAKEN) from None


def player_remove(*, session: LiveSession, player_id: int) -> Player | None:
    """Take a player out of the game (their answers no longer rank; they cannot rejoin)."""
    player = session.players.filter(pk=player_id).first()
    if player is not None and not player.removed:
        player.removed = True
        player.save(update_fields=["removed"])
    return player


# --- the trainer's controls -------------------------------------------------------------------


def _locked(session: LiveSession) -> LiveSession:
    # `of`: PostgreSQL locks no row on the nullable side of the outer join to the current question.
    return LiveSession.objects.select_for_update(of=("self",)).select_related("current").get(pk=session.pk)


def _bump(session: LiveSession, *fields: str) -> None:
    session.version = F("version") + 1
    session.save(update_fields=["version", *fields])
    session.refresh_from_db(fields=["version"])


def question_next(*, session: LiveSession) -> LiveSession:
    """Open the next question (from the lobby or a revealed question), or, after the last one,
    show the podium."""
    with transaction.atomic():
        session = _locked(session)
        if session.phase not in (LiveSession.Phase.LOBBY, LiveSession.Phase.REVEAL):
            raise LiveError(NOT_NOW)
        following = session.following()
        if following is None:
            session.phase = LiveSession.Phase.PODIUM
            _bump(session, "phase")
            return session
        now = timezone.now()
        following.opened_at = now
        following.closes_at = now + timedelta(seconds=following.seconds)
        following.save(update_fields=["opened_at", "closes_at"])
        session.current = following
        session.phase = LiveSession.Phase.OPEN
        session.paused_remaining = None
        _bump(session, "current", "phase", "paused_remaining")
        return session


def question_seconds(*, session: LiveSession, question_id: int, seconds: int) -> SessionQuestion:
    """Set the time of a question that has not been opened yet."""
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise LiveError(BAD_SECONDS)
    question = session.questions.filter(pk=question_id, opened_at__isnull=True).first()
    if question is None:
        raise LiveError(NOT_NOW)
    question.seconds = seconds
    question.save(update_fields=["seconds"])
    return question


def question_reveal(*, session: LiveSession) -> LiveSession:
    """Close the open question (time up, or the trainer's "reveal now") and score it: each right
    answer's points plus the streak bonus; a player who did not answer loses their streak."""
    with transaction.atomic():
        session = _locked(session)
        if session.phase != LiveSession.Phase.OPEN:
            if session.phase == LiveSession.Phase.REVEAL:
                return session  # the projector's timer and "reveal now" at once: once is enough
            raise LiveError(NOT_NOW)
        now = timezone.now()
        question = session.current
        question.revealed_at = now
        if question.closes_at > now:
            question.closes_at = now
        question.save(update_fields=["revealed_at", "closes_at"])
        answers = {a.player_id: a for a in question.answers.all()}
        players = list(session.players.filter(removed=False))
        for player in players:
            answer = answers.get(player.pk)
            if answer is None or not answer.correct:
                player.streak = 0
                if answer is not None:
                    player.points += answer.points
                continue
            player.streak += 1
            answer.points += STREAK_BONUS * min(player.streak - 1, STREAK_CAP)
            player.points += answer.points
        LiveAnswer.objects.bulk_update(answers.values(), ["points"])
        Player.objects.bulk_update(players, ["points", "streak"])
        session.phase = LiveSession.Phase.REVEAL
        session.paused_remaining = None
        _bump(session, "phase", "paused_remaining")
        return session


def question_skip(*, session: LiveSession) -> LiveSession:
    """Drop the open question from the game (its answers with it) and open the next one."""
    with transaction.atomic():
        session = _locked(session)
        if session.phase != LiveSession.Phase.OPEN:
            raise LiveError(NOT_NOW)
        question = session.current
        question.answers.all().delete()
        question.skipped = True
        question.revealed_at = question.closes_at = timezone.now()
        question.save(update_fields=["skipped", "revealed_at", "closes_at"])
        session.phase = LiveSession.Phase.REVEAL
        session.paused_remaining = None
        session.save(update_fields=["phase", "paused_remaining"])
    return question_next(session=session)


def session_pause(*, session: LiveSession) -> LiveSession:
    """Stop the clock of the open question: answers wait until it resumes."""
    with transaction.atomic():
        session = _locked(session)
        if session.phase != LiveSession.Phase.OPEN or session.paused:
            raise LiveError(NOT_NOW)
        remaining = (session.current.closes_at - timezone.now()).total_seconds()
        session.paused_remaining = max(remaining, 0.0)
        _bump(session, "paused_remaining")
        return session


def session_resume(*, session: LiveSession) -> LiveSession:
    with transaction.atomic():
        session = _locked(session)
        if not session.paused:
            raise LiveError(NOT_NOW)
        question = session.current
        question.closes_at = timezone.now() + timedelta(seconds=session.paused_remaining)
        question.save(update_fields=["closes_at"])
        session.paused_remaining = None
        _bump(session, "paused_remaining")
        return session


def session_podium(*, session: LiveSession) -> LiveSession:
    with transaction.atomic():
        session = _locked(session)
        if session.phase not in (LiveSession.Phase.LOBBY, LiveSession.Phase.REVEAL):
            raise LiveError(NOT_NOW)
        session.phase = LiveSession.Phase.PODIUM
        _bump(session, "phase")
        return session


def session_end(*, session: LiveSession) -> LiveSession:
    """End the session: each signed-in player's answers become a finished attempt at the quiz,
    marked live (the class reports count it), and the attempt's missed questions go to their
    review through `quizzes.signals.attempt_finished`, as for any quiz. Ending twice does
    nothing more."""
    with transaction.atomic():
        session = _locked(session)
        if session.phase == LiveSession.Phase.ENDED:
            return session
        if session.phase == LiveSession.Phase.OPEN:
            question_reveal(session=session)
            session = _locked(session)
        played = list(
            session.questions.filter(revealed_at__isnull=False, skipped=False)
            .select_related("question")
            .order_by("position")
        )
        if played:
            players = session.players.filter(user__isnull=False, removed=False, attempt__isnull=True)
            for player in players.prefetch_related("answers"):
                _attempt_record(session=session, player=player, played=played)
        session.phase = LiveSession.Phase.ENDED
        session.ended_at = timezone.now()
        session.paused_remaining = None
        _bump(session, "phase", "ended_at", "paused_remaining")
        return session


def _attempt_record(*, session: LiveSession, player: Player, played: list[SessionQuestion]) -> Attempt:
    attempt = Attempt.objects.create(
        student=player.user,
        quiz=session.quiz,
        question_ids=[question.question_id for question in played],
        seed=secrets.randbelow(2**31),
        live=True,
    )
    given = {a.session_question_id: a for a in player.answers.all()}
    rows = []
    for position, question in enumerate(played):
        answer = given.get(question.pk)
        response = answer.response if answer else {}
        rows.append(
            Answer(
                attempt=attempt,
                question=question.question,
                revision_id=question.revision_id,
                position=position,
                response=response,
                correct=bool(answer and answer.correct),
                score=answer.score if answer else 0.0,
                feedback=answer.feedback if answer else [],
                picked=kinds.picked_json(response),
            )
        )
    Answer.objects.bulk_create(rows)
    finished = attempt_finish(attempt=attempt)
    player.attempt = finished
    player.save(update_fields=["attempt"])
    return finished


# --- answering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    answer: LiveAnswer
    created: bool  # False for a second tap, a resent form, a reconnect: the first answer stands
    version: int  # the session's version when the answer was read or kept


def speed_points(*, score: float, seconds: float, elapsed: float) -> int:
    """The points of an answer worth `score` (0..1) given `elapsed` seconds into a question of
    `seconds`: all of BASE_POINTS at once, half of them at the last moment."""
    if score <= 0 or seconds <= 0:
        return 0
    share = min(max(elapsed / seconds, 0.0), 1.0)
    return round(BASE_POINTS * score * (1 - share / 2))


def answer_record(*, player: Player, session_question_id: int, form: Mapping[str, Sequence[str]]) -> Recorded:
    """Grade and keep a player's answer to the open question. Once only: a second answer to the
    same question returns the first. Refused when the question is not the open one, the clock is
    paused, or the server's time for it is up (`Late`).

    Two statements for a new answer: the player's removal with the session's phase, version and
    clock and the open question's kind, content and time, in one query; then the answer, kept (a
    unique constraint keeps the first of two taps). A refused answer looks for one given before, which
    stands. The projector's count is read by the caller after the commit (`answered_count`): a
    count read inside the transaction could miss an answer that commits at the same moment, and
    the projector would stay one short."""
    now = timezone.now()
    removed, phase, current_id, paused_remaining, version, closes_at, seconds, kind_name, spec = (
        Player.objects.filter(pk=player.pk)
        .values_list(
            "removed",
            "session__phase",
            "session__current_id",
            "session__paused_remaining",
            "session__version",
            "session__current__closes_at",
            "session__current__seconds",
            "session__current__question__kind",
            "session__current__revision__spec",
        )
        .get()
    )
    try:
        if removed:
            raise LiveError(REMOVED)
        if current_id != session_question_id or phase != LiveSession.Phase.OPEN:
            raise Late(TOO_LATE) if current_id == session_question_id else LiveError(NOT_OPEN)
        if paused_remaining is not None:
            raise LiveError(PAUSED)
        if now >= closes_at:
            raise Late(TOO_LATE)
        kind = kinds.get(kind_name)
        try:
            response = kind.parse_response(spec, form)
        except kinds.InvalidResponse as error:
            raise LiveError(error.args[0] if error.args else kinds.EMPTY_RESPONSE) from None
    except LiveError:
        given = LiveAnswer.objects.filter(session_question_id=session_question_id, player_id=player.pk)
        first = given.first()
        if first is None:
            raise
        return Recorded(first, created=False, version=version)  # a second tap: the first stands
    verdict = kind.grade(spec=spec, response=response)
    elapsed = seconds - (closes_at - now).total_seconds()
    try:
        with transaction.atomic():
            answer = LiveAnswer.objects.create(
                session_question_id=session_question_id,
                player=player,
                response=response,
                correct=verdict.correct,
                score=verdict.score,
                feedback=list(verdict.feedback),
                points=speed_points(score=verdict.score, seconds=seconds, elapsed=elapsed),
                elapsed_ms=max(int(elapsed * 1000), 0),
            )
    except IntegrityError:  # this player's earlier tap
        first = LiveAnswer.objects.get(session_question_id=session_question_id, player=player)
        return Recorded(first, created=False, version=version)
    return Recorded(answer, created=True, version=version)


def answered_count(question_id: int) -> int:
    """The answers the projector counts for a question: those of the players still in the game."""
    return LiveAnswer.objects.filter(session_question_id=question_id, player__removed=False).count()


# --- who is who -------------------------------------------------------------------------------

#: The browser session's key holding the guest players it joined as: {session pk: player pk}.
GUEST_KEY = "live_players"


def player_for(*, session: LiveSession, user, browser_session) -> Player | None:
    """The player this visitor is in `session`: the signed-in user's, or the guest player their
    browser session joined as; None when they have not joined."""
    if user is not None and user.is_authenticated:
        player = session.players.filter(user=user).first()
        if player is not None:
            return player
    guest_id = (browser_session.get(GUEST_KEY) or {}).get(str(session.pk)) if browser_session else None
    if guest_id:
        return session.players.filter(pk=guest_id, user__isnull=True).first()
    return None


def guest_remember(browser_session, player: Player) -> None:
    if player.user_id is None:
        joined = dict(browser_session.get(GUEST_KEY) or {})
        joined[str(player.session_id)] = player.pk
        browser_session[GUEST_KEY] = joined


ACTIONS = {
    "next": question_next,
    "reveal": question_reveal,
    "skip": question_skip,
    "pause": session_pause,
    "resume": session_resume,
    "podium": session_podium,
    "end": session_end,
}


def session_control(*, session: LiveSession, action: str, seconds=None, player_id=None) -> LiveSession:
    """One of the trainer's buttons, by name (the projector sends them over its WebSocket, or posts
    them without it). `seconds` sets the time of the question "next" opens; "remove" takes
    `player_id` out of the game."""
    if action == "remove":
        player_remove(session=session, player_id=as_int(player_id))
        return LiveSession.objects.get(pk=session.pk)
    if action not in ACTIONS:
        raise LiveError(NOT_NOW)
    if action == "next" and seconds not in (None, ""):
        following = LiveSession.objects.select_related("current").get(pk=session.pk).following()
        if following is not None:
            question_seconds(session=session, question_id=following.pk, seconds=as_int(seconds))
    return ACTIONS[action](session=session)


def as_int(value) -> int:
    """A posted number; 0, which names nothing, when it is not one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0
