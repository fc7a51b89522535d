"""Rappel's schedule is the fsrs library's schedule: replayed scenarios must agree to the second."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import fsrs
import pytest

from review import scheduling
from review.scheduling import CardState

PARIS = "Europe/Paris"
START = dt.datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo(PARIS))
LEARNING, REVIEW, RELEARNING = 1, 2, 3

SCENARIOS = {
    "good-eight-times": [3] * 8,
    "easy": [4, 4, 4],
    "again-then-good": [1, 3, 3, 3, 1, 3, 3],
    "hard-repeatedly": [2] * 6,
    "mixed": [3, 1, 2, 4, 3, 1, 3],
}


UTC = dt.UTC
DAY = dt.timedelta(days=1)
STEPS = {
    # (learning steps, relearning steps), as a student writes them in their settings
    "default": ("1m 10m", "10m"),
    "no steps": ("", ""),
    "custom": ("2m 15m 1h", "5m 30m"),
    "with a day": ("1m 10m 1h 1d", "10m 1d"),
}


def options(steps: str = "default", retention: float = 0.9, tz: str = "UTC") -> scheduling.SchedulerOptions:
    learning, relearning = STEPS[steps]
    return scheduling.SchedulerOptions(
        desired_retention=retention,
        learning_steps=scheduling.parse_steps(learning),
        relearning_steps=scheduling.parse_steps(relearning),
        time_zone=tz,
    )


def library_walk(
    ratings: list[int], opts: scheduling.SchedulerOptions
) -> list[tuple[dt.datetime, fsrs.Card]]:
    """The library's own schedule, on real datetimes: learning steps reviewed when due, a card
    due in days reviewed on its due date an hour later in the day than its last review. Then
    the library's elapsed 24-hour blocks are exactly the review days elapsed (checked below), so
    Rappel, which counts review days, must give the same states."""
    lib = fsrs.Scheduler(
        desired_retention=opts.desired_retention,
        learning_steps=opts.learning_steps,
        relearning_steps=opts.relearning_steps,
        enable_fuzzing=False,
    )
    now = dt.datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    card, walk = fsrs.Card(card_id=7, due=now), []
    for rating in ratings:
        card, _log = lib.review_card(card, fsrs.Rating(rating), review_datetime=now)
        walk.append((now, card))
        now = card.due + dt.timedelta(hours=1) if card.due - now >= DAY else card.due
    return walk


@pytest.mark.parametrize("retention", [0.8, 0.9, 0.95])
@pytest.mark.parametrize("steps", list(STEPS))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_schedule_is_the_librarys_counted_in_review_days(scenario, steps, retention):
    opts = options(steps, retention)
    walk = library_walk(SCENARIOS[scenario], opts)
    moments = [moment for moment, _card in walk]
    for earlier, later in zip(moments, moments[1:], strict=False):  # the walk's premise
        assert (later - earlier).days == (later.date() - earlier.date()).days
    state = CardState()
    for index, (moment, expected) in enumerate(walk):
        rating = SCENARIOS[scenario][index]
        state = scheduling.review(card_id=7, state=state, rating=rating, now=moment, options=opts, fuzz=False)
        assert (state.state, state.step) == (int(expected.state), expected.step)
        assert (state.stability, state.difficulty) == (expected.stability, expected.difficulty)
        assert state.last_review == moment
        if expected.due - moment >= DAY:  # due from 04:00 on the library's due date
            assert state.due == dt.datetime.combine(expected.due.date(), dt.time(4), tzinfo=UTC)
        else:  # a step, in minutes
            assert state.due == expected.due
        if index + 1 < len(walk):
            assert state.due <= moments[index + 1]  # the queue offers it when the walk reviews it


def test_no_relearning_steps_keep_a_forgotten_card_in_review():
    opts = options("no steps")
    state = scheduling.review(card_id=7, state=CardState(), rating=3, now=START, options=opts, fuzz=False)
    assert state.state == REVIEW and state.step is None  # no learning steps: straight to review
    lapsed = scheduling.review(card_id=7, state=state, rating=1, now=state.due, options=opts, fuzz=False)
    assert lapsed.state == REVIEW and lapsed.stability < state.stability
    assert scheduling.review_day(lapsed.due, "UTC") > scheduling.review_day(state.due, "UTC")


def walk_at(hour: int, ratings: list[int], tz: str = "Europe/Paris") -> list[CardState]:
    """Ratings of a new card: learning steps when due, review cards on their due day at `hour`."""
    zone = ZoneInfo(tz)
    state, now, states = CardState(), dt.datetime(2026, 11, 26, hour, tzinfo=zone), []
    for rating in ratings:
        state = scheduling.review(
            card_id=7, state=state, rating=rating, now=now, options=options(tz=tz), fuzz=False
        )
        states.append(state)
        if state.state == REVIEW:
            now = dt.datetime.combine(scheduling.review_day(state.due, tz), dt.time(hour), tzinfo=zone)
        else:
            now = state.due
    return states


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_morning_and_evening_learners_get_the_same_review_days(scenario):
    morning, evening = walk_at(5, SCENARIOS[scenario]), walk_at(22, SCENARIOS[scenario])
    for early, late in zip(morning, evening, strict=True):
        assert (early.state, early.stability, early.difficulty) == (
            late.state,
            late.stability,
            late.difficulty,
        )
        if early.state == REVIEW:
            assert early.due == late.due


@pytest.mark.parametrize(
    ("last", "days"),
    [
        (dt.datetime(2026, 11, 29, 22, 0), 1),
        (dt.datetime(2026, 11, 28, 22, 0), 2),
        (dt.datetime(2026, 11, 23, 22, 0), 7),
        (dt.datetime(2026, 3, 27, 22, 0), 3),  # across the spring change of time: 71 hours
    ],
)
def test_a_card_due_on_day_d_gets_the_same_interval_whenever_on_day_d_it_is_reviewed(last, days):
    """A card last seen at 22:00, `days` review days before day D, is due on D. Rated Good at
    05:00 or at 22:00 on D, it gets the state the library gives after exactly `days` days, not
    the one of `days` - 1 (the 24-hour blocks of 05:00; the same day for a one-day card)."""
    zone = ZoneInfo("Europe/Paris")
    last = last.replace(tzinfo=zone)
    day_d = scheduling.review_day(last, zone) + dt.timedelta(days=days)
    state = CardState(
        state=REVIEW, step=None, stability=float(days), difficulty=5.0, due=last, last_review=last
    )
    morning, evening = (
        scheduling.review(
            card_id=7,
            state=state,
            rating=3,
            now=dt.datetime.combine(day_d, dt.time(hour), tzinfo=zone),
            fuzz=False,
        )
        for hour in (5, 22)
    )
    assert morning == dataclasses.replace(evening, last_review=morning.last_review)
    lib = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(
        card_id=7,
        state=fsrs.State.Review,
        stability=float(days),
        difficulty=5.0,
        due=last,
        last_review=last.astimezone(UTC),
    )
    after_days, _log = lib.review_card(
        card, fsrs.Rating.Good, review_datetime=last.astimezone(UTC) + days * DAY
    )
    assert morning.stability == after_days.stability
    interval = (scheduling.review_day(morning.due, zone) - day_d).days
    assert dt.timedelta(days=interval) == after_days.due - after_days.last_review
    # counted in 24-hour blocks, as the library does, the morning review was a day short
    blocks, _log = lib.review_card(
        card,
        fsrs.Rating.Good,
        review_datetime=dt.datetime.combine(day_d, dt.time(5), tzinfo=zone).astimezone(UTC),
    )
    assert blocks.stability < morning.stability and blocks.due - blocks.last_review < dt.timedelta(
        days=interval
    )


def test_higher_retention_means_shorter_intervals():
    high = walk_with(options(retention=0.95))
    low = walk_with(options(retention=0.8))
    assert high[-1].due < low[-1].due


def walk_with(opts: scheduling.SchedulerOptions, ratings=(3,) * 8) -> list[CardState]:
    state, now, states = CardState(), START, []
    for rating in ratings:
        state = scheduling.review(card_id=7, state=state, rating=rating, now=now, options=opts, fuzz=False)
        states.append(state)
        now = state.due
    return states


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
    # from the start of a review day, within the library's range around the plain interval
    for due in fuzzed.values():
        assert due == scheduling.day_bounds(scheduling.review_day(due, PARIS), PARIS)[0]
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
            if rating == 1:  # a relearning step, from the moment of the rating
                assert after.due - START == intervals[rating] == dt.timedelta(minutes=10)
            else:  # whole review days: due from 04:00 that many days after today
                assert intervals[rating] % DAY == dt.timedelta(0)
                day = scheduling.review_day(START, PARIS) + intervals[rating]
                assert after.due == scheduling.day_bounds(day, PARIS)[0]


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


def test_retrievability_is_the_librarys_at_whole_days_and_moves_in_between():
    state = scheduling.review(card_id=3, state=CardState(), rating=4, now=START, fuzz=False)
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

    def recall(moment):
        return scheduling.retrievability(state=state, now=moment)

    for days in (0, 1, 9, 30):
        later = state.last_review + days * DAY
        assert recall(later) == pytest.approx(
            lib.get_card_retrievability(card, current_datetime=later), rel=1e-12
        )
    # between whole days it falls hour by hour (the library's stays put for 24 hours)
    nine, ten = state.last_review + 9 * DAY, state.last_review + 10 * DAY
    hours = [recall(nine + dt.timedelta(hours=h)) for h in range(25)]
    assert hours == sorted(hours, reverse=True) and len(set(hours)) == 25
    assert recall(ten) < recall(nine + dt.timedelta(hours=5)) < recall(nine)
    assert scheduling.retrievability(state=CardState(), now=nine) == 0.0


def test_a_card_just_failed_does_not_show_full_recall_for_a_day():
    reviewed = scheduling.review(card_id=3, state=CardState(), rating=3, now=START - 30 * DAY, fuzz=False)
    failed = scheduling.review(card_id=3, state=reviewed, rating=1, now=START, fuzz=False)
    assert scheduling.retrievability(state=failed, now=START) == 1.0
    an_hour, tomorrow_nine = START + dt.timedelta(hours=1), START + DAY
    assert (
        1.0
        > scheduling.retrievability(state=failed, now=an_hour)
        > scheduling.retrievability(state=failed, now=tomorrow_nine)
    )


@pytest.mark.parametrize("retention", [0.7, 0.85, 0.9, 0.97])
@pytest.mark.parametrize("maximum", [1, 30, 36500])
def test_interval_days_are_the_librarys(retention, maximum):
    opts = dataclasses.replace(options(retention=retention), maximum_interval=maximum)
    lib = fsrs.Scheduler(desired_retention=retention, maximum_interval=maximum, enable_fuzzing=False)
    for stability in (0.01, 0.4, 1.0, 2.3065, 7.7, 55.5, 400.0, 20_000.0):
        assert scheduling.interval_days(stability, opts) == lib._next_interval(stability=stability)


@pytest.mark.parametrize(
    ("text", "steps", "written"),
    [
        ("1m 10m", (1, 10), "1m 10m"),
        ("  1m,10m ;1h   1d ", (1, 10, 60, 1440), "1m 10m 1h 1d"),
        ("", (), ""),
        ("15", (15,), "15m"),  # a bare number is minutes, as in Anki
        ("90s 2J 120min", (1.5, 2880, 120), "90s 2d 2h"),
    ],
)
def test_steps_are_read_as_anki_writes_them(text, steps, written):
    parsed = scheduling.parse_steps(text)
    assert parsed == tuple(dt.timedelta(minutes=m) for m in steps)
    assert scheduling.format_steps(parsed) == written


@pytest.mark.parametrize("text", ["10x", "1.5h", "-5m", "m", "30s", "31d", "0m", " ".join(["1m"] * 11)])
def test_bad_steps_are_refused_with_a_message(text):
    with pytest.raises(scheduling.StepsError) as error:
        scheduling.parse_steps(text)
    assert error.value.message


def test_the_steps_of_the_options_are_the_schedulers():
    opts = options("custom")
    lib = scheduling.scheduler(opts)
    assert lib.learning_steps == opts.learning_steps and lib.relearning_steps == opts.relearning_steps
    new = scheduling.next_intervals(card_id=1, state=CardState(), now=START, options=opts)
    assert (new[1], new[3]) == (dt.timedelta(minutes=2), dt.timedelta(minutes=15))
    lapsed = scheduling.next_intervals(card_id=1, state=review_state(), now=START, options=opts)
    assert lapsed[1] == dt.timedelta(minutes=5)
