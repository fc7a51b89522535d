"""Spaced repetition with FSRS. The only module that imports `fsrs`.

Card state travels as a plain `CardState` dataclass; this module turns it into `fsrs.Card`,
asks the library's `Scheduler` for the next state, and turns it back. It also holds the pure
rules around the scheduler: a student's deck options (`SchedulerOptions`, from their settings
by `options_for`), the rating suggested by a verdict, the review day (which starts at 04:00
local time, as in Anki), the labels of the next intervals and the predicted recall.

Review days, as in Anki. fsrs 6.3.2 counts time in 24-hour blocks: `Scheduler.review_card`
takes `(review_datetime - card.last_review).days` as the days elapsed (a same-day review below
1, which gets the short-term stability formula), feeds that whole number to its forgetting
curve, and returns `due = review_datetime + interval`. The queue offers a review card from
04:00 on its due day, so a card due at 22:00 and reviewed at 05:00 the same day counted as
reviewed "the same day" as the evening before. `review` therefore shows the library a clock of
review days: the review and the card's last review are each moved to midnight UTC of the date
of their review day, so the library's elapsed days are exactly the review days elapsed (whole
days, whatever the hour and the daylight saving changes), and a day interval it returns is a
number of review days; the card is then due at the start (04:00 local) of that review day.
Learning and relearning steps stay in minutes: a step shorter than a day is added to the real
moment of the review; a step of a day or more counts in review days too, as Anki's
inter-day learning steps do. The stored `last_review` is the real moment.

Fuzz is Rappel's, not the library's: fsrs draws its fuzz from Python's global `random` with no
way to pass a generator, so the interval previewed on a rating button would not be the one
stored. The library schedules without fuzz; `review` then applies the library's fuzz formula
(`Scheduler._get_fuzzed_interval`, copied in `fuzzed_interval`) to the number of days, with a
draw seeded by the card and its review count, the same for the preview and the rating.

Predicted recall (`retrievability`, `retrievability_expression`) counts fractional days since
the last review, so that it falls continuously (the library's `get_card_retrievability`
counts whole 24-hour blocks: a card just failed stayed at 100 % for a day).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from zoneinfo import ZoneInfo

import fsrs
from django.db.models import F, FloatField, Func, Value
from django.db.models.functions import Greatest, Power
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


# --- a student's deck options ----------------------------------------------------------------

DEFAULT_RETENTION = 0.9
DEFAULT_LEARNING_STEPS = "1m 10m"
DEFAULT_RELEARNING_STEPS = "10m"
DEFAULT_TIME_ZONE = "Europe/Paris"
MAXIMUM_INTERVAL = 36500  # days: the library's default and Anki's largest
MAX_STEPS = 10
SHORTEST_STEP = dt.timedelta(minutes=1)
LONGEST_STEP = dt.timedelta(days=30)
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "j": 86400}
_STEP = re.compile(r"(\d{1,6})(s|min|m|h|d|j)?", re.IGNORECASE)


class StepsError(ValueError):
    """Learning steps that do not parse or are out of bounds; `message` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_steps(text: str) -> tuple[dt.timedelta, ...]:
    """Steps as Anki writes them, e.g. "1m 10m 1h 1d": whole numbers followed by s, m, h or d
    (j, for jour, too; a bare number is minutes), separated by spaces or commas. Empty: none."""
    steps = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        match = _STEP.fullmatch(token)
        if match is None:
            raise StepsError(
                _("“%(step)s” is not a step: write durations such as 1m 10m 1h 1d.") % {"step": token[:20]}
            )
        seconds = int(match[1]) * _UNITS[(match[2] or "m").lower()]
        step = dt.timedelta(seconds=seconds)
        if not SHORTEST_STEP <= step <= LONGEST_STEP:
            raise StepsError(
                _("“%(step)s” is out of bounds: each step lasts from 1 minute to 30 days.") % {"step": token}
            )
        steps.append(step)
    if len(steps) > MAX_STEPS:
        raise StepsError(_("At most %(n)d steps.") % {"n": MAX_STEPS})
    return tuple(steps)


def format_steps(steps: tuple[dt.timedelta, ...]) -> str:
    """Steps in the form `parse_steps` reads, each in its largest whole unit: "1m 10m 1h 1d"."""
    out = []
    for step in steps:
        seconds = int(step.total_seconds())
        unit = next(u for u in ("d", "h", "m", "s") if seconds % _UNITS[u] == 0)
        out.append(f"{seconds // _UNITS[unit]}{unit}")
    return " ".join(out)


@dataclass(frozen=True)
class SchedulerOptions:
    """What the scheduler needs to know of a student: their deck options (`ReviewSettings`),
    their time zone (review days start at 04:00 there) and the FSRS parameters (the library's
    defaults unless given). Hashable: schedulers are cached by it."""

    desired_retention: float = DEFAULT_RETENTION
    learning_steps: tuple[dt.timedelta, ...] = parse_steps(DEFAULT_LEARNING_STEPS)
    relearning_steps: tuple[dt.timedelta, ...] = parse_steps(DEFAULT_RELEARNING_STEPS)
    maximum_interval: int = MAXIMUM_INTERVAL
    time_zone: str = DEFAULT_TIME_ZONE
    parameters: tuple[float, ...] | None = None  # None: the library's default parameters


DEFAULT_OPTIONS = SchedulerOptions()


def options_for(prefs, *, parameters: Sequence[float] | None = None) -> SchedulerOptions:
    """The scheduler options of a student's settings (a `ReviewSettings`): the one place that
    reads them, so every rating, preview and reschedule of that student uses the same
    scheduler. `parameters`: FSRS parameters for this student (the library's defaults if None)."""
    return SchedulerOptions(
        desired_retention=round(float(prefs.desired_retention), 4),
        learning_steps=_stored_steps(prefs.learning_steps, DEFAULT_OPTIONS.learning_steps),
        relearning_steps=_stored_steps(prefs.relearning_steps, DEFAULT_OPTIONS.relearning_steps),
        maximum_interval=int(prefs.maximum_interval),
        time_zone=prefs.time_zone,
        parameters=tuple(parameters) if parameters is not None else None,
    )


def _stored_steps(text: str, default: tuple[dt.timedelta, ...]) -> tuple[dt.timedelta, ...]:
    """Steps as saved (the form and the model validate them); the defaults should a row written
    around the validation hold steps that do not parse, rather than a review page that fails."""
    try:
        return parse_steps(text)
    except StepsError:
        return default


@lru_cache(maxsize=256)
def scheduler(options: SchedulerOptions = DEFAULT_OPTIONS) -> fsrs.Scheduler:
    """The library's scheduler for these options, without its fuzz (see the module's doc)."""
    extra = {} if options.parameters is None else {"parameters": options.parameters}
    return fsrs.Scheduler(
        desired_retention=options.desired_retention,
        learning_steps=options.learning_steps,
        relearning_steps=options.relearning_steps,
        maximum_interval=options.maximum_interval,
        enable_fuzzing=False,
        **extra,
    )


# --- reviewing a card --------------------------------------------------------------------------


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    return _zone_named(tz) if isinstance(tz, str) else tz


@lru_cache(maxsize=64)
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _day_clock(day: dt.date) -> dt.datetime:
    """The moment that stands for a review day on the clock shown to the library: midnight UTC
    of its date. Two review days are then exactly 24 hours per day apart."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC)


def _to_fsrs(
    card_id: int, state: CardState, *, now: dt.datetime, last_review: dt.datetime | None
) -> fsrs.Card:
    return fsrs.Card(
        card_id=card_id,  # an explicit id: without one the library sleeps 1 ms to make one
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=now,  # review_card does not read it
        last_review=last_review,
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


def interval_days(stability: float, options: SchedulerOptions = DEFAULT_OPTIONS) -> int:
    """The library's review interval in days for a stability (`Scheduler._next_interval`): the
    days until predicted recall falls to the desired retention, at least 1, at most the maximum."""
    decay, factor = forgetting_curve(options.parameters)
    days = stability / factor * (options.desired_retention ** (1 / decay) - 1)
    return min(max(round(days), 1), options.maximum_interval)


def _schedule(
    *,
    card_id: int,
    state: CardState,
    rating: int,
    now: dt.datetime,
    options: SchedulerOptions,
    fuzz: bool,
    reps: int,
) -> tuple[CardState, dt.timedelta]:
    """The card's state after the rating, and its interval: a step (minutes or hours, from now)
    or a whole number of review days (from today; the card is due at the start of that day)."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}")
    lib = scheduler(options)
    zone = _zone(options.time_zone)
    moment = to_utc(now)
    today = review_day(moment, zone)
    clock = _day_clock(today)
    last = _day_clock(review_day(state.last_review, zone)) if state.last_review else None
    card, _log = lib.review_card(
        _to_fsrs(card_id, state, now=clock, last_review=last), fsrs.Rating(rating), review_datetime=clock
    )
    wait = card.due - clock
    if card.state == fsrs.State.Review:
        if fuzz:
            wait = fuzzed_interval(wait, draw=fuzz_draw(card_id, reps), maximum_interval=lib.maximum_interval)
        days = wait.days  # the library's review intervals are whole days
    elif wait >= dt.timedelta(days=1):
        days = max(1, round(wait / dt.timedelta(days=1)))  # an inter-day step counts review days too
    else:
        days = None  # a learning or relearning step, from the moment of the review
    if days is None:
        interval, due = wait, moment + wait
    else:
        interval = dt.timedelta(days=days)
        due = to_utc(day_bounds(today + interval, zone)[0])
    after = CardState(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=due,
        last_review=moment,
    )
    return after, interval


def review(
    *,
    card_id: int,
    state: CardState,
    rating: int,
    now: dt.datetime,
    options: SchedulerOptions = DEFAULT_OPTIONS,
    fuzz: bool = True,
    reps: int = 0,
) -> CardState:
    """The card's state after being rated `rating` at `now`, counting review days (see the
    module's doc): a card due on day D gets the same state whenever on day D it is rated.

    With `fuzz`, a card going to (or staying in) review state gets the library's fuzz, drawn
    from the card id and `reps`, how many times it was rated before (`Card.version`): the same
    arguments always give the same state, so `next_intervals` previews exactly what is stored.
    """
    after, _interval = _schedule(
        card_id=card_id, state=state, rating=rating, now=now, options=options, fuzz=fuzz, reps=reps
    )
    return after


def next_intervals(
    *,
    card_id: int,
    state: CardState,
    now: dt.datetime,
    options: SchedulerOptions = DEFAULT_OPTIONS,
    fuzz: bool = True,
    reps: int = 0,
) -> dict[int, dt.timedelta]:
    """The interval each rating stores, as `review` with the same arguments stores it, fuzz
    included: a step from now (minutes, hours), or whole days for a card due on a later review
    day (it is due from the start of that day: the label says "2 days", not "1 day 7 h")."""
    return {
        rating: _schedule(
            card_id=card_id, state=state, rating=rating, now=now, options=options, fuzz=fuzz, reps=reps
        )[1]
        for rating in RATINGS
    }


def rescheduled_due(
    *,
    card_id: int,
    state: CardState,
    options: SchedulerOptions = DEFAULT_OPTIONS,
    fuzz: bool = True,
    reps: int = 0,
) -> dt.datetime | None:
    """When a card in review state falls due under new options (a new desired retention or
    maximum interval), as Anki's "reschedule cards on change" does: its memory state kept, the
    interval its stability gives from the review day of its last review, fuzzed with the draw
    of its last rating (`reps`: its review count before that rating). None for other cards."""
    if state.state != fsrs.State.Review or state.stability is None or state.last_review is None:
        return None
    zone = _zone(options.time_zone)
    interval = dt.timedelta(days=interval_days(state.stability, options))
    if fuzz:
        interval = fuzzed_interval(
            interval, draw=fuzz_draw(card_id, reps), maximum_interval=options.maximum_interval
        )
    return to_utc(day_bounds(review_day(state.last_review, zone) + dt.timedelta(days=interval.days), zone)[0])


# --- predicted recall ----------------------------------------------------------------------------


def forgetting_curve(parameters: Sequence[float] | None = None) -> tuple[float, float]:
    """The forgetting curve's (decay, factor) for FSRS parameters, as `fsrs.Scheduler` derives
    them (its `_DECAY` and `_FACTOR`): recall after t days = (1 + factor * t / S) ** decay."""
    decay = -(parameters or scheduler().parameters)[20]
    return decay, 0.9 ** (1 / decay) - 1


def retrievability(*, state: CardState, now: dt.datetime, parameters: Sequence[float] | None = None) -> float:
    """Predicted probability of recall at `now` (0 for a card never reviewed), counting the
    fractional days since the last review: it falls continuously, hour by hour."""
    if state.last_review is None or state.stability is None:
        return 0.0
    decay, factor = forgetting_curve(parameters)
    elapsed = max(0.0, (to_utc(now) - to_utc(state.last_review)).total_seconds() / 86400)
    return (1 + factor * elapsed / state.stability) ** decay


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
    zone = _zone(tz)
    local = moment.astimezone(zone)
    return (local - dt.timedelta(hours=DAY_STARTS_AT.hour, minutes=DAY_STARTS_AT.minute)).date()


def day_bounds(day: dt.date, tz: str | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a review day, as aware datetimes."""
    zone = _zone(tz)
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
# Reports average the predicted recall over thousands of cards. Rather than a Python loop over
# the cards, the forgetting curve is evaluated in SQL with the same decay and factor as
# `retrievability`, counting the same fractional days. Tests compare both on sample cards.


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


def retrievability_expression(
    *, now: dt.datetime, parameters: Sequence[float] | None = None, prefix: str = ""
) -> Func:
    """SQL expression of a card's predicted recall at `now`, in fractional days as
    `retrievability` counts them (NULL for cards never reviewed).

    `prefix` points at the card from another model, e.g. "cards__" from Question.
    """
    decay, factor = forgetting_curve(parameters)
    elapsed_seconds = Value(to_utc(now).timestamp()) - EpochSeconds(F(f"{prefix}last_review"))
    elapsed_days = Greatest(elapsed_seconds / Value(86400.0), Value(0.0))
    return Power(
        Value(1.0) + Value(factor) * elapsed_days / F(f"{prefix}stability"),
        Value(decay),
        output_field=FloatField(),
    )
