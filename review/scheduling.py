"""Spaced repetition with FSRS. The only module that imports `fsrs`.

Card state travels as a plain `CardState` dataclass; this module turns it into `fsrs.Card`,
asks the library's `Scheduler` for the next state, and turns it back. It also holds the pure
rules around the scheduler: the rating suggested by a verdict, the review day (which starts at
04:00 local time, as in Anki), and the labels of the next intervals.

Fuzz is Rappel's, not the library's: fsrs draws its fuzz from Python's global `random` with no
way to pass a generator, so the interval previewed on a rating button would not be the one
stored. The library schedules without fuzz; `review` then applies the library's fuzz formula
(`Scheduler._get_fuzzed_interval`, copied in `fuzzed_interval`) with a draw seeded by the card
and its review count, the same for the preview and the rating.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

import fsrs
from django.db.models import F, FloatField, Func, Value
from django.db.models.functions import Floor, Greatest, Power
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

UTC = dt.UTC
DAY_STARTS_AT = dt.time(4, 0)
RATINGS = (1, 2, 3, 4)  # Again, Hard, Good, Easy

# Response time under which a right answer about a card in review suggests Easy.
QUICK_SECONDS = 8

# fsrs's fuzz ranges (`fsrs.scheduler.FUZZ_RANGES` in 6.3): (start, end, factor), in days.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


@dataclass(frozen=True)
class CardState:
    """FSRS memory state of a card, in the database's explicit columns."""

    state: int = 1  # 1 learning, 2 review, 3 relearning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: dt.datetime | None = None
    last_review: dt.datetime | None = None

    def columns(self) -> dict:
        """The state as the card's columns hold it: {field name: value}. (Not dataclasses.asdict:
        it deep-copies every value, the datetimes too, a tenth of a millisecond of each rating.)"""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_json(self) -> dict:
        data = self.columns()
        for key in ("due", "last_review"):
            if data[key] is not None:
                data[key] = to_utc(data[key]).isoformat()
        return data


def to_utc(moment: dt.datetime) -> dt.datetime:
    """The same instant with tzinfo exactly `datetime.timezone.utc` (fsrs refuses any other)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the scheduler needs aware datetimes")
    return moment.astimezone(UTC)


@lru_cache(maxsize=64)
def scheduler(
    desired_retention: float = 0.9, *, fuzz: bool = True, parameters: tuple[float, ...] | None = None
) -> fsrs.Scheduler:
    """`parameters`: FSRS weights trained by `review.optimizer` (None: the library's defaults)."""
    weights = {"parameters": parameters} if parameters is not None else {}
    return fsrs.Scheduler(desired_retention=round(desired_retention, 4), enable_fuzzing=fuzz, **weights)


def _to_fsrs(card_id: int, state: CardState, now: dt.datetime) -> fsrs.Card:
    return fsrs.Card(
        card_id=card_id,  # an explicit id: without one the library sleeps 1 ms to make one
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=to_utc(state.due or now),
        last_review=to_utc(state.last_review) if state.last_review else None,
    )


def _from_fsrs(card: fsrs.Card) -> CardState:
    return CardState(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def fuzz_draw(card_id: int, reps: int) -> float:
    """The fuzz's random draw in [0, 1) for a card rated `reps` times before: the same every time
    (a string seed is hashed with SHA-512, whatever PYTHONHASHSEED)."""
    return random.Random(f"{card_id}-{reps}").random()


def fuzzed_interval(interval: dt.timedelta, *, draw: float, maximum_interval: int) -> dt.timedelta:
    """The library's fuzz of a review interval (`Scheduler._get_fuzzed_interval`), from `draw`
    instead of the global `random()`: intervals under 2.5 days are kept, longer ones move to a
    whole number of days within a few percent."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0 + sum(factor * max(min(float(days), end) - start, 0.0) for start, end, factor in FUZZ_RANGES)
    low, high = round(days - delta), round(days + delta)
    low, high = max(2, low), min(high, maximum_interval)
    low = min(low, high)
    return dt.timedelta(days=min(round(draw * (high - low + 1) + low), maximum_interval))


def review(
    *,
    card_id: int,
    state: CardState,
    rating: int,
    now: dt.datetime,
    desired_retention: float = 0.9,
    fuzz: bool = True,
    reps: int = 0,
    parameters: tuple[float, ...] | None = None,
) -> CardState:
    """The card's state after being rated `rating` at `now`.

    With `fuzz`, a card going to (or staying in) review state gets the library's fuzz, drawn
    from the card id and `reps`, how many times it was rated before (`Card.version`): the same
    arguments always give the same state, so `next_intervals` previews exactly what is stored.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}")
    lib = scheduler(desired_retention, fuzz=False, parameters=parameters)
    moment = to_utc(now)
    card, _log = lib.review_card(_to_fsrs(card_id, state, now), fsrs.Rating(rating), review_datetime=moment)
    after = _from_fsrs(card)
    if fuzz and card.state == fsrs.State.Review:
        interval = fuzzed_interval(
            card.due - moment, draw=fuzz_draw(card_id, reps), maximum_interval=lib.maximum_interval
        )
        after = replace(after, due=moment + interval)
    return after


def next_intervals(
    *,
    card_id: int,
    state: CardState,
    now: dt.datetime,
    desired_retention: float = 0.9,
    fuzz: bool = True,
    reps: int = 0,
    parameters: tuple[float, ...] | None = None,
) -> dict[int, dt.timedelta]:
    """How long until the card is due again for each rating: exactly what `review` with the same
    arguments stores, fuzz included."""
    out = {}
    for rating in RATINGS:
        after = review(
            card_id=card_id,
            state=state,
            rating=rating,
            now=now,
            desired_retention=desired_retention,
            fuzz=fuzz,
            reps=reps,
            parameters=parameters,
        )
        out[rating] = after.due - to_utc(now)
    return out


def retrievability(
    *,
    card_id: int,
    state: CardState,
    now: dt.datetime,
    desired_retention: float = 0.9,
    parameters: tuple[float, ...] | None = None,
) -> float:
    """Predicted probability of recall at `now` (0 for a card never reviewed)."""
    if state.last_review is None or state.stability is None:
        return 0.0
    return scheduler(desired_retention, fuzz=False, parameters=parameters).get_card_retrievability(
        _to_fsrs(card_id, state, now), current_datetime=to_utc(now)
    )


def suggest_rating(*, correct: bool | None, score: float | None, seconds: float | None, state: int) -> int:
    """Rating suggested by a graded answer about a card in `state` (1 learning or new, 2 review,
    3 relearning): the one that helps memory.

    Right -> Good, Easy when quick and the card is already in review (a learning card goes
    through its steps); wrong -> Again; partly right -> Again while learning or relearning, Hard
    in review. A slow right answer is still Good: Hard keeps a learning card on its step (it
    never graduates) and raises its difficulty.
    """
    in_review = state == 2
    if correct is None:
        return 3
    if not correct:
        return 2 if in_review and score is not None and score >= 0.5 else 1
    if in_review and seconds is not None and seconds <= QUICK_SECONDS:
        return 4
    return 3


def review_day(moment: dt.datetime, tz: str | dt.tzinfo) -> dt.date:
    """The review day a moment belongs to: days start at 04:00 local time."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = moment.astimezone(zone)
    return (local - dt.timedelta(hours=DAY_STARTS_AT.hour, minutes=DAY_STARTS_AT.minute)).date()


def day_bounds(day: dt.date, tz: str | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a review day, as aware datetimes."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    start = dt.datetime.combine(day, DAY_STARTS_AT, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), DAY_STARTS_AT, tzinfo=zone)
    return start, end


def format_interval(delta: dt.timedelta) -> str:
    """A short label for an interval: '10 min', '5 h', '2 j', '3 mois', '1,5 an'."""
    seconds = max(0, delta.total_seconds())
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return _("%(n)d min") % {"n": minutes}
    if seconds < 86400:
        return _("%(n)d h") % {"n": round(seconds / 3600)}
    days = seconds / 86400
    if days < 30:
        n = round(days)
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if days < 365:
        n = round(days / 30)
        return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}
    years = round(days / 365, 1)
    return _("%(n)s y") % {"n": number_format(years, decimal_pos=0 if years.is_integer() else 1)}


# --- retrievability in the database ----------------------------------------------------------
#
# Reports average the predicted recall over thousands of cards. Rather than a Python loop that
# calls the library once per card, the forgetting curve is evaluated in SQL with the library's
# own constants (its decay and factor for the scheduler in use), counting whole elapsed days
# exactly as `Scheduler.get_card_retrievability` does. Tests compare both on sample cards.


class EpochSeconds(Func):
    """Seconds since 1970 of a datetime column, on SQLite and PostgreSQL."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() counts days since noon, 24 November 4714 BC; 2440587.5 is 1970-01-01.
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        # date_part, not EXTRACT: EXTRACT returns numeric since PostgreSQL 14, and numeric
        # arithmetic made the retrievability of 100,000 cards three times slower (measured).
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)", **extra)


def retrievability_expression(*, now: dt.datetime, desired_retention: float = 0.9, prefix: str = "") -> Func:
    """SQL expression of a card's retrievability at `now` (NULL for cards never reviewed).

    `prefix` points at the card from another model, e.g. "cards__" from Question.
    """
    lib = scheduler(desired_retention, fuzz=False)
    # SQLite's julianday() keeps milliseconds and float arithmetic can land a hair under a whole
    # day; a millisecond of slack keeps "exactly two days" at 2, as timedelta.days says.
    elapsed_seconds = Value(to_utc(now).timestamp() + 0.001) - EpochSeconds(F(f"{prefix}last_review"))
    elapsed_days = Floor(elapsed_seconds / Value(86400.0))
    elapsed_days = Greatest(elapsed_days, Value(0.0))
    return Power(
        Value(1.0) + Value(lib._FACTOR) * elapsed_days / F(f"{prefix}stability"),
        Value(lib._DECAY),
        output_field=FloatField(),
    )
