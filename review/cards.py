"""Spaced-repetition reviews: adding cards, the queue, recording a rating, progress figures.

Reads and writes go through here; the FSRS arithmetic is in `review.scheduling`. The queue
shows due cards first (learning cards due now, review cards due today), then new cards up to
the daily limit, missed-in-a-quiz ones before the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Case, IntegerField, QuerySet, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.models import Section
from quizzes import kinds, rawsql
from review import progress, scheduling
from quizzes.models import Question, Revision
from review.models import Card, Review, ReviewDay, ReviewSettings
from review.scheduling import CardState

TOKEN_SALT = "rappel.review"
TOKEN_MAX_AGE = 6 * 3600
MAX_DURATION_MS = 10 * 60 * 1000

STALE_FORM = _("This review form has expired. Here is your next card.")
UNKNOWN_RATING = _("Unknown rating: choose Again, Hard, Good or Easy.")
NO_SUCH_CARD = _("No such card.")


class ReviewError(Exception):
    status = 400

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class CardNotFound(ReviewError):
    status = 404


def fuzz_enabled() -> bool:
    return getattr(settings, "REVIEW_FUZZ", True)


def card_state(card: Card) -> CardState:
    return CardState(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


# --- adding cards ----------------------------------------------------------------------------


def reviewable(questions: QuerySet[Question]) -> QuerySet[Question]:
    return questions.filter(active=True, current_revision__isnull=False)


def cards_add(
    *, student, questions: Iterable[Question] | QuerySet[Question], source: int = Card.Source.ADDED,
    now: dt.datetime | None = None,
) -> int:
    """Create new cards for the questions the student does not have yet. Returns how many."""
    now = now or timezone.now()
    ids = [q.pk for q in questions] if not isinstance(questions, QuerySet) else list(
        questions.values_list("pk", flat=True)
    )
    existing = set(Card.objects.filter(student=student, question_id__in=ids).values_list("question_id", flat=True))
    new = [Card(student=student, question_id=qid, due=now, source=source) for qid in ids if qid not in existing]
    Card.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    if source == Card.Source.MISSED and existing:
        # Missed in a quiz again: a card not yet studied moves to the front of the new queue.
        Card.objects.filter(
            student=student, question_id__in=existing, last_review__isnull=True
        ).update(source=Card.Source.MISSED)
    return len(new)


# --- the queue (its statements are hand-written: quizzes/rawsql.py says why) --------------------


@dataclass(frozen=True)
class Queue:
    card: Card | None
    due_left: int
    new_left: int
    next_due: dt.datetime | None
    # The reviews from `next_card(since=...)` on: how many, how many remembered (not Again), their
    # time in milliseconds and the moment of the last one.
    since: dict | None = None


_SETTINGS = rawsql.Columns(ReviewSettings, "settings")
_SETTINGS_SQL = (
    f"SELECT {_SETTINGS.sql} FROM {rawsql.table(ReviewSettings)} AS settings"
    " WHERE settings.student_id = %(student)s"
)


def settings_for(student) -> ReviewSettings:
    """The student's settings, created with the defaults on first use."""
    with connection.cursor() as cursor:
        cursor.execute(_SETTINGS_SQL, {"student": student.pk})
        row = cursor.fetchone()
    if row is not None:
        return _SETTINGS.instance(row)
    obj, _created = ReviewSettings.objects.get_or_create(student=student)
    return obj


# The student's cards of active questions (as `c`), and which of them are due or new.
_CARDS = (
    f"{rawsql.table(Card)} AS c JOIN {rawsql.table(Question)} AS q ON q.id = c.question_id"
    " WHERE c.student_id = %(student)s AND q.active"
)
_LEARNING_DUE = (
    f"(c.last_review IS NOT NULL AND c.state IN ({Card.State.LEARNING.value}, {Card.State.RELEARNING.value})"
    " AND c.due <= %(now)s)"
)
_REVIEW_DUE = f"(c.last_review IS NOT NULL AND c.state = {Card.State.REVIEW.value} AND c.due < %(end)s)"
_NEW = "(c.last_review IS NULL)"

# The card to show is the first due card (review cards only while the day's maximum is not
# reached), else the first new card while the day has room for one.
_PICK = f"""COALESCE(
        (SELECT c.id FROM {_CARDS} AND ({_LEARNING_DUE}
            OR ({_REVIEW_DUE} AND COALESCE(d.recall_reviews, 0) < %(max_reviews)s))
         ORDER BY c.due, c.id LIMIT 1),
        (SELECT c.id FROM {_CARDS} AND {_NEW} AND COALESCE(d.new_cards, 0) < %(new_per_day)s
         ORDER BY c.source, c.created_at, c.id LIMIT 1)
    )"""

# The cards left of each kind among the student's cards due before the day's end or new,
# counted from the card index alone, then those of retired questions (through the partial index
# of the few inactive questions) taken off: this counts the cards of active questions without
# looking up each card's question. The condition is the partial index's own, as each database
# writes it (SQLite uses a partial index only for a query that says the same).
_INACTIVE = "i.active = 0" if connection.vendor == "sqlite" else "NOT i.active"
_LEFT_COUNTS = f"""SELECT COUNT(*) FILTER (WHERE {_LEARNING_DUE}) AS learning,
        COUNT(*) FILTER (WHERE {_REVIEW_DUE}) AS review,
        COUNT(*) FILTER (WHERE {_NEW}) AS new
    FROM {{cards}} WHERE {{join}}c.student_id = %(student)s AND (c.due < %(end)s OR {_NEW})"""
_ALL_LEFT = _LEFT_COUNTS.format(cards=f"{rawsql.table(Card)} AS c", join="")
# CROSS JOIN: SQLite then starts from the questions, as the partial index allows, rather than
# from the student's cards (PostgreSQL plans it as any join).
_RETIRED_LEFT = _LEFT_COUNTS.format(
    cards=f"{rawsql.table(Question)} AS i CROSS JOIN {rawsql.table(Card)} AS c",
    join=f"{_INACTIVE} AND c.question_id = i.id AND ",
)

# One row: the cards left of each kind, the day's figures so far from its `ReviewDay` row, the
# reviews since a moment (none if it is NULL) and the id of the card to show.
_QUEUE_SQL = f"""SELECT n.learning, n.review, n.new, d.new_cards, d.recall_reviews,
    s.reviewed, s.correct, s.time_ms, s.last, {_PICK} AS pick
FROM (
    SELECT a.learning - r.learning AS learning, a.review - r.review AS review, a.new - r.new AS new
    FROM ({_ALL_LEFT}) AS a CROSS JOIN ({_RETIRED_LEFT}) AS r
) AS n
CROSS JOIN (
    SELECT COUNT(*) AS reviewed, COUNT(*) FILTER (WHERE r.rating > 1) AS correct,
        SUM(r.duration_ms) AS time_ms, MAX(r.reviewed_at) AS last
    FROM {rawsql.table(Review)} AS r WHERE r.student_id = %(student)s AND r.reviewed_at >= %(since)s
) AS s
LEFT JOIN {rawsql.table(ReviewDay)} AS d ON d.student_id = %(student)s AND d.day = %(day)s"""

# A card with its question, section and revision (NULLs throughout when there is no card).
# Left out, as the review pages do not show them: `rawsql.UNSHOWN`.
_CARD = rawsql.Columns(Card, "card")
_QUESTION = rawsql.Columns(Question, "question")
_SECTION = rawsql.Columns(Section, "section")
_REVISION = rawsql.Columns(Revision, "revision")
_CARD_PARTS = (_CARD, _QUESTION, _SECTION, _REVISION)
_CARD_JOINS = f"""LEFT JOIN {rawsql.table(Question)} AS question ON question.id = card.question_id
LEFT JOIN {rawsql.table(Section)} AS section ON section.id = question.section_id
LEFT JOIN {rawsql.table(Revision)} AS revision ON revision.id = question.current_revision_id"""
_CARD_COLUMNS = ", ".join(part.sql for part in _CARD_PARTS)

# The queue's figures and the card to show, in one statement.
_NEXT_SQL = f"""SELECT queue.learning, queue.review, queue.new, queue.new_cards, queue.recall_reviews,
    queue.reviewed, queue.correct, queue.time_ms, queue.last, {_CARD_COLUMNS}
FROM ({_QUEUE_SQL}) AS queue
LEFT JOIN {rawsql.table(Card)} AS card ON card.id = queue.pick
{_CARD_JOINS}"""
_NEXT_DUE_SQL = f"SELECT MIN(c.due) FROM {_CARDS} AND c.last_review IS NOT NULL"


def _card_of_row(row) -> Card | None:
    """The card of a row of `_CARD_PARTS`, with its question, section and revision; None if the
    row has no card."""
    card, question, section, revision = rawsql.instances(row, *_CARD_PARTS)
    if card is None:
        return None
    rawsql.relate(card, "question", question)
    rawsql.relate(question, "section", section)
    rawsql.relate(question, "current_revision", revision)
    return card


def next_card(
    *, student, now: dt.datetime | None = None, prefs: ReviewSettings | None = None,
    since: dt.datetime | None = None,
) -> Queue:
    """The next card to study, with what is left for today and, given `since`, the reviews from
    then on: one query (and one more when there is no card left, for when the next is due)."""
    now = now or timezone.now()
    prefs = prefs or settings_for(student)
    day = scheduling.review_day(now, prefs.time_zone)
    _start, end = scheduling.day_bounds(day, prefs.time_zone)
    params = {
        "student": student.pk,
        "now": rawsql.param(Card, "due", now),
        "end": rawsql.param(Card, "due", end),
        "day": rawsql.param(ReviewDay, "day", day),
        "since": rawsql.param(Review, "reviewed_at", since),
        "max_reviews": prefs.max_reviews_per_day,
        "new_per_day": prefs.new_per_day,
    }
    next_due = None
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SQL, params)
        row = cursor.fetchone()
        learning, reviews, new, new_today, reviews_today, reviewed, correct, time_ms, last = row[:9]
        card = _card_of_row(row[9:])
        if card is None:
            cursor.execute(_NEXT_DUE_SQL, params)
            next_due = rawsql.converted(Card, "due", cursor.fetchone()[0])
    review_room = max(0, prefs.max_reviews_per_day - (reviews_today or 0))
    new_room = max(0, prefs.new_per_day - (new_today or 0))
    return Queue(
        card=card,
        due_left=learning + min(reviews, review_room),
        new_left=min(new, new_room),
        next_due=next_due,
        since=None if since is None else {
            "reviewed": reviewed, "correct": correct, "time_ms": time_ms,
            "last": rawsql.converted(Review, "reviewed_at", last),
        },
    )


_OWN_CARD_SQL = (
    f"SELECT {_CARD_COLUMNS} FROM {rawsql.table(Card)} AS card {_CARD_JOINS}"
    " WHERE card.id = %(card)s AND card.student_id = %(student)s"
)


def own_card(student, card_id: int) -> Card | None:
    """One of the student's cards, with its question, section and revision; None if no such card."""
    with connection.cursor() as cursor:
        cursor.execute(_OWN_CARD_SQL, {"card": card_id, "student": student.pk})
        row = cursor.fetchone()
    return _card_of_row(row) if row is not None else None


# --- recording a rating ------------------------------------------------------------------------


def card_token(card: Card, *, shown_at: dt.datetime, graded: dict | None = None) -> str:
    """A signed token for the review form: which card state was shown, when, and its verdict."""
    payload = {"card": card.pk, "v": card.version, "t": shown_at.timestamp(), "rev": card.question.current_revision_id}
    if graded is not None:
        payload["g"] = graded
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def read_token(token: str, *, card_id: int) -> dict:
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ReviewError(STALE_FORM) from None
    if data.get("card") != card_id:
        raise ReviewError(STALE_FORM)
    return data


def answer_grade(*, card: Card, form) -> dict:
    """Grade an answer given in review: the verdict and the rating it suggests (nothing saved)."""
    revision = card.question.current_revision
    kind = kinds.get(card.question.kind)
    response = kind.parse_response(revision.spec, form)
    verdict = kind.grade(spec=revision.spec, response=response)
    return {"correct": verdict.correct, "score": verdict.score, "response": response,
            "feedback": list(verdict.feedback)}


@dataclass(frozen=True)
class Recorded:
    review: Review | None  # None when the same form had already been recorded
    card: Card


# The card, locked to the end of the transaction on backends with row locks (SQLite has none:
# its write transactions, begun IMMEDIATE, run one at a time).
# The card, and the section of its question if that is active (for the progress snapshot): a
# subquery, so that only the card's row is locked.
_LOCK_SQL = (
    f"SELECT {_CARD.sql}, (SELECT q.section_id FROM {rawsql.table(Question)} AS q"
    " WHERE q.id = card.question_id AND q.active)"
    f" FROM {rawsql.table(Card)} AS card WHERE card.id = %(card)s AND card.student_id = %(student)s"
)
# The review inserted as `Model.save` would insert it (no signal listens to its saves).
_REVIEW_FIELDS = [f for f in Review._meta.concrete_fields if not f.primary_key]
_INSERT_REVIEW_SQL = (
    f"INSERT INTO {rawsql.table(Review)} ({', '.join(rawsql.column(Review, f.name) for f in _REVIEW_FIELDS)})"
    f" VALUES ({', '.join(['%s'] * len(_REVIEW_FIELDS))})"
    f" RETURNING {rawsql.column(Review, Review._meta.pk.name)}"
)
_SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review")
_UPDATE_CARD_SQL = (
    f"UPDATE {rawsql.table(Card)} SET {', '.join(f'{name} = %({name})s' for name in _SCHEDULE)},"
    " version = version + 1 WHERE id = %(card)s AND version = %(version)s"
)


def review_record(
    *, student, card_id: int, rating: int | str, token: str, now: dt.datetime | None = None,
    prefs: ReviewSettings | None = None,
) -> Recorded:
    """Record one rating: one Review row and one state change, even if the form comes twice.

    In one transaction: lock the card, check the token's version against it (a second post of
    the same form finds the version moved on and records nothing), insert the review, update the
    card, add the review to its day's row.
    """
    now = now or timezone.now()
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ReviewError(UNKNOWN_RATING) from None
    if rating not in scheduling.RATINGS:
        raise ReviewError(UNKNOWN_RATING)
    prefs = prefs or settings_for(student)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL + lock, {"card": card_id, "student": student.pk})
        row = cursor.fetchone()
        if row is None:
            raise CardNotFound(NO_SUCH_CARD)
        card, section_id = _CARD.instance(row[:-1]), row[-1]
        data = read_token(token, card_id=card_id)
        if card.version != data.get("v"):
            return Recorded(review=None, card=card)  # a double click or a second tab: already counted
        before = card_state(card)
        after = scheduling.review(
            card_id=card.pk, state=before, rating=rating, now=now,
            desired_retention=prefs.desired_retention, fuzz=fuzz_enabled(),
        )
        graded = data.get("g") or {}
        shown = dt.datetime.fromtimestamp(data["t"], tz=dt.UTC)
        duration_ms = int(min(max((now - shown).total_seconds() * 1000, 0), MAX_DURATION_MS))
        review = Review(
            card=card, student=student, question_id=card.question_id,
            revision_id=data.get("rev") or card.question.current_revision_id,
            rating=rating, reviewed_at=now, duration_ms=duration_ms,
            correct=graded.get("correct"), score=graded.get("score"), response=graded.get("response"),
            state_before=before.as_json(), state_after=after.as_json(),
        )
        cursor.execute(_INSERT_REVIEW_SQL, [
            field.get_db_prep_save(getattr(review, field.attname), connection) for field in _REVIEW_FIELDS
        ])
        review.pk = cursor.fetchone()[0]
        review._state.adding, review._state.db = False, connection.alias
        schedule = {name: rawsql.param(Card, name, getattr(after, name)) for name in _SCHEDULE}
        cursor.execute(_UPDATE_CARD_SQL, {**schedule, "card": card.pk, "version": card.version})
        if cursor.rowcount != 1:  # cannot happen under the row lock; refuse rather than double count
            raise IntegrityError("card changed under its lock")
        today = scheduling.review_day(now, prefs.time_zone)
        _count_in_day(review, today, before=before)
        progress.count_rating(student_id=student.pk, section_id=section_id, before=before, after=after,
                              today=today, prefs=prefs)
        for name in _SCHEDULE:
            setattr(card, name, getattr(after, name))
        card.version += 1
        return Recorded(review=review, card=card)


# --- the daily rollup ----------------------------------------------------------------------------


def _day_totals(*, rating: int, before_state: int | None, before_last_review, duration_ms: int | None) -> dict:
    """What one review adds to its day's `ReviewDay` row."""
    recall = before_state == Card.State.REVIEW
    return {
        "reviews": 1,
        "new_cards": int(before_last_review is None),
        "recall_reviews": int(recall),
        "recall_passed": int(recall and rating > 1),
        "duration_ms": duration_ms or 0,
    }


_DAY_TOTALS = ("reviews", "new_cards", "recall_reviews", "recall_passed", "duration_ms")
_COUNT_IN_DAY_SQL = (
    f"INSERT INTO {rawsql.table(ReviewDay)} (student_id, day, {', '.join(_DAY_TOTALS)})"
    f" VALUES (%(student)s, %(day)s, {', '.join(f'%({name})s' for name in _DAY_TOTALS)})"
    " ON CONFLICT (student_id, day) DO UPDATE SET "
    + ", ".join(f"{name} = {rawsql.table(ReviewDay)}.{name} + excluded.{name}" for name in _DAY_TOTALS)
)


def _count_in_day(review: Review, day: dt.date, *, before: CardState) -> None:
    """Add a review to its day's row, in the caller's transaction: one statement that inserts
    the row on the day's first review and adds to it afterwards (concurrent first reviews too)."""
    totals = _day_totals(rating=review.rating, before_state=before.state,
                         before_last_review=before.last_review, duration_ms=review.duration_ms)
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_IN_DAY_SQL, {
            "student": review.student_id, "day": rawsql.param(ReviewDay, "day", day), **totals
        })


def review_days_totals(
    log: Iterable[tuple], zone_of: dict[int, dt.tzinfo], default: dt.tzinfo, totals: dict | None = None
) -> dict:
    """Sum a review log into rows of `ReviewDay`: {(student_id, day): totals}, added to `totals`
    if given. Each log entry is (student_id, reviewed_at, rating, duration_ms, state before, last
    review before)."""
    totals = {} if totals is None else totals
    for student, at, rating, duration, state, last_review in log:
        key = (student, scheduling.review_day(at, zone_of.get(student, default)))
        add = _day_totals(rating=rating, before_state=state, before_last_review=last_review, duration_ms=duration)
        row = totals.get(key)
        if row is None:
            totals[key] = add
        else:
            for name, value in add.items():
                row[name] += value
    return totals


def review_zones(settings_model=ReviewSettings) -> tuple[dict[int, dt.tzinfo], dt.tzinfo]:
    """Each student's time zone as set now, and the default for students without settings."""
    zones: dict[str, ZoneInfo] = {}
    zone_of = {
        student: zones.setdefault(tz, ZoneInfo(tz))
        for student, tz in settings_model.objects.values_list("student_id", "time_zone")
    }
    return zone_of, ZoneInfo(settings_model._meta.get_field("time_zone").default)


def review_days_rebuild(*, models: tuple | None = None, chunk: int = 20_000) -> int:
    """Rebuild every `ReviewDay` row from the `Review` log (each student's time zone as set now).

    For a migration (pass its historical `Review`, `ReviewDay`, `ReviewSettings`) and to check that
    the rollup kept by `review_record` equals the log. Returns how many rows it wrote.
    """
    review_model, day_model, settings_model = models or (Review, ReviewDay, ReviewSettings)
    log = review_model.objects.order_by().values_list(
        "student_id", "reviewed_at", "rating", "duration_ms",
        Cast(KT("state_before__state"), IntegerField()),
        # JSON null, not the text "null": None for a new card, True otherwise
        Case(When(state_before__last_review=None, then=None), default=True, output_field=BooleanField()),
    )
    totals = review_days_totals(log.iterator(chunk_size=chunk), *review_zones(settings_model))
    with transaction.atomic():
        day_model.objects.all().delete()
        day_model.objects.bulk_create(
            (day_model(student_id=s, day=d, **row) for (s, d), row in totals.items()), batch_size=2000
        )
    return len(totals)

