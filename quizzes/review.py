"""Spaced-repetition reviews: adding cards, the queue, recording a rating, progress figures.

Reads and writes go through here; the FSRS arithmetic is in `quizzes.scheduling`. The queue
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
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, F, Func, IntegerField, Min, Q, QuerySet, Sum, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from course.models import Section
from quizzes import kinds, scheduling
from quizzes.models import Card, Question, Review, ReviewDay, ReviewSettings
from quizzes.scheduling import CardState

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


def settings_for(student) -> ReviewSettings:
    obj, _created = ReviewSettings.objects.get_or_create(student=student)
    return obj


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


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    card: Card | None
    due_left: int
    new_left: int
    next_due: dt.datetime | None


def _today_counts(student, day: dt.date) -> dict:
    """New cards and reviews of review-state cards already studied on this review day."""
    row = ReviewDay.objects.filter(student=student, day=day).values_list("new_cards", "recall_reviews").first()
    return {"new": row[0], "review": row[1]} if row else {"new": 0, "review": 0}


def next_card(*, student, now: dt.datetime | None = None, prefs: ReviewSettings | None = None) -> Queue:
    """The next card to study, with what is left for today. A constant number of queries."""
    now = now or timezone.now()
    prefs = prefs or settings_for(student)
    day = scheduling.review_day(now, prefs.time_zone)
    _start, end = scheduling.day_bounds(day, prefs.time_zone)
    today = _today_counts(student, day)
    review_room = max(0, prefs.max_reviews_per_day - today["review"])
    new_room = max(0, prefs.new_per_day - today["new"])

    cards = Card.objects.filter(student=student, question__active=True)
    learning_due = Q(last_review__isnull=False, due__lte=now,
                     state__in=[Card.State.LEARNING, Card.State.RELEARNING])
    review_due = Q(last_review__isnull=False, due__lt=end, state=Card.State.REVIEW)
    counts = cards.aggregate(
        learning=Count("pk", filter=learning_due),
        review=Count("pk", filter=review_due),
        new=Count("pk", filter=Q(last_review__isnull=True)),
    )
    due = cards.filter(learning_due | review_due) if review_room else cards.filter(learning_due)
    card = (
        due.select_related("question__current_revision", "question__section").order_by("due", "pk").first()
    )
    if card is None and new_room:
        card = (
            cards.filter(last_review__isnull=True)
            .select_related("question__current_revision", "question__section")
            .order_by("source", "created_at", "pk")
            .first()
        )
    due_left = counts["learning"] + min(counts["review"], review_room)
    new_left = min(counts["new"], new_room)
    next_due = None
    if card is None:
        next_due = cards.filter(last_review__isnull=False).aggregate(m=Min("due"))["m"]
    return Queue(card=card, due_left=due_left, new_left=new_left, next_due=next_due)


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


def review_record(
    *, student, card_id: int, rating: int | str, token: str, now: dt.datetime | None = None,
    prefs: ReviewSettings | None = None,
) -> Recorded:
    """Record one rating: one Review row and one state change, even if the form comes twice."""
    now = now or timezone.now()
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ReviewError(UNKNOWN_RATING) from None
    if rating not in scheduling.RATINGS:
        raise ReviewError(UNKNOWN_RATING)
    prefs = prefs or settings_for(student)
    with transaction.atomic():
        card = (
            Card.objects.select_for_update()
            .select_related("question")
            .filter(pk=card_id, student=student)
            .first()
        )
        if card is None:
            raise CardNotFound(NO_SUCH_CARD)
        data = read_token(token, card_id=card_id)
        if card.version != data.get("v"):
            return Recorded(review=None, card=card)  # a double click or a second tab: already counted
        before = card_state(card)
        after = scheduling.review(
            card_id=card.pk, state=before, rating=rating, now=now,
            desired_retention=prefs.desired_retention, fuzz=fuzz_enabled(),
        )
        graded = data.get("g") or {}
        shown = dt.datetime.fromtimestamp(data["t"], tz=dt.timezone.utc)
        duration_ms = int(min(max((now - shown).total_seconds() * 1000, 0), MAX_DURATION_MS))
        review = Review.objects.create(
            card=card, student=student, question_id=card.question_id,
            revision_id=data.get("rev") or card.question.current_revision_id,
            rating=rating, reviewed_at=now, duration_ms=duration_ms,
            correct=graded.get("correct"), score=graded.get("score"), response=graded.get("response"),
            state_before=before.as_json(), state_after=after.as_json(),
        )
        updated = Card.objects.filter(pk=card.pk, version=card.version).update(
            state=after.state, step=after.step, stability=after.stability, difficulty=after.difficulty,
            due=after.due, last_review=after.last_review, version=F("version") + 1,
        )
        if updated != 1:  # cannot happen under the row lock; refuse rather than double count
            raise IntegrityError("card changed under its lock")
        _count_in_day(review, scheduling.review_day(now, prefs.time_zone), before=before)
        for field in ("state", "step", "stability", "difficulty", "due", "last_review"):
            setattr(card, field, getattr(after, field))
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


def _count_in_day(review: Review, day: dt.date, *, before: CardState) -> None:
    """Add a review to its day's row, in the caller's transaction: one UPDATE; on the first
    review of the day an empty row is inserted first (a concurrent first insert is ignored)."""
    totals = _day_totals(rating=review.rating, before_state=before.state,
                         before_last_review=before.last_review, duration_ms=review.duration_ms)
    increments = {name: F(name) + value for name, value in totals.items()}
    rows = ReviewDay.objects.filter(student_id=review.student_id, day=day)
    if not rows.update(**increments):
        ReviewDay.objects.bulk_create([ReviewDay(student_id=review.student_id, day=day)], ignore_conflicts=True)
        rows.update(**increments)


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


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """What the daily rollup tells of a student's reviewing, as of one moment."""

    streak: int  # consecutive review days with a review, ending today (or yesterday)
    retention: list[dict]  # true retention over each window: days, total, passed, rate


def day_figures(*, student, now: dt.datetime, tz: str, windows: tuple[int, ...] = (7, 30),
                horizon_days: int = 366) -> DayFigures:
    """Streak and true retention from the student's `ReviewDay` rows of the last year: one query.

    True retention is the share of reviews of cards in review state (not learning) that were not
    rated Again, over the last n review days, today included. The streak counts consecutive
    review days with at least one review, ending today, or yesterday if today has none yet.
    Review days start at 04:00 local time.
    """
    today = scheduling.review_day(now, tz)
    rows = ReviewDay.objects.filter(
        student=student, day__gt=today - dt.timedelta(days=max(horizon_days, *windows)), day__lte=today
    ).values_list("day", "reviews", "recall_reviews", "recall_passed")
    reviewed: set[dt.date] = set()
    retention = [{"days": n, "total": 0, "passed": 0, "rate": None} for n in windows]
    for day, reviews, recall_reviews, recall_passed in rows:
        if reviews:
            reviewed.add(day)
        age = (today - day).days
        for window in retention:
            if age < window["days"]:
                window["total"] += recall_reviews
                window["passed"] += recall_passed
    for window in retention:
        window["rate"] = window["passed"] / window["total"] if window["total"] else None
    day = today if today in reviewed else today - dt.timedelta(days=1)
    streak = 0
    while day in reviewed and streak < horizon_days:
        streak += 1
        day -= dt.timedelta(days=1)
    return DayFigures(streak=streak, retention=retention)


@dataclass(frozen=True)
class CardProgress:
    """The card figures of the progress page."""

    states: dict  # cards by state: new, learning, review, relearning, total
    forecast: list[dict]  # {"day", "count"}: reviews due per review day from today on
    mastery: list[Section]  # every section, with `cards` studied and their mean `recall` (None if none)


_STATE_KEYS = {
    Card.State.LEARNING: "learning", Card.State.REVIEW: "review", Card.State.RELEARNING: "relearning"
}


class _BucketIndex(Func):
    """Index of the first of the increasing `bounds` that a datetime column is below, NULL
    from the last one on.

    The CASE is written out at once: a `When(due__lt=...)` per bound costs more to build and
    compile than the query takes to run. Values past the last bound, common for studied cards,
    are caught by the first test.
    """

    output_field = IntegerField()

    def __init__(self, expression, bounds: list[dt.datetime]) -> None:
        super().__init__(expression)
        self.bounds = bounds

    def as_sql(self, compiler, connection, **extra):
        column = self.source_expressions[0]
        sql, column_params = compiler.compile(column)
        bounds = [column.output_field.get_db_prep_value(bound, connection) for bound in self.bounds]
        whens, params = [f"WHEN {sql} >= %s THEN NULL"], [*column_params, bounds[-1]]
        for index, bound in enumerate(bounds[:-1]):
            whens.append(f"WHEN {sql} < %s THEN {index}")
            params += [*column_params, bound]
        return f"CASE {' '.join(whens)} ELSE {len(bounds) - 1} END", params


def card_progress(
    *, student, now: dt.datetime, tz: str, desired_retention: float, days: int = 14
) -> CardProgress:
    """Cards by state, the review forecast and mastery by section, in two queries.

    One pass over the student's cards (of active questions), grouped by section, state, studied
    or not and forecast day, gives a hundred-odd rows summed here; the other reads the sections.
    Forecast days are review days (from 04:00 in `tz`) and overdue cards count for today.
    Mastery is the mean predicted recall now of the studied cards.
    """
    today = scheduling.review_day(now, tz)
    ends = [scheduling.day_bounds(today + dt.timedelta(days=i), tz)[1] for i in range(days)]
    recall = scheduling.retrievability_expression(now=now, desired_retention=desired_retention)
    rows = (
        Card.objects.filter(student=student, question__active=True)
        .values(
            "state",
            section=F("question__section_id"),
            new=IsNull(F("last_review"), True),
            day=_BucketIndex(F("due"), ends),
        )
        # A studied card's recall is NULL only without a stability (FSRS keeps it above 0):
        # counting stabilities counts the recalls that Avg would average.
        .annotate(cards=Count("*"), recall_sum=Sum(recall), recall_count=Count("stability"))
        .order_by()
    )
    states = dict.fromkeys(("new", "learning", "review", "relearning"), 0)
    counts = [0] * days
    studied: dict[int, list] = {}  # section id -> [cards, recall sum, cards with a recall]
    for row in rows:
        n = row["cards"]
        if row["new"]:  # never reviewed, still in its first (learning) state
            states["new"] += n
            continue
        states[_STATE_KEYS[row["state"]]] += n
        if row["day"] is not None:
            counts[row["day"]] += n
        totals = studied.setdefault(row["section"], [0, 0.0, 0])
        totals[0] += n
        totals[1] += row["recall_sum"] or 0.0
        totals[2] += row["recall_count"]
    states["total"] = sum(states.values())
    sections = list(Section.objects.order_by("position").defer("notes", "notes_html"))  # long texts, unused
    for section in sections:
        cards, recall_sum, recall_count = studied.get(section.pk, (0, 0.0, 0))
        section.cards, section.recall = cards, (recall_sum / recall_count if recall_count else None)
    forecast = [{"day": today + dt.timedelta(days=i), "count": counts[i]} for i in range(days)]
    return CardProgress(states=states, forecast=forecast, mastery=sections)
