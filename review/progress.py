"""A student's progress page: cards by state, the review forecast, mastery by section, the
streak and true retention.

Worked out from the cards and the daily rollup (`card_progress`, `day_figures`), then kept as a
snapshot (`ProgressSnapshot` and a `ProgressSection` row a section) for the rest of the review
day: `review_record` moves a rating's card between states and forecast days in the same
transaction (`count_rating`), so the page reads a row a section instead of every card.

Mastery is the mean predicted recall of the studied cards by the end of today's review day (the
same day the forecast counts in): a card left alone keeps the same figure all day, which is what
lets a snapshot stay exact until the day ends. A snapshot is rebuilt when it no longer holds: a
new review day, other settings, cards added or removed, a rating it did not count (a rating that
raced with a rebuild, or one made before the snapshot's day), or a change to the questions
(`forget`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import IntegrityError, connection, transaction

from course.models import Section
from quizzes import rawsql
from review import scheduling
from quizzes.models import Question
from review.models import FORECAST_DAYS, Card, ProgressSection, ProgressSnapshot, ReviewDay, ReviewSettings
from review.scheduling import CardState

WINDOWS = (7, 30)  # true retention over the last 7 and 30 review days
STATES = ("new", "learning", "review", "relearning")
_STATE_NAMES = {Card.State.LEARNING.value: "learning", Card.State.REVIEW.value: "review",
                Card.State.RELEARNING.value: "relearning"}
DUE = tuple(f"due_{day}" for day in range(FORECAST_DAYS))


# --- from the rollup of review days --------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """What the daily rollup tells of a student's reviewing, as of one moment."""

    streak: int  # consecutive review days with a review, ending today (or yesterday)
    retention: list[dict]  # true retention over each window: days, total, passed, rate


# SQLite stores a date as ISO text: read as text, it skips the converter Django registers for
# date columns, which took longer on a year of rows than the query (parsed below instead).
_DAYS_SQL = (
    f"SELECT {'CAST(day AS TEXT)' if connection.vendor == 'sqlite' else 'day'}, reviews, recall_reviews,"
    f" recall_passed FROM {rawsql.table(ReviewDay)} WHERE student_id = %s AND day > %s AND day <= %s"
)


def day_figures(*, student, now: dt.datetime, tz: str, windows: tuple[int, ...] = WINDOWS,
                horizon_days: int = 366, include_today: bool = True) -> DayFigures:
    """Streak and true retention from the student's `ReviewDay` rows of the last year: one query.

    True retention is the share of reviews of cards in review state (not learning) that were not
    rated Again, over the last n review days, today included. The streak counts consecutive
    review days with at least one review, ending today, or yesterday if today has none yet.
    Review days start at 04:00 local time. Without today (`include_today=False`): the figures
    up to yesterday, which today's row then completes.
    """
    today = scheduling.review_day(now, tz)
    first = today - dt.timedelta(days=max(horizon_days, *windows))
    last = today if include_today else today - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(_DAYS_SQL, [student.pk, rawsql.param(ReviewDay, "day", first), rawsql.param(ReviewDay, "day", last)])
        rows = cursor.fetchall()
    reviewed: set[dt.date] = set()
    retention = [{"days": n, "total": 0, "passed": 0, "rate": None} for n in windows]
    for day, reviews, recall_reviews, recall_passed in rows:
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
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
    """The card figures of the progress page."""

    states: dict  # cards by state: new, learning, review, relearning, total
    forecast: list[dict]  # {"day", "count"}: reviews due per review day from today on
    mastery: list[Section]  # every section, with `cards` studied and their mean `recall` (None if none)
    cards_total: int = 0  # all the student's cards, of retired questions too
    day_row: tuple = (0, 0, 0)  # today's row of the daily rollup: reviews, recall reviews, passed


# The student's cards of active questions, grouped by section and by the forecast day they are
# due on (NULL: new, or due after the last day): how many of each state, and the sum and count
# of the studied cards' predicted recall. One more row (section NULL) gives all the student's
# cards and today's row of the daily rollup, read in the same statement, hence as of the same
# moment as the cards. (The card table goes by its own name here, as in the ORM's SQL of the
# recall expression.)
_C = rawsql.table(Card)
_PROGRESS_SECTION = rawsql.Columns(Section, "section")


def _cards_sql(recall: str) -> str:
    whens = " ".join(f"WHEN {_C}.due < %s THEN {index}" for index in range(FORECAST_DAYS))
    return f"""SELECT q.section_id, CASE WHEN {_C}.last_review IS NULL THEN NULL {whens} END AS day,
    COUNT(*) FILTER (WHERE {_C}.last_review IS NULL),
    COUNT(*) FILTER (WHERE {_C}.last_review IS NOT NULL AND {_C}.state = {Card.State.LEARNING.value}),
    COUNT(*) FILTER (WHERE {_C}.state = {Card.State.REVIEW.value}),
    COUNT(*) FILTER (WHERE {_C}.state = {Card.State.RELEARNING.value}),
    SUM({recall}), COUNT({_C}.stability)
FROM {_C} JOIN {rawsql.table(Question)} AS q ON q.id = {_C}.question_id
WHERE {_C}.student_id = %s AND q.active
GROUP BY 1, 2
UNION ALL SELECT NULL, NULL, (SELECT COUNT(*) FROM {_C} WHERE student_id = %s),
    d.reviews, d.recall_reviews, d.recall_passed, NULL, NULL
FROM (SELECT 1) AS one LEFT JOIN {rawsql.table(ReviewDay)} AS d ON d.student_id = %s AND d.day = %s"""


@lru_cache(maxsize=16)
def _recall_sql(desired_retention: float) -> tuple[str, list, int]:
    """`scheduling.retrievability_expression` compiled for a hand-written statement, once: its
    SQL and parameters, and which parameter holds the moment (put in for each query)."""
    marker = dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    query = Card.objects.all().query
    expression = scheduling.retrievability_expression(now=marker, desired_retention=desired_retention)
    sql, params = query.get_compiler(connection=connection).compile(expression.resolve_expression(query))
    moment = marker.timestamp() + 0.001  # as the expression puts it
    return sql, list(params), next(i for i, p in enumerate(params) if p == moment)


def _recall_params(desired_retention: float, at: dt.datetime) -> tuple[str, list]:
    sql, params, index = _recall_sql(desired_retention)
    params = list(params)
    params[index] = scheduling.to_utc(at).timestamp() + 0.001
    return sql, params


def card_progress(
    *, student, now: dt.datetime, tz: str, desired_retention: float, recall_at: dt.datetime | None = None
) -> CardProgress:
    """Cards by state, the review forecast and mastery by section, in one statement.

    The forecast counts the studied cards due on each of the next `FORECAST_DAYS` review days
    (from 04:00 in `tz`; overdue cards count for today). Mastery is the mean predicted recall
    of the studied cards at `recall_at` (by default `now`). Each section also gets `states`
    and `due` (its share of the forecast), which the snapshot keeps.
    """
    today = scheduling.review_day(now, tz)
    ends = [
        rawsql.param(Card, "due", scheduling.day_bounds(today + dt.timedelta(days=i), tz)[1])
        for i in range(FORECAST_DAYS)
    ]
    recall, recall_params = _recall_params(desired_retention, recall_at or now)
    sections = {s.pk: s for s in _sections()}
    for section in sections.values():
        section.states = dict.fromkeys(STATES, 0)
        section.due = [0] * FORECAST_DAYS
        section.recall_sum, section.recall_count = 0.0, 0
    cards_total, day_row = 0, (0, 0, 0)
    with connection.cursor() as cursor:
        cursor.execute(_cards_sql(recall), [
            *ends, *recall_params, student.pk, student.pk, student.pk, rawsql.param(ReviewDay, "day", today)
        ])
        for section_id, day, *counts, recall_sum, recall_count in cursor.fetchall():
            if section_id is None:
                cards_total, day_row = counts[0], tuple(n or 0 for n in counts[1:])
                continue
            section = sections[section_id]
            for key, n in zip(STATES, counts, strict=True):
                section.states[key] += n
            if day is not None:
                section.due[day] += sum(counts)
            section.recall_sum += recall_sum or 0.0
            section.recall_count += recall_count
    return _card_figures(list(sections.values()), today, cards_total=cards_total, day_row=day_row)


def _sections() -> list[Section]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_PROGRESS_SECTION.sql} FROM {rawsql.table(Section)} AS section ORDER BY section.position")
        return [_PROGRESS_SECTION.instance(row) for row in cursor.fetchall()]


def _card_figures(sections: list[Section], today: dt.date, **extra) -> CardProgress:
    """The page's card figures from each section's `states`, `due`, `recall_sum` and `recall_count`."""
    states = dict.fromkeys(STATES, 0)
    due = [0] * FORECAST_DAYS
    for section in sections:
        for key in STATES:
            states[key] += section.states[key]
        for index, n in enumerate(section.due):
            due[index] += n
        section.cards = section.states["learning"] + section.states["review"] + section.states["relearning"]
        section.recall = section.recall_sum / section.recall_count if section.recall_count else None
    states["total"] = sum(states.values())
    forecast = [{"day": today + dt.timedelta(days=i), "count": n} for i, n in enumerate(due)]
    return CardProgress(states=states, forecast=forecast, mastery=sections, **extra)


# --- the page's figures, through the snapshot ----------------------------------------------------


@dataclass(frozen=True)
class Progress:
    cards: CardProgress
    days: DayFigures
    rebuilt: bool = field(default=False)  # worked out from the cards (not read from the snapshot)


def recall_moment(today: dt.date, tz: str) -> dt.datetime:
    """When mastery is predicted for: the end of the review day."""
    return scheduling.day_bounds(today, tz)[1]


_SNAPSHOT_COLUMNS = ("day", "time_zone", "desired_retention", "reviews", "cards", "streak_before", "windows")
_ROW_COLUMNS = (*STATES, "recall_sum", "recall_count", "applied", *DUE)
_PS, _SNAP, _DAY = rawsql.table(ProgressSection), rawsql.table(ProgressSnapshot), rawsql.table(ReviewDay)
# Every section, with the student's snapshot row for it, the snapshot's header, today's row of
# the daily rollup and how many cards the student has: all a page needs, in one statement.
_READ_SQL = f"""SELECT {_PROGRESS_SECTION.sql}, {', '.join(f'ps.{rawsql.column(ProgressSection, c)}' for c in _ROW_COLUMNS)},
    {', '.join(f'h.{rawsql.column(ProgressSnapshot, c)}' for c in _SNAPSHOT_COLUMNS)},
    d.reviews, d.recall_reviews, d.recall_passed,
    (SELECT COUNT(*) FROM {_C} WHERE student_id = %(student)s)
FROM {rawsql.table(Section)} AS section
LEFT JOIN {_SNAP} AS h ON h.student_id = %(student)s
LEFT JOIN {_DAY} AS d ON d.student_id = %(student)s AND d.day = %(today)s
LEFT JOIN {_PS} AS ps ON ps.section_id = section.id AND ps.student_id = %(student)s
ORDER BY section.position"""
_HEADER_END = len(_PROGRESS_SECTION) + len(_ROW_COLUMNS) + len(_SNAPSHOT_COLUMNS)  # then today's row, the card count


def figures(*, student, now: dt.datetime, prefs: ReviewSettings) -> Progress:
    """The progress page's figures: from the student's snapshot if it still holds, else worked
    out from the cards and the rollup, and kept as the new snapshot."""
    tz, retention = prefs.time_zone, prefs.desired_retention
    today = scheduling.review_day(now, tz)
    with connection.cursor() as cursor:
        cursor.execute(_READ_SQL, {"student": student.pk, "today": rawsql.param(ReviewDay, "day", today)})
        rows = cursor.fetchall()
    width, size = len(_PROGRESS_SECTION), len(_ROW_COLUMNS)
    if not rows:
        return _rebuild(student=student, now=now, today=today, tz=tz, retention=retention)
    header = dict(zip(_SNAPSHOT_COLUMNS, rows[0][width + size:_HEADER_END], strict=True))
    day_row = tuple(n or 0 for n in rows[0][_HEADER_END:_HEADER_END + 3])
    cards = rows[0][_HEADER_END + 3]
    stored = [dict(zip(_ROW_COLUMNS, row[width:width + size], strict=True)) for row in rows]
    if not _holds(header, stored, today=today, tz=tz, retention=retention, cards=cards, reviews=day_row[0]):
        return _rebuild(student=student, now=now, today=today, tz=tz, retention=retention)
    sections = []
    for row, values in zip(rows, stored, strict=True):
        section = _PROGRESS_SECTION.instance(row[:width])
        section.states = {key: values[key] for key in STATES}
        section.due = [values[key] for key in DUE]
        section.recall_sum, section.recall_count = values["recall_sum"], values["recall_count"]
        sections.append(section)
    windows = rawsql.converted(ProgressSnapshot, "windows", header["windows"])
    return Progress(
        cards=_card_figures(sections, today, cards_total=cards, day_row=day_row),
        days=_with_today(header["streak_before"], windows, *day_row),
    )


def _holds(header: dict, stored: list[dict], *, today: dt.date, tz: str, retention: float, cards: int,
           reviews: int) -> bool:
    """Whether a snapshot still gives the page's figures: built for this review day and these
    settings, from as many cards as there are, with a row for every section, and every review
    of the day counted (those at build time plus those ratings applied since)."""
    return (
        header["day"] is not None
        and rawsql.converted(ProgressSnapshot, "day", header["day"]) == today
        and header["time_zone"] == tz
        and header["desired_retention"] == retention
        and header["cards"] == cards
        and all(s["applied"] is not None for s in stored)
        and header["reviews"] + sum(s["applied"] for s in stored) == reviews
    )


def _with_today(streak_before: int, windows: list, reviews: int, recall_reviews: int, recall_passed: int) -> DayFigures:
    """The snapshot's figures up to yesterday, completed with today's row of the rollup."""
    retention = []
    for days, total, passed in windows:
        total, passed = total + recall_reviews, passed + recall_passed
        retention.append({"days": days, "total": total, "passed": passed, "rate": passed / total if total else None})
    return DayFigures(streak=streak_before + 1 if reviews else streak_before, retention=retention)


def _rebuild(*, student, now: dt.datetime, today: dt.date, tz: str, retention: float) -> Progress:
    cards = card_progress(student=student, now=now, tz=tz, desired_retention=retention,
                          recall_at=recall_moment(today, tz))
    before = day_figures(student=student, now=now, tz=tz, include_today=False)
    windows = [[w["days"], w["total"], w["passed"]] for w in before.retention]
    rows = [
        ProgressSection(student_id=student.pk, section_id=s.pk, **s.states, recall_sum=s.recall_sum,
                        recall_count=s.recall_count, **dict(zip(DUE, s.due, strict=True)))
        for s in cards.mastery
    ]
    try:
        with transaction.atomic():
            ProgressSection.objects.filter(student_id=student.pk).delete()
            ProgressSection.objects.bulk_create(rows)
            header = ProgressSnapshot(
                student_id=student.pk, day=today, time_zone=tz, desired_retention=retention,
                reviews=cards.day_row[0], cards=cards.cards_total, streak_before=before.streak,
                windows=windows, built_at=now,
            )
            ProgressSnapshot.objects.bulk_create(  # one INSERT … ON CONFLICT: a new one or the last replaced
                [header], update_conflicts=True, unique_fields=["student"],
                update_fields=[f.name for f in ProgressSnapshot._meta.concrete_fields if not f.primary_key],
            )
    except IntegrityError:
        pass  # another request of the same student rebuilt it at the same moment: theirs stays
    return Progress(cards=cards, days=_with_today(before.streak, windows, *cards.day_row), rebuilt=True)


# --- kept in step by ratings ---------------------------------------------------------------------


def _state_name(state: CardState) -> str:
    return "new" if state.last_review is None else _STATE_NAMES[state.state]


def _due_day(state: CardState, today: dt.date, tz: str) -> int | None:
    """The forecast day a studied card counts in (0 when overdue), None past the last one."""
    if state.last_review is None or state.due is None:
        return None
    offset = (scheduling.review_day(state.due, tz) - today).days
    return max(offset, 0) if offset < FORECAST_DAYS else None


def _recall(state: CardState, at: dt.datetime, retention: float) -> tuple[float, int]:
    if state.last_review is None or state.stability is None:
        return 0.0, 0
    return scheduling.retrievability(card_id=0, state=state, now=at, desired_retention=retention), 1


@lru_cache(maxsize=256)
def _move_sql(columns: tuple[str, ...]) -> str:
    moves = [f"{c} = {c} + %s" for c in (rawsql.column(ProgressSection, name) for name in columns)]
    moves += ["recall_sum = recall_sum + %s", "recall_count = recall_count + %s", "applied = applied + 1"]
    return f"UPDATE {_PS} SET {', '.join(moves)} WHERE student_id = %s AND section_id = %s"


def count_rating(*, student_id: int, section_id: int | None, before: CardState, after: CardState,
                 today: dt.date, prefs: ReviewSettings) -> None:
    """Move a rated card in its section's snapshot row, in the rating's transaction: one UPDATE.

    Nothing to move if the card's question is retired (`section_id` None) or the student has
    no snapshot row: the day's review count then tells the next page the snapshot is short of
    a rating, and it is rebuilt.
    """
    if section_id is None:
        return
    tz, retention = prefs.time_zone, prefs.desired_retention
    moves: Counter = Counter()
    moves[_state_name(before)] -= 1
    moves[_state_name(after)] += 1
    for state, sign in ((before, -1), (after, 1)):
        day = _due_day(state, today, tz)
        if day is not None:
            moves[DUE[day]] += sign
    columns = tuple(sorted(name for name, n in moves.items() if n))
    at = recall_moment(today, tz)
    (old, old_n), (new, new_n) = _recall(before, at, retention), _recall(after, at, retention)
    with connection.cursor() as cursor:
        cursor.execute(_move_sql(columns), [*(moves[c] for c in columns), new - old, new_n - old_n, student_id, section_id])


def forget() -> None:
    """Drop every snapshot: the questions changed (retired, moved to another section, deleted),
    which no count tells. Each student's next page rebuilds theirs."""
    ProgressSnapshot.objects.all().delete()
