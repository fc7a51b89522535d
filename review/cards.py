"""Spaced-repetition reviews: adding cards, the queue, recording a rating, the daily rollup.

Reads and writes go through here; the FSRS arithmetic is in `review.scheduling`, the queries
the pages need are QuerySet methods in `review.models`. The queue shows due cards first
(learning and relearning cards due now, then review cards due today), then new cards up to the daily limit,
missed-in-a-quiz ones before the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, F, IntegerField, QuerySet, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quizzes import kinds
from quizzes.models import Question
from review import optimizer, scheduling
from review.models import Card, ParameterSet, Review, ReviewDay, ReviewSettings
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
    *,
    student,
    questions: Iterable[Question] | QuerySet[Question],
    source: int = Card.Source.ADDED,
    now: dt.datetime | None = None,
) -> int:
    """Create new cards for the questions the student does not have yet. Returns how many."""
    now = now or timezone.now()
    ids = (
        [q.pk for q in questions]
        if not isinstance(questions, QuerySet)
        else list(questions.values_list("pk", flat=True))
    )
    existing = set(
        Card.objects.filter(student=student, question_id__in=ids).values_list("question_id", flat=True)
    )
    new = [
        Card(student=student, question_id=qid, due=now, source=source) for qid in ids if qid not in existing
    ]
    Card.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    if source == Card.Source.MISSED and existing:
        # Missed in a quiz again: a card not yet studied moves to the front of the new queue.
        Card.objects.filter(student=student, question_id__in=existing, last_review__isnull=True).update(
            source=Card.Source.MISSED
        )
    return len(new)


# --- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    card: Card | None
    due_left: int
    new_left: int
    next_due: dt.datetime | None
    # The reviews from `next_card(since=...)` on: how many, how many remembered (not Again), their
    # time in milliseconds and the moment of the last one.
    since: dict | None = None


def settings_for(student) -> ReviewSettings:
    """The student's settings: the defaults, unsaved, until they save theirs (reading a page, or
    a refused post, writes nothing)."""
    return ReviewSettings.objects.filter(student=student).first() or ReviewSettings(student=student)


def settings_save(prefs: ReviewSettings) -> ReviewSettings:
    """Save a student's settings (from `settings_for`, changed). The first save inserts their
    row; should another request have inserted it since `settings_for` read none (the same form
    posted twice at once), this one's values update that row rather than fail on the one row a
    student may have. Returns `prefs`, saved."""
    if prefs.pk is None:
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on
                prefs.save(force_insert=True)
            return prefs
        except IntegrityError:
            existing = (
                ReviewSettings.objects.filter(student=prefs.student_id).values_list("pk", flat=True).first()
            )
            if existing is None:
                raise
            prefs.pk = existing
    prefs.save()
    return prefs


_UNREAD = object()


def options_of(
    student, prefs: ReviewSettings, *, parameter_set: ParameterSet | None | object = _UNREAD
) -> scheduling.SchedulerOptions:
    """The scheduler options of a student: their settings and the FSRS parameters the optimizer
    chose for them (`optimizer.parameters_for`, one query, unless `parameter_set` gives what it
    returned: None for the defaults). Every rating, preview and reschedule of the student goes
    through them, so the buttons show what a rating stores."""
    weights = (
        optimizer.weights_for(student) if parameter_set is _UNREAD else optimizer.weights_of(parameter_set)
    )
    return scheduling.options_for(prefs, parameters=weights)


def daily_rooms(prefs: ReviewSettings, *, done: dict[str, int], reviews_due: int) -> tuple[int, int]:
    """How many reviews and new cards the day's limits still allow, as Anki's deck options do.

    `done`: the day's figures so far (`ReviewDay.objects.studied_on`); `reviews_due`: the review
    cards due today. Unless new cards ignore the review limit, the new cards studied count
    towards it, and the reviews due take their room first: with a limit of 200 and 190 reviews
    due, at most 10 new cards; none once the limit is reached. Learning and relearning steps
    are never limited: they come back on time.
    """
    new_room = max(0, prefs.new_per_day - done["new"])
    if prefs.new_ignores_review_limit:
        return max(0, prefs.max_reviews_per_day - done["reviews"]), new_room
    review_room = max(0, prefs.max_reviews_per_day - done["reviews"] - done["new"])
    return review_room, min(new_room, review_room - min(reviews_due, review_room))


def next_card(
    *,
    student,
    now: dt.datetime | None = None,
    prefs: ReviewSettings | None = None,
    since: dt.datetime | None = None,
) -> Queue:
    """The next card to study, of the kinds the student reviews, with what is left for today and,
    given `since`, the reviews from then on. Three queries: the day's figures so far, the counts
    left, and the card (the first due one, else the first new one: the counts say which read can
    find it); one more given `since` (the reviews since), one more when no card is left (when the
    next is due)."""
    now = now or timezone.now()
    prefs = prefs or settings_for(student)
    day = scheduling.review_day(now, prefs.time_zone)
    _start, end = scheduling.day_bounds(day, prefs.time_zone)
    done = ReviewDay.objects.studied_on(student=student, day=day)
    # Every read of the queue starts from the kinds the student reviews: the counts, the card
    # shown and when the next is due leave out the same cards.
    reviewed = Card.objects.of_review_kinds(prefs.review_kinds)
    left = reviewed.due_counts(student=student, now=now, day_end=end)
    review_room, new_room = daily_rooms(prefs, done=done, reviews_due=left["review"])
    # Learning steps due now first, then the day's reviews (while the day's maximum allows),
    # then new cards; the counts say which reads can find a card: only those are made.
    card = None
    if left["learning"]:
        card = reviewed.learning_steps_due(student=student, now=now).first()
    if card is None and left["review"] and review_room > 0:
        card = reviewed.reviews_due(student=student, day_end=end).first()
    if card is None and left["new"] and new_room > 0:
        card = reviewed.new_for_review(student=student).first()
    return Queue(
        card=card,
        due_left=left["learning"] + min(left["review"], review_room),
        new_left=min(left["new"], new_room),
        next_due=reviewed.next_due(student=student) if card is None else None,
        since=None if since is None else Review.objects.session_summary(student=student, since=since),
    )


def own_card(student, card_id: int) -> Card | None:
    """One of the student's cards, with its question, section and revision; None if no such card."""
    return Card.objects.for_review_page().filter(pk=card_id, student=student).first()


# --- recording a rating ------------------------------------------------------------------------


def card_token(card: Card, *, shown_at: dt.datetime, graded: dict | None = None) -> str:
    """A signed token for the review form: which card state was shown, when, and its verdict."""
    payload = {
        "card": card.pk,
        "v": card.version,
        "t": shown_at.timestamp(),
        "rev": card.question.current_revision_id,
    }
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
    return {
        "correct": verdict.correct,
        "score": verdict.score,
        "response": response,
        "feedback": list(verdict.feedback),
    }


@dataclass(frozen=True)
class Recorded:
    review: Review | None  # None when the same form had already been recorded
    card: Card


def review_record(
    *,
    student,
    card_id: int,
    rating: int | str,
    token: str,
    now: dt.datetime | None = None,
    prefs: ReviewSettings | None = None,
) -> Recorded:
    """Record one rating: one Review row and one state change, even if the form comes twice.

    In one transaction: lock the card, check the token's version against it, move the card on
    (only from that version), insert the review, add it to its day's row. A second post of the
    same form finds the version moved on and records nothing.
    """
    now = now or timezone.now()
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ReviewError(UNKNOWN_RATING) from None
    if rating not in scheduling.RATINGS:
        raise ReviewError(UNKNOWN_RATING)
    prefs = prefs or settings_for(student)
    with transaction.atomic():
        # Locked to the end of the transaction where the database has row locks (PostgreSQL);
        # SQLite has none, but its write transactions (begun IMMEDIATE) run one at a time. The
        # update below moves the card on only from the version read here, whatever the database.
        card = Card.objects.select_for_update().filter(pk=card_id, student=student).first()
        if card is None:
            raise CardNotFound(NO_SUCH_CARD)
        data = read_token(token, card_id=card_id)
        if card.version != data.get("v"):
            return Recorded(review=None, card=card)  # a double click or a second tab: already counted
        before = card_state(card)
        parameter_set = optimizer.parameters_for(student)
        after = scheduling.review(
            card_id=card.pk,
            state=before,
            rating=rating,
            now=now,
            options=options_of(student, prefs, parameter_set=parameter_set),
            fuzz=fuzz_enabled(),
            reps=card.version,  # the fuzz the form's buttons showed: same card, same version
        )
        schedule = after.columns()
        moved = Card.objects.filter(pk=card.pk, version=card.version).update(
            **schedule, version=F("version") + 1
        )
        if not moved:  # the version moved on since the lock read it: counted by the other request
            return Recorded(review=None, card=card)
        graded = data.get("g") or {}
        shown = dt.datetime.fromtimestamp(data["t"], tz=dt.UTC)
        duration_ms = int(min(max((now - shown).total_seconds() * 1000, 0), MAX_DURATION_MS))
        review = Review.objects.create(
            card=card,
            student=student,
            question_id=card.question_id,
            revision_id=data.get("rev") or card.question.current_revision_id,
            rating=rating,
            reviewed_at=now,
            duration_ms=duration_ms,
            correct=graded.get("correct"),
            score=graded.get("score"),
            response=graded.get("response"),
            state_before=before.as_json(),
            state_after=after.as_json(),
            parameter_set=parameter_set,
            desired_retention=prefs.desired_retention,
        )
        _count_in_day(review, scheduling.review_day(now, prefs.time_zone), before=before)
        for name, value in schedule.items():
            setattr(card, name, value)
        card.version += 1
        return Recorded(review=review, card=card)


# --- rescheduling ------------------------------------------------------------------------------


def cards_reschedule(*, student, prefs: ReviewSettings | None = None, batch_size: int = 500) -> int:
    """Move the due dates of a student's cards in review state to what their settings and FSRS
    parameters give now (after a change of desired retention or maximum interval), as Anki's
    "reschedule cards on change": memory states are kept, each card's interval runs from the
    review day of its last review (`scheduling.rescheduled_due`). Learning and relearning cards
    keep their steps. Returns how many cards moved. One read, then updates in batches, in one
    transaction."""
    prefs = prefs or settings_for(student)
    options = options_of(student, prefs)
    fuzz = fuzz_enabled()
    with transaction.atomic():
        studied = (
            Card.objects.select_for_update()
            .filter(student=student, state=Card.State.REVIEW, last_review__isnull=False)
            .only("pk", "state", "step", "stability", "difficulty", "due", "last_review", "version")
            .order_by("pk")
        )
        moved = []
        for card in studied:
            due = scheduling.rescheduled_due(
                card_id=card.pk,
                state=card_state(card),
                options=options,
                fuzz=fuzz,
                reps=max(card.version - 1, 0),  # the draw of its last rating, as `review_record` made it
            )
            if due is not None and due != card.due:
                card.due = due
                moved.append(card)
        Card.objects.bulk_update(moved, ["due"], batch_size=batch_size)
    return len(moved)


# --- the daily rollup ----------------------------------------------------------------------------


def _day_totals(
    *, rating: int, before_state: int | None, before_last_review, duration_ms: int | None
) -> dict:
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
    """Add a review to its day's row, in the caller's transaction: one UPDATE of increments.

    The day's first review finds no row to update: it inserts an empty one, unless another
    request's first review of the same day just did (the insert then does nothing: no error, so
    no savepoint is needed; on PostgreSQL it waits for that request to commit), and updates it.
    """
    totals = _day_totals(
        rating=review.rating,
        before_state=before.state,
        before_last_review=before.last_review,
        duration_ms=review.duration_ms,
    )
    increments = {name: F(name) + value for name, value in totals.items()}
    row = ReviewDay.objects.filter(student_id=review.student_id, day=day)
    if row.update(**increments):
        return
    ReviewDay.objects.bulk_create([ReviewDay(student_id=review.student_id, day=day)], ignore_conflicts=True)
    if not row.update(**increments):  # no row inserted nor found: refuse rather than lose the count
        raise IntegrityError(f"no review day row for student {review.student_id} on {day}")


def review_days_totals(
    log: Iterable[tuple], zone_of: dict[int, dt.tzinfo], default: dt.tzinfo, totals: dict | None = None
) -> dict:
    """Sum a review log into rows of `ReviewDay`: {(student_id, day): totals}, added to `totals`
    if given. Each log entry is (student_id, reviewed_at, rating, duration_ms, state before, last
    review before)."""
    totals = {} if totals is None else totals
    for student, at, rating, duration, state, last_review in log:
        key = (student, scheduling.review_day(at, zone_of.get(student, default)))
        add = _day_totals(
            rating=rating, before_state=state, before_last_review=last_review, duration_ms=duration
        )
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
        "student_id",
        "reviewed_at",
        "rating",
        "duration_ms",
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
