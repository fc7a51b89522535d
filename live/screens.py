"""What the projector and a phone show at a point of the session: plain context for the
templates, read in a few queries. Rendering is the templates' job."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes import kinds

from .models import LiveAnswer, LiveSession, Player, SessionQuestion

# Each tappable answer has a letter and a shape as well as a colour: colour is never the only cue.
SHAPES = ("▲", "◆", "●", "■", "★", "⬟", "⬢", "✚")
LETTERS = "ABCDEFGH"
TAP_KINDS = {"single", "truefalse", "multiple"}
TOP = 5


@dataclass
class Option:
    field: str  # the form field the kind's parse_response reads
    value: str
    html: str  # sanitised HTML from the spec, or an escaped label
    letter: str
    shape: str
    index: int
    right: bool = False


def options(*, kind: str, spec: dict, present: dict) -> list[Option]:
    """The answers to tap for a choice kind, in the order `present` (the kind's presentation with
    the session's seed) gives them, so the projector and every phone show the same letters;
    empty for the kinds answered with an input."""
    if kind == "truefalse":
        truefalse = kinds.get(kind)
        rows = [("answer", "true", str(truefalse.TRUE), spec["answer"] is True)]
        rows.append(("answer", "false", str(truefalse.FALSE), spec["answer"] is False))
    elif kind in ("single", "multiple"):
        right = {c["key"] for c in spec["choices"] if c["correct"]}
        field_name = "choice" if kind == "single" else "choices"
        rows = [(field_name, c["key"], c["html"], c["key"] in right) for c in present["choices"]]
    else:
        return []
    return [
        Option(field=f, value=v, html=h, letter=LETTERS[i % 8], shape=SHAPES[i % 8], index=i, right=r)
        for i, (f, v, h, r) in enumerate(rows)
    ]


def _picked_values(kind: str, response: Any) -> list[str]:
    """The option values a response of a tap kind picked."""
    if kind == "truefalse":
        return ["true" if isinstance(response, dict) and response.get("answer") is True else "false"]
    picked = kinds.picked_choices(response)
    if picked is None:
        return []
    return [picked] if isinstance(picked, str) else list(picked)


@dataclass
class Bar:
    label: str
    count: int
    percent: int
    right: bool
    letter: str = ""
    shape: str = ""
    html: str = ""
    index: int = 0


def distribution(*, question: SessionQuestion, opts: list[Option]) -> list[Bar]:
    """The answers to a question by what was picked (choice kinds) or by verdict (the others)."""
    answers = list(question.answers.filter(player__removed=False).values_list("response", "correct", "score"))
    total = len(answers) or 1
    if opts:
        counts = Counter(
            v for response, _c, _s in answers for v in _picked_values(question.question.kind, response)
        )
        return [
            Bar(
                label=o.letter,
                count=counts[o.value],
                percent=round(100 * counts[o.value] / total),
                right=o.right,
                letter=o.letter,
                shape=o.shape,
                html=o.html,
                index=o.index,
            )
            for o in opts
        ]
    right = sum(1 for _r, correct, _s in answers if correct)
    partly = sum(1 for _r, correct, score in answers if not correct and score > 0)
    wrong = len(answers) - right - partly
    rows = [(_("Right"), right, True), (_("Partly right"), partly, False), (_("Wrong"), wrong, False)]
    return [
        Bar(label=str(label), count=n, percent=round(100 * n / total), right=ok, index=i)
        for i, (label, n, ok) in enumerate(rows)
    ]


def top(session: LiveSession) -> list[Player]:
    """The TOP players in the game (same points: who joined first)."""
    return list(session.players.filter(removed=False).order_by("-points", "joined_at", "pk")[:TOP])


def rank_of(session: LiveSession, player: Player) -> int:
    """1 + how many players are ahead (same points: who joined first)."""
    ahead = session.players.filter(removed=False).filter(
        Q(points__gt=player.points) | Q(points=player.points, joined_at__lt=player.joined_at)
    )
    return ahead.count() + 1


def _epoch_ms(moment) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


@dataclass
class Stage:
    """What every screen of the session shares at one point."""

    session: LiveSession
    question: SessionQuestion | None
    total: int  # questions in the game (skipped ones left out)
    options: list[Option] = field(default_factory=list)
    closes_at_ms: int | None = None
    remaining: float | None = None
    present: dict = field(default_factory=dict)

    @property
    def kind_template(self) -> str:
        return kinds.get(self.question.question.kind).TEMPLATE if self.question else ""


def stage(session: LiveSession) -> Stage:
    """The session's shared state: the current question with its revision, its options, and the
    clock. Two queries."""
    session = LiveSession.objects.select_related(
        "quiz", "current__revision", "current__question__section"
    ).get(pk=session.pk)
    question = session.current
    total = session.questions.filter(skipped=False).count()
    result = Stage(session=session, question=question, total=total)
    if question is not None:
        spec = question.revision.spec
        seed = f"live-{session.pk}-{question.pk}"
        result.present = kinds.get(question.question.kind).present(spec, seed=seed)
        result.options = options(kind=question.question.kind, spec=spec, present=result.present)
        if session.phase == LiveSession.Phase.OPEN:
            if session.paused:
                result.remaining = session.paused_remaining
            else:
                result.closes_at_ms = _epoch_ms(question.closes_at)
                result.remaining = max((question.closes_at - timezone.now()).total_seconds(), 0.0)
    return result


def screen_context(session: LiveSession) -> dict:
    """The projector at this point: the stage, the players or answer count, and after a reveal
    the distribution, the right answer and the top five; the podium at the end."""
    shared = stage(session)
    session = shared.session
    context: dict[str, Any] = {
        "stage": shared,
        "session": session,
        "server_now_ms": _epoch_ms(timezone.now()),
    }
    players = session.players.filter(removed=False)
    context["player_count"] = players.count()
    if session.phase == LiveSession.Phase.LOBBY:
        context["players"] = list(players.order_by("joined_at"))
    question = shared.question
    if question is not None and session.phase in (LiveSession.Phase.OPEN, LiveSession.Phase.REVEAL):
        context["answered"] = question.answers.filter(player__removed=False).count()
    if question is not None and session.phase == LiveSession.Phase.REVEAL:
        bars = distribution(question=question, opts=shared.options)
        context["bars"] = bars
        context["bar_max"] = max([b.count for b in bars] + [1])
        context["solution"] = kinds.get(question.question.kind).reveal(question.revision.spec, {})
        context["top"] = top(session)
        context["is_last"] = session.following() is None
    if session.phase in (LiveSession.Phase.PODIUM, LiveSession.Phase.ENDED):
        context["top"] = top(session)
        context["results"] = results(session)
    return context


def results(session: LiveSession) -> list[dict]:
    """Each question played: how many answered, how many were right."""
    rows = (
        session.questions.filter(revealed_at__isnull=False, skipped=False)
        .select_related("question")
        .annotate(
            answered=Count("answers", filter=Q(answers__player__removed=False)),
            right=Count("answers", filter=Q(answers__player__removed=False, answers__correct=True)),
        )
        .order_by("position")
    )
    return [
        {
            "number": row.number,
            "uid": row.question.uid,
            "answered": row.answered,
            "right": row.right,
            "percent": round(100 * row.right / row.answered) if row.answered else 0,
        }
        for row in rows
    ]


IN_GAME = (LiveSession.Phase.OPEN, LiveSession.Phase.REVEAL)  # a question is on
RANKED = (LiveSession.Phase.REVEAL, LiveSession.Phase.PODIUM, LiveSession.Phase.ENDED)
FINAL = (LiveSession.Phase.PODIUM, LiveSession.Phase.ENDED)
REFRESHED = ("points", "streak", "removed", "attempt_id")  # what a phone shows of its player


@dataclass
class Standing:
    """What is a player's own at one point of the session: their answer to the question on, their
    rank among the players in the game, and at the end the questions they missed."""

    player: Player
    mine: LiveAnswer | None = None
    rank: int | None = None
    player_count: int | None = None
    missed: list[SessionQuestion] | None = None


def standing(shared: Stage, player: Player) -> Standing:
    """One player's standing, read for them alone (a page, a phone connecting)."""
    session, question = shared.session, shared.question
    player = Player.objects.get(pk=player.pk)
    result = Standing(player=player)
    if question is not None and session.phase in IN_GAME:
        result.mine = LiveAnswer.objects.filter(session_question=question, player=player).first()
    if session.phase in RANKED:
        result.rank = rank_of(session, player)
        result.player_count = session.players.filter(removed=False).count()
    if session.phase in FINAL:
        result.missed = missed_questions(session, player)
    return result


class Board:
    """Every player's standing at one point of the session, in four queries whatever the number
    of players (the stage's two, the players in rank order, the answers: the current question's,
    or at the end the right ones). After a reveal, on the podium and at the end, every phone
    shows its own page at once: each socket renders it from its process's board
    (`live.broadcast.board`) without a query of its own."""

    def __init__(self, shared: Stage) -> None:
        self.stage = shared
        session, question = shared.session, shared.question
        players = list(session.players.order_by("-points", "joined_at", "pk"))
        in_game = [p for p in players if not p.removed]
        answers = {}
        if question is not None and session.phase in IN_GAME:
            answers = {a.player_id: a for a in question.answers.all()}
        played, right = [], set()
        if session.phase in FINAL:
            played = list(
                session.questions.filter(revealed_at__isnull=False, skipped=False)
                .select_related("question__section")
                .order_by("position")
            )
            right = set(
                LiveAnswer.objects.filter(session_question__session=session, correct=True).values_list(
                    "player_id", "session_question_id"
                )
            )
        self.standings = {p.pk: Standing(player=p, mine=answers.get(p.pk)) for p in players}
        ahead, tied = 0, None
        for index, player in enumerate(in_game):
            if (player.points, player.joined_at) != tied:  # rank_of's rule: ties share a rank
                ahead, tied = index, (player.points, player.joined_at)
            own = self.standings[player.pk]
            if session.phase in RANKED:
                own.rank, own.player_count = ahead + 1, len(in_game)
            if session.phase in FINAL:
                own.missed = [q for q in played if (player.pk, q.pk) not in right]

    def standing(self, player_pk: int) -> Standing | None:
        """None for a player who joined after the board was read."""
        return self.standings.get(player_pk)


def phone_context(session: LiveSession, player: Player | None, *, board: Board | None = None) -> dict:
    """A player's phone: the shared stage and what is theirs (their answer, verdict, points,
    rank; at the end what went to their review), read for them alone or taken from `board`.
    `player` is refreshed in place. Without a player: the page every player who has not answered
    sees (the consumers' shared render)."""
    shared = board.stage if board is not None else stage(session)
    session = shared.session
    context: dict[str, Any] = {
        "stage": shared,
        "session": session,
        "player": player,
        "server_now_ms": _epoch_ms(timezone.now()),
    }
    if player is None:
        return context
    own = board.standing(player.pk) if board is not None else None
    if own is None:  # no board, or the player joined after it was read
        own = standing(shared, player)
    for name in REFRESHED:
        setattr(player, name, getattr(own.player, name))
    question = shared.question
    if question is not None and session.phase in IN_GAME:
        context["mine"] = own.mine
        if session.phase == LiveSession.Phase.REVEAL:
            response = own.mine.response if own.mine else {}
            context["solution"] = kinds.get(question.question.kind).reveal(question.revision.spec, response)
            context["response"] = response
    if session.phase in RANKED:
        context["rank"], context["player_count"] = own.rank, own.player_count
    if session.phase in FINAL:
        context["missed"] = own.missed
    return context


def missed_questions(session: LiveSession, player: Player) -> list[SessionQuestion]:
    """The questions played that the player did not get right (no answer counts as missed)."""
    right = LiveAnswer.objects.filter(player=player, correct=True).values("session_question")
    return list(
        session.questions.filter(revealed_at__isnull=False, skipped=False)
        .exclude(pk__in=right)
        .select_related("question__section")
        .order_by("position")
    )
