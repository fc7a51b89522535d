"""A student's progress page: cards by state, the review forecast, mastery by section, the
streak and true retention.

Worked out at each view from the student's cards (`card_progress`: a few thousand at most,
grouped by section in one query) and from the daily rollup of their reviews (`day_figures`).
Mastery is the mean predicted recall now of the cards studied: it falls as time passes and
rises with each review.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from course.models import Section
from review import optimizer, scheduling
from review.models import Card, ReviewDay, ReviewSettings

FORECAST_DAYS = 14  # the forecast: reviews due on each of the next 14 review days
WINDOWS = (7, 30)  # true retention over the last 7 and 30 review days
STATES = ("new", "learning", "review", "relearning")


# --- from the rollup of review days --------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """What the daily rollup tells of a student's reviewing, as of one moment."""

    streak: int  # consecutive review days with a review, ending today (or yesterday)
    retention: list[dict]  # true retention over each window: days, total, passed, rate


def day_figures(
    *, student, now: dt.datetime, tz: str, windows: tuple[int, ...] = WINDOWS, horizon_days: int = 366
) -> DayFigures:
    """Streak and true retention from the student's `ReviewDay` rows of the last year: one query.

    True retention is the share of reviews of cards in review state (not learning) that were not
    rated Again, over the last n review days, today included. The streak counts consecutive
    review days with at least one review, ending today, or yesterday if today has none yet.
    Review days start at 04:00 local time.
    """
    today = scheduling.review_day(now, tz)
    first = today - dt.timedelta(days=max(horizon_days, *windows))
    reviewed: set[dt.date] = set()
    retention = [{"days": n, "total": 0, "passed": 0, "rate": None} for n in windows]
    for day, reviews, recall_reviews, recall_passed in ReviewDay.objects.for_progress(
        student=student, first=first, last=today
    ):
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


# --- from the cards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardProgress:
    """The card figures of the progress page (cards of active questions only)."""

    states: dict  # cards by state: new, learning, review, relearning, total
    forecast: list[dict]  # {"day", "count"}: studied cards due per review day from today on
    mastery: list[Section]  # every section, with `cards` studied and their mean `recall` now (None if none)


def card_progress(*, student, now: dt.datetime, tz: str, parameters=None) -> CardProgress:
    """Cards by state, the review forecast and mastery by section: two queries (the sections,
    and the student's cards grouped by section).

    The forecast counts the studied cards due on each of the next `FORECAST_DAYS` review days
    (from 04:00 in `tz`; overdue cards count for today). Mastery is the mean predicted recall at
    `now` of each section's studied cards, in fractional days: it falls hour by hour.
    `parameters`: the student's FSRS parameters (the library's defaults if None).
    """
    today = scheduling.review_day(now, tz)
    day_ends = [scheduling.day_bounds(today + dt.timedelta(days=i), tz)[1] for i in range(FORECAST_DAYS)]
    by_section = Card.objects.for_progress(student=student, now=now, day_ends=day_ends, parameters=parameters)
    sections = list(Section.objects.order_by("position").defer("notes", "notes_html"))
    states = dict.fromkeys(STATES, 0)
    due = [0] * FORECAST_DAYS
    for section in sections:
        row = by_section.get(section.pk)
        if row is None:
            section.cards, section.recall = 0, None
            continue
        for key in STATES:
            states[key] += row[key]
        for index in range(FORECAST_DAYS):
            due[index] += row[f"due_{index}"]
        section.cards = row["learning"] + row["review"] + row["relearning"]
        section.recall = row["recall"]
    states["total"] = sum(states.values())
    forecast = [{"day": today + dt.timedelta(days=i), "count": n} for i, n in enumerate(due)]
    return CardProgress(states=states, forecast=forecast, mastery=sections)


# --- the page's figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    cards: CardProgress
    days: DayFigures


def figures(*, student, now: dt.datetime, prefs: ReviewSettings) -> Progress:
    """The progress page's figures, from the student's cards and daily rollup: four queries. The
    predicted recall follows the forgetting curve of the student's FSRS parameters (the set the
    optimizer chose for them, else the library's defaults)."""
    tz = prefs.time_zone
    return Progress(
        cards=card_progress(
            student=student,
            now=now,
            tz=tz,
            parameters=optimizer.weights_for(student),
        ),
        days=day_figures(student=student, now=now, tz=tz),
    )
