"""Rappel's schedule is the fsrs library's schedule: replayed scenarios must agree to the second."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import fsrs
import pytest

from review import scheduling
from review.scheduling import CardState

START = dt.datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))

SCENARIOS = {
    "good-eight-times": [3] * 8,
    "easy": [4, 4, 4],
    "again-then-good": [1, 3, 3, 3, 1, 3, 3],
    "hard-repeatedly": [2] * 6,
    "mixed": [3, 1, 2, 4, 3, 1, 3],
}


def replay_with_rappel(ratings: list[int], retention: float) -> list[dt.datetime]:
    state, now, dues = CardState(), START, []
    for rating in ratings:
        state = scheduling.review(
            card_id=7, state=state, rating=rating, now=now, desired_retention=retention, fuzz=False
        )
        dues.append(state.due)
        now = state.due  # review exactly when due
    return dues


def replay_with_library(ratings: list[int], retention: float) -> list[dt.datetime]:
    lib = fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False)
    card, now, dues = fsrs.Card(card_id=7), START.astimezone(dt.UTC), []
    card.due = now
    for rating in ratings:
        card, _log = lib.review_card(card, fsrs.Rating(rating), review_datetime=now)
        dues.append(card.due)
        now = card.due
    return dues


@pytest.mark.parametrize("retention", [0.8, 0.9, 0.95])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_due_dates_equal_the_librarys(scenario, retention):
    ratings = SCENARIOS[scenario]
    assert replay_with_rappel(ratings, retention) == replay_with_library(ratings, retention)


def test_higher_retention_means_shorter_intervals():
    ratings = SCENARIOS["good-eight-times"]
    assert replay_with_rappel(ratings, 0.95)[-1] < replay_with_rappel(ratings, 0.8)[-1]


def test_states_are_returned_in_utc_and_naive_datetimes_are_refused():
    state = scheduling.review(card_id=1, state=CardState(), rating=3, now=START, fuzz=False)
    assert state.due.tzinfo is dt.UTC and state.last_review.tzinfo is dt.UTC
    with pytest.raises(ValueError):
        scheduling.review(card_id=1, state=CardState(), rating=3, now=dt.datetime(2026, 1, 1), fuzz=False)
    with pytest.raises(ValueError):
        scheduling.review(card_id=1, state=CardState(), rating=5, now=START, fuzz=False)


def test_new_card_intervals_match_the_learning_steps():
    intervals = scheduling.next_intervals(card_id=1, state=CardState(), now=START)
    assert intervals[1] == dt.timedelta(minutes=1)
    assert intervals[3] == dt.timedelta(minutes=10)
    assert intervals[4] >= dt.timedelta(days=1)
    assert [scheduling.format_interval(intervals[r]) for r in (1, 3)] == ["1 min", "10 min"]


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (dt.timedelta(minutes=10), "10 min"),
        (dt.timedelta(hours=5), "5 h"),
        (dt.timedelta(days=2), "2 j"),
        (dt.timedelta(days=11), "11 j"),
        (dt.timedelta(days=95), "3 mois"),
        (dt.timedelta(days=548), "1,5 an"),
    ],
)
def test_interval_labels(delta, label):
    assert scheduling.format_interval(delta) == label


@pytest.mark.parametrize(
    ("correct", "score", "seconds", "rating"),
    [
        (False, 0.0, 3, 1),
        (False, 0.5, 20, 2),
        (True, 1.0, 5, 4),
        (True, 1.0, 20, 3),
        (True, 1.0, 60, 2),
        (True, 1.0, None, 3),
        (None, None, None, 3),
    ],
)
def test_suggested_rating(correct, score, seconds, rating):
    assert scheduling.suggest_rating(correct=correct, score=score, seconds=seconds) == rating


def test_review_day_starts_at_four_local_time():
    paris = "Europe/Paris"
    before = dt.datetime(2026, 11, 27, 3, 59, tzinfo=ZoneInfo(paris))
    after = dt.datetime(2026, 11, 27, 4, 0, tzinfo=ZoneInfo(paris))
    assert scheduling.review_day(before, paris) == dt.date(2026, 11, 26)
    assert scheduling.review_day(after, paris) == dt.date(2026, 11, 27)
    start, end = scheduling.day_bounds(dt.date(2026, 11, 27), paris)
    assert start == after and end - start == dt.timedelta(days=1)
    # Across the spring DST change the day is 23 hours long, still 04:00 to 04:00.
    start, end = scheduling.day_bounds(dt.date(2026, 3, 28), paris)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_retrievability_matches_the_library():
    state = scheduling.review(card_id=3, state=CardState(), rating=4, now=START, fuzz=False)
    later = START + dt.timedelta(days=9, hours=5)
    lib = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(
        card_id=3,
        state=fsrs.State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )
    expected = lib.get_card_retrievability(card, current_datetime=later.astimezone(dt.UTC))
    assert scheduling.retrievability(card_id=3, state=state, now=later) == pytest.approx(expected, rel=1e-12)
    assert scheduling.retrievability(card_id=3, state=CardState(), now=later) == 0.0
