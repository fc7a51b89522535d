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


LEARNING, REVIEW, RELEARNING = 1, 2, 3


@pytest.mark.parametrize(
    ("correct", "score", "seconds", "state", "rating"),
    [
        # right: Good, however slow; Easy only when quick on a card already in review
        (True, 1.0, 5, LEARNING, 3),
        (True, 1.0, 5, RELEARNING, 3),
        (True, 1.0, 5, REVIEW, 4),
        (True, 1.0, 8, REVIEW, 4),
        (True, 1.0, 20, REVIEW, 3),
        (True, 1.0, 20, LEARNING, 3),
        (True, 1.0, 60, LEARNING, 3),
        (True, 1.0, 60, RELEARNING, 3),
        (True, 1.0, 60, REVIEW, 3),
        (True, 1.0, None, LEARNING, 3),
        (True, 1.0, None, REVIEW, 3),
        # wrong: Again
        (False, 0.0, 3, LEARNING, 1),
        (False, 0.0, 3, REVIEW, 1),
        (False, None, 60, REVIEW, 1),
        (False, 0.4, 20, REVIEW, 1),
        # partly right: Again while learning or relearning, Hard in review
        (False, 0.5, 20, LEARNING, 1),
        (False, 0.5, 20, RELEARNING, 1),
        (False, 0.5, 20, REVIEW, 2),
        (False, 0.9, 60, REVIEW, 2),
        # no verdict
        (None, None, None, LEARNING, 3),
        (None, None, None, REVIEW, 3),
    ],
)
def test_suggested_rating(correct, score, seconds, state, rating):
    assert scheduling.suggest_rating(correct=correct, score=score, seconds=seconds, state=state) == rating


def replay_slow_right_answers(suggest, times: int = 8) -> list[CardState]:
    """A new card answered right, 45 s each time, rated as `suggest` says, when due."""
    state, now, states = CardState(), START, []
    for _ in range(times):
        rating = suggest(correct=True, score=1.0, seconds=45, state=state.state)
        state = scheduling.review(card_id=7, state=state, rating=rating, now=now, fuzz=False)
        states.append(state)
        now = state.due
    return states


def old_suggest_rating(*, correct, score, seconds, state):
    """The rule before [R11]: a right answer after 40 s suggested Hard, whatever the state."""
    return 2 if correct and seconds >= 40 else 3


def test_a_slow_but_right_learner_graduates_following_the_suggestion():
    states = replay_slow_right_answers(scheduling.suggest_rating)
    # Good, Good: the two learning steps (1 then 10 min), then review, days apart and growing
    assert [s.state for s in states[:2]] == [LEARNING, REVIEW]
    assert all(s.state == REVIEW for s in states[1:])
    intervals = [b.due - a.due for a, b in zip(states[1:], states[2:], strict=False)]
    assert intervals == sorted(intervals) and intervals[0] >= dt.timedelta(days=1)
    # The old rule rated every slow right answer Hard: eight times, still learning, due again
    # every 5.5 minutes, its difficulty higher.
    old = replay_slow_right_answers(old_suggest_rating)
    assert all(s.state == LEARNING for s in old)
    assert {s.due - s.last_review for s in old} == {dt.timedelta(minutes=5, seconds=30)}
    assert old[-1].difficulty > states[-1].difficulty


# --- fuzz ----------------------------------------------------------------------------------------


def review_state() -> CardState:
    """A card in review, last seen a while ago: its next intervals are long enough to fuzz."""
    return CardState(
        state=REVIEW,
        step=None,
        stability=60.0,
        difficulty=5.0,
        due=START,
        last_review=START - dt.timedelta(days=50),
    )


def test_fuzz_is_the_same_for_the_same_card_and_review_count():
    state = review_state()
    fuzzed = {
        reps: scheduling.review(card_id=7, state=state, rating=3, now=START, reps=reps).due
        for reps in range(8)
    }
    plain = scheduling.review(card_id=7, state=state, rating=3, now=START, fuzz=False).due
    # drawn again, the same due; other review counts draw other dues, some not the plain one
    assert all(
        scheduling.review(card_id=7, state=state, rating=3, now=START, reps=reps).due == due
        for reps, due in fuzzed.items()
    )
    assert len(set(fuzzed.values())) > 1 and set(fuzzed.values()) != {plain}
    # whole days, within the library's range around the plain interval
    for due in fuzzed.values():
        assert (due - START.astimezone(dt.UTC)) % dt.timedelta(days=1) == dt.timedelta(0)
        assert abs((due - plain).days) <= 3 + 0.05 * (plain - START).days


def test_fuzz_leaves_short_intervals_and_learning_steps_alone():
    new = scheduling.next_intervals(card_id=7, state=CardState(), now=START, reps=0)
    plain = scheduling.next_intervals(card_id=7, state=CardState(), now=START, fuzz=False)
    assert [new[r] for r in (1, 2, 3)] == [plain[r] for r in (1, 2, 3)]  # learning steps
    assert new[4] >= dt.timedelta(days=2)  # Easy graduates: a review interval, fuzzed
    lapsed = scheduling.review(card_id=7, state=review_state(), rating=1, now=START, reps=3)
    assert lapsed.state == RELEARNING and lapsed.due - lapsed.last_review == dt.timedelta(minutes=10)


@pytest.mark.parametrize("draw", [0.0, 0.13, 0.5, 0.77, 0.999])
@pytest.mark.parametrize("days", [1, 2, 3, 5, 7, 12, 20, 45, 300, 36_499])
def test_fuzz_formula_is_the_librarys(days, draw, monkeypatch):
    """The library's own fuzz, given the same draw (its module-level `random` replaced)."""
    import fsrs.scheduler

    lib = fsrs.Scheduler()
    monkeypatch.setattr(fsrs.scheduler, "random", lambda: draw)
    interval = dt.timedelta(days=days)
    expected = lib._get_fuzzed_interval(interval=interval)
    assert scheduling.fuzzed_interval(interval, draw=draw, maximum_interval=lib.maximum_interval) == expected


def test_the_preview_is_what_the_rating_stores_with_fuzz():
    state = review_state()
    for reps in range(6):
        intervals = scheduling.next_intervals(card_id=11, state=state, now=START, reps=reps)
        for rating in scheduling.RATINGS:
            after = scheduling.review(card_id=11, state=state, rating=rating, now=START, reps=reps)
            assert after.due - START == intervals[rating]


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
